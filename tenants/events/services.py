"""Staff work on events (活动): create, edit, publish, cancel and finish; the lists staff and
volunteers see.

Signing up is in ``registration.py``, hours and points in ``attendance.py``. Status changes are
guarded UPDATEs (``… WHERE status IN (…)``), so a double click changes, and notifies, once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, Integer, and_, bindparam, case, func, or_, select, true, update
from sqlalchemy.orm import Session, aliased

from saas.audit.services import record
from saas.auth.models import Role, User
from saas.db import guarded_update, utcnow
from saas.errors import NotFound, ServiceError
from saas.listing import contains_pattern, count_rows, one_page
from saas.notify.services import joined, notify
from tenants.events.attendance import REASON_MAX
from tenants.events.models import (
    Attendance,
    Audience,
    Event,
    EventKind,
    EventStatus,
    PointsMode,
    Registration,
    RegistrationStatus,
)
from tenants.events.registration import (
    activity_link,
    audiences_of,
    promote_waitlist,
    signup_deadline,
)
from tenants.events.signals import event_cancelled, event_finished, event_published
from tenants.events.signups import place_in_line
from tenants.structure.models import Community

#: rows on one page of the staff list
PAGE = 30
#: cards on one page of the volunteers' list: three screens of a phone; the next ten load as the
#: last comes into view, so a page of twenty only made the first screen wait for cards unseen
ACTIVITY_PAGE = 10
#: rows on one page of each list of an event's detail page (registered, waitlist, attendance)
DETAIL_PAGE = 50
#: people the 补录 picker lists at once; a search by name narrows them down
PICK_LIMIT = 20
TITLE_MAX = 120
PLACE_MAX = 200
DESCRIPTION_MAX = 5000
MAX_CAPACITY = 10000
MAX_POINTS = 10000
#: an event longer than this is a typing mistake (hours are capped at the event's length)
MAX_LENGTH = timedelta(days=31)

KIND_LABELS = {
    EventKind.volunteer: _l("志愿服务"),
    EventKind.alliance: _l("联盟共建"),
    EventKind.merchant_day: _l("商户会员日"),
    EventKind.campaign: _l("一季一品活动"),
    EventKind.meeting: _l("会议"),
}
STATUS_LABELS = {
    EventStatus.draft: _l("草稿"),
    EventStatus.published: _l("已发布"),
    EventStatus.cancelled: _l("已取消"),
    EventStatus.finished: _l("已结束"),
}
AUDIENCE_LABELS = {
    Audience.volunteers: _l("志愿者"),
    Audience.alliance: _l("共建单位"),
    Audience.merchants: _l("商户"),
    Audience.public: _l("公众"),
}
#: an event that takes place: published or finished (not a draft, not cancelled)
TAKING_PLACE = (EventStatus.published, EventStatus.finished)
#: the list's status filter for the events held (已举办), offered beside the statuses themselves
HELD = "held"
HELD_LABEL = _l("已举办")
POINTS_MODE_LABELS = {
    PointsMode.per_hour: _l("按小时计分"),
    PointsMode.fixed: _l("固定积分"),
}


@dataclass
class EventData:
    """What staff type into the event form (times already in UTC)."""

    title: str
    starts_at: datetime | None
    ends_at: datetime | None
    description: str = ""
    kind: str = EventKind.volunteer
    community_id: int | None = None
    place: str = ""
    signup_deadline: datetime | None = None
    capacity: int | None = None
    waitlist_enabled: bool = True
    audience: str = Audience.volunteers
    points_mode: str = PointsMode.per_hour
    points_value: int | None = None


# Access -----------------------------------------------------------------------------------------


def _visible(actor: User):
    community = actor.limited_to_community
    if community is None:
        return true()
    return or_(Event.community_id.is_(None), Event.community_id == community)


def held(now: datetime):
    """Events held (已举办) by ``now``: taking place and started before ``now``.

    The one definition behind the dashboard's 举办活动 figure and the event list's 已举办 filter,
    so the figure and the list it links to count the same events.
    """
    return and_(Event.status.in_(TAKING_PLACE), Event.starts_at < now)


def get_event_or_404(session: Session, event_id: int) -> Event:
    """The street's event.

    :raise NotFound: no such event, or another street's
    """
    event = session.scalar(select(Event).where(Event.id == event_id))
    if event is None:
        raise NotFound(_("活动不存在"))
    return event


def get_managed_event_or_404(session: Session, actor: User, event_id: int) -> Event:
    """An event ``actor`` (admin or staff) may see and manage.

    :raise NotFound: no such event, another street's, or another community's for staff limited to
        one community (the same answer)
    """
    event = session.scalar(select(Event).where(Event.id == event_id, _visible(actor)))
    if event is None:
        raise NotFound(_("活动不存在"))
    return event


def get_attendance_or_404(session: Session, event: Event, attendance_id: int) -> Attendance:
    """:raise NotFound: no such attendance at this event"""
    attendance = session.scalar(
        select(Attendance).where(Attendance.id == attendance_id, Attendance.event_id == event.id)
    )
    if attendance is None:
        raise NotFound(_("签到记录不存在"))
    return attendance


# Rules ------------------------------------------------------------------------------------------


def _clean_text(raw: str | None, limit: int, field_name: str, message: str) -> str:
    text = (raw or "").strip()
    if len(text) > limit:
        raise ServiceError(message, field_name)
    return text


def _check_community(session: Session, actor: User | None, community_id: int | None) -> int | None:
    limited = actor.limited_to_community if actor is not None else None
    if community_id is None:
        return None
    if limited is not None and community_id != limited:
        raise ServiceError(_("您只能为本社区或全街道创建活动"), "community")
    found = session.scalar(
        select(Community.id).where(Community.id == community_id, Community.archived_at.is_(None))
    )
    if found is None:
        raise ServiceError(_("请选择本街道的社区"), "community")
    return found


def check_event_data(session: Session, actor: User | None, data: EventData) -> EventData:
    """The event's rules; returns the data cleaned. ``actor`` None: a module's scheduled job.

    :raise ServiceError: naming the field at fault
    """
    title = " ".join((data.title or "").split())
    if not title:
        raise ServiceError(_("请填写活动名称"), "title")
    if len(title) > TITLE_MAX:
        raise ServiceError(_("活动名称不能超过 %(n)d 个字", n=TITLE_MAX), "title")
    description = _clean_text(
        data.description,
        DESCRIPTION_MAX,
        "description",
        _("活动介绍不能超过 %(n)d 个字", n=DESCRIPTION_MAX),
    )
    place = _clean_text(data.place, PLACE_MAX, "place", _("地点不能超过 %(n)d 个字", n=PLACE_MAX))
    if data.kind not in EventKind.__members__.values():
        raise ServiceError(_("请选择活动类型"), "kind")
    if data.audience not in Audience.__members__.values():
        raise ServiceError(_("请选择报名对象"), "audience")
    if data.points_mode not in PointsMode.__members__.values():
        raise ServiceError(_("请选择积分方式"), "points_mode")
    if data.starts_at is None:
        raise ServiceError(_("请填写开始时间"), "starts_at")
    if data.ends_at is None:
        raise ServiceError(_("请填写结束时间"), "ends_at")
    if data.ends_at <= data.starts_at:
        raise ServiceError(_("结束时间必须晚于开始时间"), "ends_at")
    if data.ends_at - data.starts_at > MAX_LENGTH:
        raise ServiceError(_("活动时长不能超过 %(n)d 天", n=MAX_LENGTH.days), "ends_at")
    if data.signup_deadline is not None and data.signup_deadline > data.starts_at:
        raise ServiceError(_("报名截止时间不能晚于开始时间"), "signup_deadline")
    if data.capacity is not None and not 1 <= data.capacity <= MAX_CAPACITY:
        raise ServiceError(_("名额需在 1–%(n)d 之间", n=MAX_CAPACITY), "capacity")
    if data.points_value is not None and not 0 <= data.points_value <= MAX_POINTS:
        raise ServiceError(_("积分需在 0–%(n)d 之间", n=MAX_POINTS), "points_value")
    if data.points_mode == PointsMode.fixed and data.points_value is None:
        raise ServiceError(_("固定积分请填写分值"), "points_value")
    return EventData(
        title=title,
        description=description,
        kind=data.kind,
        community_id=_check_community(session, actor, data.community_id),
        place=place,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        signup_deadline=data.signup_deadline,
        capacity=data.capacity,
        waitlist_enabled=bool(data.waitlist_enabled),
        audience=data.audience,
        points_mode=data.points_mode,
        points_value=data.points_value,
    )


def _require_office(actor: User) -> None:
    if actor.role not in (Role.admin, Role.staff):
        raise ServiceError(_("只有工作人员可以管理活动"))


# Changes ----------------------------------------------------------------------------------------


def create_event(session: Session, actor: User, data: EventData, publish: bool = False) -> Event:
    """A new event, a draft unless ``publish``."""
    _require_office(actor)
    return _new_event(session, actor, data, publish)


def create_scheduled_event(session: Session, data: EventData) -> Event:
    """A published event a module's scheduled job makes on the street's behalf (a monthly
    member day…): the same rules as staff's events, no actor (``created_by`` None, and
    ``event_published`` is sent with ``actor=None``)."""
    return _new_event(session, None, data, publish=True)


def _new_event(session: Session, actor: User | None, data: EventData, publish: bool) -> Event:
    clean = check_event_data(session, actor, data)
    event = Event(
        title=clean.title,
        description=clean.description,
        kind=clean.kind,
        community_id=clean.community_id,
        place=clean.place,
        starts_at=clean.starts_at,
        ends_at=clean.ends_at,
        signup_deadline=clean.signup_deadline,
        capacity=clean.capacity,
        waitlist_enabled=clean.waitlist_enabled,
        audience=clean.audience,
        points_mode=clean.points_mode,
        points_value=clean.points_value,
        status=EventStatus.draft,
        created_by=actor.id if actor is not None else None,
    )
    session.add(event)
    session.flush()
    if publish:
        _publish(session, actor, event)
    return event


def update_event(session: Session, actor: User, event: Event, data: EventData) -> Event:
    """Change an event not yet cancelled or finished.

    The capacity moves with a guarded UPDATE (``… WHERE seats_taken <= new capacity``): it cannot
    drop below the seats already taken, even while people sign up; a larger one promotes the
    waitlist, in order. A new start time means a new reminder.
    :raise ServiceError: closed event, a rule broken, capacity below the seats taken
    """
    _require_office(actor)
    if event.status in (EventStatus.cancelled, EventStatus.finished):
        raise ServiceError(_("已取消或已结束的活动不能修改"))
    clean = check_event_data(session, actor, data)
    if clean.starts_at != event.starts_at:
        event.reminded_at = None
    for name in (
        "title",
        "description",
        "kind",
        "community_id",
        "place",
        "starts_at",
        "ends_at",
        "signup_deadline",
        "waitlist_enabled",
        "audience",
        "points_mode",
        "points_value",
    ):
        setattr(event, name, getattr(clean, name))
    session.flush()
    if clean.capacity != event.capacity:
        # the event's row lock, as cancelling a registration takes it: one promotion at a time
        session.execute(select(Event.id).where(Event.id == event.id).with_for_update())
        fits = Event.seats_taken <= clean.capacity if clean.capacity is not None else true()
        changed = session.execute(
            update(Event)
            .where(Event.id == event.id, fits)
            .values(capacity=clean.capacity)
            .execution_options(synchronize_session=False)
        ).rowcount
        session.refresh(event)
        if not changed:
            raise ServiceError(
                _("已有 %(n)d 人报名，名额不能少于已报名人数", n=event.seats_taken), "capacity"
            )
        promote_waitlist(session, event)
    return event


def _change_status(session: Session, event: Event, allowed: tuple[str, ...], **values) -> bool:
    """Move the status if it is still one of ``allowed``: the database decides, once."""
    changed = guarded_update(session, event, Event.status.in_(allowed), **values)
    session.refresh(event)  # what another request changed, if it got there first
    return changed


def publish_event(session: Session, actor: User, event: Event) -> None:
    """A draft goes live: volunteers see it and may sign up. Publishing twice changes nothing.

    :raise ServiceError: a cancelled or finished event
    """
    _require_office(actor)
    _publish(session, actor, event)


def _publish(session: Session, actor: User | None, event: Event) -> None:
    if event.status == EventStatus.published:
        return
    if not _change_status(
        session,
        event,
        (EventStatus.draft,),
        status=EventStatus.published,
        published_at=utcnow(),
    ):
        if event.status != EventStatus.published:
            raise ServiceError(_("已取消或已结束的活动不能发布"))
        return  # published by another request a moment ago: it sent the signal
    event_published.send(event, session=session, actor=actor)


def cancel_event(
    session: Session, actor: User, event: Event, reason: str | None = "", slug: str = ""
) -> int:
    """Cancel the event and tell everyone registered or on the waitlist (inbox and SMS).

    Seats are left as they are (nobody is promoted into a cancelled event). Returns how many
    people were told; a second cancel tells nobody again.
    :raise ServiceError: a finished event, a reason too long
    """
    _require_office(actor)
    reason = " ".join((reason or "").split())
    if len(reason) > REASON_MAX:
        raise ServiceError(_("原因不能超过 %(n)d 个字", n=REASON_MAX), "reason")
    if event.status == EventStatus.cancelled:
        return 0
    if not _change_status(
        session,
        event,
        (EventStatus.draft, EventStatus.published),
        status=EventStatus.cancelled,
        cancelled_at=utcnow(),
    ):
        if event.status == EventStatus.cancelled:
            return 0
        raise ServiceError(_("已结束的活动不能取消"))
    people = session.scalars(
        select(User)
        .join(Registration, Registration.user_id == User.id)
        .where(
            Registration.event_id == event.id,
            Registration.status.in_([RegistrationStatus.registered, RegistrationStatus.waitlisted]),
        )
        .order_by(Registration.id)
    ).all()
    body = _l("原定于 %(when)s 的活动“%(title)s”已取消。", when=when(event), title=event.title)
    if reason:
        body = joined(body, _l("原因：%(reason)s", reason=reason))
    for person in people:
        notify(
            session,
            person,
            "event.cancelled",
            _l("活动取消：%(title)s", title=event.title),
            body,
            link=activity_link(slug, event) if slug else "",
        )
    record(
        session,
        "event.cancel",
        actor.id,
        target=f"event:{event.id}",
        detail={"title": event.title, "reason": reason, "notified": len(people)},
    )
    session.flush()
    event_cancelled.send(event, session=session, actor=actor, reason=reason)
    return len(people)


def finish_event(session: Session, actor: User, event: Event) -> None:
    """Staff mark a published event that has started as finished (结束).

    :raise ServiceError: not published, or not started yet
    """
    _require_office(actor)
    if event.status == EventStatus.finished:
        return
    if event.starts_at > utcnow():
        raise ServiceError(_("活动尚未开始，不能标记为结束"))
    if not _change_status(session, event, (EventStatus.published,), status=EventStatus.finished):
        if event.status != EventStatus.finished:
            raise ServiceError(_("只有已发布的活动可以标记为结束"))
        return  # finished by another request (or the closing job) a moment ago
    event_finished.send(event, session=session, actor=actor)


def when(event: Event) -> str:
    """The event's start in the street's local time, for messages."""
    from flask_babel import format_datetime

    return format_datetime(event.starts_at, "yyyy-MM-dd HH:mm")


# Lists ------------------------------------------------------------------------------------------


@dataclass
class EventFilters:
    """The staff list's filters; None means "any"."""

    starts_from: datetime | None = None
    starts_before: datetime | None = None
    #: a community id, or "street" for street-wide events only
    community: int | str | None = None
    kind: str | None = None
    #: an event status, or HELD for the events held (see ``held``)
    status: str | None = None
    #: only events with hours waiting for staff to confirm them
    awaiting_hours: bool = False


@dataclass
class EventRow:
    event: Event
    community: str
    waitlisted: int


def list_events(
    session: Session,
    actor: User,
    filters: EventFilters,
    page: int = 1,
    now: datetime | None = None,
    size: int = PAGE,
) -> tuple[list[EventRow], int]:
    """One page of ``size`` events ``actor`` may manage, newest start first, and how many match.

    Three statements whatever the page holds: the rows, the count, the waitlists. ``now`` (the
    present by default) is when the HELD filter counts events held by.
    """
    stmt = (
        select(Event, Community.name)
        .outerjoin(Community, Community.id == Event.community_id)
        .where(_visible(actor))
    )
    if filters.starts_from is not None:
        stmt = stmt.where(Event.starts_at >= filters.starts_from)
    if filters.starts_before is not None:
        stmt = stmt.where(Event.starts_at < filters.starts_before)
    if filters.community == "street":
        stmt = stmt.where(Event.community_id.is_(None))
    elif isinstance(filters.community, int):
        stmt = stmt.where(Event.community_id == filters.community)
    if filters.kind in EventKind.__members__.values():
        stmt = stmt.where(Event.kind == filters.kind)
    if filters.status == HELD:
        stmt = stmt.where(held(now or utcnow()))
    elif filters.status in EventStatus.__members__.values():
        stmt = stmt.where(Event.status == filters.status)
    if filters.awaiting_hours:
        stmt = stmt.where(Event.id.in_(_awaiting_confirmation().with_only_columns(Event.id)))
    total = count_rows(session, stmt)
    found = session.execute(
        one_page(stmt.order_by(Event.starts_at.desc(), Event.id.desc()), page, size)
    ).all()
    waiting = _waitlist_counts(session, [event.id for event, _name in found])
    rows = [EventRow(event, name or "", waiting.get(event.id, 0)) for event, name in found]
    return rows, total


def _awaiting_confirmation():
    """Attendances with hours that staff have not confirmed, at events not cancelled."""
    return (
        select(Attendance)
        .join(Event, Event.id == Attendance.event_id)
        .where(
            Attendance.hours.is_not(None),
            Attendance.confirmed_at.is_(None),
            Event.status != EventStatus.cancelled,
        )
    )


def count_awaiting_confirmation(session: Session, actor: User) -> int:
    """How many attendances wait for ``actor`` to confirm their hours (the dashboard's to-do)."""
    return count_rows(session, _awaiting_confirmation().where(_visible(actor)))


def _waitlist_counts(session: Session, event_ids: list[int]) -> dict[int, int]:
    if not event_ids:
        return {}
    return dict(
        session.execute(
            select(Registration.event_id, func.count())
            .where(
                Registration.event_id.in_(event_ids),
                Registration.status == RegistrationStatus.waitlisted,
            )
            .group_by(Registration.event_id)
        ).all()
    )


#: what the detail page can load; an htmx request that swaps one table asks for that part only
DETAIL_PARTS = frozenset({"facts", "registered", "waitlisted", "attendances", "candidates"})


@dataclass
class Person:
    """One line of the detail page: a registration or an attendance, with its account."""

    user: User
    registration: Registration | None = None
    attendance: Attendance | None = None


@dataclass
class PersonPage:
    """One page of a list of the detail page, and how many the whole list holds."""

    rows: list[Person] = field(default_factory=list)
    total: int = 0
    page: int = 1
    size: int = DETAIL_PAGE

    @property
    def offset(self) -> int:
        """How many rows come before this page (the waitlist's places go on from there)."""
        return (self.page - 1) * self.size


@dataclass
class DetailQuery:
    """What the detail page is asked for: a page of each list, a person to find for 补录."""

    registered_page: int = 1
    waitlist_page: int = 1
    attendance_page: int = 1
    #: part of a name, or of a phone number when ``by_phone``, to find whom to enter hours for
    who: str = ""
    #: whether ``who`` may match phone numbers: only for those who see phones unmasked
    by_phone: bool = False
    #: the person picked before a refused 补录: listed first, so the picker keeps them
    chosen: int | None = None
    #: rows a page of each list holds (the export asks for one page of all it may write)
    size: int = DETAIL_PAGE


@dataclass
class EventDetail:
    event: Event
    community: str = ""
    registered: PersonPage = field(default_factory=PersonPage)
    #: in the order they will be promoted
    waitlisted: PersonPage = field(default_factory=PersonPage)
    attendances: PersonPage = field(default_factory=PersonPage)
    #: attendances with hours not yet confirmed, on every page: what 全部确认 confirms
    confirmable: int = 0
    #: registered people with no attendance: whom hours can be entered for (补录)
    without_attendance: int = 0
    #: whether hours can be entered now: the event has started and is not cancelled
    enter_open: bool = False
    #: up to PICK_LIMIT of them, those matching ``who`` (the chosen one first)
    candidates: list[User] = field(default_factory=list)
    #: more match than ``candidates`` lists
    more_candidates: bool = False


def _page_within(page: int, total: int, size: int = DETAIL_PAGE) -> int:
    """``page``, or the last page when it lies beyond the list's end."""
    last = max(1, -(-total // size))
    return min(max(page, 1), last)


def _registered_without_attendance(event: Event):
    """Registrations of ``event`` (still registered) whose person has no attendance."""
    return and_(
        Registration.event_id == event.id,
        Registration.status == RegistrationStatus.registered,
        ~select(Attendance.id)
        .where(Attendance.event_id == event.id, Attendance.user_id == Registration.user_id)
        .exists(),
    )


def _count(model, *criteria):
    return select(func.count(model.id)).where(*criteria).scalar_subquery()


def event_detail(
    session: Session,
    event: Event,
    query: DetailQuery | None = None,
    parts: frozenset[str] = DETAIL_PARTS,
) -> EventDetail:
    """The event with one page of its registrations, of its waitlist and of its attendance, and
    the people hours can be entered for; only the ``parts`` asked for are loaded.

    The same statements however many signed up, and whatever the lists hold: the counts (one),
    one per list asked for, the community's name. A page beyond a list's end gives its last page.
    """
    query = query or DetailQuery()
    detail = EventDetail(event)
    if "facts" in parts and event.community_id is not None:
        detail.community = (
            session.scalar(select(Community.name).where(Community.id == event.community_id)) or ""
        )
    registered = (
        Registration.event_id == event.id,
        Registration.status == RegistrationStatus.registered,
    )
    waitlisted = (
        Registration.event_id == event.id,
        Registration.status == RegistrationStatus.waitlisted,
    )
    (
        detail.registered.total,
        detail.waitlisted.total,
        detail.attendances.total,
        detail.confirmable,
        detail.without_attendance,
    ) = session.execute(
        select(
            _count(Registration, *registered),
            _count(Registration, *waitlisted),
            _count(Attendance, Attendance.event_id == event.id),
            _count(
                Attendance,
                Attendance.event_id == event.id,
                Attendance.hours.is_not(None),
                Attendance.confirmed_at.is_(None),
            ),
            _count(Registration, _registered_without_attendance(event)),
        )
    ).one()
    detail.enter_open = event.status != EventStatus.cancelled and event.starts_at <= utcnow()
    # every list's page, loaded or not: the links of the one loaded keep the others' pages
    for page, wanted in (
        (detail.registered, query.registered_page),
        (detail.waitlisted, query.waitlist_page),
        (detail.attendances, query.attendance_page),
    ):
        page.size = query.size
        page.page = _page_within(wanted, page.total, query.size)

    if "registered" in parts:
        _fill_registrations(
            session, detail.registered, registered, (Registration.created_at, Registration.id)
        )
    if "waitlisted" in parts:
        _fill_registrations(
            session,
            detail.waitlisted,
            waitlisted,
            (Registration.waitlist_position, Registration.id),
        )
    if "attendances" in parts:
        page = detail.attendances
        found = session.execute(
            select(Attendance, User)
            .join(User, User.id == Attendance.user_id)
            .where(Attendance.event_id == event.id)
            .order_by(Attendance.checked_in_at.asc().nulls_last(), Attendance.id)
            .offset(page.offset)
            .limit(page.size)
        ).all()
        page.rows = [Person(user, attendance=a) for a, user in found]
    if "candidates" in parts and detail.enter_open:
        detail.candidates, detail.more_candidates = _enter_candidates(session, event, query)
    return detail


def _fill_registrations(session: Session, page: PersonPage, criteria: tuple, order: tuple) -> None:
    """The rows of ``page`` of the registrations matching ``criteria``."""
    found = session.execute(
        select(Registration, User)
        .join(User, User.id == Registration.user_id)
        .where(*criteria)
        .order_by(*order)
        .offset(page.offset)
        .limit(page.size)
    ).all()
    page.rows = [Person(user, registration=registration) for registration, user in found]


def _enter_candidates(
    session: Session, event: Event, query: DetailQuery
) -> tuple[list[User], bool]:
    """Up to PICK_LIMIT registered people without attendance who match ``query.who``, in the
    order they signed up (the chosen one first), and whether more match."""
    stmt = (
        select(User)
        .join(Registration, Registration.user_id == User.id)
        .where(_registered_without_attendance(event))
    )
    pattern = contains_pattern(query.who)
    if pattern:
        matches = User.name.like(pattern)
        if query.by_phone:
            matches = or_(matches, User.phone.like(pattern))
        stmt = stmt.where(matches)
    order = [Registration.created_at, Registration.id]
    if query.chosen is not None:
        order.insert(0, case((User.id == query.chosen, 0), else_=1))
    found = list(session.scalars(stmt.order_by(*order).limit(PICK_LIMIT + 1)))
    return found[:PICK_LIMIT], len(found) > PICK_LIMIT


@dataclass
class ActivityCard:
    """One event on a volunteer's (or an organisation's) list, and where they stand."""

    event: Event
    community: str
    waitlisted: int
    registration: Registration | None
    #: their place in line (1 is next), when waitlisted
    place_in_line: int | None

    @property
    def seats_left(self) -> int | None:
        if self.event.capacity is None:
            return None
        return max(self.event.capacity - self.event.seats_taken, 0)

    @property
    def status(self) -> str | None:
        """registered, waitlisted, or None (not signed up, or cancelled)."""
        if self.registration is None or self.registration.status == RegistrationStatus.cancelled:
            return None
        return self.registration.status

    @property
    def deadline(self) -> datetime:
        return signup_deadline(self.event)

    @property
    def open(self) -> bool:
        return self.event.status == EventStatus.published and utcnow() <= self.deadline

    @property
    def full(self) -> bool:
        return self.seats_left == 0


#: the sign-ups a card counts, and the viewer's own: aliases made once (see _cards_statement)
_WAITING = aliased(Registration, name="waiting")
_MINE = aliased(Registration, name="mine")


@lru_cache(maxsize=2)
def _cards_statement(one_event: bool):
    """One SELECT for the cards: each event, its community's name, how many wait, the viewer's
    sign-up and their place in line now.

    Built once, with bind parameters (``user_id``; then ``event_id``, or ``audiences``, ``now``,
    ``offset``, ``limit``): with twenty cards on a page, putting four statements together on
    every request cost more than running them.
    """
    waiting = (
        select(func.count(_WAITING.id))
        .where(_WAITING.event_id == Event.id, _WAITING.status == RegistrationStatus.waitlisted)
        .correlate(Event)
        .scalar_subquery()
    )
    stmt = (
        select(Event, Community.name, waiting, _MINE, place_in_line(_MINE))
        .outerjoin(Community, Community.id == Event.community_id)
        .outerjoin(
            _MINE,
            and_(
                _MINE.event_id == Event.id,
                _MINE.user_id == bindparam("user_id", type_=BigInteger),
            ),
        )
    )
    if one_event:
        return stmt.where(Event.id == bindparam("event_id", type_=BigInteger))
    return (
        stmt.where(
            Event.audience.in_(bindparam("audiences", expanding=True)),
            Event.status == EventStatus.published,
            Event.ends_at > bindparam("now"),
        )
        .order_by(Event.starts_at, Event.id)
        .offset(bindparam("offset", type_=Integer))
        .limit(bindparam("limit", type_=Integer))
    )


def activity_cards(
    session: Session, user: User, page: int = 1, event_id: int | None = None
) -> tuple[list[ActivityCard], bool]:
    """The published events ``user`` may join that have not ended, soonest first, and whether
    there are more; or just ``event_id``'s card (after signing up or cancelling).

    One statement whatever the page holds (:func:`_cards_statement`).
    """
    if event_id is not None:
        params = {"user_id": user.id, "event_id": event_id}
    else:
        params = {
            "user_id": user.id,
            "audiences": audiences_of(session, user),
            "now": utcnow(),
            "offset": (page - 1) * ACTIVITY_PAGE,
            "limit": ACTIVITY_PAGE + 1,
        }
    found = session.execute(_cards_statement(event_id is not None), params).all()
    more = event_id is None and len(found) > ACTIVITY_PAGE
    cards = [
        ActivityCard(
            event=event,
            community=name or "",
            waitlisted=waiting or 0,
            registration=mine,
            place_in_line=(
                place if mine is not None and mine.status == RegistrationStatus.waitlisted else None
            ),
        )
        for event, name, waiting, mine, place in found[:ACTIVITY_PAGE]
    ]
    return cards, more
