"""Reporting a grid item (事项上报): the one way an item comes to exist, from a resident's phone
(随手拍), a grid worker's phone, the office, or a duty visit's follow-up. The steps after the
report are in :mod:`tenants.grid.loop`."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from saas.auth.models import Role, User
from saas.errors import ServiceError
from saas.forms import clean_text
from saas.ui import street_today
from tenants.grid.loop import add_step
from tenants.grid.models import GridItem, ItemCategory, ItemPhoto, ReporterRole
from tenants.grid.photos import Photo, store
from tenants.structure.models import Building, Community, Grid

DESCRIPTION_MAX = 1000
PLACE_MAX = 200
#: photos a step may carry
MAX_PHOTOS = 3


@dataclass
class ItemInput:
    category_id: int | None
    description: str
    community_id: int | None
    grid_id: int | None = None
    building_id: int | None = None
    place: str = ""
    anonymous: bool = False
    photos: list[Photo] = field(default_factory=list)


def reporter_role(user: User) -> ReporterRole:
    if user.is_grid_worker:
        return ReporterRole.grid_worker
    if user.role in (Role.admin, Role.staff):
        return ReporterRole.staff
    return ReporterRole.resident


def _place(session: Session, values: ItemInput) -> tuple[int, int | None, int | None]:
    """The community, grid and building, checked to be the street's, current and nested."""
    community = None
    if values.community_id:
        community = session.scalar(
            select(Community).where(
                Community.id == values.community_id, Community.archived_at.is_(None)
            )
        )
    if community is None:
        raise ServiceError(_("请选择所在社区"), "community")
    grid_id = building_id = None
    if values.grid_id:
        grid = session.scalar(
            select(Grid).where(
                Grid.id == values.grid_id,
                Grid.community_id == community.id,
                Grid.archived_at.is_(None),
            )
        )
        if grid is None:
            raise ServiceError(_("请选择本社区的网格"), "grid")
        grid_id = grid.id
    if values.building_id:
        if grid_id is None:
            raise ServiceError(_("选择楼栋前请先选择网格"), "grid")
        building = session.scalar(
            select(Building).where(
                Building.id == values.building_id,
                Building.grid_id == grid_id,
                Building.archived_at.is_(None),
            )
        )
        if building is None:
            raise ServiceError(_("请选择本网格的楼栋"), "building")
        building_id = building.id
    return community.id, grid_id, building_id


def _category(session: Session, category_id: int | None) -> ItemCategory:
    category = None
    if category_id:
        category = session.scalar(
            select(ItemCategory).where(
                ItemCategory.id == category_id, ItemCategory.archived_at.is_(None)
            )
        )
    if category is None:
        raise ServiceError(_("请选择事项类别"), "category")
    return category


def create_item(session: Session, actor: User, values: ItemInput) -> GridItem:
    """Record a report with its photos and the first step of its timeline.

    :raise ServiceError: no category, description or community; a grid or building not of the
        place chosen; too long; more than three photos
    """
    category = _category(session, values.category_id)
    description = clean_text(
        values.description, DESCRIPTION_MAX, "description", lines=True, required=_("请描述问题")
    )
    place = clean_text(values.place, PLACE_MAX, "place", lines=True)
    community_id, grid_id, building_id = _place(session, values)
    if len(values.photos) > MAX_PHOTOS:
        raise ServiceError(_("最多上传 %(n)d 张照片", n=MAX_PHOTOS), "photos")
    item = GridItem(
        category_id=category.id,
        description=description,
        community_id=community_id,
        grid_id=grid_id,
        building_id=building_id,
        place=place,
        reporter_id=actor.id,
        reporter_role=reporter_role(actor),
        anonymous=bool(values.anonymous),
    )
    _insert_numbered(session, item)
    step = add_step(session, item, "report", actor.id)
    keep_photos(session, item, step.id, values.photos)
    return item


def _insert_numbered(session: Session, item: GridItem) -> None:
    """Give the item the day's next number ("WG20261207-0003") and insert it; two reports in
    the same instant try the next number (the unique key decides)."""
    today = street_today()
    prefix = f"WG{today:%Y%m%d}-"
    for _attempt in range(20):
        taken = session.scalar(
            select(func.count()).select_from(GridItem).where(GridItem.number.startswith(prefix))
        )
        item.number = f"{prefix}{taken + 1:04d}"
        try:
            with session.begin_nested():
                session.add(item)
                session.flush()
            return
        except IntegrityError:
            continue  # the savepoint's rollback took the item out of the session: try again
    raise ServiceError(_("上报的人太多，请稍后再试"))


def keep_photos(session: Session, item: GridItem, step_id: int | None, photos: list[Photo]) -> None:
    """Store the photos and attach them to the item (and the step that brought them)."""
    if not photos:
        return
    keeper = store()
    for photo in photos[:MAX_PHOTOS]:
        key = keeper.put(item.tenant_id, photo.data)
        session.add(ItemPhoto(item_id=item.id, step_id=step_id, key=key, width=photo.width,
                              height=photo.height, size=len(photo.data)))  # fmt: skip
    session.flush()
