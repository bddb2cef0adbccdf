"""The unit's own home (我的单位): what an alliance unit's account sees and does on its phone.

Its agreement, the events open to it (joined with a headcount and named members), its sign-ups
to come, its resources, the needs it could take, its meetings and resolutions, and what its
members have contributed. Read in a fixed number of statements whatever the data.

A unit account sees and acts only on its own unit's rows: every query here starts from the
organisation the account acts for (``alliance_unit_of``), never from an id in the request alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import and_, case, delete, false, func, literal, or_, select
from sqlalchemy.orm import Session

from saas.auth.models import Role, User
from saas.auth.phone import mask_phone
from saas.errors import NotFound, ServiceError
from saas.text import fold
from tenants.alliance.models import (
    Agreement,
    Meeting,
    MeetingInvite,
    Need,
    NeedStatus,
    Resolution,
    ResolutionStatus,
    Resource,
    UnitMember,
)
from tenants.events.models import Attendance, Event, EventStatus, Registration, RegistrationStatus
from tenants.events.registration import (
    MEMBER_NAME_MAX,
    cancel_registration,
    register,
    signup_deadline,
)
from tenants.events.signups import open_to
from tenants.orgs.models import OrgAccount, Organisation, OrgKind
from tenants.orgs.records import organisation_of_kind, tag_set
from tenants.structure.models import Community

#: an agreement ending within this many days is "expiring"
EXPIRING_DAYS = 30
#: rows each section of the home lists
OPEN_EVENTS, SIGNUPS, RESOURCES, NEEDS, MEETINGS, RESOLUTIONS, CONTRIBUTORS = (
    10,
    20,
    20,
    10,
    10,
    20,
    20,
)
#: people a member search returns at most
SEARCH_LIMIT = 20
SEARCH_MAX = 50
HEADCOUNT_MAX = 500


# --- whose unit ------------------------------------------------------------------------------------


def alliance_unit_of(session: Session, user: User) -> Organisation | None:
    """The alliance unit ``user`` (an org account) acts for; None for merchants' accounts,
    unlinked org accounts and everyone else. Read once per request."""
    return organisation_of_kind(session, user, OrgKind.alliance)


def is_alliance_unit(user) -> bool:
    """For the declaration's ``visible``: is this signed-in account an alliance unit's?"""
    if getattr(user, "role", None) != Role.org:
        return False
    from saas.extensions import db

    return alliance_unit_of(db.session, user) is not None


def unit_or_404(session: Session, user: User) -> Organisation:
    unit = alliance_unit_of(session, user)
    if unit is None:
        raise NotFound(_("只有共建单位的账号可以使用此页面"))
    return unit


# --- the home ------------------------------------------------------------------------------------


@dataclass
class AgreementState:
    #: active, expiring, expired, future or none
    state: str
    ends_on: date | None = None
    starts_on: date | None = None
    days_left: int | None = None


@dataclass
class NamedMember:
    user_id: int
    name: str
    phone: str  # masked


@dataclass
class UnitSignup:
    registration_id: int
    event_id: int
    title: str
    starts_at: datetime
    place: str
    status: str
    headcount: int
    other_names: list[str]
    can_cancel: bool
    members: list[NamedMember] = field(default_factory=list)


@dataclass
class NeedLine:
    need: Need
    community: str
    #: why it is listed: the tags it shares with the unit, or the unit's own community
    why: str


@dataclass
class MeetingLine:
    meeting: Meeting
    attended: bool | None
    upcoming: bool


@dataclass
class ResolutionLine:
    resolution: Resolution
    meeting_title: str
    overdue: bool


@dataclass
class Contribution:
    user_id: int
    name: str
    hours: Decimal
    events: int


@dataclass
class UnitHome:
    unit: Organisation
    agreement: AgreementState
    open_events: list[Event]
    signups: list[UnitSignup]
    resources: list[Resource]
    needs: list[NeedLine]
    meetings: list[MeetingLine]
    resolutions: list[ResolutionLine]
    contributions: list[Contribution]

    @property
    def total_hours(self) -> Decimal:
        return sum((c.hours for c in self.contributions), Decimal(0))

    @property
    def total_events(self) -> int:
        return sum(c.events for c in self.contributions)


def agreement_state(session: Session, organisation_id: int, today: date) -> AgreementState:
    """The unit's agreement as it stands today (the one in force that ends last, else the last
    one that ended, else one still to start). One statement."""
    agreements = session.execute(
        select(Agreement.starts_on, Agreement.ends_on).where(
            Agreement.organisation_id == organisation_id
        )
    ).all()
    current = [a for a in agreements if a.starts_on <= today <= a.ends_on]
    if current:
        ends = max(a.ends_on for a in current)
        left = (ends - today).days
        return AgreementState("expiring" if left <= EXPIRING_DAYS else "active", ends, None, left)
    ended = [a.ends_on for a in agreements if a.ends_on < today]
    if ended:
        return AgreementState("expired", max(ended))
    coming = [a.starts_on for a in agreements if a.starts_on > today]
    if coming:
        return AgreementState("future", None, min(coming))
    return AgreementState("none")


def unit_signups(session: Session, unit: Organisation, now: datetime) -> list[UnitSignup]:
    """The unit's sign-ups (by any of its accounts) for events not over, soonest first, each
    with the members it named: two statements."""
    rows = session.execute(
        select(
            Registration.id,
            Registration.event_id,
            Registration.status,
            Registration.headcount,
            Registration.member_names,
            Event.title,
            Event.starts_at,
            Event.place,
            Event.signup_deadline,
        )
        .join(Event, Event.id == Registration.event_id)
        .join(OrgAccount, OrgAccount.user_id == Registration.user_id)
        .where(
            OrgAccount.organisation_id == unit.id,
            Registration.status != RegistrationStatus.cancelled,
            Event.status != EventStatus.cancelled,
            Event.ends_at > now,
        )
        .order_by(Event.starts_at, Event.id)
        .limit(SIGNUPS)
    ).all()
    signups = {
        row.id: UnitSignup(
            registration_id=row.id,
            event_id=row.event_id,
            title=row.title,
            starts_at=row.starts_at,
            place=row.place,
            status=row.status,
            headcount=row.headcount,
            other_names=[n for n in (row.member_names or "").splitlines() if n],
            can_cancel=now <= (row.signup_deadline or row.starts_at),
        )
        for row in rows
    }
    if signups:
        for registration_id, user_id, name, phone in session.execute(
            select(UnitMember.registration_id, User.id, User.name, User.phone)
            .join(User, User.id == UnitMember.user_id)
            .where(
                UnitMember.registration_id.in_(list(signups)),
                UnitMember.organisation_id == unit.id,
            )
            .order_by(User.name, User.id)
        ):
            signups[registration_id].members.append(NamedMember(user_id, name, mask_phone(phone)))
    return list(signups.values())


def _like_free(text: str) -> str:
    return text.replace("%", "").replace("_", "").replace("\\", "")


def needs_for(session: Session, unit: Organisation) -> list[NeedLine]:
    """Open needs the unit could take: those sharing one of its tags, or in its community."""
    tags = [t for t in (_like_free(t) for t in unit.tag_list) if t]
    wrapped = literal("、") + Need.tags + literal("、")
    conditions = [wrapped.like(f"%、{tag}、%") for tag in tags]
    if unit.community_id is not None:
        conditions.append(Need.community_id == unit.community_id)
    rows = session.execute(
        select(Need, Community.name)
        .outerjoin(Community, Community.id == Need.community_id)
        .where(Need.status == NeedStatus.open, or_(*conditions) if conditions else false())
        .order_by(Need.created_at.desc(), Need.id.desc())
        .limit(NEEDS)
    ).all()
    mine = tag_set(unit.tags)
    lines = []
    for need, community in rows:
        shared = [t for t in need.tags.split("、") if t and t in mine]
        why = _("标签相同：%(tags)s", tags="、".join(shared)) if shared else _("在本单位所在社区")
        lines.append(NeedLine(need, community or _("全街道"), why))
    return lines


def meetings_of(session: Session, unit: Organisation, now: datetime) -> list[MeetingLine]:
    """The meetings the unit is invited to: upcoming ones first (soonest first), then past ones
    (latest first)."""
    upcoming = Meeting.starts_at >= now
    rows = session.execute(
        select(Meeting, MeetingInvite.attended)
        .join(MeetingInvite, MeetingInvite.meeting_id == Meeting.id)
        .where(MeetingInvite.organisation_id == unit.id)
        .order_by(
            case((upcoming, 0), else_=1),
            case((upcoming, Meeting.starts_at), else_=None),
            Meeting.starts_at.desc(),
        )
        .limit(MEETINGS)
    ).all()
    return [MeetingLine(m, attended, m.starts_at >= now) for m, attended in rows]


def resolutions_of(session: Session, unit: Organisation, today: date) -> list[ResolutionLine]:
    """The resolutions the unit owns: open ones first, soonest due first; overdue ones marked."""
    rows = session.execute(
        select(Resolution, Meeting.title)
        .join(Meeting, Meeting.id == Resolution.meeting_id)
        .where(Resolution.owner_organisation_id == unit.id)
        .order_by(
            case((Resolution.status == ResolutionStatus.open, 0), else_=1),
            Resolution.due_on,
            Resolution.id,
        )
        .limit(RESOLUTIONS)
    ).all()
    return [
        ResolutionLine(r, title, r.status == ResolutionStatus.open and r.due_on < today)
        for r, title in rows
    ]


def contributions_of(session: Session, unit: Organisation) -> list[Contribution]:
    """The confirmed hours and events of the members the unit named, most hours first."""
    hours = func.coalesce(func.sum(Attendance.hours), 0)
    rows = session.execute(
        select(User.id, User.name, hours, func.count(func.distinct(Attendance.event_id)))
        .select_from(UnitMember)
        .join(Registration, Registration.id == UnitMember.registration_id)
        .join(
            Attendance,
            and_(
                Attendance.event_id == Registration.event_id,
                Attendance.user_id == UnitMember.user_id,
                Attendance.confirmed_at.is_not(None),
            ),
        )
        .join(User, User.id == UnitMember.user_id)
        .where(UnitMember.organisation_id == unit.id)
        .group_by(User.id, User.name)
        .order_by(hours.desc(), User.id)
        .limit(CONTRIBUTORS)
    ).all()
    return [Contribution(uid, name, Decimal(h or 0), n) for uid, name, h, n in rows]


def unit_home(session: Session, user: User, now: datetime, today: date) -> UnitHome:
    """Everything the unit's home shows, for the alliance unit ``user`` acts for.

    :raise NotFound: ``user`` is not an alliance unit's account
    """
    unit = unit_or_404(session, user)
    return UnitHome(
        unit=unit,
        agreement=agreement_state(session, unit.id, today),
        open_events=open_to(session, user, now, limit=OPEN_EVENTS),
        signups=unit_signups(session, unit, now),
        resources=list(
            session.scalars(
                select(Resource)
                .where(Resource.organisation_id == unit.id)
                .order_by(Resource.is_available.desc(), Resource.created_at.desc())
                .limit(RESOURCES)
            )
        ),
        needs=needs_for(session, unit),
        meetings=meetings_of(session, unit, now),
        resolutions=resolutions_of(session, unit, today),
        contributions=contributions_of(session, unit),
    )


# --- finding and naming members ------------------------------------------------------------------


@dataclass
class Volunteer:
    """A volunteer as a unit may see them: a name, a masked phone, a community."""

    id: int
    name: str
    phone: str  # masked
    community: str


def _volunteers():
    return (
        select(User.id, User.name, User.phone, Community.name.label("community"))
        .outerjoin(Community, Community.id == User.community_id)
        .where(User.role == Role.volunteer, User.is_enabled.is_(True))
    )


def _as_volunteer(row) -> Volunteer:
    return Volunteer(row.id, row.name, mask_phone(row.phone), row.community or "")


def search_volunteers(session: Session, actor: User, raw: str | None) -> list[Volunteer]:
    """The street's volunteers a unit may name: by two or more characters of the name, or by the
    last four digits of the phone (never a whole number: a unit must not be able to learn whether
    a given phone belongs to a resident). At most ``SEARCH_LIMIT``, phones masked.

    :raise NotFound: ``actor`` is not an alliance unit's account
    :raise ServiceError: too little (or too much) to search by (field ``q``)
    """
    unit_or_404(session, actor)
    text = "".join(fold(raw or "").split())[:SEARCH_MAX]
    if text.isdecimal():
        if len(text) != 4:
            raise ServiceError(_("按手机号查找请输入后 4 位"), "q")
        condition = User.phone.like(f"%{text}")
    else:
        text = _like_free(text)
        if len(text) < 2:
            raise ServiceError(_("请输入姓名中至少 2 个字，或手机号后 4 位"), "q")
        condition = User.name.like(f"%{text}%")
    rows = session.execute(
        _volunteers().where(condition).order_by(User.name, User.id).limit(SEARCH_LIMIT)
    ).all()
    return [_as_volunteer(row) for row in rows]


def volunteers_by_id(session: Session, ids: list[int]) -> dict[int, Volunteer]:
    """The enabled volunteers of the street among ``ids`` (others' ids are simply not found)."""
    if not ids:
        return {}
    rows = session.execute(_volunteers().where(User.id.in_(ids))).all()
    return {row.id: _as_volunteer(row) for row in rows}


def parse_ids(values: list[str]) -> list[int]:
    """Ids as a form sends them, in order, repeats dropped; junk is kept as -1 (never an id)."""
    ids: list[int] = []
    for value in values:
        value = (value or "").strip()
        number = int(value) if value.isdecimal() and len(value) <= 19 else -1
        if number not in ids:
            ids.append(number)
    return ids


def clean_other_names(raw: str | None) -> list[str]:
    names = [" ".join(line.split()) for line in (raw or "").splitlines()]
    names = [name for name in names if name]
    if any(len(name) > MEMBER_NAME_MAX for name in names):
        raise ServiceError(
            _("每行填写一个姓名，每个不超过 %(n)d 个字", n=MEMBER_NAME_MAX), "other_names"
        )
    return list(dict.fromkeys(names))


def join_event(
    session: Session,
    actor: User,
    event: Event,
    headcount: int | None,
    member_ids: list[int],
    other_names: str | None,
) -> Registration:
    """The unit signs up for ``event`` through the events engine with ``headcount`` people,
    naming volunteers of the street (``member_ids``, who earn their own hours when the unit's
    attendance is confirmed) and, in words, people who are not volunteers (``other_names``).

    :raise NotFound: ``actor`` is not an alliance unit's account
    :raise ServiceError: a headcount out of range, more names than people, a member who is not
        an enabled volunteer of this street, or the engine's (or a module's) refusal
    """
    unit = unit_or_404(session, actor)
    if headcount is None or not 1 <= headcount <= HEADCOUNT_MAX:
        raise ServiceError(_("人数需在 1–500 之间"), "headcount")
    ids = list(dict.fromkeys(member_ids))
    found = volunteers_by_id(session, [i for i in ids if i > 0])
    if any(i not in found for i in ids):
        raise ServiceError(_("所选人员中有人不是本街道的志愿者，请重新选择"), "member_ids")
    names = clean_other_names(other_names)
    named = len(ids) + len(names)
    if named > headcount:
        raise ServiceError(
            _("名单有 %(names)d 人，多于报名人数 %(n)d", names=named, n=headcount), "member_ids"
        )
    registration = register(session, actor, event, headcount, "\n".join(names))
    # a sign-up made again after a cancellation reuses its row: name the members afresh
    session.execute(delete(UnitMember).where(UnitMember.registration_id == registration.id))
    for user_id in ids:
        session.add(
            UnitMember(registration_id=registration.id, organisation_id=unit.id, user_id=user_id)
        )
    session.flush()
    return registration


def get_unit_registration_or_404(
    session: Session, actor: User, registration_id: int
) -> tuple[Registration, User]:
    """A sign-up made by one of the accounts of ``actor``'s unit, and that account.

    :raise NotFound: no such sign-up, another street's, or another unit's (the same answer)
    """
    unit = unit_or_404(session, actor)
    row = session.execute(
        select(Registration, User)
        .join(OrgAccount, OrgAccount.user_id == Registration.user_id)
        .join(User, User.id == Registration.user_id)
        .where(Registration.id == registration_id, OrgAccount.organisation_id == unit.id)
    ).first()
    if row is None:
        raise NotFound(_("报名记录不存在"))
    return row[0], row[1]


def cancel_signup(session: Session, actor: User, registration_id: int) -> Registration:
    """The unit cancels one of its sign-ups while sign-up is open (the engine's rules); its
    named members are dropped with it (receivers.drop_members_of_cancelled), so they have
    nothing to earn.

    :raise NotFound: not a sign-up of ``actor``'s unit
    :raise ServiceError: past the deadline
    """
    registration, owner = get_unit_registration_or_404(session, actor, registration_id)
    cancel_registration(session, owner, registration)
    return registration


def event_for_unit_or_404(session: Session, actor: User, event_id: int) -> Event:
    """A published event of the street (the join page's). :raise NotFound: none, or another
    street's, or a draft."""
    unit_or_404(session, actor)
    event = session.scalar(select(Event).where(Event.id == event_id))
    if event is None or event.status == EventStatus.draft:
        raise NotFound(_("活动不存在"))
    return event


def signup_closes(event: Event) -> datetime:
    return signup_deadline(event)
