"""Rows the alliance tests share: units (organisation records) with their accounts, agreements."""

from __future__ import annotations

from datetime import date, timedelta

from tenants.alliance.models import Agreement
from tenants.orgs.models import OrgAccount, Organisation, OrgKind


def make_unit(scoped, street, name: str = "共建单位甲", kind: str = OrgKind.alliance, **kw) -> int:
    """An organisation record of ``kind`` (an alliance unit unless told otherwise)."""
    with scoped(street) as session:
        unit = Organisation(kind=kind, name=name, **kw)
        session.add(unit)
        session.commit()
        return unit.id


def link_account(scoped, street, user_id: int, organisation_id: int) -> None:
    """Make an org account act for ``organisation_id``."""
    with scoped(street) as session:
        session.add(OrgAccount(user_id=user_id, organisation_id=organisation_id))
        session.commit()


def unit_with_account(scoped, street, make_user, name: str = "共建单位甲", **kw):
    """A unit and an org account acting for it: (organisation id, user id, phone)."""
    unit_id = make_unit(scoped, street, name, **kw)
    user_id, phone = make_user(street, "org", name=name + "联系人")
    link_account(scoped, street, user_id, unit_id)
    return unit_id, user_id, phone


def add_agreement(scoped, street, organisation_id: int, ends_in_days: int = 365, **kw) -> int:
    """An agreement signed a year before it ends ``ends_in_days`` from today (negative: ended)."""
    ends = date.today() + timedelta(days=ends_in_days)
    values = {
        "organisation_id": organisation_id,
        "signed_on": ends - timedelta(days=366),
        "starts_on": ends - timedelta(days=365),
        "ends_on": ends,
        "summary": "共建共享，服务社区",
        **kw,
    }
    with scoped(street) as session:
        agreement = Agreement(**values)
        session.add(agreement)
        session.commit()
        return agreement.id
