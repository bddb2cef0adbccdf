"""Rows the member-day tests share: circles and merchants seeded directly (the directory area
builds their pages), member days made by the job, points for a resident."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from saas.auth.models import User
from saas.streets.models import Tenant
from saas.ui import street_today
from tenants.merchants.memberday import ensure_member_days
from tenants.merchants.models import Circle, MemberDay, Merchant
from tenants.orgs.models import OrgAccount, Organisation, OrgKind
from tenants.passport.ledger import post_entry
from tenants.passport.models import EntryKind
from tenants.passport.services import passport_for


def make_circle(scoped, street, name: str = "幸福商圈", **kw) -> int:
    with scoped(street) as session:
        circle = Circle(name=name, area=kw.pop("area", "幸福路步行街"), **kw)
        session.add(circle)
        session.commit()
        return circle.id


def make_merchant(scoped, street, make_user, circle_id: int | None, name: str = "老街面馆", **kw):
    """A merchant (organisation record, profile in ``circle_id``) and its account:
    (organisation id, user id, phone)."""
    with scoped(street) as session:
        org = Organisation(kind=OrgKind.merchant, name=name)
        session.add(org)
        session.flush()
        session.add(Merchant(organisation_id=org.id, circle_id=circle_id, category="餐饮", **kw))
        session.commit()
        org_id = org.id
    user_id, phone = make_user(street, "org", name=name)
    with scoped(street) as session:
        session.add(OrgAccount(user_id=user_id, organisation_id=org_id))
        session.commit()
    return org_id, user_id, phone


def make_days(scoped, street, today: date | None = None) -> int:
    with scoped(street) as session:
        made = ensure_member_days(session, today or street_today())
        session.commit()
        return made


def next_day_id(scoped, street, circle_id: int) -> int:
    """The circle's next member day (today or later): the one residents are shown."""
    with scoped(street) as session:
        return session.scalars(
            select(MemberDay.id)
            .where(MemberDay.circle_id == circle_id, MemberDay.day >= street_today())
            .order_by(MemberDay.day)
        ).first()


def give_points(scoped, street, user_id: int, points: int, key: str = "seed") -> int:
    """A passport for ``user_id`` with ``points``; returns its id."""
    with scoped(street) as session:
        user = session.scalar(select(User).where(User.id == user_id))
        passport = passport_for(session, user, session.get(Tenant, street.id))
        post_entry(session, passport.id, points, EntryKind.earn, f"test:{key}:{user_id}")
        session.commit()
        return passport.id
