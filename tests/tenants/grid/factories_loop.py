"""Rows the loop area's tests share: a street with a community, its grid and a category, items
reported in it, moved along the loop, and the accounts that see them."""

from __future__ import annotations

from dataclasses import dataclass

from saas.auth.models import User
from tenants.grid.items import ItemInput, create_item
from tenants.grid.loop import advance
from tenants.grid.models import DepartmentMember, GridItem
from tests.tenants.grid.factories import make_category, make_place


@dataclass
class Place:
    community: int
    grid: int
    building: int
    category: int


def make_setup(scoped, street, community="和平社区", category=True, worker_id=None) -> Place:
    c, g, b = make_place(scoped, street, community=community, worker_id=worker_id)
    cat = (
        make_category(scoped, street, name=f"{community}类", hours=48, level=community)
        if category
        else 0
    )
    return Place(c, g, b, cat)


def make_item(scoped, street, reporter_id: int, place: Place, description="楼道堆放杂物",
              steps=(), **columns) -> int:  # fmt: skip
    """An item reported by ``reporter_id`` at ``place``, then ``steps`` taken by the street's
    admin as (kind, column changes) pairs or plain kinds, then ``columns`` set directly."""
    with scoped(street) as session:
        reporter = session.get(User, (street.id, reporter_id))
        item = create_item(session, reporter, ItemInput(place.category, description,
                                                        place.community, place.grid))  # fmt: skip
        for step in steps:
            kind, changes = (step, {}) if isinstance(step, str) else step
            advance(session, item, kind, street.admin_id, **changes)
        for key, value in columns.items():
            setattr(item, key, value)
        session.commit()
        return item.id


def add_member(scoped, street, department_id: int, user_id: int) -> None:
    with scoped(street) as session:
        session.add(DepartmentMember(department_id=department_id, user_id=user_id))
        session.commit()


def item_row(scoped, street, item_id: int) -> GridItem:
    with scoped(street) as session:
        item = session.get(GridItem, (street.id, item_id))
        session.expunge(item)
        return item
