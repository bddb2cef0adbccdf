"""The passport part of the demo street: points settings and rules, a passport for every
volunteer, a few admin awards. Events, attendance and rewards (which earn and spend points
through the same ledger) come from their own modules' demo data.

Idempotent: settings already chosen are kept, and every ledger entry has a fixed source key.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from saas.auth.models import Role, User
from saas.streets.models import Tenant
from saas.tenancy import tenant_scope
from tenants.events.models import EventKind
from tenants.passport.ledger import post_entry
from tenants.passport.models import EntryKind, PointRule
from tenants.passport.services import SETTINGS_DEFAULTS, passport_for
from tenants.people.demo import fixed_phones

DEMO_VOLUNTEER = "13900000005"
DEMO_ADMIN = "13900000001"
SETTINGS = {
    **SETTINGS_DEFAULTS,
    "points_expiry": "next_year_end",
    "party_bonus_percent": 10,
    "wish_points": 20,
}
#: event kind ("" for the default) → points per hour
RULES = {"": 10, EventKind.volunteer.value: 12, EventKind.meeting.value: 5}
#: (phone, source key, points, reason): awards the admin made by hand
AWARDS = [
    (DEMO_VOLUNTEER, "demo:welcome", 20, "新志愿者见面礼"),
    (DEMO_VOLUNTEER, "demo:honour-2025", 50, "2025 年度优秀志愿者表彰"),
    ("13900000101", "demo:welcome", 20, "新志愿者见面礼"),
    ("13900000103", "demo:honour-2025", 30, "2025 年度社区服务之星"),
]


def load_settings(session: Session, tenant: Tenant) -> None:
    """The street's points settings and rules, before any event pays points."""
    with tenant_scope(tenant.id):
        if "points_expiry" not in (tenant.settings or {}):
            tenant.settings = {**SETTINGS, **(tenant.settings or {})}
        existing = set(session.scalars(select(PointRule.event_kind)))
        for kind, points in RULES.items():
            if kind not in existing:
                session.add(PointRule(event_kind=kind, points_per_hour=points))
        session.flush()


def load_demo(session: Session, tenant: Tenant) -> None:
    """A passport for every fixed demo volunteer and the admin's awards (the generated
    volunteers get theirs with their history: history_demo). The caller commits."""
    with tenant_scope(tenant.id):
        admin = session.scalar(select(User).where(User.phone == DEMO_ADMIN))
        volunteers = session.scalars(
            select(User)
            .where(User.role == Role.volunteer, User.phone.in_(sorted(fixed_phones())))
            .order_by(User.phone)
        ).all()
        passports = {user.phone: passport_for(session, user, tenant) for user in volunteers}
        for phone, key, points, reason in AWARDS:
            passport = passports.get(phone)
            if passport is None:
                continue
            post_entry(
                session,
                passport.id,
                points,
                EntryKind.adjust,
                f"{key}:{passport.user_id}",
                reason=reason,
                actor_id=admin.id if admin else None,
                tenant=tenant,
            )
        session.flush()
