"""Joint meetings (联席会议、圆桌会议、相约星期三) and their resolutions (会议决议): the rules.

A weekly series is one Meeting row per occurrence sharing ``series_id`` (the first one's id); its
dates are computed in the street's local time, so 19:00 stays 19:00 whatever the calendar does.
Invited units' accounts hear of a meeting (or a whole series) once. A resolution has one owner, a
unit or a staff member (the table's CHECK says so too), a due date and a status; one due before
today is overdue. A resolution due in the past at creation is ALLOWED: minutes are often typed up
days after the meeting; the page warns that it is already overdue (``Created.overdue``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from saas.audit.services import record
from saas.auth.models import Role, User
from saas.db import guarded_update, new_id, utcnow
from saas.errors import NotFound, ServiceError
from saas.listing import count_rows, one_page
from saas.notify.services import notify
from saas.ui import street_today, street_zone
from tenants.alliance.models import (
    Meeting,
    MeetingInvite,
    MeetingKind,
    Resolution,
    ResolutionStatus,
)
from tenants.orgs.models import OrgAccount, Organisation, OrgKind

PAGE = 20
TITLE_MAX, PLACE_MAX, MINUTES_MAX, RESOLUTION_MAX, NOTE_MAX = 100, 200, 20_000, 300, 300
#: a weekly series has this many meetings at least and at most
SERIES_MIN, SERIES_MAX = 2, 52
#: the most units one meeting invites
INVITES_MAX = 200

KIND_LABELS = {
    MeetingKind.joint: _l("联席会议"),
    MeetingKind.round_table: _l("圆桌会议"),
    MeetingKind.wednesday: _l("相约星期三"),
}
STATUS_LABELS = {
    ResolutionStatus.open: _l("进行中"),
    ResolutionStatus.done: _l("已完成"),
    ResolutionStatus.dropped: _l("已取消"),
}
WEEKDAYS = (_l("周一"), _l("周二"), _l("周三"), _l("周四"), _l("周五"), _l("周六"), _l("周日"))


# --- dates of a series ---------------------------------------------------------------------------


def weekly_dates(
    first: date,
    at: time,
    zone: ZoneInfo,
    occurrences: int | None = None,
    until: date | None = None,
) -> list[datetime]:
    """The UTC start of each meeting of a weekly series starting on ``first`` at ``at`` (local
    time in ``zone``): ``occurrences`` of them, or every week up to and including ``until``.

    Each date is the local calendar date plus 7 days, then made a local time at ``at``: across a
    month's or a year's end the weekday stays, and across a change of clocks 19:00 stays 19:00.

    :raise ServiceError: neither or both given, the end before the start, fewer than 2 or more
        than 52 meetings
    """
    if (occurrences is None) == (until is None):
        raise ServiceError(_("请填写重复次数或结束日期（二选一）"), "occurrences")
    if until is not None:
        if until < first:
            raise ServiceError(_("结束日期不能早于第一次会议的日期"), "until")
        occurrences = (until - first).days // 7 + 1
        if occurrences < SERIES_MIN:
            raise ServiceError(_("结束日期之前至少要有两次会议"), "until")
        if occurrences > SERIES_MAX:
            raise ServiceError(_("每周例会最多 %(n)d 次", n=SERIES_MAX), "until")
    elif not SERIES_MIN <= occurrences <= SERIES_MAX:
        raise ServiceError(
            _("重复次数须在 %(low)d 到 %(high)d 之间", low=SERIES_MIN, high=SERIES_MAX),
            "occurrences",
        )
    return [
        datetime.combine(first + timedelta(weeks=n), at, tzinfo=zone).astimezone(UTC)
        for n in range(occurrences)
    ]


# --- creating a meeting --------------------------------------------------------------------------


@dataclass
class MeetingData:
    """What the office's form gives: local date and time, and who is invited."""

    title: str
    kind: str
    on: date
    at: time
    place: str = ""
    unit_ids: list[int] = field(default_factory=list)
    weekly: bool = False
    occurrences: int | None = None
    until: date | None = None
    #: the kinds of organisation it may invite (the alliance's form: its units; the merchant
    #: alliance's 商圈联席会议 page: units and merchants)
    kinds: tuple[str, ...] = (OrgKind.alliance,)
    #: where each kind's accounts read their meetings (path after the street's slug)
    links: dict[str, str] = field(default_factory=lambda: dict(INVITE_LINKS))


#: where an invited organisation's accounts read their meetings, by kind
INVITE_LINKS = {OrgKind.alliance: "alliance/unit/meetings"}


def invitable(session: Session, kinds: tuple[str, ...]) -> list[Organisation]:
    """The street's active organisations of ``kinds``, by kind (in that order), then name."""
    order = case({kind: n for n, kind in enumerate(kinds)}, value=Organisation.kind)
    return list(
        session.scalars(
            select(Organisation)
            .where(Organisation.kind.in_(kinds), Organisation.is_active.is_(True))
            .order_by(order, Organisation.name)
        )
    )


def alliance_units(session: Session) -> list[Organisation]:
    """The street's active alliance units, by name (what a meeting can invite)."""
    return list(
        session.scalars(
            select(Organisation)
            .where(Organisation.kind == OrgKind.alliance, Organisation.is_active.is_(True))
            .order_by(Organisation.name)
        )
    )


def _check_units(
    session: Session,
    unit_ids: list[int],
    field_name: str = "units",
    kinds: tuple[str, ...] = (OrgKind.alliance,),
) -> list[int]:
    """``unit_ids`` if each is one of the street's active organisations of ``kinds`` (by
    default its alliance units).

    :raise ServiceError: an unknown id, another street's unit, another kind (a merchant for the
        alliance's own form), an inactive unit
    """
    wanted = list(dict.fromkeys(unit_ids))
    if len(wanted) > INVITES_MAX:
        raise ServiceError(_("一次最多邀请 %(n)d 个单位", n=INVITES_MAX), field_name)
    if not wanted:
        return []
    found = set(
        session.scalars(
            select(Organisation.id).where(
                Organisation.id.in_(wanted),
                Organisation.kind.in_(kinds),
                Organisation.is_active.is_(True),
            )
        )
    )
    if found != set(wanted):
        if tuple(kinds) == (OrgKind.alliance,):
            raise ServiceError(_("所选单位不存在或不是本街道的共建单位"), field_name)
        raise ServiceError(_("所选单位不存在或不是本街道的共建单位、商户"), field_name)
    return wanted


def create_meeting(session: Session, actor: User, slug: str, data: MeetingData) -> list[Meeting]:
    """Create a meeting, or each meeting of a weekly series, with its invitations; tell each
    invited unit's accounts once (for a series: one message naming the series).

    :raise ServiceError: a field missing or too long, an unknown kind, a bad series, a unit that
        is not one of the street's alliance units
    """
    if not actor.is_office:
        raise ServiceError(_("只有街道工作人员可以安排会议"))
    title, place = (data.title or "").strip(), (data.place or "").strip()
    if not title:
        raise ServiceError(_("请填写会议名称"), "title")
    if len(title) > TITLE_MAX:
        raise ServiceError(_("会议名称不超过 %(n)d 个字", n=TITLE_MAX), "title")
    if len(place) > PLACE_MAX:
        raise ServiceError(_("地点不超过 %(n)d 个字", n=PLACE_MAX), "place")
    if data.kind not in MeetingKind.__members__:
        raise ServiceError(_("请选择会议类型"), "kind")
    zone = street_zone()
    if data.weekly:
        starts = weekly_dates(data.on, data.at, zone, data.occurrences, data.until)
    else:
        starts = [datetime.combine(data.on, data.at, tzinfo=zone).astimezone(UTC)]
    unit_ids = _check_units(session, data.unit_ids, kinds=data.kinds)
    series_id = new_id() if data.weekly else None
    meetings = []
    for n, starts_at in enumerate(starts):
        meeting = Meeting(
            id=series_id if n == 0 and series_id else new_id(),
            title=title,
            kind=data.kind,
            starts_at=starts_at,
            place=place,
            series_id=series_id,
            created_by=actor.id,
        )
        meetings.append(meeting)
    session.add_all(meetings)
    session.flush()
    session.add_all(
        MeetingInvite(meeting_id=m.id, organisation_id=unit_id)
        for m in meetings
        for unit_id in unit_ids
    )
    session.flush()
    _tell_invited(session, slug, meetings, unit_ids, zone, data.links)
    record(
        session,
        "meeting.create",
        actor.id,
        f"meeting:{meetings[0].id}",
        {"count": len(meetings), "units": len(unit_ids)},
    )
    return meetings


def _tell_invited(
    session: Session,
    slug: str,
    meetings: list[Meeting],
    unit_ids: list[int],
    zone: ZoneInfo,
    links: dict[str, str] | None = None,
) -> None:
    """One message per account of each invited unit, for the meeting or the whole series,
    linking to the page where that kind of organisation reads its meetings (``links``)."""
    if not unit_ids:
        return
    links = INVITE_LINKS if links is None else links
    accounts = session.execute(
        select(User, Organisation.kind)
        .join(OrgAccount, OrgAccount.user_id == User.id)
        .join(Organisation, Organisation.id == OrgAccount.organisation_id)
        .where(OrgAccount.organisation_id.in_(unit_ids), User.is_enabled.is_(True))
        .order_by(User.id)
    ).all()
    first = meetings[0]
    start = first.starts_at.astimezone(zone)
    place = _l("，地点：%(place)s", place=first.place) if first.place else ""
    if len(meetings) > 1:
        last = meetings[-1].starts_at.astimezone(zone)
        body = _l(
            "每%(weekday)s %(time)s，自 %(first)s 至 %(last)s 共 %(n)d 次%(place)s。",
            weekday=WEEKDAYS[start.weekday()],
            time=start.strftime("%H:%M"),
            first=start.strftime("%Y-%m-%d"),
            last=last.strftime("%Y-%m-%d"),
            n=len(meetings),
            place=place,
        )
    else:
        body = _l("%(when)s%(place)s。", when=start.strftime("%Y-%m-%d %H:%M"), place=place)
    for account, kind in accounts:
        notify(
            session,
            account,
            "alliance.meeting_invited",
            _l("会议邀请：%(title)s", title=first.title),
            body,
            link=f"/{slug}/{links[kind]}" if kind in links else "",
        )


# --- reading meetings ----------------------------------------------------------------------------


def get_meeting_or_404(session: Session, meeting_id: int) -> Meeting:
    """:raise NotFound: no such meeting, or another street's"""
    meeting = session.scalar(select(Meeting).where(Meeting.id == meeting_id))
    if meeting is None:
        raise NotFound(_("会议不存在"))
    return meeting


def get_unit_meeting_or_404(session: Session, organisation_id: int, meeting_id: int) -> Meeting:
    """A meeting ``organisation_id`` is invited to.

    :raise NotFound: no such meeting, another street's, or one the unit is not invited to
    """
    meeting = session.scalar(
        select(Meeting)
        .join(MeetingInvite, MeetingInvite.meeting_id == Meeting.id)
        .where(Meeting.id == meeting_id, MeetingInvite.organisation_id == organisation_id)
    )
    if meeting is None:
        raise NotFound(_("会议不存在"))
    return meeting


@dataclass
class MeetingRow:
    meeting: Meeting
    invited: int
    attended: int
    resolutions: int


def _meetings_stmt(when: str, kind: str, now: datetime) -> Select:
    invited = (
        select(
            MeetingInvite.meeting_id,
            func.count().label("invited"),
            func.sum(case((MeetingInvite.attended.is_(True), 1), else_=0)).label("attended"),
        )
        .group_by(MeetingInvite.meeting_id)
        .subquery()
    )
    resolved = (
        select(Resolution.meeting_id, func.count().label("n"))
        .group_by(Resolution.meeting_id)
        .subquery()
    )
    stmt = (
        select(
            Meeting,
            func.coalesce(invited.c.invited, 0),
            func.coalesce(invited.c.attended, 0),
            func.coalesce(resolved.c.n, 0),
        )
        .outerjoin(invited, invited.c.meeting_id == Meeting.id)
        .outerjoin(resolved, resolved.c.meeting_id == Meeting.id)
    )
    if kind in MeetingKind.__members__:
        stmt = stmt.where(Meeting.kind == kind)
    if when == "upcoming":
        stmt = stmt.where(Meeting.starts_at >= now).order_by(Meeting.starts_at, Meeting.id)
    elif when == "past":
        stmt = stmt.where(Meeting.starts_at < now).order_by(
            Meeting.starts_at.desc(), Meeting.id.desc()
        )
    else:
        stmt = stmt.order_by(Meeting.starts_at.desc(), Meeting.id.desc())
    return stmt


def list_meetings(
    session: Session, when: str, kind: str, page: int, size: int = PAGE
) -> tuple[list[MeetingRow], int]:
    """A page of the street's meetings (upcoming soonest first, past latest first), with their
    invitation, attendance and resolution counts, and how many match: two statements."""
    stmt = _meetings_stmt(when, kind, utcnow())
    total = count_rows(session, stmt)
    rows = [MeetingRow(*row) for row in session.execute(one_page(stmt, page, size))]
    return rows, total


@dataclass
class InviteRow:
    invite: MeetingInvite
    name: str


def invites_of(session: Session, meeting: Meeting) -> list[InviteRow]:
    return [
        InviteRow(invite, name)
        for invite, name in session.execute(
            select(MeetingInvite, Organisation.name)
            .join(Organisation, Organisation.id == MeetingInvite.organisation_id)
            .where(MeetingInvite.meeting_id == meeting.id)
            .order_by(Organisation.name)
        )
    ]


def series_of(session: Session, meeting: Meeting) -> list[Meeting]:
    """The meetings of ``meeting``'s weekly series, in order (empty for a one-off)."""
    if meeting.series_id is None:
        return []
    return list(
        session.scalars(
            select(Meeting)
            .where(Meeting.series_id == meeting.series_id)
            .order_by(Meeting.starts_at)
        )
    )


# --- attendance and minutes ----------------------------------------------------------------------


def record_attendance(
    session: Session, actor: User, meeting: Meeting, attended: dict[int, bool | None]
) -> int:
    """Set each invited unit's attendance (True came, False did not, None not recorded); ids
    that are not this meeting's invitations are ignored. Returns how many changed."""
    if not actor.is_office:
        raise ServiceError(_("只有街道工作人员可以记录出席情况"))
    changed = 0
    for invite in session.scalars(
        select(MeetingInvite).where(MeetingInvite.meeting_id == meeting.id)
    ):
        if invite.id in attended and invite.attended != attended[invite.id]:
            invite.attended = attended[invite.id]
            changed += 1
    session.flush()
    if changed:
        record(session, "meeting.attendance", actor.id, f"meeting:{meeting.id}", {"n": changed})
    return changed


def save_minutes(session: Session, actor: User, meeting: Meeting, minutes: str) -> None:
    """Store the minutes as typed (shown escaped, never as HTML).

    :raise ServiceError: longer than ``MINUTES_MAX``
    """
    if not actor.is_office:
        raise ServiceError(_("只有街道工作人员可以记录会议纪要"))
    minutes = (minutes or "").replace("\r\n", "\n").strip()
    if len(minutes) > MINUTES_MAX:
        raise ServiceError(_("会议纪要不超过 %(n)d 个字", n=MINUTES_MAX), "minutes")
    meeting.minutes = minutes
    session.flush()


# --- resolutions ---------------------------------------------------------------------------------


def staff_members(session: Session) -> list[User]:
    """The office accounts a resolution can be given to."""
    return list(
        session.scalars(
            select(User)
            .where(User.role.in_((Role.admin, Role.staff)), User.is_enabled.is_(True))
            .order_by(User.name, User.id)
        )
    )


def parse_owner(raw: str | None) -> tuple[int | None, int | None]:
    """ "unit:<id>" → (id, None), "user:<id>" → (None, id); anything else (None, None)."""
    kind, _sep, value = (raw or "").partition(":")
    if not value.isdecimal() or len(value) > 19:
        return None, None
    if kind == "unit":
        return int(value), None
    if kind == "user":
        return None, int(value)
    return None, None


@dataclass
class Created:
    resolution: Resolution
    #: due before today: allowed, and the page says it is overdue already
    overdue: bool


def add_resolution(
    session: Session,
    actor: User,
    meeting: Meeting,
    text: str,
    owner: str,
    due_on: date | None,
) -> Created:
    """Record a resolution of ``meeting`` with its owner (a unit or a staff member) and due date.

    A due date in the past is allowed (minutes typed up afterwards); ``overdue`` says so.

    :raise ServiceError: empty or too long text, no owner or one that is not the street's
        alliance unit or staff member, no due date
    """
    if not actor.is_office:
        raise ServiceError(_("只有街道工作人员可以记录会议决议"))
    text = (text or "").strip()
    if not text:
        raise ServiceError(_("请填写决议内容"), "text")
    if len(text) > RESOLUTION_MAX:
        raise ServiceError(_("决议内容不超过 %(n)d 个字", n=RESOLUTION_MAX), "text")
    unit_id, user_id = parse_owner(owner)
    if unit_id is not None:
        _check_units(session, [unit_id], "owner")
    elif user_id is not None:
        found = session.scalar(
            select(User.id).where(
                User.id == user_id,
                User.role.in_((Role.admin, Role.staff)),
                User.is_enabled.is_(True),
            )
        )
        if found is None:
            raise ServiceError(_("负责人须是本街道的工作人员"), "owner")
    else:
        raise ServiceError(_("请选择负责单位或负责人"), "owner")
    if due_on is None:
        raise ServiceError(_("请填写截止日期"), "due_on")
    resolution = Resolution(
        meeting_id=meeting.id,
        text=text,
        owner_organisation_id=unit_id,
        owner_user_id=user_id,
        due_on=due_on,
    )
    session.add(resolution)
    session.flush()
    record(session, "resolution.create", actor.id, f"resolution:{resolution.id}")
    return Created(resolution, due_on < street_today())


def get_resolution_or_404(session: Session, resolution_id: int) -> Resolution:
    """:raise NotFound: no such resolution, or another street's"""
    resolution = session.scalar(select(Resolution).where(Resolution.id == resolution_id))
    if resolution is None:
        raise NotFound(_("决议不存在"))
    return resolution


def close_resolution(
    session: Session, actor: User, resolution: Resolution, status: str, note: str = ""
) -> None:
    """Mark an open resolution done or dropped (staff), or done (its owner unit's account).

    :raise NotFound: a unit account acting on another unit's resolution
    :raise ServiceError: not open any more, an unknown status, a note too long
    """
    if status not in (ResolutionStatus.done, ResolutionStatus.dropped):
        raise ServiceError(_("未知的状态"))
    if not actor.is_office:
        unit_id = session.scalar(
            select(OrgAccount.organisation_id).where(OrgAccount.user_id == actor.id)
        )
        if unit_id is None or resolution.owner_organisation_id != unit_id:
            raise NotFound(_("决议不存在"))
        if status != ResolutionStatus.done:
            raise ServiceError(_("单位只能将本单位负责的决议标记为完成"))
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ServiceError(_("说明不超过 %(n)d 个字", n=NOTE_MAX), "note")
    changed = guarded_update(
        session,
        resolution,
        Resolution.status == ResolutionStatus.open,
        status=status,
        done_at=utcnow(),
        done_by=actor.id,
        done_note=note,
    )
    if not changed:
        raise ServiceError(_("该决议已不是进行中状态"))
    record(session, f"resolution.{status}", actor.id, f"resolution:{resolution.id}")


@dataclass
class ResolutionRow:
    resolution: Resolution
    meeting_title: str
    meeting_starts_at: datetime
    owner_name: str
    overdue: bool


def overdue_condition(today: date):
    return and_(Resolution.status == ResolutionStatus.open, Resolution.due_on < today)


def _resolutions_stmt(status: str, overdue: bool, unit_id: int | None, today: date) -> Select:
    stmt = (
        select(
            Resolution,
            Meeting.title,
            Meeting.starts_at,
            func.coalesce(Organisation.name, User.name, ""),
        )
        .join(Meeting, Meeting.id == Resolution.meeting_id)
        .outerjoin(Organisation, Organisation.id == Resolution.owner_organisation_id)
        .outerjoin(User, User.id == Resolution.owner_user_id)
    )
    if overdue:
        stmt = stmt.where(overdue_condition(today))
    elif status in ResolutionStatus.__members__:
        stmt = stmt.where(Resolution.status == status)
    if unit_id is not None:
        stmt = stmt.where(Resolution.owner_organisation_id == unit_id)
    return stmt.order_by(Resolution.due_on, Resolution.id)


def list_resolutions(
    session: Session,
    status: str = "",
    overdue: bool = False,
    unit_id: int | None = None,
    page: int = 1,
    size: int = PAGE,
) -> tuple[list[ResolutionRow], int]:
    """A page of resolutions by due date, filtered on status, overdue and owner unit; and how
    many match: two statements."""
    today = street_today()
    stmt = _resolutions_stmt(status, overdue, unit_id, today)
    total = count_rows(session, stmt)
    rows = [
        ResolutionRow(r, title, starts_at, owner, _is_overdue(r, today))
        for r, title, starts_at, owner in session.execute(one_page(stmt, page, size))
    ]
    return rows, total


def _is_overdue(resolution: Resolution, today: date) -> bool:
    return resolution.status == ResolutionStatus.open and resolution.due_on < today


def resolutions_of_meeting(session: Session, meeting: Meeting) -> list[ResolutionRow]:
    today = street_today()
    stmt = (
        select(Resolution, func.coalesce(Organisation.name, User.name, ""))
        .outerjoin(Organisation, Organisation.id == Resolution.owner_organisation_id)
        .outerjoin(User, User.id == Resolution.owner_user_id)
        .where(Resolution.meeting_id == meeting.id)
        .order_by(Resolution.due_on, Resolution.id)
    )
    return [
        ResolutionRow(r, meeting.title, meeting.starts_at, owner, _is_overdue(r, today))
        for r, owner in session.execute(stmt)
    ]


def count_overdue(session: Session, _user=None) -> int:
    """Open resolutions due before today (the dashboard's to-do)."""
    return (
        session.scalar(
            select(func.count()).select_from(Resolution).where(overdue_condition(street_today()))
        )
        or 0
    )


# --- what a unit's account sees ------------------------------------------------------------------


def unit_meetings(session: Session, organisation_id: int) -> tuple[list[Meeting], list[Meeting]]:
    """The meetings the unit is invited to: upcoming (soonest first) and the last 20 past."""
    now = utcnow()
    base = (
        select(Meeting)
        .join(MeetingInvite, MeetingInvite.meeting_id == Meeting.id)
        .where(MeetingInvite.organisation_id == organisation_id)
    )
    upcoming = session.scalars(
        base.where(Meeting.starts_at >= now).order_by(Meeting.starts_at).limit(50)
    ).all()
    past = session.scalars(
        base.where(Meeting.starts_at < now).order_by(Meeting.starts_at.desc()).limit(20)
    ).all()
    return list(upcoming), list(past)


def unit_resolutions(session: Session, organisation_id: int) -> list[ResolutionRow]:
    """The resolutions the unit owns: open ones first, by due date."""
    today = street_today()
    stmt = (
        select(Resolution, Meeting.title, Meeting.starts_at)
        .join(Meeting, Meeting.id == Resolution.meeting_id)
        .where(Resolution.owner_organisation_id == organisation_id)
        .order_by(
            case((Resolution.status == ResolutionStatus.open, 0), else_=1),
            Resolution.due_on,
            Resolution.id,
        )
        .limit(100)
    )
    return [
        ResolutionRow(r, title, starts_at, "", _is_overdue(r, today))
        for r, title, starts_at in session.execute(stmt)
    ]


def owner_accounts(session: Session, resolutions: list[Resolution]) -> dict[int, list[User]]:
    """Who hears about each resolution: the owner unit's enabled accounts, or the staff member."""
    unit_ids = {r.owner_organisation_id for r in resolutions if r.owner_organisation_id}
    user_ids = {r.owner_user_id for r in resolutions if r.owner_user_id}
    by_unit: dict[int, list[User]] = {}
    users: dict[int, User] = {}
    if unit_ids or user_ids:
        rows = session.execute(
            select(User, OrgAccount.organisation_id)
            .outerjoin(OrgAccount, OrgAccount.user_id == User.id)
            .where(
                User.is_enabled.is_(True),
                or_(OrgAccount.organisation_id.in_(unit_ids), User.id.in_(user_ids)),
            )
            .order_by(User.id)
        )
        for user, unit_id in rows:
            users[user.id] = user
            if unit_id in unit_ids:
                by_unit.setdefault(unit_id, []).append(user)
    return {
        r.id: by_unit.get(r.owner_organisation_id, [])
        if r.owner_organisation_id
        else ([users[r.owner_user_id]] if r.owner_user_id in users else [])
        for r in resolutions
    }
