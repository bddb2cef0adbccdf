"""签到 / 签退 (check-in and check-out): signed codes, the offline scan queue, and auto-close.

Two ways in, both ending in :func:`check_in` / :func:`check_out`:

- **The event's code.** Staff's screen shows a QR of ``/<slug>/checkin/<token>``. The token is
  signed with the app's key and a salt holding the event's ``checkin_secret``, and names the street,
  the event, the mode (in/out) and a 30-second window; the current and the previous window are
  accepted, and the screen redraws every 10 s, so a photo passed around stops working within a
  minute. A printable poster code carries no window. Resetting the secret voids every code shown or
  printed so far.
- **A person's code.** Staff scan a code that stands for a person (a volunteer's passport QR
  today): whose it is, the modules built on events say (:func:`person_for_code`). The scanner page
  queues scans in the browser, each with a nonce, and sends them when it is online: :func:`record_scans` counts each nonce once (``ScanNonce``), so a
  queue replayed twice checks a person in once.

Hours are the part of the event between check-in and check-out (time before the start or after
the end does not count), rounded to 0.01. A check-in left open is closed at the event's end by
:func:`close_open_checkins` and flagged (``auto_closed``).

Every write is a conditional statement the database decides (``INSERT … ON CONFLICT DO NOTHING``,
``UPDATE … WHERE checked_out_at IS NULL``): two phones scanning the same person at once, or a double
click, check them in once. Functions take ``now`` so tests drive the clock instead of sleeping.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import case, delete, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from saas.audit.services import record
from saas.auth.models import User
from saas.db import insert_ignoring_conflict, new_id, utcnow
from saas.errors import ServiceError
from saas.forms import MAX_ID
from saas.streets.models import Tenant, TenantStatus
from saas.tenancy import current_tenant_id, tenant_scope
from saas.text import fold, hours_text
from tenants.events.models import (
    Attendance,
    Event,
    EventStatus,
    HoursSource,
    Registration,
    RegistrationStatus,
    ScanNonce,
    new_checkin_secret,
)
from tenants.events.signals import first_answer, resolve_scanned_code

CHECK_IN = "in"
CHECK_OUT = "out"
MODES = (CHECK_IN, CHECK_OUT)

#: seconds one rotating code lives in; the current and the previous window are accepted
WINDOW = 30
#: how long the confirm button on the volunteer's phone stays good after the code was read
CONFIRM_WINDOWS = 10  # 5 minutes
#: check-in opens this long before the start
OPENS_BEFORE = timedelta(hours=2)
#: scans sent in one request, at most
MAX_BATCH = 100


class NotCheckedInYet(ServiceError):
    """A check-out before its check-in: from another phone's offline queue it may still come."""


#: a scan's nonce, made by the browser
NONCE = re.compile(r"[A-Za-z0-9_-]{8,64}")
#: longer than any code we sign
MAX_TOKEN = 400

log = logging.getLogger(__name__)


class TokenExpired(ServiceError):
    """A genuine code, but its window is over: the volunteer must scan the screen again."""


@dataclass(frozen=True)
class CheckinCode:
    """What a valid event code says: which event, check-in or check-out, rotating or fixed."""

    event: Event
    mode: str
    fixed: bool = False


@dataclass
class Outcome:
    """``ok``: done now; ``already``: it was done before (nothing changed)."""

    result: str
    message: str
    attendance: Attendance | None = None


@dataclass
class Counts:
    registered: int = 0
    checked_in: int = 0
    checked_out: int = 0
    auto_closed: int = 0


@dataclass
class ScanResult:
    nonce: str
    result: str  # ok, already, refused
    message: str
    name: str = ""
    mode: str = ""

    def as_json(self) -> dict:
        return {
            "nonce": self.nonce,
            "result": self.result,
            "message": self.message,
            "name": self.name,
            "mode": self.mode,
        }


# --- signing -------------------------------------------------------------------------------------


def _secret_key() -> str:
    return current_app.config["SECRET_KEY"]


def window_of(now: datetime) -> int:
    """The number of the 30-second window ``now`` falls in."""
    return int(now.timestamp()) // WINDOW


def _event_salt(event: Event) -> str:
    return f"checkin:{event.checkin_secret}"


def checkin_token(event: Event, mode: str, now: datetime | None = None, fixed: bool = False) -> str:
    """The token in the event's QR: street, event, mode and (unless ``fixed``) the window."""
    payload: list = [event.tenant_id, event.id, mode]
    if not fixed:
        payload.append(window_of(now or utcnow()))
    return URLSafeTimedSerializer(_secret_key(), salt=_event_salt(event)).dumps(payload)


def _is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def _peek(token: str) -> list | None:
    """The payload of a token, unverified: only to know which event's salt to check it with."""
    if not isinstance(token, str) or not 0 < len(token) <= MAX_TOKEN:
        return None
    try:
        _ok, payload = URLSafeTimedSerializer(_secret_key()).loads_unsafe(token)
    except Exception:  # itsdangerous raises several kinds on garbage; all mean "forged"
        return None
    if not isinstance(payload, list) or len(payload) not in (3, 4, 5):
        return None
    if not (_is_id(payload[0]) and _is_id(payload[1]) and payload[2] in MODES):
        return None
    if len(payload) >= 4 and not all(
        isinstance(v, int) and not isinstance(v, bool) for v in payload[3:]
    ):
        return None
    return payload


def _forged() -> ServiceError:
    return ServiceError(_("签到码无效或已作废，请扫描活动现场的二维码"))


def read_checkin_token(session: Session, token: str, now: datetime | None = None) -> CheckinCode:
    """The event and mode an event code names, once its signature and window are checked.

    :raise ServiceError: forged or voided (secret reset), another street's, or an unknown event.
    :raise TokenExpired: a rotating code whose window (and the grace window after it) is over.
    """
    payload = _peek(token)
    if payload is None or len(payload) == 5:
        raise _forged()
    if payload[0] != current_tenant_id():
        raise ServiceError(_("这是其他街道的签到码，不能在本街道签到"))
    event = session.scalar(select(Event).where(Event.id == payload[1]))
    if event is None:
        raise _forged()
    try:
        URLSafeTimedSerializer(_secret_key(), salt=_event_salt(event)).loads(token)
    except BadData as exc:
        raise _forged() from exc
    if len(payload) == 3:
        return CheckinCode(event, payload[2], fixed=True)
    current = window_of(now or utcnow())
    if payload[3] > current:
        raise _forged()
    if payload[3] < current - 1:
        raise TokenExpired(_("签到码已过期，请重新扫描现场屏幕上的二维码"))
    return CheckinCode(event, payload[2])


def confirm_ticket(event: Event, mode: str, user_id: int, now: datetime | None = None) -> str:
    """A token for the confirm button, bound to the person who opened a valid code in time.

    A code read on the phone stays good for that person for a few minutes (they may read the page
    before pressing), while a photo of it passed to someone else still expires with the code.
    """
    payload = [event.tenant_id, event.id, mode, user_id, window_of(now or utcnow())]
    salt = "confirm:" + _event_salt(event)
    return URLSafeTimedSerializer(_secret_key(), salt=salt).dumps(payload)


def read_confirm_ticket(
    session: Session, ticket: str, user_id: int, now: datetime | None = None
) -> CheckinCode | None:
    """The code a ticket from :func:`confirm_ticket` stands for, or None if it is not valid."""
    payload = _peek(ticket)
    if payload is None or len(payload) != 5 or payload[0] != current_tenant_id():
        return None
    if payload[3] != user_id:
        return None
    event = session.scalar(select(Event).where(Event.id == payload[1]))
    if event is None:
        return None
    salt = "confirm:" + _event_salt(event)
    try:
        URLSafeTimedSerializer(_secret_key(), salt=salt).loads(ticket)
    except BadData:
        return None
    current = window_of(now or utcnow())
    if not current - CONFIRM_WINDOWS <= payload[4] <= current:
        return None
    return CheckinCode(event, payload[2])


def reset_checkin_secret(session: Session, actor: User, event: Event) -> None:
    """Void every code of the event shown or printed so far (rotating and poster alike)."""
    secret = new_checkin_secret()
    session.execute(
        update(Event)
        .where(Event.id == event.id)
        .values(checkin_secret=secret)
        .execution_options(synchronize_session=False)
    )
    set_committed_value(event, "checkin_secret", secret)
    record(
        session,
        "event.checkin_reset",
        actor.id,
        target=f"event:{event.id}",
        detail={"title": event.title},
    )
    session.flush()


# --- the rules -----------------------------------------------------------------------------------


def recorded_hours(event: Event, checked_in_at: datetime, checked_out_at: datetime) -> Decimal:
    """The part of the event the person was there for: check-in to check-out within the event's
    start and end, rounded to 0.01 hour. Check-in opens two hours early so people can queue;
    waiting for the start, or staying on after the end, is not service."""
    start, end = max(checked_in_at, event.starts_at), min(checked_out_at, event.ends_at)
    seconds = max(0.0, (end - start).total_seconds())
    hours = (Decimal(seconds) / Decimal(3600)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return min(hours, event.hours)


def check_event_open(event: Event, mode: str, at: datetime) -> None:
    """:raise ServiceError: the event is cancelled, finished, a draft, or not open for check-in."""
    if event.status == EventStatus.cancelled:
        raise ServiceError(_("活动已取消，不能签到或签退"))
    if event.status == EventStatus.finished:
        raise ServiceError(_("活动已结束，不能再签到或签退"))
    if event.status != EventStatus.published:
        raise ServiceError(_("活动尚未发布，不能签到"))
    if mode == CHECK_IN:
        if at < event.starts_at - OPENS_BEFORE:
            minutes = int(OPENS_BEFORE.total_seconds() // 60)
            raise ServiceError(_("签到尚未开始：活动开始前 %(n)d 分钟起可签到", n=minutes))
        if at > event.ends_at:
            raise ServiceError(_("活动已结束，不能再签到"))


def check_registered(session: Session, event: Event, user: User) -> None:
    """:raise ServiceError: ``user`` holds no seat at ``event`` (waitlisted, cancelled, never)."""
    status = session.scalar(
        select(Registration.status).where(
            Registration.event_id == event.id, Registration.user_id == user.id
        )
    )
    if status == RegistrationStatus.registered:
        return
    if status == RegistrationStatus.waitlisted:
        raise ServiceError(_("您在候补名单中，尚未获得名额，不能签到"))
    raise ServiceError(_("您未报名该活动，不能签到"))


def attendance_of(session: Session, event: Event, user: User) -> Attendance | None:
    return session.scalar(
        select(Attendance)
        .where(Attendance.event_id == event.id, Attendance.user_id == user.id)
        .execution_options(populate_existing=True)
    )


def precheck(
    session: Session, event: Event, user: User, mode: str, now: datetime | None = None
) -> tuple[str | None, Attendance | None]:
    """What the volunteer's page says before the button: a refusal, or None; and the attendance."""
    now = now or utcnow()
    attendance = attendance_of(session, event, user)
    try:
        check_event_open(event, mode, now)
        if mode == CHECK_IN:
            if attendance is None or attendance.checked_in_at is None:
                check_registered(session, event, user)
        elif attendance is None or attendance.checked_in_at is None:
            raise ServiceError(_("您尚未签到，不能签退"))
    except ServiceError as error:
        return error.message, attendance
    return None, attendance


def _when(value: datetime) -> str:
    from flask_babel import format_datetime

    return format_datetime(value, "HH:mm")


def check_in(
    session: Session,
    user: User,
    event: Event,
    at: datetime | None = None,
    *,
    walk_in: bool = False,
    now: datetime | None = None,
) -> Outcome:
    """Check ``user`` in at ``at``; a second time says "already" and changes nothing.

    Only registered people check in; staff may let a walk-in in (``walk_in``), which records the
    attendance without taking a seat.
    :raise ServiceError: the event is closed or not open yet, or ``user`` is not registered.
    """
    now = now or utcnow()
    at = at or now
    check_event_open(event, CHECK_IN, at)
    existing = attendance_of(session, event, user)
    if existing is not None and existing.checked_in_at is not None:
        return Outcome(
            "already", _("已签到（%(time)s）", time=_when(existing.checked_in_at)), existing
        )
    if not walk_in:
        check_registered(session, event, user)
    created = insert_ignoring_conflict(
        session,
        Attendance,
        {
            "tenant_id": event.tenant_id,
            "id": new_id(),
            "event_id": event.id,
            "user_id": user.id,
            "checked_in_at": at,
            "source": HoursSource.recorded,
            "reason": "",
            "auto_closed": False,
            "created_at": now,
        },
        ["tenant_id", "event_id", "user_id"],
    )
    if created is None:  # a row without a check-in (hours entered by staff), or a racing scan
        filled = session.execute(
            update(Attendance)
            .where(
                Attendance.event_id == event.id,
                Attendance.user_id == user.id,
                Attendance.checked_in_at.is_(None),
                # hours staff entered or confirmed are settled: a scan does not reopen them
                Attendance.source == HoursSource.recorded,
                Attendance.confirmed_at.is_(None),
            )
            .values(checked_in_at=at)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not filled:
            attendance = attendance_of(session, event, user)
            if attendance.checked_in_at is None:
                raise ServiceError(_("您的服务时长已由工作人员登记，无需签到"))
            return Outcome(
                "already", _("已签到（%(time)s）", time=_when(attendance.checked_in_at)), attendance
            )
    attendance = attendance_of(session, event, user)
    message = _("签到成功（%(time)s）", time=_when(at))
    if walk_in:
        message = _("现场签到成功（未报名）（%(time)s）", time=_when(at))
    return Outcome("ok", message, attendance)


def check_out(
    session: Session,
    tenant: Tenant,
    user: User,
    event: Event,
    at: datetime | None = None,
    *,
    now: datetime | None = None,
) -> Outcome:
    """Check ``user`` out at ``at`` and record the hours; a second time says "already".

    After the check-out the street's auto-confirm (if any) runs.
    :raise ServiceError: the event is cancelled or finished, no check-in yet, or a check-out
        time before the check-in (an offline scan out of order).
    """
    now = now or utcnow()
    at = at or now
    check_event_open(event, CHECK_OUT, at)
    attendance = attendance_of(session, event, user)
    if attendance is None or attendance.checked_in_at is None:
        raise NotCheckedInYet(_("您尚未签到，不能签退"))
    if attendance.checked_out_at is not None:
        return Outcome(
            "already", _("已签退（%(time)s）", time=_when(attendance.checked_out_at)), attendance
        )
    if at < attendance.checked_in_at:
        raise ServiceError(_("签退时间早于签到时间，请重新签退"))
    hours = recorded_hours(event, attendance.checked_in_at, at)
    done = session.execute(
        update(Attendance)
        .where(
            Attendance.id == attendance.id,
            Attendance.checked_out_at.is_(None),
            Attendance.confirmed_at.is_(None),
        )
        .values(checked_out_at=at, hours=hours, source=HoursSource.recorded, auto_closed=False)
        .execution_options(synchronize_session=False)
    ).rowcount
    attendance = attendance_of(session, event, user)
    if not done:
        if attendance.checked_out_at is None:  # confirmed by staff meanwhile: settled
            raise ServiceError(_("您的服务时长已确认，无需签退"))
        return Outcome(
            "already", _("已签退（%(time)s）", time=_when(attendance.checked_out_at)), attendance
        )
    _auto_confirm(session, tenant, attendance)
    return Outcome(
        "ok",
        _("签退成功，服务时长 %(hours)s 小时", hours=hours_text(attendance.hours)),
        attendance,
    )


def _auto_confirm(session: Session, tenant: Tenant, attendance: Attendance) -> None:
    """The street's auto-confirm, where the attendance module offers one."""
    from tenants.events import attendance as attendance_rules

    hook = getattr(attendance_rules, "maybe_auto_confirm", None)
    if hook is not None:
        hook(session, tenant, attendance)


# --- the staff scanner ---------------------------------------------------------------------------


def _street_zone() -> ZoneInfo:
    try:
        return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Shanghai")
    except Exception:  # a misconfigured zone name must not stop check-in
        return ZoneInfo("Asia/Shanghai")


def scan_time(raw, event: Event, now: datetime) -> datetime:
    """When an (offline) scan happened, as the phone said; ``now`` if that is not believable.

    Believable: not in the future and not before the day the event starts (the street's time).
    """
    parsed = None
    if isinstance(raw, str) and 0 < len(raw) <= 40:
        try:
            parsed = datetime.fromisoformat(raw.strip())
        except ValueError:
            parsed = None
    elif isinstance(raw, int | float) and not isinstance(raw, bool) and 0 < raw < 1e14:
        parsed = datetime.fromtimestamp(raw / 1000, tz=now.tzinfo)
    if parsed is None or parsed.tzinfo is None:
        return now
    zone = _street_zone()
    day_start = event.starts_at.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    if parsed > now or parsed < day_start:
        return now
    return parsed.astimezone(now.tzinfo)


def person_for_code(session: Session, code) -> User:
    """Whose code the scanner read: the modules built on events answer
    (:data:`~tenants.events.signals.resolve_scanned_code`; the passport's QR and number today).

    :raise ServiceError: a code nobody recognises, or one a module refuses (another street's…)
    """
    code = fold(code) if isinstance(code, str) else ""  # a number typed in full width too
    if "/" in code:  # a code read as a link: the token is its last part
        code = code.rstrip("/").rsplit("/", 1)[-1]
    if not 0 < len(code) <= MAX_TOKEN:
        raise ServiceError(_("无法识别的二维码"))
    user = first_answer(resolve_scanned_code.send(code, session=session))
    if user is None:
        raise ServiceError(_("无法识别的二维码"))
    return user


def parse_batch(payload) -> list[dict]:
    """The scans of a request body: a JSON list, or ``{"scans": [...]}``.

    :raise ServiceError: not a list of objects, or more than ``MAX_BATCH``.
    """
    if isinstance(payload, dict):
        payload = payload.get("scans")
    if not isinstance(payload, list) or not all(isinstance(item, dict) for item in payload):
        raise ServiceError(_("扫码数据格式不正确"))
    if len(payload) > MAX_BATCH:
        raise ServiceError(_("一次最多上传 %(n)d 条扫码记录", n=MAX_BATCH))
    return payload


def record_scans(
    session: Session,
    tenant: Tenant,
    actor: User,
    event: Event,
    scans: list[dict],
    now: datetime | None = None,
) -> list[ScanResult]:
    """Apply a batch of scans from the staff scanner, each counted once by its nonce.

    Each scan: ``nonce`` (8–64 of ``A-Za-z0-9_-``), ``code`` (the passport QR's text), ``mode``
    (``in``/``out``), ``scanned_at`` (ISO time or epoch ms; kept for an offline scan within
    bounds), ``walk_in`` (let an unregistered person check in). A nonce seen before answers
    ``already`` and changes nothing, so the browser may send its queue as often as it likes.
    """
    now = now or utcnow()
    results = []
    for scan in scans:
        nonce = scan.get("nonce")
        shown = nonce[:64] if isinstance(nonce, str) else ""
        mode = scan.get("mode") if scan.get("mode") in MODES else ""
        if not isinstance(nonce, str) or not NONCE.fullmatch(nonce):
            results.append(ScanResult(shown, "refused", _("扫码记录缺少有效编号"), mode=mode))
            continue
        first = insert_ignoring_conflict(
            session,
            ScanNonce,
            {"tenant_id": event.tenant_id, "id": new_id(), "nonce": nonce, "created_at": now},
            ["tenant_id", "nonce"],
        )
        if first is None:
            results.append(ScanResult(nonce, "already", _("该扫码已处理过"), mode=mode))
            continue
        result = _apply_scan(session, tenant, event, scan, nonce, mode, now)
        if result.result == "retry":  # not used up: the browser keeps it and sends it again
            session.execute(delete(ScanNonce).where(ScanNonce.id == first))
        results.append(result)
    session.flush()
    return results


def _apply_scan(
    session: Session, tenant: Tenant, event: Event, scan: dict, nonce: str, mode: str, now
) -> ScanResult:
    if not mode:
        return ScanResult(nonce, "refused", _("请选择签到或签退"))
    name = ""
    try:
        user = person_for_code(session, scan.get("code"))
        name = user.name
        at = scan_time(scan.get("scanned_at"), event, now)
        if mode == CHECK_IN:
            outcome = check_in(session, user, event, at, walk_in=scan.get("walk_in") is True)
        else:
            outcome = check_out(session, tenant, user, event, at, now=now)
    except NotCheckedInYet:
        # the check-in may be waiting in another offline phone's queue: not refused, not lost
        return ScanResult(nonce, "retry", _("尚未签到，稍后自动重试"), name=name, mode=mode)
    except ServiceError as error:
        return ScanResult(nonce, "refused", error.message, name=name, mode=mode)
    return ScanResult(nonce, outcome.result, outcome.message, name=name, mode=mode)


# --- what staff see ------------------------------------------------------------------------------


def counts(session: Session, event: Event) -> Counts:
    """Registered, checked in, checked out and auto-closed at ``event`` (two statements)."""
    registered = session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.registered,
        )
    )
    row = session.execute(
        select(
            func.count(Attendance.checked_in_at),
            func.count(Attendance.checked_out_at),
            func.count(case((Attendance.auto_closed.is_(True), 1))),
        ).where(Attendance.event_id == event.id)
    ).one()
    return Counts(registered or 0, row[0], row[1], row[2])


def attendance_rows(session: Session, event: Event, limit: int = 300) -> list[tuple]:
    """(attendance, name) at ``event``, latest check-in first, in one statement."""
    return list(
        session.execute(
            select(Attendance, User.name)
            .join(User, User.id == Attendance.user_id)
            .where(Attendance.event_id == event.id, Attendance.checked_in_at.is_not(None))
            .order_by(Attendance.checked_in_at.desc())
            .limit(limit)
        ).all()
    )


# --- the scheduled job ---------------------------------------------------------------------------


def close_street_checkins(session: Session, now: datetime | None = None) -> int:
    """Close the current street's open check-ins of ended events at the event's end.

    The hours are capped as usual and the attendance is flagged ``auto_closed`` for staff to look
    at; it is not auto-confirmed. Returns how many were closed.
    """
    now = now or utcnow()
    rows = session.execute(
        select(Attendance, Event)
        .join(Event, Event.id == Attendance.event_id)
        .where(
            Attendance.checked_in_at.is_not(None),
            Attendance.checked_out_at.is_(None),
            Event.ends_at <= now,
        )
    ).all()
    closed = 0
    for attendance, event in rows:
        out = max(event.ends_at, attendance.checked_in_at)
        closed += session.execute(
            update(Attendance)
            .where(
                Attendance.id == attendance.id,
                Attendance.checked_out_at.is_(None),
                Attendance.confirmed_at.is_(None),
            )
            .values(
                checked_out_at=out,
                hours=recorded_hours(event, attendance.checked_in_at, out),
                source=HoursSource.recorded,
                auto_closed=True,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
    session.flush()
    return closed


def close_open_checkins(now: datetime | None = None) -> int:
    """The scheduled job: every active street's open check-ins closed, one commit per street."""
    from saas.extensions import db

    street_ids = db.session.scalars(
        select(Tenant.id).where(Tenant.status == TenantStatus.active).order_by(Tenant.id)
    ).all()
    total, failed = 0, []
    for street_id in street_ids:
        with tenant_scope(street_id):
            try:
                total += close_street_checkins(db.session, now)
                db.session.commit()
            except Exception:  # one street's trouble must not keep the others open
                db.session.rollback()
                log.exception("closing open check-ins failed for street %s", street_id)
                failed.append(street_id)
    if failed:
        raise RuntimeError(f"closing open check-ins failed for streets {failed}")
    return total
