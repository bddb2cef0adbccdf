"""What the passport does when the events engine reports something (listed in its module
declaration, connected when the app starts).

- Attendance confirmed: the hours count on the volunteer's passport and earn points under the
  street's rules, paid once per attendance (the ledger's source key ``attendance:<id>``).
- A scanned code: a passport's QR or number stands for its holder.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, select, update
from sqlalchemy.orm import Session

from saas.auth.models import User
from saas.notify.services import notify
from saas.streets.models import Tenant
from tenants.events.models import Attendance, Event, HoursSource, PointsMode
from tenants.events.signals import attendance_confirmed, resolve_scanned_code
from tenants.passport.codes import passport_holder
from tenants.passport.ledger import post_entry
from tenants.passport.models import EntryKind, Passport, PointRule
from tenants.passport.services import DEFAULT_POINTS_PER_HOUR, passport_for


def points_per_hour(session: Session, event: Event) -> int:
    if event.points_value is not None:
        return event.points_value
    rules = dict(
        session.execute(
            select(PointRule.event_kind, PointRule.points_per_hour).where(
                PointRule.event_kind.in_([event.kind, ""])
            )
        ).all()
    )
    return rules.get(event.kind, rules.get("", DEFAULT_POINTS_PER_HOUR))


def points_for(session: Session, tenant: Tenant, event: Event, hours: Decimal, user: User) -> int:
    """What ``hours`` at ``event`` earn ``user`` under the street's rules."""
    if event.points_mode == PointsMode.fixed:
        points = event.points_value or 0
    else:
        points = int((hours * points_per_hour(session, event)).to_integral_value(ROUND_DOWN))
    bonus = int((tenant.settings or {}).get("party_bonus_percent", 0))
    if user.is_party_member and bonus:
        points += points * bonus // 100
    return points


@attendance_confirmed.connect
def pay_for_attendance(
    attendance: Attendance,
    *,
    session: Session,
    tenant: Tenant,
    event: Event,
    user: User,
    hours: Decimal,
    source: str,
    actor: User | None = None,
    **_kwargs,
) -> str | None:
    """The hours on the passport, and the points they earn, once. Says what was paid."""
    passport = passport_for(session, user, tenant)
    _add_hours(session, passport, hours, _local_year(event))
    earns = source == HoursSource.recorded or (tenant.settings or {}).get(
        "entered_hours_earn_points", False
    )
    points = points_for(session, tenant, event, hours, user) if earns else 0
    if points <= 0:
        return None
    entry = post_entry(
        session,
        passport.id,
        points,
        EntryKind.earn,
        f"attendance:{attendance.id}",
        reason=event.title,
        actor_id=actor.id if actor else None,
        tenant=tenant,
    )
    if entry is None:
        return None
    notify(
        session,
        user,
        "points.awarded",
        _l("获得 %(n)d 积分", n=points),
        _l("参加“%(title)s”，服务 %(hours)s 小时。", title=event.title, hours=hours),
    )
    return str(_l("发放 %(n)d 积分", n=points))


@resolve_scanned_code.connect
def holder_of_passport_code(code: str, *, session: Session, **_kwargs) -> User | None:
    return passport_holder(session, code)


def _local_year(event: Event) -> int:
    """The year the event took place where the street is (not the UTC year of confirming it)."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return event.starts_at.astimezone(zone).year


def _add_hours(session: Session, passport: Passport, hours: Decimal, year: int) -> None:
    """Add to the all-time hours, and to ``hours_year`` when it counts ``year`` (or a newer year
    starts with these hours; hours of an older year confirmed late leave this year's alone).

    Decided by the database on the locked row, not from a possibly stale object."""
    session.execute(
        update(Passport)
        .where(Passport.id == passport.id)
        .values(
            hours_total=Passport.hours_total + hours,
            hours_year=case(
                (Passport.hours_year_of == year, Passport.hours_year + hours),
                (Passport.hours_year_of < year, hours),
                else_=Passport.hours_year,
            ),
            hours_year_of=case((Passport.hours_year_of < year, year), else_=Passport.hours_year_of),
        )
        .execution_options(synchronize_session=False)
    )
