"""Rows the voting tests share: merchants (organisation records with a profile) and rounds."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from saas.db import utcnow
from tenants.merchants.models import Candidate, Merchant, VotingRound
from tenants.orgs.models import OrgKind
from tests.tenants.alliance.factories import make_unit


def make_merchant(scoped, street, name: str = "老街面馆", **kw) -> int:
    """A merchant: its organisation record (kind merchant) and its profile."""
    organisation_id = make_unit(scoped, street, name, kind=OrgKind.merchant)
    with scoped(street) as session:
        session.add(
            Merchant(
                organisation_id=organisation_id,
                category=kw.pop("category", "餐饮"),
                is_model=kw.pop("is_model", False),
                **kw,
            )
        )
        session.commit()
    return organisation_id


def make_round(
    scoped,
    street,
    merchants: list[int] = (),
    n: int = 3,
    opens_in: timedelta = timedelta(hours=-1),
    lasts: timedelta = timedelta(days=7),
    title: str = "年度最受欢迎商户评选",
) -> int:
    """A round (open now unless told otherwise) with ``merchants`` as its candidates."""
    starts = utcnow() + opens_in
    with scoped(street) as session:
        vround = VotingRound(title=title, starts_at=starts, ends_at=starts + lasts,
                             votes_per_person=n)  # fmt: skip
        session.add(vround)
        session.flush()
        for organisation_id in merchants:
            session.add(Candidate(round_id=vround.id, organisation_id=organisation_id))
        session.commit()
        return vround.id


def set_times(scoped, street, round_id: int, starts_at, ends_at) -> None:
    """Move a round's times in the database (past its opening, the app never does)."""
    with scoped(street) as session:
        session.execute(
            update(VotingRound)
            .where(VotingRound.id == round_id)
            .values(starts_at=starts_at, ends_at=ends_at)
        )
        session.commit()
