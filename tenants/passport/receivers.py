"""What the passport does when the events engine reports something (listed in its module
declaration, connected when the app starts).

- Attendance confirmed: the hours count on the volunteer's passport and earn points under the
  street's rules, paid once per attendance (the ledger's source key ``attendance:<id>``).
- Confirmed hours corrected by the admin: the hours on the passport move by the difference, and
  the points paid for the attendance are settled by a new award and a reversal in the ledger
  (keys ``attendance:<id>:fix:<correction id>:award`` / ``:reverse``), never by editing an entry.
- A scanned code: a passport's QR or number stands for its holder.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, or_, select, update
from sqlalchemy.orm import Session

from saas.auth.models import Role, User
from saas.errors import ServiceError
from saas.notify.services import notify
from saas.streets.models import Tenant
from saas.text import hours_text
from tenants.events.models import Attendance, Event, HoursSource, PointsMode
from tenants.events.signals import (
    attendance_confirmed,
    confirmed_hours_corrected,
    resolve_scanned_code,
)
from tenants.passport.codes import passport_holder
from tenants.passport.ledger import InsufficientPoints, post_entry
from tenants.passport.models import EntryKind, Passport, PointEntry, PointRule
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
    """The hours on the passport, and the points they earn, once. Says what was paid.

    Only volunteers hold passports: a unit's attendance (an org account) is the alliance's to
    credit, and an office account's is nobody's."""
    if user.role != Role.volunteer:
        return None
    passport = passport_for(session, user, tenant)
    _add_hours(session, passport, hours, _local_year(event))
    earns = _earns(tenant, source)
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
        _l("参加“%(title)s”，服务 %(hours)s 小时。", title=event.title, hours=hours_text(hours)),
    )
    return str(_l("发放 %(n)d 积分", n=points))


def _earns(tenant: Tenant, source: str) -> bool:
    return source in (HoursSource.recorded, HoursSource.unit) or bool(
        (tenant.settings or {}).get("entered_hours_earn_points", False)
    )


def paid_for_attendance(session: Session, attendance_id: int) -> int:
    """The points an attendance holds now: its award plus every correction's award and reversal."""
    key = f"attendance:{attendance_id}"
    return session.scalar(
        select(func.coalesce(func.sum(PointEntry.delta), 0)).where(
            or_(PointEntry.source_key == key, PointEntry.source_key.like(f"{key}:fix:%"))
        )
    )


@confirmed_hours_corrected.connect
def settle_corrected_hours(
    attendance: Attendance,
    *,
    session: Session,
    tenant: Tenant,
    event: Event,
    user: User,
    previous_hours: Decimal,
    hours: Decimal,
    correction_id: int,
    actor: User | None = None,
    **_kwargs,
) -> str | None:
    """Move the passport's hours by the difference; reverse what the attendance was paid and pay
    what the new hours earn under today's rules.

    The new award is posted before the reversal, so a correction upwards never fails for points
    already spent; one downwards that would take the balance below zero is refused (the admin
    sees why), since the volunteer spent those points in good faith and a negative balance
    cannot exist (the passport's CHECK).
    """
    passport = passport_for(session, user, tenant)
    _move_hours(session, passport, hours - previous_hours, _local_year(event))
    paid = paid_for_attendance(session, attendance.id)
    points = (
        points_for(session, tenant, event, hours, user) if _earns(tenant, attendance.source) else 0
    )
    key = f"attendance:{attendance.id}:fix:{correction_id}"
    actor_id = actor.id if actor else None
    reason = str(_l("更正时长：%(title)s", title=event.title))
    if points > 0:
        post_entry(
            session,
            passport.id,
            points,
            EntryKind.earn,
            f"{key}:award",
            reason=reason,
            actor_id=actor_id,
            tenant=tenant,
        )
    if paid > 0:
        try:
            post_entry(
                session,
                passport.id,
                -paid,
                EntryKind.adjust,
                f"{key}:reverse",
                reason=reason,
                actor_id=actor_id,
                tenant=tenant,
            )
        except InsufficientPoints:
            raise ServiceError(
                str(
                    _l(
                        "%(name)s 的积分已用掉，不够扣回 %(n)d 积分，不能更正为 %(hours)s 小时",
                        name=user.name,
                        n=paid - points,
                        hours=hours_text(hours),
                    )
                )
            ) from None
    if points == paid:
        return None
    change = points - paid
    notify(
        session,
        user,
        "points.adjusted",
        _l("服务时长已更正"),
        _l(
            "“%(title)s”的服务时长由 %(before)s 小时更正为 %(after)s 小时，积分 %(change)s。",
            title=event.title,
            before=hours_text(previous_hours),
            after=hours_text(hours),
            change=f"{change:+d}",
        ),
    )
    if change > 0:
        return str(_l("补发 %(n)d 积分", n=change))
    return str(_l("扣回 %(n)d 积分", n=-change))


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


def _move_hours(session: Session, passport: Passport, delta: Decimal, year: int) -> None:
    """A correction's difference: on the all-time hours, and on ``hours_year`` only while it
    still counts the event's year (an older year's correction leaves this year's alone)."""
    session.execute(
        update(Passport)
        .where(Passport.id == passport.id)
        .values(
            hours_total=Passport.hours_total + delta,
            hours_year=case(
                (Passport.hours_year_of == year, Passport.hours_year + delta),
                else_=Passport.hours_year,
            ),
        )
        .execution_options(synchronize_session=False)
    )
