"""The monthly report of each unit's members' service (在职党员服务情况月报): the feedback to the
member's own party organisation.

A unit's members are the volunteers with a confirmed report (双报到) naming the unit, and the
volunteers the unit named on its sign-ups (UnitMember). Their service is their confirmed
attendances at events that started in the month (street-local): hours and events. Residents'
ratings: there is no rating record in the product yet, so the report says so rather than
inventing one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, literal, select, union
from sqlalchemy.orm import Session

from saas.auth.models import User
from saas.ui import street_zone
from tenants.alliance.models import MemberReport, ReportStatus, UnitMember
from tenants.events.models import Attendance, Event
from tenants.orgs.models import Organisation, OrgKind

MONTH_SHAPE = re.compile(r"(\d{4})-(\d{2})")
NO_RATINGS = _l("暂无居民评价记录")


def parse_month(raw: str | None) -> date | None:
    """ "2026-11" → date(2026, 11, 1); None for anything else."""
    found = MONTH_SHAPE.fullmatch((raw or "").strip())
    if not found:
        return None
    year, month = int(found[1]), int(found[2])
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return date(year, month, 1)


def month_key(first: date) -> str:
    return f"{first.year:04d}-{first.month:02d}"


def next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def previous_month(first: date) -> date:
    return date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)


def bounds(start: date, end: date, zone: ZoneInfo | None = None) -> tuple[datetime, datetime]:
    """Local dates [start, end) as UTC instants."""
    zone = zone or street_zone()
    return (
        datetime.combine(start, datetime.min.time(), tzinfo=zone).astimezone(UTC),
        datetime.combine(end, datetime.min.time(), tzinfo=zone).astimezone(UTC),
    )


def members_select() -> Select:
    """(organisation_id, user_id) of every unit's members, each pair once."""
    return union(
        select(MemberReport.organisation_id, MemberReport.user_id).where(
            MemberReport.status == ReportStatus.confirmed,
            MemberReport.organisation_id.is_not(None),
        ),
        select(UnitMember.organisation_id, UnitMember.user_id),
    )


def member_service(
    session: Session, since: datetime, until: datetime, unit_ids: list[int] | None = None
) -> list[tuple[int, int, str, Decimal, int]]:
    """(unit, member, name, hours, events) for every member of the units (all when None), their
    confirmed hours at events starting in [since, until): one statement."""
    members = members_select().subquery()
    served = (
        select(
            Attendance.user_id,
            func.sum(Attendance.hours).label("hours"),
            func.count(func.distinct(Attendance.event_id)).label("events"),
        )
        .join(Event, Event.id == Attendance.event_id)
        .where(
            Attendance.confirmed_at.is_not(None),
            Event.starts_at >= since,
            Event.starts_at < until,
        )
        .group_by(Attendance.user_id)
        .subquery()
    )
    stmt = (
        select(
            members.c.organisation_id,
            members.c.user_id,
            User.name,
            func.coalesce(served.c.hours, literal(0)),
            func.coalesce(served.c.events, literal(0)),
        )
        .join(User, User.id == members.c.user_id)
        .outerjoin(served, served.c.user_id == members.c.user_id)
        .order_by(members.c.organisation_id, User.name, members.c.user_id)
    )
    if unit_ids is not None:
        stmt = stmt.where(members.c.organisation_id.in_(unit_ids))
    return [
        (unit, user, name, Decimal(hours or 0), int(events or 0))
        for unit, user, name, hours, events in session.execute(stmt)
    ]


def unit_events(
    session: Session, since: datetime, until: datetime, unit_ids: list[int] | None = None
) -> dict[int, int]:
    """Per unit, how many distinct events its members served at in [since, until)."""
    members = members_select().subquery()
    stmt = (
        select(members.c.organisation_id, func.count(func.distinct(Attendance.event_id)))
        .join(Attendance, Attendance.user_id == members.c.user_id)
        .join(Event, Event.id == Attendance.event_id)
        .where(
            Attendance.confirmed_at.is_not(None),
            Event.starts_at >= since,
            Event.starts_at < until,
        )
        .group_by(members.c.organisation_id)
    )
    if unit_ids is not None:
        stmt = stmt.where(members.c.organisation_id.in_(unit_ids))
    return dict(session.execute(stmt).all())


@dataclass
class MemberLine:
    user_id: int
    name: str
    hours: Decimal
    events: int


@dataclass
class UnitMonth:
    """One unit's month: its members, who served, the hours and the events."""

    organisation_id: int
    name: str
    members: list[MemberLine] = field(default_factory=list)
    events: int = 0

    @property
    def hours(self) -> Decimal:
        return sum((m.hours for m in self.members), Decimal(0))

    @property
    def serving(self) -> int:
        return sum(1 for m in self.members if m.hours > 0 or m.events > 0)


def units_month(session: Session, first: date, community_id: int | None = None) -> list[UnitMonth]:
    """Every alliance unit's month (``community_id``: only that community's units), most hours
    first, then by name: three statements whatever the number of units."""
    since, until = bounds(first, next_month(first))
    stmt = select(Organisation.id, Organisation.name).where(Organisation.kind == OrgKind.alliance)
    if community_id is not None:
        stmt = stmt.where(Organisation.community_id == community_id)
    units = {uid: UnitMonth(uid, name) for uid, name in session.execute(stmt)}
    if not units:
        return []
    ids = list(units) if community_id is not None else None
    for unit, user, name, hours, events in member_service(session, since, until, ids):
        if unit in units:
            units[unit].members.append(MemberLine(user, name, hours, events))
    for unit, events in unit_events(session, since, until, ids).items():
        if unit in units:
            units[unit].events = events
    return sorted(units.values(), key=lambda u: (-u.hours, u.name))


def unit_month(session: Session, organisation: Organisation, first: date) -> UnitMonth:
    """One unit's month (its members each with their hours and events)."""
    since, until = bounds(first, next_month(first))
    result = UnitMonth(organisation.id, organisation.name)
    for _unit, user, name, hours, events in member_service(
        session, since, until, [organisation.id]
    ):
        result.members.append(MemberLine(user, name, hours, events))
    result.events = unit_events(session, since, until, [organisation.id]).get(organisation.id, 0)
    return result
