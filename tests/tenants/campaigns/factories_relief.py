"""Rows of the relief registry (纾困解难) made inside a street's scope, for its tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from stdnum.cn import ric

from tenants.campaigns.relief import id_number_hash, mask_id_number
from tenants.campaigns.relief_models import Assistance, Household, Visit
from tenants.structure.models import Grid


def id_number(n: int = 1, born: str = "19800101", region: str = "110105") -> str:
    """A valid 18-character ID number (its check digit computed), different for each ``n``."""
    body = f"{region}{born}{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def make_grid(scoped, street, community_id: int, name: str = "一网格") -> int:
    with scoped(street) as session:
        grid = Grid(community_id=community_id, name=name)
        session.add(grid)
        session.commit()
        return grid.id


def make_household(scoped, street, community_id: int, n: int = 1, **kw) -> int:
    """A household of ``community_id`` with the ID number ``id_number(n)`` unless ``number=None``
    and the phone ``kw['phone']`` if given."""
    number = kw.pop("number", id_number(n))
    with scoped(street) as session:
        household = Household(
            head_name=kw.pop("head_name", f"户主{n}"),
            id_number_hash=id_number_hash(street.id, number) if number else None,
            id_number_masked=mask_id_number(number) if number else "",
            grade=kw.pop("grade", "A"),
            reason=kw.pop("reason", "dibao"),
            size=kw.pop("size", 3),
            community_id=community_id,
            **kw,
        )
        session.add(household)
        session.commit()
        return household.id


def add_assistance(scoped, street, household_id: int, amount="100", **kw) -> int:
    with scoped(street) as session:
        row = Assistance(
            household_id=household_id,
            kind=kw.pop("kind", "money"),
            amount=Decimal(amount) if amount is not None else None,
            given_on=kw.pop("given_on", date.today()),
            giver_name=kw.pop("giver_name", "街道办事处"),
            **kw,
        )
        session.add(row)
        session.commit()
        return row.id


def add_visit(scoped, street, household_id: int, visited_on: date, next_due=None, **kw) -> int:
    with scoped(street) as session:
        row = Visit(household_id=household_id, visited_on=visited_on, next_due=next_due,
                    found=kw.pop("found", "生活基本稳定"), **kw)  # fmt: skip
        session.add(row)
        session.commit()
        return row.id
