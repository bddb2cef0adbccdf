"""Passports (志愿护照): issued on first need, numbered per street; the volunteer's home, history
and service certificate; the street's points settings; admin adjustments.

Plain functions taking the session (and the acting user where someone acts); they flush, the
request commits. Points move only through ``tenants.passport.ledger.post_entry``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cache, lru_cache

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, Integer, bindparam, case, delete, func, select
from sqlalchemy.orm import Session, aliased

from saas.audit.services import record
from saas.auth.models import Role, User
from saas.counters import next_value
from saas.db import insert_ignoring_conflict, new_id, utcnow
from saas.errors import NotFound, ServiceError
from saas.listing import contains_pattern, count_rows, one_page
from saas.notify.services import notify
from saas.streets.cache import fresh_for_update
from saas.streets.models import Tenant
from saas.ui import street_today
from tenants.events.models import (
    Attendance,
    Event,
    EventKind,
)
from tenants.events.signups import upcoming_signups
from tenants.passport import ledger
from tenants.passport.models import EntryKind, Passport, PointEntry, PointRule
from tenants.structure.models import Community

#: entries on /me, and per page of the history
RECENT_ENTRIES = 5
HISTORY_PAGE = 20
#: passports per page of the staff list
PASSPORTS_PAGE = 50
#: the largest adjustment an admin may make at once, either way
MAX_ADJUST = 100_000
#: what a street's points settings are until its admin changes them
SETTINGS_DEFAULTS: dict[str, object] = {
    "points_expiry": "off",
    "points_expiry_months": 12,
    "party_bonus_percent": 0,
    "entered_hours_earn_points": False,
    "auto_confirm": False,
    "passport_prefix": "",
    "wish_points": 20,
}
EXPIRY_MODES = ("off", "next_year_end", "months")
#: points per hour when the street has no rule (the same as tenants.events.attendance)
DEFAULT_POINTS_PER_HOUR = 10
MAX_POINTS_PER_HOUR = 1000
MAX_WISH_POINTS = 1000
PREFIX_SHAPE = re.compile(r"[A-Z0-9]{2,8}")


def default_passport_prefix(tenant: Tenant) -> str:
    """The prefix of a street that has chosen none: its slug, in capitals."""
    return tenant.slug.upper()[:8]


def passport_prefix(tenant: Tenant) -> str:
    """What the street's passport numbers start with, e.g. ``DEMO`` in DEMO-000123."""
    return (tenant.settings or {}).get("passport_prefix") or default_passport_prefix(tenant)


def passport_for(session: Session, user: User, tenant: Tenant) -> Passport:
    """The user's passport, issued now if they have none (safe when two requests race)."""
    passport = session.scalar(select(Passport).where(Passport.user_id == user.id))
    if passport is not None:
        return passport
    number = f"{passport_prefix(tenant)}-{next_value(session, 'passport'):06d}"
    insert_ignoring_conflict(
        session,
        Passport,
        {
            "tenant_id": user.tenant_id,
            "id": new_id(),
            "user_id": user.id,
            "community_id": user.community_id,
            "number": number,
            "balance": 0,
            "hours_total": 0,
            "hours_year": 0,
            "hours_year_of": utcnow().year,
            "created_at": utcnow(),
        },
        ["tenant_id", "user_id"],
    )
    return session.scalar(select(Passport).where(Passport.user_id == user.id))


def get_passport_or_404(session: Session, passport_id: int) -> Passport:
    """:raise NotFound: no such passport in this street (another street's is the same)."""
    passport = session.scalar(select(Passport).where(Passport.id == passport_id))
    if passport is None:
        raise NotFound(_("志愿护照不存在"))
    return passport


# --- the volunteer's home ----------------------------------------------------------------------


@dataclass
class Home:
    """Everything /me shows, read in three statements whatever the history's length."""

    passport: Passport
    hours_year: Decimal
    rank: int | None
    community: str | None
    expiring_points: int
    expiring_at: datetime | None
    recent: list[PointEntry] = field(default_factory=list)
    upcoming: list = field(default_factory=list)
    #: the passport was issued just now (the caller commits it)
    issued: bool = False
    now: datetime | None = None

    @property
    def next(self):
        """The sign-up the first screen shows: the soonest."""
        return self.upcoming[0] if self.upcoming else None


def _hours_this_year(passport, year: int):
    """``hours_year`` counts only for the year it was kept for: a passport not credited since
    last year has 0 hours this year."""
    return case((passport.hours_year_of == year, passport.hours_year), else_=0)


@lru_cache(maxsize=2)
def _summary_statement(with_community: bool):
    """One SELECT: the passport, the rank in the community this year, the community's name and
    the next points to expire. The rank is 1 + how many passports of the same community have
    more hours this year (a count the database does, no loop over people).

    Built once, with bind parameters (``user_id``, ``community_id``, ``year``): on ``/me`` putting
    this statement together cost more than running it.
    """
    year = bindparam("year", type_=Integer)
    mine = _hours_this_year(Passport, year)
    soonest, expiring_points = ledger.next_expiry_columns(Passport)
    columns = [Passport, mine, soonest, expiring_points]
    if with_community:
        other = aliased(Passport)
        community_id = bindparam("community_id", type_=BigInteger)
        ahead = (
            select(func.count())
            .select_from(other)
            .where(
                other.community_id == community_id,
                other.hours_year_of == year,
                other.hours_year > mine,
            )
            .correlate(Passport)
            .scalar_subquery()
        )
        community = select(Community.name).where(Community.id == community_id).scalar_subquery()
        columns += [ahead, community]
    return select(*columns).where(Passport.user_id == bindparam("user_id", type_=BigInteger))


def _passport_summary(user: User, year: int):
    """The summary statement for ``user`` and its parameters."""
    with_community = user.community_id is not None
    params = {"user_id": user.id, "year": year}
    if with_community:
        params["community_id"] = user.community_id
    return _summary_statement(with_community), params


def home(session: Session, user: User, tenant: Tenant, now: datetime | None = None) -> Home:
    """The volunteer's home: balance, hours, rank, expiring points, recent entries, sign-ups.

    Three statements (the passport with its figures, the recent entries, the upcoming sign-ups),
    none of them a sum over the ledger; issuing a first passport costs a few more, once.
    """
    now = now or utcnow()
    stmt, params = _passport_summary(user, now.year)
    row = session.execute(stmt, params).first()
    issued = row is None
    if issued:
        passport_for(session, user, tenant)
        row = session.execute(stmt, params).first()
    passport, hours_year, soonest, points = row[0], row[1], row[2], row[3]
    rank = community = None
    if user.community_id is not None:
        ahead, community = row[4], row[5]
        rank = (ahead or 0) + 1
    recent = history(session, passport.id, limit=RECENT_ENTRIES)
    return Home(
        passport=passport,
        hours_year=Decimal(hours_year or 0),
        rank=rank,
        community=community,
        expiring_points=int(points or 0),
        expiring_at=soonest,
        recent=recent,
        upcoming=upcoming_signups(session, user, now),
        now=now,
        issued=issued,
    )


def history(
    session: Session, passport_id: int, before_id: int | None = None, limit: int = HISTORY_PAGE
) -> list[PointEntry]:
    """One page of a passport's entries, newest first (keyset: ``id < before_id``)."""
    params = {"passport_id": passport_id, "limit": limit}
    if before_id is not None:
        params["before_id"] = before_id
    return list(session.scalars(_history_statement(before_id is not None), params))


@cache
def _history_statement(keyset: bool):
    stmt = select(PointEntry).where(
        PointEntry.passport_id == bindparam("passport_id", type_=BigInteger)
    )
    if keyset:
        stmt = stmt.where(PointEntry.id < bindparam("before_id", type_=BigInteger))
    return stmt.order_by(PointEntry.id.desc()).limit(bindparam("limit", type_=Integer))


def own_passport(session: Session, user: User) -> Passport | None:
    return session.scalar(_own_passport_statement(), {"user_id": user.id})


@cache
def _own_passport_statement():
    return select(Passport).where(Passport.user_id == bindparam("user_id", type_=BigInteger))


# --- the service certificate (志愿服务证明) ------------------------------------------------------


@dataclass
class Certificate:
    person: User
    passport_number: str | None
    start: date
    end: date
    rows: list
    total_hours: Decimal
    issued_on: date


def parse_period(raw_from: str | None, raw_to: str | None) -> tuple[date, date]:
    """The certificate's period from ``YYYY-MM-DD`` texts; this year so far when both are empty.

    :raise ServiceError: a malformed date, or the end before the start
    """
    today = street_today()
    raw_from, raw_to = (raw_from or "").strip(), (raw_to or "").strip()
    start = _parse_date(raw_from, "from") if raw_from else date(today.year, 1, 1)
    end = _parse_date(raw_to, "to") if raw_to else today
    if end < start:
        raise ServiceError(_("结束日期不能早于开始日期"), "to")
    return start, end


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _parse_date(raw: str, field_name: str) -> date:
    if not (raw.isascii() and _DATE.fullmatch(raw)):
        raise ServiceError(_("日期格式应为 年-月-日，如 2026-01-31"), field_name)
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        raise ServiceError(_("没有这一天：%(d)s", d=raw), field_name) from None
    if not 2000 <= value.year <= 2100:
        raise ServiceError(_("日期超出范围"), field_name)
    return value


def certificate(session: Session, person: User, start: date, end: date) -> Certificate:
    """The confirmed service of ``person`` at events that started within the period (local
    days, both ends included), with the total hours."""
    rows = session.execute(
        select(
            Event.title,
            Event.starts_at,
            Attendance.hours,
            Attendance.source,
        )
        .join(Event, Event.id == Attendance.event_id)
        .where(
            Attendance.user_id == person.id,
            Attendance.confirmed_at.is_not(None),
            Attendance.hours.is_not(None),
            Event.starts_at >= ledger.start_of_local_day(start),
            Event.starts_at <= ledger.end_of_local_day(end),
        )
        .order_by(Event.starts_at, Event.id)
    ).all()
    number = session.scalar(select(Passport.number).where(Passport.user_id == person.id))
    return Certificate(
        person=person,
        passport_number=number,
        start=start,
        end=end,
        rows=rows,
        total_hours=sum((Decimal(r.hours) for r in rows), Decimal("0")),
        issued_on=street_today(),
    )


def get_person_or_404(session: Session, viewer: User, user_id: int) -> User:
    """An account of this street that ``viewer`` (office staff) may issue a certificate for.

    Staff limited to one community see that community's people only, as on the accounts list.
    :raise NotFound: no such account here, or outside the viewer's community
    """
    person = session.scalar(select(User).where(User.id == user_id))
    if person is None:
        raise NotFound(_("账号不存在"))
    limited = viewer.limited_to_community
    if limited is not None and person.community_id != limited:
        raise NotFound(_("账号不存在"))
    return person


# --- the street's points settings --------------------------------------------------------------


@dataclass
class PointSettings:
    """What the admin sets on /settings/points. ``kind_points``: EventKind → points per hour,
    None where the kind follows the default."""

    default_points: int
    kind_points: dict[str, int | None]
    party_bonus_percent: int
    points_expiry: str
    points_expiry_months: int | None
    entered_hours_earn_points: bool
    auto_confirm: bool
    passport_prefix: str
    wish_points: int


def point_settings(session: Session, tenant: Tenant) -> PointSettings:
    """The street's settings as they stand (defaults where it has set nothing)."""
    stored = {**SETTINGS_DEFAULTS, **(tenant.settings or {})}
    rules = dict(session.execute(select(PointRule.event_kind, PointRule.points_per_hour)).all())
    return PointSettings(
        default_points=rules.get("", DEFAULT_POINTS_PER_HOUR),
        kind_points={kind.value: rules.get(kind.value) for kind in EventKind},
        party_bonus_percent=int(stored["party_bonus_percent"]),
        points_expiry=str(stored["points_expiry"]),
        points_expiry_months=stored["points_expiry_months"],
        entered_hours_earn_points=bool(stored["entered_hours_earn_points"]),
        auto_confirm=bool(stored["auto_confirm"]),
        passport_prefix=str(stored["passport_prefix"] or ""),
        wish_points=int(stored["wish_points"]),
    )


def _in_range(value, low: int, high: int, field_name: str, label: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ServiceError(_("%(label)s 请填写整数", label=label), field_name)
    if value < low:
        raise ServiceError(_("%(label)s 不能小于 %(n)d", label=label, n=low), field_name)
    if value > high:
        raise ServiceError(_("%(label)s 不能大于 %(n)d", label=label, n=high), field_name)
    return value


def _check_settings(values: PointSettings) -> None:
    _in_range(values.default_points, 0, MAX_POINTS_PER_HOUR, "default_points", _("每小时积分"))
    for kind, points in values.kind_points.items():
        if kind not in EventKind.__members__:
            raise ServiceError(_("未知的活动类型"))
        if points is not None:
            _in_range(points, 0, MAX_POINTS_PER_HOUR, f"kind_{kind}", _("每小时积分"))
    _in_range(values.party_bonus_percent, 0, 100, "party_bonus_percent", _("党员加分比例"))
    if values.points_expiry not in EXPIRY_MODES:
        raise ServiceError(_("请选择积分有效期"), "points_expiry")
    if values.points_expiry == "months":
        if values.points_expiry_months is None:
            raise ServiceError(_("请填写有效月数"), "points_expiry_months")
        _in_range(
            values.points_expiry_months,
            1,
            ledger.MAX_EXPIRY_MONTHS,
            "points_expiry_months",
            _("有效月数"),
        )
    elif values.points_expiry_months is not None:
        _in_range(
            values.points_expiry_months,
            1,
            ledger.MAX_EXPIRY_MONTHS,
            "points_expiry_months",
            _("有效月数"),
        )
    if values.passport_prefix and not PREFIX_SHAPE.fullmatch(values.passport_prefix):
        raise ServiceError(_("编号前缀须为 2–8 位字母或数字"), "passport_prefix")
    _in_range(values.wish_points, 0, MAX_WISH_POINTS, "wish_points", _("微心愿积分"))


def save_point_settings(
    session: Session, actor: User, tenant: Tenant, values: PointSettings
) -> dict[str, object]:
    """Store the street's points settings and rules; audit-log what changed. Returns the changes.

    New expiry settings apply to points earned from now on; lots already open keep their date.
    :raise ServiceError: a value out of range (with the field it belongs to)
    """
    if actor.role != Role.admin:
        raise ServiceError(_("只有街道管理员可以修改积分设置"))
    values.passport_prefix = (values.passport_prefix or "").strip().upper()
    _check_settings(values)
    fresh_for_update(session, tenant)  # not a cached copy: another setting may just have changed
    before = point_settings(session, tenant)
    changes: dict[str, object] = {}

    settings = dict(tenant.settings or {})
    new_values = {
        "points_expiry": values.points_expiry,
        "points_expiry_months": values.points_expiry_months
        if values.points_expiry_months is not None
        else before.points_expiry_months,
        "party_bonus_percent": values.party_bonus_percent,
        "entered_hours_earn_points": values.entered_hours_earn_points,
        "auto_confirm": values.auto_confirm,
        "passport_prefix": values.passport_prefix,
        "wish_points": values.wish_points,
    }
    for key, value in new_values.items():
        if settings.get(key, SETTINGS_DEFAULTS[key]) != value:
            changes[key] = value
        settings[key] = value
    tenant.settings = settings  # a new dict: the JSON column sees the change

    wanted = {"": values.default_points} | {
        kind: points for kind, points in values.kind_points.items() if points is not None
    }
    rules = {rule.event_kind: rule for rule in session.scalars(select(PointRule))}
    for kind, points in wanted.items():
        rule = rules.get(kind)
        if rule is None:
            session.add(PointRule(event_kind=kind, points_per_hour=points))
        elif rule.points_per_hour != points:
            rule.points_per_hour = points
        else:
            continue
        if kind == "":
            if before.default_points != points:
                changes["points_per_hour"] = points
        else:
            changes[f"points_per_hour.{kind}"] = points
    dropped = [kind for kind in rules if kind not in wanted]
    if dropped:
        session.execute(delete(PointRule).where(PointRule.event_kind.in_(dropped)))
        changes |= {f"points_per_hour.{kind}": None for kind in dropped}
    session.flush()
    if changes:
        record(session, "settings.change", actor.id, "tenant", changes)
    return changes


# --- the staff's list of passports, and adjustments --------------------------------------------


def _passport_rows():
    """The list's columns: each passport with its holder and this year's hours."""
    return select(
        Passport.id,
        Passport.number,
        Passport.balance,
        Passport.hours_total,
        _hours_this_year(Passport, utcnow().year).label("hours_year"),
        User.id.label("user_id"),
        User.name,
        User.is_party_member,
        User.community_id,
    ).join(User, User.id == Passport.user_id)


def list_passports(
    session: Session, viewer: User, query: str = "", page: int = 1, size: int = PASSPORTS_PAGE
) -> tuple[list, int]:
    """One page of the passports ``viewer`` may see with their holders, and how many match
    (staff limited to one community see that community's holders).

    :param query: part of the holder's name, or of the passport number
    :param size: rows a page holds (the export asks for one page of all it may write)
    """
    # passports the old /me issued to admins, staff and units are nobody's volunteer record
    stmt = _passport_rows().where(User.role == Role.volunteer)
    if viewer.limited_to_community is not None:
        stmt = stmt.where(User.community_id == viewer.limited_to_community)
    pattern = contains_pattern(query)
    if pattern:
        stmt = stmt.where(User.name.like(pattern) | Passport.number.like(pattern.upper()))
    total = count_rows(session, stmt)
    rows = session.execute(one_page(stmt.order_by(Passport.number, Passport.id), page, size)).all()
    return list(rows), total


def passport_row(session: Session, passport_id: int):
    """One row of the list, as ``list_passports`` gives it (after an adjustment)."""
    return session.execute(_passport_rows().where(Passport.id == passport_id)).first()


def adjust_points(
    session: Session, actor: User, passport: Passport, delta: int, reason: str
) -> PointEntry:
    """An admin adds or takes points, with a reason; audit-logged, and the holder is told.

    :raise ServiceError: not an admin, a zero or absurd delta, no reason
    :raise ledger.InsufficientPoints: it would take the balance below zero (nothing written)
    """
    if actor.role != Role.admin:
        raise ServiceError(_("只有街道管理员可以调整积分"))
    if isinstance(delta, bool) or not isinstance(delta, int) or delta == 0:
        raise ServiceError(_("调整积分不能为 0"), "delta")
    if abs(delta) > MAX_ADJUST:
        raise ServiceError(_("一次调整不能超过 %(n)d 积分", n=MAX_ADJUST), "delta")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("请填写调整原因"), "reason")
    if len(reason) > 200:
        raise ServiceError(_("原因不能超过200个字"), "reason")
    try:
        entry = ledger.post_entry(
            session,
            passport.id,
            delta,
            EntryKind.adjust,
            f"adjust:{new_id()}",
            reason=reason,
            actor_id=actor.id,
        )
    except ledger.InsufficientPoints:
        raise ledger.InsufficientPoints(
            _("积分不足：当前余额 %(n)d，不能扣减 %(d)d", n=passport.balance, d=-delta), "delta"
        ) from None
    record(
        session,
        "points.adjust",
        actor.id,
        f"passport:{passport.id}",
        {
            "number": passport.number,
            "delta": delta,
            "reason": reason,
            "balance_after": entry.balance_after,
        },
    )
    holder = session.scalar(select(User).where(User.id == passport.user_id))
    if holder is not None:
        notify(
            session,
            holder,
            "points.adjusted",
            _l("积分调整：%(d)+d", d=delta),
            _l("原因：%(reason)s。当前积分 %(n)d。", reason=reason, n=entry.balance_after),
        )
    return entry
