"""Attendance: hours recorded, corrected, entered afterwards (补录) and confirmed, once.

Confirming is where the modules built on events pay for the hours (the passport's points, later a
unit's hours): the engine only sends :data:`~tenants.events.signals.attendance_confirmed`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from saas.audit.services import record
from saas.auth.models import User
from saas.db import guarded_update, insert_ignoring_conflict, new_id, utcnow
from saas.errors import ServiceError
from saas.streets.models import Tenant
from saas.text import fold, hours_text, other_digits
from tenants.events.models import (
    Attendance,
    Event,
    EventStatus,
    HoursSource,
    Registration,
    RegistrationStatus,
)
from tenants.events.signals import (
    attendance_confirmed,
    attendance_corrected,
    confirmed_hours_corrected,
    sentences,
)


@dataclass
class Confirmation:
    """What confirming an attendance did: ``done`` if this call confirmed it (a second call, or
    one that lost a race, did nothing); ``notes`` are what the modules paying for it said
    (the passport's "发放 12 积分")."""

    done: bool
    notes: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.done


def confirm_attendance(
    session: Session, actor: User | None, tenant: Tenant, attendance: Attendance
) -> Confirmation:
    """Confirm the hours; the modules built on events pay for them (points, a unit's hours…)
    through :data:`~tenants.events.signals.attendance_confirmed`. Safe to call twice: the row is
    confirmed, and the signal sent, once.

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
        return Confirmation(False)
    hours, source = confirmed
    event = session.scalar(select(Event).where(Event.id == attendance.event_id))
    user = session.scalar(select(User).where(User.id == attendance.user_id))
    answers = attendance_confirmed.send(
        attendance,
        session=session,
        tenant=tenant,
        event=event,
        user=user,
        hours=hours,
        source=source,
        actor=actor,
    )
    return Confirmation(True, sentences(answers))


def maybe_auto_confirm(
    session: Session, tenant: Tenant, attendance: Attendance
) -> Confirmation | None:
    """Confirm at once if the street turned on auto-confirm (``settings["auto_confirm"]``).

    Called wherever hours are recorded (check-out, the closing job, a correction, 补录).
    None when the street confirms by hand or there are no hours yet.
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
    text = fold(raw)  # full-width digits and point are the same number
    if not text:
        raise ServiceError(_("请填写服务时长"), "hours")
    if not text.isascii() or not HOURS_PATTERN.fullmatch(text):
        raise ServiceError(other_digits(text) or _("时长请填写数字，如 2 或 1.5"), "hours")
    hours = Decimal(text)
    if hours > event.hours:
        raise ServiceError(
            _("时长不能超过活动时长（%(n)s 小时）", n=hours_text(event.hours)), "hours"
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
    attendance_corrected.send(
        attendance, session=session, event=event, actor=actor, previous_hours=before, reason=reason
    )
    maybe_auto_confirm(session, tenant, attendance)
    return attendance


def correct_confirmed_hours(
    session: Session,
    actor: User,
    tenant: Tenant,
    event: Event,
    attendance: Attendance,
    raw_hours: str | None,
    raw_reason: str | None,
) -> Correction:
    """The admin corrects hours already confirmed (and paid for), with a reason.

    The row's hours change; the modules that paid for the old hours settle the difference through
    :data:`~tenants.events.signals.confirmed_hours_corrected` (the passport reverses and re-awards
    in its ledger, never editing an entry). Each correction has its own id, so two corrections of
    one row are two settlements, and a retried one is still one.

    :raise ServiceError: not the admin, not confirmed, the same hours, bad hours, no reason, or a
        receiver's refusal (the passport's: the points were already spent)
    """
    if actor.role != "admin":
        raise ServiceError(_("只有管理员可以更正已确认的时长"))
    if event.status == EventStatus.cancelled:
        raise ServiceError(_("活动已取消，不能记录时长"))
    if attendance.confirmed_at is None or attendance.hours is None:
        raise ServiceError(_("时长尚未确认，请直接修改"))
    hours = parse_hours(raw_hours, event)
    reason = clean_reason(raw_reason)
    before = attendance.hours
    if hours == before:
        raise ServiceError(_("新时长与原时长相同"), "hours")
    # only from the hours this admin saw: another correction in between refuses this one
    if not guarded_update(
        session,
        attendance,
        Attendance.confirmed_at.is_not(None),
        Attendance.hours == before,
        hours=hours,
        reason=reason,
    ):
        raise ServiceError(_("时长刚被其他人更正，请刷新后再试"))
    correction_id = new_id()
    record(
        session,
        "attendance.correct_confirmed",
        actor.id,
        target=f"attendance:{attendance.id}",
        detail={
            "event_id": event.id,
            "user_id": attendance.user_id,
            "correction": correction_id,
            "from": str(before),
            "to": str(hours),
            "reason": reason,
        },
    )
    session.flush()
    user = session.scalar(select(User).where(User.id == attendance.user_id))
    answers = confirmed_hours_corrected.send(
        attendance,
        session=session,
        tenant=tenant,
        event=event,
        user=user,
        previous_hours=before,
        hours=hours,
        correction_id=correction_id,
        reason=reason,
        actor=actor,
    )
    return Correction(correction_id, sentences(answers))


@dataclass
class Correction:
    """A correction of confirmed hours: its id (in the audit log and the ledger's keys) and what
    the modules that settled it said ("扣回 20 积分，发放 30 积分")."""

    id: int
    notes: list[str] = field(default_factory=list)


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
    attendance_corrected.send(
        attendance, session=session, event=event, actor=actor, previous_hours=None, reason=reason
    )
    maybe_auto_confirm(session, tenant, attendance)
    return attendance


def _refuse_if_cancelled(event: Event) -> None:
    if event.status == EventStatus.cancelled:
        raise ServiceError(_("活动已取消，不能确认时长"))


def confirm_one(
    session: Session, actor: User, tenant: Tenant, event: Event, attendance: Attendance
) -> Confirmation:
    """Staff confirm one attendance: its hours count and are paid for (once)."""
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
