"""A person's sign-ups as they see them on their phone: what comes next, their place in line as it
is now, whether check-in is open, and what an event earns.

Read by the volunteer's and the unit's home pages of the modules built on the engine (they call
these functions; the engine names none of them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_DOWN
from functools import cache

from flask_babel import gettext as _
from sqlalchemy import BigInteger, Integer, and_, bindparam, case, func, select
from sqlalchemy.orm import Session, aliased

from saas.auth.models import User
from tenants.events.checkin import CHECK_IN, CHECK_OUT, OPENS_BEFORE
from tenants.events.models import (
    Attendance,
    Event,
    EventStatus,
    PointsMode,
    Registration,
    RegistrationStatus,
)
from tenants.events.registration import audiences_of
from tenants.events.signals import first_answer, points_rules

#: sign-ups a home page lists
UPCOMING = 5


#: the sign-ups ahead in line, one alias made once: a new alias per call made SQLAlchemy build its
#: columns (and their listeners) and compile the statement again on every page
_AHEAD = aliased(Registration, name="ahead")


def place_in_line(registration):
    """A correlated count: how many wait ahead of the waitlisted ``registration`` (an entity or
    an alias), plus one. Stored positions keep their gaps when someone ahead leaves or moves
    up, so the place a person is shown is counted, never read."""
    other = _AHEAD
    return (
        select(func.count(other.id))
        .where(
            other.event_id == registration.event_id,
            other.status == RegistrationStatus.waitlisted,
            other.waitlist_position <= registration.waitlist_position,
        )
        .correlate(registration)
        .scalar_subquery()
    )


@dataclass
class Signup:
    """One of a person's (or a unit's) sign-ups for an event that is not over."""

    event_id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    place: str
    #: registered or waitlisted
    status: str
    headcount: int
    #: their place in line now (1 is next), when waitlisted
    place_in_line: int | None
    #: "in" when they may check in now, "out" when checked in and not yet out, else None
    checkin: str | None


def upcoming_signups(
    session: Session, user: User, now: datetime, limit: int = UPCOMING
) -> list[Signup]:
    """``user``'s sign-ups for events not over yet and not cancelled, soonest first: one
    statement, the place in line and the check-in state included."""
    rows = session.execute(
        _upcoming_statement(), {"user_id": user.id, "now": now, "limit": limit}
    ).all()
    return [
        Signup(
            event_id=row.event_id,
            title=row.title,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            place=row.place,
            status=row.status,
            headcount=row.headcount,
            place_in_line=row.place_in_line,
            checkin=_checkin_state(row, now),
        )
        for row in rows
    ]


def _checkin_state(row, now: datetime) -> str | None:
    if row.status != RegistrationStatus.registered or row.event_status != EventStatus.published:
        return None
    if row.checked_in_at is None:
        if row.starts_at - OPENS_BEFORE <= now <= row.ends_at:
            return CHECK_IN
        return None
    return CHECK_OUT if row.checked_out_at is None else None


# Put together once, with bind parameters: on /me building a SELECT costs about as much as
# PostgreSQL takes to run it.
@cache
def _upcoming_statement():
    waiting = Registration.status == RegistrationStatus.waitlisted
    return (
        select(
            Event.id.label("event_id"),
            Event.title,
            Event.starts_at,
            Event.ends_at,
            Event.place,
            Event.status.label("event_status"),
            Registration.status,
            Registration.headcount,
            case((waiting, place_in_line(Registration)), else_=None).label("place_in_line"),
            Attendance.checked_in_at,
            Attendance.checked_out_at,
        )
        .join(Event, Event.id == Registration.event_id)
        .outerjoin(
            Attendance,
            and_(
                Attendance.event_id == Registration.event_id,
                Attendance.user_id == Registration.user_id,
            ),
        )
        .where(
            Registration.user_id == bindparam("user_id", type_=BigInteger),
            Registration.status != RegistrationStatus.cancelled,
            Event.status != EventStatus.cancelled,
            Event.ends_at > bindparam("now", type_=Event.ends_at.type),
        )
        .order_by(Event.starts_at, Event.id)
        .limit(bindparam("limit", type_=Integer))
    )


# What an event earns ------------------------------------------------------------------------------


def street_points_rules(session: Session, tenant) -> dict[str, int]:
    """Points per hour of an event that sets none, by kind ("" for every other kind), as the
    module that pays them says (the ``points_rules`` signal); empty when none does."""
    return first_answer(points_rules.send(tenant, session=session)) or {}


def points_text(event: Event, rules: dict[str, int]) -> str:
    """What ``event`` earns, in words for its card: "每小时 10 积分（全程约 20 积分）"."""
    if event.points_mode == PointsMode.fixed:
        if not event.points_value:
            return _("不计积分")
        return _("参加可得 %(n)d 积分", n=event.points_value)
    per_hour = event.points_value
    if per_hour is None:
        per_hour = rules.get(event.kind, rules.get(""))
    if per_hour is None:
        return ""
    if per_hour == 0:
        return _("不计积分")
    total = int((event.hours * per_hour).to_integral_value(ROUND_DOWN))
    return _("每小时 %(n)d 积分（全程约 %(total)d 积分）", n=per_hour, total=total)


def open_to(session: Session, user: User, now: datetime, limit: int = UPCOMING) -> list[Event]:
    """Published events ``user``'s role may join whose sign-up is still open and that they have
    not signed up for, soonest first (one statement)."""
    audiences = audiences_of(session, user)
    signed_up = (
        select(Registration.id)
        .where(
            Registration.event_id == Event.id,
            Registration.user_id == user.id,
            Registration.status != RegistrationStatus.cancelled,
        )
        .exists()
    )
    return list(
        session.scalars(
            select(Event)
            .where(
                Event.audience.in_(audiences),
                Event.status == EventStatus.published,
                func.coalesce(Event.signup_deadline, Event.starts_at) >= now,
                ~signed_up,
            )
            .order_by(Event.starts_at, Event.id)
            .limit(limit)
        )
    )
