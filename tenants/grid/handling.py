"""Handling grid items (事项办理): who sees an item, the office's list and queues, and the steps
the office and the handlers take on it (受理、不予受理、派单、上报上级、开始办理、办理进展、办结、
关闭). Every step goes through :func:`tenants.grid.loop.advance`, which keeps the order; this file
decides who may take it and with what.

Who sees an item is decided once, by :func:`visible_items` (a WHERE clause) and
:func:`get_item_or_404`, for every page of the module and for the other areas:

- the street's admin, and staff not limited to a community (街道工作人员): every item;
- staff limited to a community (社区工作人员, grid workers among them): their community's items;
- a handler: the items assigned to them — a staff member named as the handler, a member of the
  department named, an org account acting for the alliance unit named;
- residents (volunteers) and any other account: none ("not found"); their own reports are the
  report area's pages.

Who may triage (受理、派单、上报、关闭) follows the tiers (小事不出网格、大事不出社区、难事不出街道):
the admin and street-level staff any item; a community's staff their community's items while
they are at the grid or community tier (an item escalated to the street is the street's).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, case, false, func, or_, select, true
from sqlalchemy.orm import Session, aliased

from saas.audit.services import record
from saas.auth.models import Role, User
from saas.db import utcnow
from saas.errors import NotFound, ServiceError
from saas.forms import clean_text, parse_id
from saas.listing import contains_pattern, count_rows, one_page
from saas.ui import local, street_zone
from tenants.grid import loop
from tenants.grid.items import MAX_PHOTOS, keep_photos
from tenants.grid.models import (
    Department,
    DepartmentMember,
    GridItem,
    HandlerKind,
    ItemCategory,
    ItemLevel,
    ItemPhoto,
    ItemStatus,
    ItemStep,
    ReporterRole,
    Tier,
)
from tenants.grid.photos import Photo
from tenants.orgs.models import OrgAccount, Organisation, OrgKind
from tenants.orgs.records import organisation_of_kind
from tenants.structure.models import Building, Community, Grid

S = ItemStatus
#: rows a page of the lists holds
PAGE = 30
NOTE_MAX = 1000
REASON_MAX = 500

TIER_LABELS = {
    Tier.grid: _l("网格"),
    Tier.community: _l("社区"),
    Tier.street: _l("街道"),
}
#: 小事不出网格、大事不出社区、难事不出街道: the tier above each
TIER_UP = {Tier.grid: Tier.community, Tier.community: Tier.street}
REPORTER_LABELS = {
    ReporterRole.grid_worker: _l("网格员"),
    ReporterRole.resident: _l("居民"),
    ReporterRole.staff: _l("工作人员"),
}
HANDLER_KIND_LABELS = {
    HandlerKind.staff: _l("工作人员"),
    HandlerKind.department: _l("部门"),
    HandlerKind.unit: _l("共建单位"),
}
#: the office's steps (taken by those who triage) and the handler's
OFFICE_STEPS = ("accept", "reject", "assign", "escalate", "close")
HANDLER_STEPS = ("start", "progress", "done")
#: the statuses the queues (待我处理) hold: waiting for the office at its tier
WAITING = (S.reported, S.accepted)


# --- who sees what --------------------------------------------------------------------------------


def _my_departments(viewer: User):
    return select(DepartmentMember.department_id).where(DepartmentMember.user_id == viewer.id)


def _my_organisations(viewer: User):
    return select(OrgAccount.organisation_id).where(OrgAccount.user_id == viewer.id)


def handled_by(viewer: User) -> ColumnElement[bool]:
    """The items assigned to ``viewer``: as the staff member named, as a member of the department
    named, or as an account of the unit named (a WHERE clause; no query of its own)."""
    if viewer.role == Role.org:
        return and_(
            GridItem.handler_kind == HandlerKind.unit,
            GridItem.handler_org_id.in_(_my_organisations(viewer)),
        )
    if viewer.role in (Role.admin, Role.staff):
        return or_(
            and_(GridItem.handler_kind == HandlerKind.staff, GridItem.handler_user_id == viewer.id),
            and_(
                GridItem.handler_kind == HandlerKind.department,
                GridItem.handler_department_id.in_(_my_departments(viewer)),
            ),
        )
    return false()


def visible_items(viewer: User) -> ColumnElement[bool]:
    """The grid items ``viewer`` may see, as a WHERE clause on :class:`GridItem` (see the
    module's docstring). No query of its own: the handler's departments and units are
    sub-selects.

    :raise NotFound: a resident (volunteer) or an account that is not signed in: the office's
        pages do not exist for them
    """
    role = getattr(viewer, "role", None)
    if role == Role.admin:
        return true()
    if role == Role.staff:
        limited = viewer.limited_to_community
        if limited is None:
            return true()
        return or_(GridItem.community_id == limited, handled_by(viewer))
    if role == Role.org:
        return handled_by(viewer)
    raise NotFound(_("页面不存在"))


def get_item_or_404(session: Session, viewer: User, item_id: int | None) -> GridItem:
    """The item ``item_id`` if ``viewer`` may see it.

    :raise NotFound: no such item in this street, one ``viewer`` may not see, or a viewer who
        sees none
    """
    condition = visible_items(viewer)
    item = None
    if item_id:
        item = session.scalar(select(GridItem).where(GridItem.id == item_id, condition))
    if item is None:
        raise NotFound(_("事项不存在"))
    return item


def is_handler(session: Session, viewer: User, item: GridItem) -> bool:
    """Whether ``viewer`` handles ``item`` now (one query at most)."""
    if item.handler_kind == HandlerKind.staff:
        return viewer.role in (Role.admin, Role.staff) and item.handler_user_id == viewer.id
    if item.handler_kind == HandlerKind.department and viewer.role in (Role.admin, Role.staff):
        return (
            session.scalar(
                _my_departments(viewer).where(
                    DepartmentMember.department_id == item.handler_department_id
                )
            )
            is not None
        )
    if item.handler_kind == HandlerKind.unit and viewer.role == Role.org:
        return (
            session.scalar(
                _my_organisations(viewer).where(OrgAccount.organisation_id == item.handler_org_id)
            )
            is not None
        )
    return False


def is_unit_account(user) -> bool:
    """For the declaration's ``visible``: an alliance unit's org account (read once per
    request)."""
    if getattr(user, "role", None) != Role.org:
        return False
    from saas.extensions import db

    return organisation_of_kind(db.session, user, OrgKind.alliance) is not None


def may_triage(viewer: User, item: GridItem) -> bool:
    """Whether ``viewer`` may accept, reject, assign, escalate or close ``item`` (no query): the
    admin and street-level staff any; a community's staff their community's while it is at the
    grid or community tier."""
    if viewer.role == Role.admin:
        return True
    if viewer.role != Role.staff:
        return False
    limited = viewer.limited_to_community
    if limited is None:
        return True
    return item.community_id == limited and item.tier in (Tier.grid, Tier.community)


def actions_for(session: Session, viewer: User, item: GridItem) -> list[str]:
    """The steps ``viewer`` may take on ``item`` now: what its status allows
    (:func:`loop.allowed`), narrowed to the office's steps for those who triage and the
    handler's for its handler."""
    possible = loop.allowed(item)
    mine: list[str] = []
    if may_triage(viewer, item):
        mine += [k for k in OFFICE_STEPS if k in possible]
        if item.tier not in TIER_UP and "escalate" in mine:
            mine.remove("escalate")
    if any(k in possible for k in HANDLER_STEPS) and is_handler(session, viewer, item):
        mine += [k for k in HANDLER_STEPS if k in possible]
    return mine


def _in_order(item: GridItem, kind: str) -> None:
    """Refuse a step the item's status does not allow before asking who takes it (the loop's
    own words; :func:`loop.advance` checks again as it moves the item)."""
    if kind not in loop.allowed(item):
        raise ServiceError(
            _("事项当前为“%(status)s”，不能%(step)s", status=loop.status_label(item.status),
              step=loop.STEPS[kind].label)
        )  # fmt: skip


def _require_triage(viewer: User, item: GridItem, kind: str) -> None:
    _in_order(item, kind)
    if not may_triage(viewer, item):
        raise ServiceError(_("您不能处理这个事项"))


def _require_handler(session: Session, viewer: User, item: GridItem, kind: str) -> None:
    _in_order(item, kind)
    if not is_handler(session, viewer, item):
        raise ServiceError(_("只有承办人可以办理这个事项"))


# --- the office's steps ---------------------------------------------------------------------------


def _audit(session: Session, action: str, actor: User, item: GridItem, **detail) -> None:
    record(session, f"grid.item_{action}", actor.id, f"grid_item:{item.id}",
           {"number": item.number, **detail})  # fmt: skip


def accept(session: Session, actor: User, item: GridItem, note: str = "") -> ItemStep:
    """受理: the office takes the report on."""
    _require_triage(actor, item, "accept")
    note = clean_text(note, NOTE_MAX, "note", lines=True)
    step = loop.advance(session, item, "accept", actor.id, note, accepted_at=utcnow())
    _audit(session, "accept", actor, item)
    return step


def reject(session: Session, actor: User, item: GridItem, reason: str) -> ItemStep:
    """不予受理, with the reason (required): final.

    :raise ServiceError: no reason, or too long
    """
    _require_triage(actor, item, "reject")
    reason = clean_text(
        reason, REASON_MAX, "reason", lines=True, required=_("请填写不予受理的理由")
    )
    step = loop.advance(session, item, "reject", actor.id, reason)
    _audit(session, "reject", actor, item, reason=reason)
    return step


@dataclass
class Handler:
    """Who an item is assigned to: its kind, id and name."""

    kind: str
    id: int
    name: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"


def handler_choices(session: Session) -> list[Handler]:
    """Whom the office may assign to: the street's enabled office accounts, its departments and
    its active alliance units (three statements)."""
    staff = session.execute(
        select(User.id, User.name)
        .where(User.role.in_((Role.admin, Role.staff)), User.is_enabled.is_(True))
        .order_by(User.name, User.id)
    ).all()
    departments = session.execute(
        select(Department.id, Department.name)
        .where(Department.archived_at.is_(None))
        .order_by(Department.position, Department.id)
    ).all()
    units = session.execute(
        select(Organisation.id, Organisation.name)
        .where(Organisation.kind == OrgKind.alliance, Organisation.is_active.is_(True))
        .order_by(Organisation.name, Organisation.id)
    ).all()
    return (
        [Handler(HandlerKind.department, i, n) for i, n in departments]
        + [Handler(HandlerKind.staff, i, n) for i, n in staff]
        + [Handler(HandlerKind.unit, i, n) for i, n in units]
    )


def find_handler(session: Session, key: str | None) -> Handler:
    """The handler a form's "kind:id" names, checked to be this street's (another street's id is
    not found here: the scope sees only this street).

    :raise ServiceError: on ``handler``: nothing chosen, or not one of this street's enabled
        office accounts, current departments or active alliance units
    """
    kind, _sep, raw_id = (key or "").partition(":")
    handler_id = parse_id(raw_id)
    refused = ServiceError(_("请选择本街道的承办人、部门或共建单位"), "handler")
    if not handler_id:
        raise ServiceError(_("请选择承办人"), "handler") if not key else refused
    name = None
    if kind == HandlerKind.staff:
        name = session.scalar(
            select(User.name).where(
                User.id == handler_id,
                User.role.in_((Role.admin, Role.staff)),
                User.is_enabled.is_(True),
            )
        )
    elif kind == HandlerKind.department:
        name = session.scalar(
            select(Department.name).where(
                Department.id == handler_id, Department.archived_at.is_(None)
            )
        )
    elif kind == HandlerKind.unit:
        name = session.scalar(
            select(Organisation.name).where(
                Organisation.id == handler_id,
                Organisation.kind == OrgKind.alliance,
                Organisation.is_active.is_(True),
            )
        )
    if name is None:
        raise refused
    return Handler(kind, handler_id, name)


def parse_due(raw: str | None, now: datetime | None = None) -> datetime | None:
    """A deadline typed by staff ("2026-12-08T17:00" or "2026-12-08 17:00", the street's time;
    a date alone is the end of that day) as a UTC time; None when nothing was typed.

    :raise ServiceError: on ``due``: not a time, or not in the future
    """
    text = (raw or "").strip()
    if not text:
        return None
    try:
        if len(text) <= 10:
            value = datetime.combine(date.fromisoformat(text), time(23, 59))
        else:
            value = datetime.fromisoformat(text.replace(" ", "T"))
    except ValueError as error:
        raise ServiceError(_("请填写有效的时间，如 2026-12-08 17:00"), "due") from error
    if value.tzinfo is None:
        value = value.replace(tzinfo=street_zone())
    now = now or utcnow()
    if value <= now:
        raise ServiceError(_("办理时限不能早于现在"), "due")
    if value > now + timedelta(days=366):
        raise ServiceError(_("办理时限不能超过一年"), "due")
    return value


def level_deadline(session: Session, item: GridItem, now: datetime) -> datetime:
    """The deadline the item's category's level gives from ``now`` (办理时限)."""
    hours = session.scalar(
        select(ItemLevel.deadline_hours)
        .join(ItemCategory, ItemCategory.level_id == ItemLevel.id)
        .where(ItemCategory.id == item.category_id)
    )
    return now + timedelta(hours=hours or 120)


def assign(
    session: Session,
    actor: User,
    item: GridItem,
    handler_key: str | None,
    due: str | None = None,
    note: str = "",
) -> ItemStep:
    """派单: assign the item to a staff member, a department or an alliance unit of this street,
    with the deadline its category's level gives (now + its hours) or one staff typed.

    :raise ServiceError: a handler that is not this street's; a deadline in the past or not a
        time; a status that does not allow it (done before …: the loop's refusal)
    """
    _require_triage(actor, item, "assign")
    handler = find_handler(session, handler_key)
    now = utcnow()
    due_at = parse_due(due, now) or level_deadline(session, item, now)
    note = clean_text(note, NOTE_MAX, "note", lines=True)
    columns = {
        "handler_kind": handler.kind,
        "handler_user_id": handler.id if handler.kind == HandlerKind.staff else None,
        "handler_department_id": handler.id if handler.kind == HandlerKind.department else None,
        "handler_org_id": handler.id if handler.kind == HandlerKind.unit else None,
    }
    detail = _("%(name)s，限 %(due)s 前办结", name=handler.name,
               due=local(due_at).strftime("%Y-%m-%d %H:%M"))  # fmt: skip
    step = loop.advance(session, item, "assign", actor.id, note, detail, **columns,
                        due_at=due_at, assigned_at=now, near_notified_at=None,
                        overdue_notified_at=None)  # fmt: skip
    _audit(session, "assign", actor, item, handler=handler.key)
    return step


def escalate(session: Session, actor: User, item: GridItem, reason: str) -> ItemStep:
    """上报上级: one tier up (网格 → 社区 → 街道), with the reason; the handler and deadline are
    cleared, and the item waits for an assignment at the tier above.

    :raise ServiceError: no reason; already at the street (the top)
    """
    _require_triage(actor, item, "escalate")
    reason = clean_text(
        reason, REASON_MAX, "reason", lines=True, required=_("请填写上报上级的理由")
    )
    up = TIER_UP.get(item.tier)
    if up is None:
        raise ServiceError(_("事项已在街道层级，不能再上报"))
    previous = item.tier
    step = loop.advance(session, item, "escalate", actor.id, reason,
                        _("由%(from)s上报至%(to)s", **{"from": TIER_LABELS[previous],
                                                    "to": TIER_LABELS[up]}),
                        tier=up, handler_kind=None, handler_user_id=None,
                        handler_department_id=None, handler_org_id=None, due_at=None,
                        near_notified_at=None, overdue_notified_at=None)  # fmt: skip
    _audit(session, "escalate", actor, item, **{"from": previous, "to": up, "reason": reason})
    return step


def close(session: Session, actor: User, item: GridItem, note: str = "") -> ItemStep:
    """关闭 after the check, without the reporter's word (a staff report, a reporter who cannot
    be reached, or staff decide)."""
    _require_triage(actor, item, "close")
    note = clean_text(note, NOTE_MAX, "note", lines=True)
    step = loop.advance(session, item, "close", actor.id, note, closed_at=utcnow())
    _audit(session, "close", actor, item)
    return step


# --- the handler's steps --------------------------------------------------------------------------


def start(session: Session, actor: User, item: GridItem) -> ItemStep:
    """开始办理."""
    _require_handler(session, actor, item, "start")
    return loop.advance(session, item, "start", actor.id)


def _photos(photos: list[Photo | None]) -> list[Photo]:
    kept = [p for p in photos if p is not None]
    if len(kept) > MAX_PHOTOS:
        raise ServiceError(_("最多上传 %(n)d 张照片", n=MAX_PHOTOS), "photos")
    return kept


def progress(
    session: Session, actor: User, item: GridItem, note: str, photos: list[Photo | None] = ()
) -> ItemStep:
    """办理进展: a note, up to three photos, or both.

    :raise ServiceError: neither a note nor a photo; more than three photos
    """
    _require_handler(session, actor, item, "progress")
    kept = _photos(list(photos))
    note = clean_text(
        note, NOTE_MAX, "note", lines=True, required=None if kept else _("请填写办理进展或上传照片")
    )
    step = loop.advance(session, item, "progress", actor.id, note)
    keep_photos(session, item, step.id, kept)
    return step


def done(
    session: Session, actor: User, item: GridItem, result: str, photos: list[Photo | None] = ()
) -> ItemStep:
    """办结: the result (required) and a photo of it (optional, up to three).

    :raise ServiceError: no result; more than three photos
    """
    _require_handler(session, actor, item, "done")
    kept = _photos(list(photos))
    result = clean_text(result, NOTE_MAX, "note", lines=True, required=_("请填写办理结果"))
    step = loop.advance(session, item, "done", actor.id, result, done_at=utcnow())
    keep_photos(session, item, step.id, kept)
    return step


# --- the item's page ------------------------------------------------------------------------------


@dataclass
class TimelineStep:
    step: ItemStep
    actor: str | None
    #: the ids of the photos the step brought
    photos: list[int]


@dataclass
class ItemPage:
    item: GridItem
    category: str
    level: str
    community: str
    grid: str | None
    building: str | None
    reporter: User | None
    handler: str | None
    #: the ids of all the item's photos, in the order they came
    photos: list[int]
    timeline: list[TimelineStep]
    actions: list[str]
    overdue: bool


def handler_name(session: Session, item: GridItem) -> str | None:
    if item.handler_kind == HandlerKind.staff:
        return session.scalar(select(User.name).where(User.id == item.handler_user_id))
    if item.handler_kind == HandlerKind.department:
        return session.scalar(
            select(Department.name).where(Department.id == item.handler_department_id)
        )
    if item.handler_kind == HandlerKind.unit:
        return session.scalar(
            select(Organisation.name).where(Organisation.id == item.handler_org_id)
        )
    return None


def is_overdue(item: GridItem, now: datetime | None = None) -> bool:
    """Past its deadline while its handler is still working on it (督办)."""
    return (
        item.status in loop.RUNNING and item.due_at is not None and item.due_at < (now or utcnow())
    )


def item_page(session: Session, viewer: User, item: GridItem) -> ItemPage:
    """What the item's page shows ``viewer`` (a fixed number of statements)."""
    place = session.execute(
        select(ItemCategory.name, ItemLevel.name, Community.name, Grid.name, Building.name)
        .select_from(GridItem)
        .join(ItemCategory, ItemCategory.id == GridItem.category_id)
        .join(ItemLevel, ItemLevel.id == ItemCategory.level_id)
        .join(Community, Community.id == GridItem.community_id)
        .outerjoin(Grid, Grid.id == GridItem.grid_id)
        .outerjoin(Building, Building.id == GridItem.building_id)
        .where(GridItem.id == item.id)
    ).one()
    reporter = (
        session.scalar(select(User).where(User.id == item.reporter_id))
        if item.reporter_id
        else None
    )
    photos = session.execute(
        select(ItemPhoto.step_id, ItemPhoto.id)
        .where(ItemPhoto.item_id == item.id)
        .order_by(ItemPhoto.created_at, ItemPhoto.id)
    ).all()
    by_step: dict[int | None, list[int]] = {}
    for step_id, photo_id in photos:
        by_step.setdefault(step_id, []).append(photo_id)
    actor = aliased(User)
    steps = session.execute(
        select(ItemStep, actor.name)
        .outerjoin(actor, actor.id == ItemStep.actor_id)
        .where(ItemStep.item_id == item.id)
        .order_by(ItemStep.created_at, ItemStep.id)
    ).all()
    return ItemPage(
        item=item,
        category=place[0],
        level=place[1],
        community=place[2],
        grid=place[3],
        building=place[4],
        reporter=reporter,
        handler=handler_name(session, item),
        photos=[photo_id for _step, photo_id in photos],
        timeline=[TimelineStep(s, name, by_step.get(s.id, [])) for s, name in steps],
        actions=actions_for(session, viewer, item),
        overdue=is_overdue(item),
    )


# --- the office's list and queues -----------------------------------------------------------------


@dataclass
class ItemFilters:
    status: str = ""
    tier: str = ""
    community: str = ""
    grid: str = ""
    category: str = ""
    #: "staff:<id>", "department:<id>" or "unit:<id>"
    handler: str = ""
    #: "1": past the deadline and still running
    overdue: str = ""
    reporter_role: str = ""
    date_from: str = ""
    date_to: str = ""
    q: str = ""

    def args(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v}


def _date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw.strip()) if raw and raw.strip() else None
    except ValueError:
        return None


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=street_zone())


def filter_conditions(filters: ItemFilters, now: datetime) -> list[ColumnElement[bool]]:
    """The WHERE clauses the filters make (a value that is not one of the choices is ignored)."""
    conditions: list[ColumnElement[bool]] = []
    if filters.status in S.__members__:
        conditions.append(GridItem.status == filters.status)
    elif filters.status == "open":
        conditions.append(GridItem.status.in_(loop.open_statuses()))
    if filters.tier in Tier.__members__:
        conditions.append(GridItem.tier == filters.tier)
    for raw, column in (
        (filters.community, GridItem.community_id),
        (filters.grid, GridItem.grid_id),
        (filters.category, GridItem.category_id),
    ):
        if raw:
            conditions.append(column == (parse_id(raw) or 0))
    if filters.handler:
        kind, _sep, raw_id = filters.handler.partition(":")
        handler_id = parse_id(raw_id) or 0
        column = {
            HandlerKind.staff: GridItem.handler_user_id,
            HandlerKind.department: GridItem.handler_department_id,
            HandlerKind.unit: GridItem.handler_org_id,
        }.get(kind)
        conditions.append(
            and_(GridItem.handler_kind == kind, column == handler_id)
            if column is not None
            else false()
        )
    if filters.overdue:
        conditions.append(and_(GridItem.status.in_(sorted(loop.RUNNING)), GridItem.due_at < now))
    if filters.reporter_role in ReporterRole.__members__:
        conditions.append(GridItem.reporter_role == filters.reporter_role)
    start_day, end_day = _date(filters.date_from), _date(filters.date_to)
    if start_day:
        conditions.append(GridItem.created_at >= _day_start(start_day))
    if end_day:
        conditions.append(GridItem.created_at < _day_start(end_day + timedelta(days=1)))
    pattern = contains_pattern(filters.q)
    if pattern:
        conditions.append(
            or_(GridItem.number.like(pattern), GridItem.description.like(pattern),
                GridItem.place.like(pattern))
        )  # fmt: skip
    return conditions


def queue_condition(session: Session, viewer: User) -> ColumnElement[bool]:
    """待我处理: the items waiting (reported or accepted) at ``viewer``'s tier — the street's
    staff and the admin the street tier; a community's staff their community's community-tier
    items, and its grid-tier items no grid worker looks after; a grid worker the grid-tier items
    of their grids. No query of its own."""
    waiting = GridItem.status.in_(WAITING)
    mine: list[ColumnElement[bool]] = []
    limited = viewer.limited_to_community
    if viewer.role == Role.admin or (viewer.role == Role.staff and limited is None):
        mine.append(GridItem.tier == Tier.street)
    if viewer.role == Role.staff and limited is not None:
        unworked = select(Grid.id).where(Grid.worker_id.is_(None))
        mine.append(
            and_(
                GridItem.community_id == limited,
                or_(
                    GridItem.tier == Tier.community,
                    and_(
                        GridItem.tier == Tier.grid,
                        or_(GridItem.grid_id.is_(None), GridItem.grid_id.in_(unworked)),
                    ),
                ),
            )
        )
    if viewer.is_grid_worker and viewer.role in (Role.admin, Role.staff):
        mine.append(
            and_(
                GridItem.tier == Tier.grid,
                GridItem.grid_id.in_(select(Grid.id).where(Grid.worker_id == viewer.id)),
            )
        )
    return and_(waiting, or_(*mine)) if mine else false()


@dataclass
class ItemRow:
    item: GridItem
    category: str
    community: str
    grid: str | None
    reporter: str | None
    handler: str | None
    overdue: bool = False


_ListRows = tuple[list[ItemRow], int]


def _rows_stmt(*conditions: ColumnElement[bool]):
    handler_user = aliased(User)
    reporter = aliased(User)
    handler = case(
        (GridItem.handler_kind == HandlerKind.staff, handler_user.name),
        (GridItem.handler_kind == HandlerKind.department, Department.name),
        (GridItem.handler_kind == HandlerKind.unit, Organisation.name),
        else_=None,
    )
    return (
        select(GridItem, ItemCategory.name, Community.name, Grid.name, reporter.name, handler)
        .join(ItemCategory, ItemCategory.id == GridItem.category_id)
        .join(Community, Community.id == GridItem.community_id)
        .outerjoin(Grid, Grid.id == GridItem.grid_id)
        .outerjoin(reporter, reporter.id == GridItem.reporter_id)
        .outerjoin(handler_user, handler_user.id == GridItem.handler_user_id)
        .outerjoin(Department, Department.id == GridItem.handler_department_id)
        .outerjoin(Organisation, Organisation.id == GridItem.handler_org_id)
        .where(*conditions)
    )


def _run(session: Session, stmt, page: int, size: int, now: datetime) -> _ListRows:
    total = count_rows(session, stmt)
    rows = [
        ItemRow(item, category, community, grid, reporter, handler, is_overdue(item, now))
        for item, category, community, grid, reporter, handler in session.execute(
            one_page(stmt, page, size)
        ).all()
    ]
    return rows, total


def list_items(
    session: Session,
    viewer: User,
    filters: ItemFilters,
    page: int = 1,
    size: int = PAGE,
    queue: bool = False,
) -> _ListRows:
    """The office's list (``queue``: only 待我处理), newest first: two statements.

    :raise NotFound: a viewer who sees no items (a resident)
    """
    now = utcnow()
    conditions = [visible_items(viewer), *filter_conditions(filters, now)]
    if queue:
        conditions.append(queue_condition(session, viewer))
    stmt = _rows_stmt(*conditions).order_by(GridItem.created_at.desc(), GridItem.id.desc())
    return _run(session, stmt, page, size, now)


def my_items(
    session: Session, viewer: User, page: int = 1, size: int = PAGE, finished: bool = False
) -> _ListRows:
    """我的待办 / 派给本单位的事项: the items assigned to ``viewer`` (or their departments, or
    their unit) that are being handled, overdue first, then by deadline; ``finished``: those
    they have done since (done, checked, closed), newest first. Two statements."""
    now = utcnow()
    if viewer.role not in (Role.admin, Role.staff, Role.org):
        raise NotFound(_("页面不存在"))
    if finished:
        stmt = _rows_stmt(
            handled_by(viewer), GridItem.status.in_((S.done, S.checked, S.closed))
        ).order_by(GridItem.done_at.desc(), GridItem.id.desc())
    else:
        late = case((GridItem.due_at < now, 0), else_=1)
        stmt = _rows_stmt(handled_by(viewer), GridItem.status.in_(sorted(loop.RUNNING))).order_by(
            late, GridItem.due_at, GridItem.id
        )
    return _run(session, stmt, page, size, now)


def count_queue(session: Session, viewer: User) -> int:
    """The dashboard's to-do: how many items wait at ``viewer``'s tier (one statement)."""
    return (
        session.scalar(
            select(func.count()).select_from(GridItem).where(queue_condition(session, viewer))
        )
        or 0
    )


def count_mine(session: Session, viewer: User) -> int:
    """The dashboard's to-do: how many items assigned to ``viewer`` are being handled."""
    return (
        session.scalar(
            select(func.count())
            .select_from(GridItem)
            .where(handled_by(viewer), GridItem.status.in_(sorted(loop.RUNNING)))
        )
        or 0
    )


@dataclass
class ListChoices:
    communities: list = field(default_factory=list)
    grids: list = field(default_factory=list)
    categories: list = field(default_factory=list)
    handlers: list[Handler] = field(default_factory=list)


def list_choices(session: Session, viewer: User) -> ListChoices:
    """The filters' choices (a fixed number of statements): the viewer's communities and their
    grids, every category (archived ones too: old items keep them), the handlers."""
    from tenants.structure.services import communities_for

    communities = communities_for(session, viewer)
    ids = [c.id for c in communities]
    grids = session.execute(
        select(Grid.id, Grid.name, Community.name)
        .join(Community, Community.id == Grid.community_id)
        .where(Grid.community_id.in_(ids), Grid.archived_at.is_(None))
        .order_by(Community.position, Grid.position, Grid.id)
    ).all()
    categories = session.execute(
        select(ItemCategory.id, ItemCategory.name).order_by(ItemCategory.position, ItemCategory.id)
    ).all()
    return ListChoices(communities, grids, categories, handler_choices(session))


def item_names(session: Session, ids: list[int]) -> dict[int, str]:
    """The audit log's names of its grid item targets (their numbers), in one statement."""
    return dict(
        session.execute(select(GridItem.id, GridItem.number).where(GridItem.id.in_(ids))).all()
    )
