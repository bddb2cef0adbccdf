"""Confirming attendance: hours become a service record and points, once."""

from __future__ import annotations

import re
from decimal import ROUND_DOWN, Decimal
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from saas.audit.services import record
from saas.auth.models import User
from saas.db import guarded_update, insert_ignoring_conflict, new_id, utcnow
from saas.errors import ServiceError
from saas.notify.services import notify
from saas.streets.models import Tenant
from tenants.events.models import (
    Attendance,
    Event,
    EventStatus,
    HoursSource,
    PointsMode,
    Registration,
    RegistrationStatus,
)
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
    session: Session, actor: User | None, tenant: Tenant, attendance: Attendance
) -> int:
    """Confirm the hours and award the points. Safe to call twice: pays once. Returns points.

    :param actor: the staff member confirming; None when the street confirms automatically
    """
    if attendance.hours is None:
        raise ServiceError(_("尚未签退，无法确认时长"))
    # Confirm and read the hours in one statement: what is paid is what the row says now (not a
    # correction loaded earlier), and a row someone already confirmed pays nothing more.
    confirmed = session.execute(
        update(Attendance)
        .where(
            Attendance.id == attendance.id,
            Attendance.confirmed_at.is_(None),
            Attendance.hours.is_not(None),
        )
        .values(confirmed_at=utcnow(), confirmed_by=actor.id if actor else None)
        .returning(Attendance.hours, Attendance.source)
        .execution_options(synchronize_session=False)
    ).first()
    if confirmed is None:
        return 0
    hours, source = confirmed
    event = session.scalar(select(Event).where(Event.id == attendance.event_id))
    user = session.scalar(select(User).where(User.id == attendance.user_id))
    passport = passport_for(session, user, tenant)
    _add_hours(session, passport, hours, _local_year(event))
    earns = source == HoursSource.recorded or (tenant.settings or {}).get(
        "entered_hours_earn_points", False
    )
    points = points_for(session, tenant, event, hours, user) if earns else 0
    if points <= 0:
        return 0
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
    if entry is not None:
        notify(
            session,
            user,
            "points.awarded",
            _l("获得 %(n)d 积分", n=points),
            _l("参加“%(title)s”，服务 %(hours)s 小时。", title=event.title, hours=hours),
        )
    return points if entry is not None else 0


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


def maybe_auto_confirm(session: Session, tenant: Tenant, attendance: Attendance) -> int | None:
    """Confirm at once if the street turned on auto-confirm (``settings["auto_confirm"]``).

    Called wherever hours are recorded (check-out, the closing job, a correction, 补录).
    Returns the points paid, or None when the street confirms by hand or there are no hours yet.
    """
    if not (tenant.settings or {}).get("auto_confirm"):
        return None
    if attendance.hours is None or attendance.confirmed_at is not None:
        return None
    return confirm_attendance(session, None, tenant, attendance)


#: hours as people type them: "2", "1.5", "0.25"
HOURS_PATTERN = re.compile(r"\d{1,4}(\.\d{1,2})?")
REASON_MAX = 200


def parse_hours(raw: str | None, event: Event) -> Decimal:
    """Hours typed by staff: a number from 0 to the event's length, two decimals at most.

    :raise ServiceError: anything else (field ``hours``)
    """
    text = (raw or "").strip()
    if not text:
        raise ServiceError(_("请填写服务时长"), "hours")
    if not text.isascii() or not HOURS_PATTERN.fullmatch(text):
        raise ServiceError(_("时长请填写数字，如 2 或 1.5"), "hours")
    hours = Decimal(text)
    if hours > event.hours:
        raise ServiceError(
            _("时长不能超过活动时长（%(n)s 小时）", n=event.hours.normalize()), "hours"
        )
    return hours


def clean_reason(raw: str | None) -> str:
    reason = " ".join((raw or "").split())
    if not reason:
        raise ServiceError(_("请填写原因"), "reason")
    if len(reason) > REASON_MAX:
        raise ServiceError(_("原因不能超过 %(n)d 个字", n=REASON_MAX), "reason")
    return reason


def _check_event_open_for_hours(event: Event) -> None:
    if event.status == EventStatus.cancelled:
        raise ServiceError(_("活动已取消，不能记录时长"))
    if event.starts_at > utcnow():
        raise ServiceError(_("活动尚未开始"))


def correct_hours(
    session: Session,
    actor: User,
    tenant: Tenant,
    event: Event,
    attendance: Attendance,
    raw_hours: str | None,
    raw_reason: str | None,
) -> Attendance:
    """Staff correct the hours of an attendance not yet confirmed; the reason is audit-logged.

    :raise ServiceError: confirmed already (its points are paid), bad hours, no reason
    """
    _check_event_open_for_hours(event)
    if attendance.confirmed_at is not None:
        raise ServiceError(_("时长已确认并发放积分，不能再修改"))
    hours = parse_hours(raw_hours, event)
    reason = clean_reason(raw_reason)
    before = attendance.hours
    values = {"hours": hours, "reason": reason}
    if attendance.checked_in_at is not None and attendance.checked_out_at is None:
        # still checked in: staff close it now, so the closing job leaves these hours alone
        out = max(attendance.checked_in_at, min(utcnow(), event.ends_at))
        values["checked_out_at"] = func.coalesce(Attendance.checked_out_at, out)
    if not guarded_update(session, attendance, Attendance.confirmed_at.is_(None), **values):
        # confirmed by someone else a moment ago
        raise ServiceError(_("时长已确认并发放积分，不能再修改"))
    session.refresh(attendance)
    record(
        session,
        "attendance.correct",
        actor.id,
        target=f"attendance:{attendance.id}",
        detail={
            "event_id": event.id,
            "user_id": attendance.user_id,
            "from": str(before) if before is not None else "",
            "to": str(hours),
            "reason": reason,
        },
    )
    session.flush()
    maybe_auto_confirm(session, tenant, attendance)
    return attendance


def enter_hours(
    session: Session,
    actor: User,
    tenant: Tenant,
    event: Event,
    user_id: int | None,
    raw_hours: str | None,
    raw_reason: str | None,
) -> Attendance:
    """补录: hours entered afterwards for a registered person with no attendance (source entered).

    Entered hours earn points only if the street says so (``entered_hours_earn_points``).
    :raise ServiceError: not registered, attendance exists, bad hours, no reason
    """
    _check_event_open_for_hours(event)
    registered = (
        session.scalar(
            select(Registration.id).where(
                Registration.event_id == event.id,
                Registration.user_id == user_id,
                Registration.status == RegistrationStatus.registered,
            )
        )
        if user_id is not None
        else None
    )
    if registered is None:
        raise ServiceError(_("请选择已报名本活动的人员"), "user")
    hours = parse_hours(raw_hours, event)
    reason = clean_reason(raw_reason)
    attendance_id = insert_ignoring_conflict(
        session,
        Attendance,
        {
            "tenant_id": event.tenant_id,
            "id": new_id(),
            "event_id": event.id,
            "user_id": user_id,
            "hours": hours,
            "source": HoursSource.entered,
            "reason": reason,
            "auto_closed": False,
            "created_at": utcnow(),
        },
        ["tenant_id", "event_id", "user_id"],
    )
    if attendance_id is None:  # checked in, or entered by someone else a moment ago
        raise ServiceError(_("此人已有签到记录，请在签到记录中修改时长"), "user")
    attendance = session.scalar(select(Attendance).where(Attendance.id == attendance_id))
    record(
        session,
        "attendance.enter",
        actor.id,
        target=f"attendance:{attendance.id}",
        detail={"event_id": event.id, "user_id": user_id, "hours": str(hours), "reason": reason},
    )
    session.flush()
    maybe_auto_confirm(session, tenant, attendance)
    return attendance


def _refuse_if_cancelled(event: Event) -> None:
    if event.status == EventStatus.cancelled:
        raise ServiceError(_("活动已取消，不能确认时长"))


def confirm_one(
    session: Session, actor: User, tenant: Tenant, event: Event, attendance: Attendance
) -> int:
    """Staff confirm one attendance: its hours count and its points are paid (once)."""
    _refuse_if_cancelled(event)
    return confirm_attendance(session, actor, tenant, attendance)


def confirm_all(session: Session, actor: User, tenant: Tenant, event: Event) -> int:
    """Confirm every attendance of the event that has hours and is not confirmed. Returns how many."""
    _refuse_if_cancelled(event)
    waiting = session.scalars(
        select(Attendance)
        .where(
            Attendance.event_id == event.id,
            Attendance.hours.is_not(None),
            Attendance.confirmed_at.is_(None),
        )
        .order_by(Attendance.id)
    ).all()
    for attendance in waiting:
        confirm_attendance(session, actor, tenant, attendance)
    return len(waiting)
