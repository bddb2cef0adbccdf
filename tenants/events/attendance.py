"""Confirming attendance: hours become a service record and points, once."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from saas.auth.models import User
from saas.db import utcnow
from saas.errors import ServiceError
from saas.notify.services import notify
from saas.streets.models import Tenant
from tenants.events.models import Attendance, Event, HoursSource, PointsMode
from tenants.passport.ledger import post_entry
from tenants.passport.models import EntryKind, Passport, PointRule
from tenants.passport.services import passport_for

DEFAULT_POINTS_PER_HOUR = 10


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


def confirm_attendance(
    session: Session, actor: User, tenant: Tenant, attendance: Attendance
) -> int:
    """Confirm the hours and award the points. Safe to call twice: pays once. Returns points."""
    if attendance.hours is None:
        raise ServiceError(_("尚未签退，无法确认时长"))
    event = session.scalar(select(Event).where(Event.id == attendance.event_id))
    user = session.scalar(select(User).where(User.id == attendance.user_id))
    first = session.execute(
        update(Attendance)
        .where(Attendance.id == attendance.id, Attendance.confirmed_at.is_(None))
        .values(confirmed_at=utcnow(), confirmed_by=actor.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    passport = passport_for(session, user, tenant)
    if first:
        _add_hours(session, passport, attendance.hours)
    earns = attendance.source == HoursSource.recorded or (tenant.settings or {}).get(
        "entered_hours_earn_points", False
    )
    points = points_for(session, tenant, event, attendance.hours, user) if earns else 0
    if points <= 0:
        return 0
    entry = post_entry(
        session,
        passport.id,
        points,
        EntryKind.earn,
        f"attendance:{attendance.id}",
        reason=event.title,
        actor_id=actor.id,
        tenant=tenant,
    )
    if entry is not None:
        notify(
            session,
            user,
            "points.awarded",
            _("获得 %(n)d 积分", n=points),
            _("参加“%(title)s”，服务 %(hours)s 小时。", title=event.title, hours=attendance.hours),
        )
    return points if entry is not None else 0


def _add_hours(session: Session, passport: Passport, hours: Decimal) -> None:
    year = utcnow().year
    session.execute(
        update(Passport)
        .where(Passport.id == passport.id)
        .values(
            hours_total=Passport.hours_total + hours,
            hours_year=(Passport.hours_year + hours) if passport.hours_year_of == year else hours,
            hours_year_of=year,
        )
        .execution_options(synchronize_session=False)
    )
