"""Signing up for events: seats guarded in the database, a waitlist promoted in order.

Seats are ``Event.seats_taken``, moved only by conditional UPDATEs (``… WHERE seats_taken + n <=
capacity``), with a CHECK behind them: a hundred people pressing the button at once take exactly
the seats there are. Waitlist positions come from ``Event.waitlist_seq``, advanced by an UPDATE that
holds the event row's lock, so they follow the order in which sign-ups reached the database.
"""

from __future__ import annotations

from contextlib import suppress

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from saas.auth.models import Role, User
from saas.db import guarded_update, utcnow
from saas.errors import ServiceError
from saas.notify.services import notify
from tenants.events.models import Audience, Event, EventStatus, Registration, RegistrationStatus
from tenants.events.signals import (
    account_audiences,
    first_answer,
    registration_changed,
    registration_requested,
)

#: who may sign up for an audience
AUDIENCE_ROLES = {
    Audience.volunteers: {Role.volunteer},
    Audience.alliance: {Role.org},
    Audience.merchants: {Role.org},
    Audience.public: {Role.volunteer, Role.org},
}


def signup_deadline(event: Event):
    return event.signup_deadline or event.starts_at


def audiences_of(session: Session, user: User) -> list[str]:
    """The audiences ``user``'s account may join: those of its role, narrowed by the module that
    knows the account better (an org account is an alliance unit or a merchant: the
    ``account_audiences`` signal)."""
    by_role = [str(a) for a, roles in AUDIENCE_ROLES.items() if user.role in roles]
    narrowed = first_answer(account_audiences.send(user, session=session))
    if narrowed is None:
        return by_role
    return [audience for audience in by_role if audience in narrowed]


def may_join(session: Session, user: User, event: Event) -> bool:
    """Whether ``user``'s kind of account is in the event's audience."""
    return event.audience in audiences_of(session, user)


def _check_open(session: Session, event: Event, user: User) -> None:
    if event.status == EventStatus.cancelled:
        raise ServiceError(_("活动已取消，不能报名"))
    if event.status == EventStatus.finished:
        raise ServiceError(_("活动已结束，不能报名"))
    if event.status != EventStatus.published:
        raise ServiceError(_("该活动未开放报名"))
    if not may_join(session, user, event):
        raise ServiceError(_("该活动不面向您的账号类型开放报名"))
    if utcnow() > signup_deadline(event):
        raise ServiceError(_("报名已截止"))


#: the longest name on an organisation's list of members
MEMBER_NAME_MAX = 50


def clean_member_names(raw: str | None, headcount: int) -> str:
    """An organisation's named members, one per line: blanks dropped, no more than ``headcount``.

    :raise ServiceError: a name too long, or more names than people signed up
    """
    names = [" ".join(line.split()) for line in (raw or "").splitlines()]
    names = [name for name in names if name]
    if any(len(name) > MEMBER_NAME_MAX for name in names):
        raise ServiceError(
            _("每行填写一个姓名，每个不超过 %(n)d 个字", n=MEMBER_NAME_MAX), "member_names"
        )
    if len(names) > headcount:
        raise ServiceError(
            _("名单有 %(names)d 人，多于报名人数 %(n)d", names=len(names), n=headcount),
            "member_names",
        )
    return "\n".join(names)


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
    _check_open(session, event, user)
    if user.role == Role.org:
        if headcount is None or not 1 <= headcount <= 500:
            raise ServiceError(_("人数需在 1–500 之间"), "headcount")
        member_names = clean_member_names(member_names, headcount)
    else:
        headcount, member_names = 1, ""
    # Sign-ups for one event queue here: two taps on "sign up again" after a cancellation must not
    # both take a seat for the one row they share, and the status is read as it is now.
    session.scalar(
        select(Event)
        .where(Event.id == event.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    _check_open(session, event, user)
    existing = session.scalar(
        select(Registration).where(
            Registration.event_id == event.id, Registration.user_id == user.id
        )
    )
    if existing is not None and existing.status == RegistrationStatus.waitlisted:
        raise ServiceError(_("您已在候补名单中"))
    if existing is not None and existing.status != RegistrationStatus.cancelled:
        raise ServiceError(_("您已报名该活动"))
    # the modules' own conditions (an alliance event only for units whose agreement is in force…)
    registration_requested.send(event, session=session, user=user, headcount=headcount)

    someone_waiting = session.scalar(
        select(Registration.id)
        .where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.waitlisted,
        )
        .limit(1)
    )
    if not (someone_waiting and event.waitlist_enabled) and _take_seats(session, event, headcount):
        # a free seat goes to a newcomer only when nobody is waiting for it
        status, position = RegistrationStatus.registered, None
    elif event.waitlist_enabled:
        status, position = RegistrationStatus.waitlisted, _next_waitlist_position(session, event)
    else:
        raise ServiceError(_("名额已满，该活动不设候补"))

    previous = existing.status if existing is not None else None
    registration = existing or Registration(event_id=event.id, user_id=user.id)
    registration.headcount = headcount
    registration.member_names = member_names
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
    registration_changed.send(
        registration, session=session, event=event, previous_status=previous, user=user
    )
    if status == RegistrationStatus.registered:
        notify(
            session,
            user,
            "event.registered",
            _l("报名成功：%(title)s", title=event.title),
            _l("活动时间：%(when)s", when=_when(event)),
            link=_event_link(event),
        )
    else:
        notify(
            session,
            user,
            "event.waitlisted",
            _l("已进入候补：%(title)s", title=event.title),
            _l("您排在候补第 %(n)d 位，有名额空出时会通知您。", n=position),
            link=_event_link(event),
        )
    return registration


def cancel_registration(
    session: Session, user: User, registration: Registration, *, erasing: bool = False
) -> None:
    """Cancel before the deadline; a freed seat goes to the waitlist, in order.

    :param erasing: the account is being erased (``withdraw_erased``): allowed until the event
        starts, past the sign-up deadline too (the person will not come; the seat is someone
        else's)
    :raise ServiceError: another's sign-up, or too late
    """
    event = session.scalar(select(Event).where(Event.id == registration.event_id).with_for_update())
    if registration.user_id != user.id:
        raise ServiceError(_("只能取消自己的报名"))
    session.refresh(registration)  # read again under the event's lock: a double click waits here
    if registration.status == RegistrationStatus.cancelled:
        return
    if utcnow() > (event.starts_at if erasing else signup_deadline(event)):
        raise ServiceError(_("报名已截止，不能取消；如有变化请联系工作人员"))
    previous = registration.status
    if not guarded_update(
        session,
        registration,
        Registration.status == previous,
        status=RegistrationStatus.cancelled,
        waitlist_position=None,
        cancelled_at=utcnow(),
    ):  # cancelled (or promoted) by another request meanwhile
        session.expire(registration)
        return
    registration_changed.send(
        registration, session=session, event=event, previous_status=previous, user=user
    )
    freed = registration.headcount if previous == RegistrationStatus.registered else 0
    if freed:
        session.execute(
            update(Event)
            .where(Event.id == event.id)
            .values(seats_taken=Event.seats_taken - freed)
            .execution_options(synchronize_session=False)
        )
        promote_waitlist(session, event)


def withdraw_erased(session: Session, user: User) -> None:
    """Cancel ``user``'s sign-ups for published events not yet started, as their own cancel
    would (seats freed, the waitlist promoted and told; the person is not told): their account
    is being erased (saas.rights). Sign-ups for events that have started stay, with the
    attendance and hours made of them.
    """
    upcoming = session.scalars(
        select(Registration)
        .join(Event, Event.id == Registration.event_id)
        .where(
            Registration.user_id == user.id,
            Registration.status != RegistrationStatus.cancelled,
            Event.status == EventStatus.published,
            Event.starts_at > utcnow(),
        )
        .order_by(Registration.event_id)  # one order of event locks for everyone
    ).all()
    for registration in upcoming:
        # ServiceError: the event started meanwhile; its sign-up stays, like a past event's
        with suppress(ServiceError):
            cancel_registration(session, user, registration, erasing=True)


def promote_waitlist(session: Session, event: Event) -> list[Registration]:
    """Move waitlisted sign-ups into free seats, first come first served; each is told.

    Only for a published event: a seat freed at a cancelled or finished one promotes nobody.
    """
    promoted = []
    if event.status != EventStatus.published:
        return promoted
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
        session.flush()
        registration_changed.send(
            registration,
            session=session,
            event=event,
            previous_status=RegistrationStatus.waitlisted,
            user=person,
        )
        notify(
            session,
            person,
            "event.promoted",
            _l("候补成功：%(title)s", title=event.title),
            _l("有名额空出，您已报名成功。活动时间：%(when)s", when=_when(event)),
            link=_event_link(event),
        )
    session.flush()
    return promoted


def _when(event: Event) -> str:
    from flask_babel import format_datetime

    return format_datetime(event.starts_at, "yyyy-MM-dd HH:mm")


def _event_link(event: Event) -> str:
    """Where the person signed up finds the event: their list of activities."""
    from flask import g

    tenant = g.get("tenant")
    return activity_link(tenant.slug, event) if tenant is not None else ""


def activity_link(slug: str, event: Event) -> str:
    return f"/{slug}/activities#event-{event.id}"
