"""Signing up for events: seats guarded in the database, a waitlist promoted in order.

Seats are ``Event.seats_taken``, moved only by conditional UPDATEs (``… WHERE seats_taken + n <=
capacity``), with a CHECK behind them: a hundred people pressing the button at once take exactly
the seats there are. Waitlist positions come from ``Event.waitlist_seq``, advanced by an UPDATE that
holds the event row's lock, so they follow the order in which sign-ups reached the database.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from saas.auth.models import Role, User
from saas.db import utcnow
from saas.errors import ServiceError
from saas.notify.services import notify
from tenants.events.models import Audience, Event, EventStatus, Registration, RegistrationStatus

#: who may sign up for an audience
AUDIENCE_ROLES = {
    Audience.volunteers: {Role.volunteer},
    Audience.alliance: {Role.org},
    Audience.merchants: {Role.org},
    Audience.public: {Role.volunteer, Role.org},
}


def signup_deadline(event: Event):
    return event.signup_deadline or event.starts_at


def _check_open(event: Event, user: User) -> None:
    if event.status != EventStatus.published:
        raise ServiceError(_("该活动未开放报名"))
    if utcnow() > signup_deadline(event):
        raise ServiceError(_("报名已截止"))
    if user.role not in AUDIENCE_ROLES.get(Audience(event.audience), set()):
        raise ServiceError(_("该活动不面向您的账号类型开放报名"))


def _take_seats(session: Session, event: Event, headcount: int) -> bool:
    """Take ``headcount`` seats if they are free; the database decides."""
    taken = session.execute(
        update(Event)
        .where(
            Event.id == event.id,
            or_(Event.capacity.is_(None), Event.seats_taken + headcount <= Event.capacity),
        )
        .values(seats_taken=Event.seats_taken + headcount)
        .returning(Event.seats_taken)
        .execution_options(synchronize_session=False)
    ).scalar()
    return taken is not None


def _next_waitlist_position(session: Session, event: Event) -> int:
    return session.execute(
        update(Event)
        .where(Event.id == event.id)
        .values(waitlist_seq=Event.waitlist_seq + 1)
        .returning(Event.waitlist_seq)
        .execution_options(synchronize_session=False)
    ).scalar_one()


def register(
    session: Session,
    user: User,
    event: Event,
    headcount: int = 1,
    member_names: str = "",
) -> Registration:
    """Sign ``user`` up: registered if seats are free, else waitlisted (if the event has one).

    An org account signs its unit up with a headcount; a person takes one seat.
    :raise ServiceError: closed, past the deadline, wrong audience, already signed up, or full
        with no waitlist.
    """
    _check_open(event, user)
    headcount = headcount if user.role == Role.org else 1
    if not 1 <= headcount <= 500:
        raise ServiceError(_("人数需在 1–500 之间"), "headcount")
    existing = session.scalar(
        select(Registration).where(
            Registration.event_id == event.id, Registration.user_id == user.id
        )
    )
    if existing is not None and existing.status != RegistrationStatus.cancelled:
        raise ServiceError(_("您已报名该活动"))

    if _take_seats(session, event, headcount):
        status, position = RegistrationStatus.registered, None
    elif event.waitlist_enabled:
        status, position = RegistrationStatus.waitlisted, _next_waitlist_position(session, event)
    else:
        raise ServiceError(_("名额已满"))

    registration = existing or Registration(event_id=event.id, user_id=user.id)
    registration.headcount = headcount
    registration.member_names = member_names.strip()[:2000]
    registration.status = status
    registration.waitlist_position = position
    registration.cancelled_at = None
    registration.created_at = utcnow()
    if existing is None:
        session.add(registration)
    try:
        session.flush()
    except IntegrityError as exc:  # the same person signing up twice at the same moment
        session.rollback()
        raise ServiceError(_("您已报名该活动")) from exc
    if status == RegistrationStatus.registered:
        notify(
            session,
            user,
            "event.registered",
            _("报名成功：%(title)s", title=event.title),
            _("活动时间：%(when)s", when=_when(event)),
            link=_event_link(event),
        )
    else:
        notify(
            session,
            user,
            "event.waitlisted",
            _("已进入候补：%(title)s", title=event.title),
            _("您排在候补第 %(n)d 位，有名额空出时会通知您。", n=position),
            link=_event_link(event),
        )
    return registration


def cancel_registration(session: Session, user: User, registration: Registration) -> None:
    """Cancel before the deadline; a freed seat goes to the waitlist, in order."""
    event = session.scalar(select(Event).where(Event.id == registration.event_id).with_for_update())
    if registration.user_id != user.id:
        raise ServiceError(_("只能取消自己的报名"))
    if registration.status == RegistrationStatus.cancelled:
        return
    if utcnow() > signup_deadline(event):
        raise ServiceError(_("报名已截止，不能取消；如有变化请联系工作人员"))
    freed = registration.headcount if registration.status == RegistrationStatus.registered else 0
    registration.status = RegistrationStatus.cancelled
    registration.waitlist_position = None
    registration.cancelled_at = utcnow()
    session.flush()
    if freed:
        session.execute(
            update(Event)
            .where(Event.id == event.id)
            .values(seats_taken=Event.seats_taken - freed)
            .execution_options(synchronize_session=False)
        )
        promote_waitlist(session, event)


def promote_waitlist(session: Session, event: Event) -> list[Registration]:
    """Move waitlisted sign-ups into free seats, first come first served; each is told."""
    promoted = []
    waiting = session.scalars(
        select(Registration)
        .where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.waitlisted,
        )
        .order_by(Registration.waitlist_position)
    ).all()
    for registration in waiting:
        if not _take_seats(session, event, registration.headcount):
            break  # first in line does not fit: nobody jumps the queue
        registration.status = RegistrationStatus.registered
        registration.waitlist_position = None
        registration.promoted_at = utcnow()
        promoted.append(registration)
        person = session.scalar(select(User).where(User.id == registration.user_id))
        notify(
            session,
            person,
            "event.promoted",
            _("候补成功：%(title)s", title=event.title),
            _("有名额空出，您已报名成功。活动时间：%(when)s", when=_when(event)),
            link=_event_link(event),
            channels=("sms",),
        )
    session.flush()
    return promoted


def _when(event: Event) -> str:
    from flask_babel import format_datetime

    return format_datetime(event.starts_at, "yyyy-MM-dd HH:mm")


def _event_link(event: Event) -> str:
    from flask import g

    tenant = g.get("tenant")
    return f"/{tenant.slug}/events/{event.id}" if tenant is not None else ""
