"""Reporting from the phone (area ``report``): a resident's 随手拍 and a grid worker's report, the
resident's own reports with their timeline and the follow-up (回访), the street's items as the
public sees them, who may see an item's photos, and the grid worker's phone home with the items
of their grids awaiting their check (核查).

Every page's queries are a fixed number of statements: a page of items, then one IN-query each
for their categories, steps, photos and names.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from saas.auth.models import Role, User
from saas.db import utcnow
from saas.errors import NotFound, ServiceError
from saas.listing import count_rows, one_page
from tenants.grid.items import MAX_PHOTOS, ItemInput, create_item
from tenants.grid.loop import OPEN, advance
from tenants.grid.models import (
    Department,
    DepartmentMember,
    GridItem,
    ItemCategory,
    ItemLevel,
    ItemPhoto,
    ItemStatus,
    ItemStep,
    ReporterRole,
)
from tenants.grid.photos import Photo, read_photo
from tenants.structure.models import Building, Community, Grid

S = ItemStatus
#: rows on a page of the phone's lists
PAGE = 20
#: the grid worker's home: at most this many open items of their grids, and of their own reports
HOME_OPEN_MAX = 50
HOME_RECENT_MAX = 10
REASON_MAX = 500
NOTE_MAX = 500

# --- the form's choices ----------------------------------------------------------------------------


@dataclass
class PlaceChoices:
    """What the report form offers: the street's active categories and communities, the grids of
    the community chosen and the buildings of the grid chosen."""

    categories: list[ItemCategory]
    communities: list[Community]
    grids: list[Grid]
    buildings: list[Building]


def place_choices(session: Session, community_id: int | None, grid_id: int | None) -> PlaceChoices:
    categories = list(
        session.scalars(
            select(ItemCategory)
            .where(ItemCategory.archived_at.is_(None))
            .order_by(ItemCategory.position, ItemCategory.id)
        )
    )
    communities = list(
        session.scalars(
            select(Community)
            .where(Community.archived_at.is_(None))
            .order_by(Community.position, Community.id)
        )
    )
    grids: list[Grid] = []
    if community_id:
        grids = list(
            session.scalars(
                select(Grid)
                .where(Grid.community_id == community_id, Grid.archived_at.is_(None))
                .order_by(Grid.position, Grid.id)
            )
        )
    buildings: list[Building] = []
    if grid_id and any(g.id == grid_id for g in grids):
        buildings = list(
            session.scalars(
                select(Building)
                .where(Building.grid_id == grid_id, Building.archived_at.is_(None))
                .order_by(Building.position, Building.id)
            )
        )
    return PlaceChoices(categories, communities, grids, buildings)


# --- reporting ------------------------------------------------------------------------------------


def may_report(user: User) -> bool:
    """Residents (volunteers), grid workers and the office report; organisation accounts do not."""
    return user.role in (Role.volunteer, Role.staff, Role.admin) or bool(user.is_grid_worker)


def read_photos(uploads: list[FileStorage]) -> list[Photo]:
    """The cleaned photos of the files chosen (empty file inputs skipped).

    :raise ServiceError: on the field "photos": more than three, over 10 MB, not a picture
    """
    chosen = [u for u in uploads if isinstance(u, FileStorage) and u.filename]
    if len(chosen) > MAX_PHOTOS:
        raise ServiceError(_("最多上传 %(n)d 张照片", n=MAX_PHOTOS), "photos")
    photos = []
    for upload in chosen:
        photo = read_photo(upload, "photos")
        if photo is not None:
            photos.append(photo)
    return photos


def submit_report(
    session: Session, actor: User, values: ItemInput, uploads: list[FileStorage]
) -> GridItem:
    """A report from the phone: its photos read and cleaned, then :func:`create_item`.

    :raise ServiceError: the photos (field "photos") or any of :func:`create_item`'s refusals
    """
    if not may_report(actor):
        raise ServiceError(_("此账号不能上报事项"))
    values.photos = read_photos(uploads)
    return create_item(session, actor, values)


# --- who may see an item ----------------------------------------------------------------------------


def can_see_item(session: Session, user: User, item: GridItem) -> bool:
    """The reporter, the office (staff limited to a community: that community's items), the
    handler (the account, a member or the supervisor of the department, the unit's account) and
    the worker of the item's grid. Nobody else, whatever their role."""
    if not getattr(user, "is_authenticated", False):
        return False
    if item.reporter_id == user.id:
        return True
    if user.is_office:
        limited = user.limited_to_community
        if limited is None or limited == item.community_id:
            return True
    if item.handler_kind == "staff" and item.handler_user_id == user.id:
        return True
    if item.handler_kind == "department" and item.handler_department_id:
        member = session.scalar(
            select(DepartmentMember.id).where(
                DepartmentMember.department_id == item.handler_department_id,
                DepartmentMember.user_id == user.id,
            )
        )
        if member is not None:
            return True
        supervisor = session.scalar(
            select(Department.supervisor_id).where(Department.id == item.handler_department_id)
        )
        if supervisor == user.id:
            return True
    if item.handler_kind == "unit" and item.handler_org_id and user.role == Role.org:
        from tenants.orgs.records import acting_organisation

        organisation = acting_organisation(session, user)
        if organisation is not None and organisation.id == item.handler_org_id:
            return True
    if item.grid_id:
        worker = session.scalar(select(Grid.worker_id).where(Grid.id == item.grid_id))
        if worker is not None and worker == user.id:
            return True
    return False


def photo_for_viewer(session: Session, user: User, photo_id: int) -> ItemPhoto:
    """The photo, if ``user`` may see its item.

    :raise NotFound: no such photo, another street's, or an item ``user`` may not see
    """
    photo = session.scalar(select(ItemPhoto).where(ItemPhoto.id == photo_id))
    item = photo and session.scalar(select(GridItem).where(GridItem.id == photo.item_id))
    if item is None or not can_see_item(session, user, item):
        raise NotFound(_("照片不存在"))
    return photo


# --- the reporter's own items ---------------------------------------------------------------------

#: the steps a reporter sees on their item's timeline (the supervision job's marks are the
#: office's business)
REPORTER_STEPS = frozenset(
    {"report", "accept", "reject", "assign", "escalate", "start", "progress", "done", "check",
     "return", "satisfied", "reopen", "close"}
)  # fmt: skip
#: the steps whose note is written for the reporter (a reason, a progress note, the result, the
#: reporter's own word); others' notes are instructions between staff and are not shown
REPORTER_NOTES = frozenset({"reject", "progress", "done", "satisfied", "reopen", "close"})


@dataclass
class ItemView:
    """An item with what its page shows: category, community, grid and building names, the
    steps of its timeline as its viewer may see them, and its photos' ids."""

    item: GridItem
    category: str = ""
    community: str = ""
    grid: str = ""
    building: str = ""
    steps: list[ItemStep] = field(default_factory=list)
    photo_ids: list[int] = field(default_factory=list)


def _names(session: Session, model, ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(session.execute(select(model.id, model.name).where(model.id.in_(ids))).all())


def _views(session: Session, items: list[GridItem], with_steps: bool = True) -> list[ItemView]:
    """Views of ``items`` in at most six statements, whatever their number."""
    if not items:
        return []
    ids = [i.id for i in items]
    categories = _names(session, ItemCategory, (i.category_id for i in items))
    communities = _names(session, Community, (i.community_id for i in items))
    grids = _names(session, Grid, (i.grid_id for i in items))
    buildings = _names(session, Building, (i.building_id for i in items))
    steps: dict[int, list[ItemStep]] = defaultdict(list)
    photos: dict[int, list[int]] = defaultdict(list)
    if with_steps:
        for step in session.scalars(
            select(ItemStep)
            .where(ItemStep.item_id.in_(ids), ItemStep.kind.in_(REPORTER_STEPS))
            .order_by(ItemStep.created_at, ItemStep.id)
        ):
            steps[step.item_id].append(step)
        for photo_id, item_id in session.execute(
            select(ItemPhoto.id, ItemPhoto.item_id)
            .where(ItemPhoto.item_id.in_(ids))
            .order_by(ItemPhoto.created_at, ItemPhoto.id)
        ):
            photos[item_id].append(photo_id)
    return [
        ItemView(i, categories.get(i.category_id, ""), communities.get(i.community_id, ""),
                 grids.get(i.grid_id, ""), buildings.get(i.building_id, ""), steps[i.id],
                 photos[i.id])
        for i in items
    ]  # fmt: skip


def my_reports(session: Session, user: User, page: int) -> tuple[list[ItemView], int]:
    """The user's own reports, newest first, a page of them with their timelines and photos."""
    stmt = (
        select(GridItem)
        .where(GridItem.reporter_id == user.id)
        .order_by(GridItem.created_at.desc(), GridItem.id.desc())
    )
    total = count_rows(session, stmt)
    items = list(session.scalars(one_page(stmt, page, PAGE)))
    return _views(session, items), total


def my_report_or_404(session: Session, user: User, item_id: int) -> GridItem:
    """The item, if ``user`` reported it.

    :raise NotFound: no such item, another street's, or someone else's report
    """
    item = session.scalar(
        select(GridItem).where(GridItem.id == item_id, GridItem.reporter_id == user.id)
    )
    if item is None:
        raise NotFound(_("事项不存在"))
    return item


def my_report_view(session: Session, user: User, item_id: int) -> ItemView:
    return _views(session, [my_report_or_404(session, user, item_id)])[0]


def level_hours(session: Session, item: GridItem) -> int:
    """How long the handler has for the item: its category's level's deadline."""
    hours = session.scalar(
        select(ItemLevel.deadline_hours)
        .join(ItemCategory, ItemCategory.level_id == ItemLevel.id)
        .where(ItemCategory.id == item.category_id)
    )
    return int(hours or 120)


def follow_up(
    session: Session, actor: User, item_id: int, satisfied: bool | None, reason: str = ""
) -> ItemStep:
    """The reporter's word on a checked item (回访): satisfied closes it; not satisfied, with a
    reason, sends it back to its handler with a fresh deadline from the category's level.

    :raise NotFound: not the actor's report
    :raise ServiceError: no answer; not satisfied without a reason; the item is not awaiting
        the follow-up
    """
    item = my_report_or_404(session, actor, item_id)
    if satisfied is None:
        raise ServiceError(_("请选择是否满意"), "satisfied")
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise ServiceError(_("不能超过 %(n)d 个字", n=REASON_MAX), "reason")
    now = utcnow()
    if satisfied:
        return advance(session, item, "satisfied", actor.id, reason, satisfied=True,
                       closed_at=now)  # fmt: skip
    if not reason:
        raise ServiceError(_("请说明不满意的原因"), "reason")
    due_at = now + timedelta(hours=level_hours(session, item))
    # a new deadline: the "near" and "overdue" notices may go out again for it
    return advance(session, item, "reopen", actor.id, reason, satisfied=False, due_at=due_at,
                   near_notified_at=None, overdue_notified_at=None)  # fmt: skip


# --- the street's items in public ------------------------------------------------------------------

#: what residents are told of others' items: where the loop is, in plain words
PUBLIC_STATUS = {
    S.reported: _l("已上报"),
    S.accepted: _l("处理中"),
    S.assigned: _l("处理中"),
    S.in_progress: _l("处理中"),
    S.done: _l("已办结"),
    S.checked: _l("已办结"),
    S.closed: _l("已办结"),
    S.rejected: _l("不予受理"),
}
ROLE_WORDS = {
    ReporterRole.grid_worker: _l("网格员"),
    ReporterRole.staff: _l("工作人员"),
}


def mask_name(name: str | None) -> str:
    """张三丰 → 张**: a resident's name on a list everyone in the street sees."""
    name = (name or "").strip()
    return name[:1] + "*" * min(len(name) - 1, 2) if name else ""


def public_status(status: str) -> str:
    return str(PUBLIC_STATUS.get(status, ""))


@dataclass
class PublicFilters:
    community_id: int | None = None
    category_id: int | None = None


@dataclass
class PublicRow:
    """One item as other residents see it: no description, no photos, no handler; the reporter
    a masked name, "匿名", or their role (a grid worker, the office)."""

    item: GridItem
    category: str
    community: str
    reporter: str
    mine: bool


def public_items(
    session: Session, viewer: User, filters: PublicFilters, page: int
) -> tuple[list[PublicRow], int]:
    stmt = select(GridItem)
    if filters.community_id:
        stmt = stmt.where(GridItem.community_id == filters.community_id)
    if filters.category_id:
        stmt = stmt.where(GridItem.category_id == filters.category_id)
    stmt = stmt.order_by(GridItem.created_at.desc(), GridItem.id.desc())
    total = count_rows(session, stmt)
    items = list(session.scalars(one_page(stmt, page, PAGE)))
    categories = _names(session, ItemCategory, (i.category_id for i in items))
    communities = _names(session, Community, (i.community_id for i in items))
    named = [i.reporter_id for i in items
             if i.reporter_role == ReporterRole.resident and not i.anonymous]  # fmt: skip
    people = _names(session, User, named)
    rows = []
    for i in items:
        if i.reporter_role in ROLE_WORDS:
            reporter = str(ROLE_WORDS[i.reporter_role])
        elif i.anonymous or not people.get(i.reporter_id):
            reporter = _("匿名居民")
        else:
            reporter = mask_name(people[i.reporter_id])
        rows.append(PublicRow(i, categories.get(i.category_id, ""),
                              communities.get(i.community_id, ""), reporter,
                              i.reporter_id == viewer.id))  # fmt: skip
    return rows, total


# --- the grid worker's phone home --------------------------------------------------------------

#: the order of a grid worker's open items: what waits for their check first, then what has not
#: moved yet, then what is being handled, then what waits for the follow-up
_HOME_ORDER = {S.done: 0, S.reported: 1, S.accepted: 2, S.assigned: 3, S.in_progress: 4,
               S.checked: 5}  # fmt: skip


def is_grid_worker(user: User) -> bool:
    return bool(getattr(user, "is_grid_worker", False)) and user.role != Role.org


@dataclass
class WorkerHome:
    grids: list[Grid]
    open_items: list[ItemView]
    recent: list[ItemView]
    awaiting_check: int


def worker_home(session: Session, worker: User) -> WorkerHome:
    """The grid worker's grids, their open items (awaiting the worker's check first, then by
    status and deadline), and the worker's own recent reports: eight statements at most."""
    grids = list(
        session.scalars(
            select(Grid)
            .where(Grid.worker_id == worker.id, Grid.archived_at.is_(None))
            .order_by(Grid.position, Grid.id)
        )
    )
    grid_ids = [g.id for g in grids]
    open_items: list[GridItem] = []
    if grid_ids:
        rank = case(_HOME_ORDER, value=GridItem.status, else_=9)
        open_items = list(
            session.scalars(
                select(GridItem)
                .where(GridItem.grid_id.in_(grid_ids), GridItem.status.in_(sorted(OPEN)))
                .order_by(rank, GridItem.due_at.is_(None), GridItem.due_at, GridItem.created_at)
                .limit(HOME_OPEN_MAX)
            )
        )
    shown = {i.id for i in open_items}
    recent = [
        i
        for i in session.scalars(
            select(GridItem)
            .where(GridItem.reporter_id == worker.id)
            .order_by(GridItem.created_at.desc(), GridItem.id.desc())
            .limit(HOME_RECENT_MAX)
        )
        if i.id not in shown
    ]
    views = _views(session, open_items + recent, with_steps=False)
    return WorkerHome(
        grids,
        views[: len(open_items)],
        views[len(open_items) :],
        sum(1 for i in open_items if i.status == S.done),
    )


def count_awaiting_check(session: Session, user: User) -> int:
    """How many done items of the grids ``user`` works wait for their check (the dashboard's
    to-do that leads a grid worker to their phone home); no statement for anyone else."""
    if not is_grid_worker(user):
        return 0
    return session.scalar(
        select(func.count())
        .select_from(GridItem)
        .join(Grid, Grid.id == GridItem.grid_id)
        .where(Grid.worker_id == user.id, GridItem.status == S.done)
    )


def check_item(
    session: Session, worker: User, item_id: int, passed: bool | None, note: str = ""
) -> ItemStep:
    """The grid worker's check of a done item (核查): passed → checked; not passed, with a note
    saying what is still wrong → back to the handler.

    :raise NotFound: not an item of one of the worker's grids
    :raise ServiceError: no verdict; not passed without a note; the item is not done
    """
    item = session.scalar(
        select(GridItem)
        .join(Grid, Grid.id == GridItem.grid_id)
        .where(GridItem.id == item_id, Grid.worker_id == worker.id)
    )
    if item is None or not is_grid_worker(worker):
        raise NotFound(_("事项不存在"))
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ServiceError(_("不能超过 %(n)d 个字", n=NOTE_MAX), "note")
    if passed is None:
        raise ServiceError(_("请选择核查结果"))
    if passed:
        return advance(session, item, "check", worker.id, note, checked_at=utcnow())
    if not note:
        raise ServiceError(_("请说明核查未通过的原因"), "note")
    return advance(session, item, "return", worker.id, note)
