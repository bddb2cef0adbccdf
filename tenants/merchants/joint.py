"""Area "home": merchant–resident joint events (商居联合活动) and the street's party members
among merchants' staff (商户党员). The rules; the views are in ``home_views``.

A joint event is any event of the engine with one or more co-hosting merchants (``EventHost``);
the engine's own form is untouched: staff set an event's hosts here. Counts per merchant are
events co-hosted and their participants (sign-ups, head counts, confirmed attendances).

Staff limited to one community see and change the events of their community and the street's
(as on the engine's pages); everyone else in the office sees all of them.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import Select, and_, delete, func, or_, select, true
from sqlalchemy.orm import Session

from saas.audit.services import record
from saas.auth.models import Role, User
from saas.errors import NotFound, ServiceError
from saas.listing import contains_pattern, count_rows, one_page
from tenants.events.models import Attendance, Event, EventStatus, Registration, RegistrationStatus
from tenants.merchants.home_models import MerchantMember
from tenants.merchants.models import Circle, EventHost, Merchant
from tenants.orgs.models import Organisation, OrgKind
from tenants.passport.models import Passport

PAGE = 20
#: the most merchants one event may have as co-hosts
HOSTS_MAX = 50
#: events offered in the "choose an event" list, newest first
PICK_EVENTS = 200


def _visible(actor: User):
    community = actor.limited_to_community
    if community is None:
        return true()
    return or_(Event.community_id.is_(None), Event.community_id == community)


def _office_only(actor: User) -> None:
    if not actor.is_office:
        raise ServiceError(_("只有街道工作人员可以设置联合活动"))


# --- the events and their hosts --------------------------------------------------------------------


def get_event_or_404(session: Session, actor: User, event_id: int) -> Event:
    """An event of the street that ``actor`` may see.

    :raise NotFound: no such event, another street's, or outside a limited staff member's
        community (the same answer)
    """
    event = session.scalar(select(Event).where(Event.id == event_id, _visible(actor)))
    if event is None:
        raise NotFound(_("活动不存在"))
    return event


def merchants(session: Session) -> list[tuple[Organisation, str]]:
    """The street's active merchants with their circle's name, by circle then name (what an
    event's hosts are chosen from)."""
    rows = session.execute(
        select(Organisation, Circle.name)
        .outerjoin(Merchant, Merchant.organisation_id == Organisation.id)
        .outerjoin(Circle, Circle.id == Merchant.circle_id)
        .where(Organisation.kind == OrgKind.merchant, Organisation.is_active.is_(True))
        .order_by(Circle.name, Organisation.name)
    ).all()
    return [(org, circle or "") for org, circle in rows]


def host_ids(session: Session, event: Event) -> list[int]:
    return list(
        session.scalars(select(EventHost.organisation_id).where(EventHost.event_id == event.id))
    )


def set_hosts(session: Session, actor: User, event: Event, organisation_ids: list[int]) -> int:
    """Make ``organisation_ids`` the co-hosting merchants of ``event`` (none: it is no longer a
    joint event). Returns how many hosts it has now.

    :raise ServiceError: not office staff, a cancelled event, an id that is not one of the
        street's active merchants (another street's, an alliance unit, unknown), too many
    """
    _office_only(actor)
    if event.status == EventStatus.cancelled:
        raise ServiceError(_("活动已取消，不能设置联合商户"), "hosts")
    wanted = list(dict.fromkeys(organisation_ids))
    if len(wanted) > HOSTS_MAX:
        raise ServiceError(_("一个活动最多 %(n)d 个联合商户", n=HOSTS_MAX), "hosts")
    if wanted:
        found = set(
            session.scalars(
                select(Organisation.id).where(
                    Organisation.id.in_(wanted),
                    Organisation.kind == OrgKind.merchant,
                    Organisation.is_active.is_(True),
                )
            )
        )
        if found != set(wanted):
            raise ServiceError(_("所选商户不存在或不是本街道的商户"), "hosts")
    had = set(host_ids(session, event))
    gone = had - set(wanted)
    if gone:
        session.execute(
            delete(EventHost)
            .where(EventHost.event_id == event.id, EventHost.organisation_id.in_(gone))
            .execution_options(synchronize_session=False)
        )
    session.add_all(
        EventHost(event_id=event.id, organisation_id=org_id)
        for org_id in wanted
        if org_id not in had
    )
    session.flush()
    if had != set(wanted):
        record(
            session,
            "merchants.event_hosts",
            actor.id,
            f"event:{event.id}",
            {"hosts": len(wanted)},
        )
    return len(wanted)


def pickable_events(session: Session, actor: User) -> list[Event]:
    """Events staff may make joint: not cancelled, newest first (the chooser's list)."""
    return list(
        session.scalars(
            select(Event)
            .where(Event.status != EventStatus.cancelled, _visible(actor))
            .order_by(Event.starts_at.desc(), Event.id.desc())
            .limit(PICK_EVENTS)
        )
    )


# --- the list of joint events ----------------------------------------------------------------------


@dataclass
class JointRow:
    event: Event
    hosts: list[str]
    registrations: int
    attended: int


def _participants():
    """Per event: sign-ups (not cancelled) with their head counts, and confirmed attendances."""
    signed = (
        select(
            Registration.event_id.label("event_id"),
            func.count().label("signups"),
            func.sum(Registration.headcount).label("people"),
        )
        .where(Registration.status != RegistrationStatus.cancelled)
        .group_by(Registration.event_id)
        .subquery()
    )
    came = (
        select(Attendance.event_id.label("event_id"), func.count().label("attended"))
        .where(Attendance.confirmed_at.is_not(None))
        .group_by(Attendance.event_id)
        .subquery()
    )
    return signed, came


def _joint_stmt(actor: User, q: str | None, organisation_id: int | None) -> Select:
    signed, came = _participants()
    stmt = (
        select(
            Event,
            func.coalesce(signed.c.people, 0),
            func.coalesce(came.c.attended, 0),
        )
        .outerjoin(signed, signed.c.event_id == Event.id)
        .outerjoin(came, came.c.event_id == Event.id)
        .where(
            Event.id.in_(select(EventHost.event_id)),
            _visible(actor),
        )
        .order_by(Event.starts_at.desc(), Event.id.desc())
    )
    pattern = contains_pattern(q)
    if pattern:
        by_host = (
            select(EventHost.event_id)
            .join(Organisation, Organisation.id == EventHost.organisation_id)
            .where(Organisation.name.like(pattern))
        )
        stmt = stmt.where(or_(Event.title.like(pattern), Event.id.in_(by_host)))
    if organisation_id is not None:
        stmt = stmt.where(
            Event.id.in_(
                select(EventHost.event_id).where(EventHost.organisation_id == organisation_id)
            )
        )
    return stmt


def hosts_of(session: Session, event_ids: list[int]) -> dict[int, list[str]]:
    """The co-hosting merchants' names of each of ``event_ids`` (one statement)."""
    names: dict[int, list[str]] = {}
    if event_ids:
        for event_id, name in session.execute(
            select(EventHost.event_id, Organisation.name)
            .join(Organisation, Organisation.id == EventHost.organisation_id)
            .where(EventHost.event_id.in_(event_ids))
            .order_by(Organisation.name)
        ):
            names.setdefault(event_id, []).append(name)
    return names


def joint_events(
    session: Session,
    actor: User,
    q: str | None = None,
    organisation_id: int | None = None,
    page: int = 1,
    size: int = PAGE,
) -> tuple[list[JointRow], int]:
    """The joint events (those with a co-hosting merchant), newest first, each with its hosts'
    names and participants; filtered by text (title or host) and by one merchant. Three
    statements."""
    stmt = _joint_stmt(actor, q, organisation_id)
    total = count_rows(session, stmt)
    found = session.execute(one_page(stmt, page, size)).all()
    names = hosts_of(session, [event.id for event, _p, _a in found])
    rows = [
        JointRow(event, names.get(event.id, []), int(people), int(came))
        for event, people, came in found
    ]
    return rows, total


# --- counts per merchant -----------------------------------------------------------------------------


@dataclass
class HostCount:
    organisation_id: int
    name: str
    circle: str
    events: int
    signups: int
    people: int
    attended: int


def _counts_stmt(actor: User, q: str | None, circle_id: int | None) -> Select:
    signed, came = _participants()
    events = func.count(func.distinct(EventHost.event_id))
    stmt = (
        select(
            Organisation.id,
            Organisation.name,
            Circle.name,
            events.label("events"),
            func.coalesce(func.sum(signed.c.signups), 0),
            func.coalesce(func.sum(signed.c.people), 0),
            func.coalesce(func.sum(came.c.attended), 0),
        )
        .select_from(Organisation)
        .join(EventHost, EventHost.organisation_id == Organisation.id)
        .join(
            Event,
            and_(
                Event.id == EventHost.event_id,
                Event.status != EventStatus.cancelled,
                _visible(actor),
            ),
        )
        .outerjoin(signed, signed.c.event_id == Event.id)
        .outerjoin(came, came.c.event_id == Event.id)
        .outerjoin(Merchant, Merchant.organisation_id == Organisation.id)
        .outerjoin(Circle, Circle.id == Merchant.circle_id)
        .where(Organisation.kind == OrgKind.merchant)
        .group_by(Organisation.id, Organisation.name, Circle.name)
        .order_by(events.desc(), Organisation.name, Organisation.id)
    )
    pattern = contains_pattern(q)
    if pattern:
        stmt = stmt.where(Organisation.name.like(pattern))
    if circle_id is not None:
        stmt = stmt.where(Merchant.circle_id == circle_id)
    return stmt


def host_counts(
    session: Session,
    actor: User,
    q: str | None = None,
    circle_id: int | None = None,
    page: int = 1,
    size: int = PAGE,
) -> tuple[list[HostCount], int]:
    """Per merchant that co-hosted a (not cancelled) event: how many, and their participants.
    Two statements."""
    stmt = _counts_stmt(actor, q, circle_id)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = [
        HostCount(org_id, name, circle or "", int(n), int(s), int(p), int(a))
        for org_id, name, circle, n, s, p, a in session.execute(one_page(stmt, page, size))
    ]
    return rows, total


def circles(session: Session) -> list[Circle]:
    return list(session.scalars(select(Circle).order_by(Circle.name)))


# --- party members among merchants' staff (商户党员) --------------------------------------------


@dataclass
class PartyMemberRow:
    user_id: int
    name: str
    phone: str
    merchant: str
    hours: object
    points: int


def party_members(
    session: Session, actor: User, organisation_id: int | None = None
) -> list[PartyMemberRow]:
    """The party members linked to merchants (all of them, or one merchant's), with their
    passports' hours and points; by merchant then name. One statement; phones whole (the
    view masks them for everyone but the admin)."""
    _office_only(actor)
    stmt = (
        select(
            User.id,
            User.name,
            User.phone,
            Organisation.name,
            func.coalesce(Passport.hours_total, 0),
            func.coalesce(Passport.balance, 0),
        )
        .select_from(MerchantMember)
        .join(User, User.id == MerchantMember.user_id)
        .join(Organisation, Organisation.id == MerchantMember.organisation_id)
        .outerjoin(Passport, Passport.user_id == User.id)
        .order_by(Organisation.name, User.name, User.id)
        .limit(2000)
    )
    if organisation_id is not None:
        stmt = stmt.where(MerchantMember.organisation_id == organisation_id)
    return [PartyMemberRow(*row) for row in session.execute(stmt)]


def link_party_member(
    session: Session, actor: User, organisation_id: int | None, phone: str | None
) -> MerchantMember:
    """Link the party member with ``phone`` (a volunteer of the street, ``is_party_member``) to
    the merchant ``organisation_id``; a person already linked moves to this merchant.

    :raise ServiceError: not office staff, not one of the street's merchants, no such party
        member among the street's volunteers
    """
    _office_only(actor)
    merchant = None
    if organisation_id is not None:
        merchant = session.scalar(
            select(Organisation).where(
                Organisation.id == organisation_id, Organisation.kind == OrgKind.merchant
            )
        )
    if merchant is None:
        raise ServiceError(_("请选择本街道的商户"), "organisation")
    phone = "".join((phone or "").split())
    member = None
    if phone.isdecimal() and len(phone) == 11:
        member = session.scalar(
            select(User).where(
                User.phone == phone,
                User.role == Role.volunteer,
                User.is_party_member.is_(True),
                User.is_enabled.is_(True),
            )
        )
    if member is None:
        raise ServiceError(_("本街道没有这个手机号的党员志愿者"), "phone")
    link = session.scalar(select(MerchantMember).where(MerchantMember.user_id == member.id))
    if link is None:
        link = MerchantMember(organisation_id=merchant.id, user_id=member.id, created_by=actor.id)
        session.add(link)
    else:
        link.organisation_id = merchant.id
    session.flush()
    record(
        session,
        "merchants.party_member_link",
        actor.id,
        f"user:{member.id}",
        {"organisation": merchant.id},
    )
    return link


def get_party_member_or_404(session: Session, actor: User, user_id: int) -> MerchantMember:
    """:raise NotFound: nobody of that id is linked to a merchant (another street's: the same)"""
    _office_only(actor)
    link = session.scalar(select(MerchantMember).where(MerchantMember.user_id == user_id))
    if link is None:
        raise NotFound(_("该党员没有关联商户"))
    return link


def unlink_party_member(session: Session, actor: User, user_id: int) -> None:
    """:raise NotFound: nobody of that id is linked to a merchant (another street's: the same)"""
    link = get_party_member_or_404(session, actor, user_id)
    session.delete(link)
    session.flush()
    record(session, "merchants.party_member_unlink", actor.id, f"user:{user_id}", {})
