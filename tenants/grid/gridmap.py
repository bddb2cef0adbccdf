"""The map of the grids (民情地图): a community's plan (an image the street uploads, or a schematic
drawn from its grids and buildings), its grids placed on it, and its open items as markers at
their grid's place, coloured by status.

Everything is drawn on the server as one inline SVG (no script needed to see it, no online map
tiles: the intranet has none). Places are kept in ten-thousandths of the plan's width and height
(``GridPin``), so the plan can be shown at any size; placing a grid is a form with two numbers
that a click on the plan fills in (``saas/static/gridmap.js``).

Who sees a community's map: the admin every community's, staff limited to a community theirs,
street-wide staff every community's; nobody else (volunteers, org accounts): 404.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from saas.audit.services import record
from saas.auth.models import User
from saas.db import utcnow
from saas.errors import NotFound, ServiceError
from saas.text import ascii_digits
from tenants.grid.loop import OPEN, RUNNING
from tenants.grid.models import GridItem, GridMap, GridPin, ItemCategory
from tenants.grid.models import ItemStatus as S
from tenants.grid.photos import MAX_UPLOAD_BYTES, PLAN_MAX_SIDE, clean_photo, store
from tenants.structure.models import Building, Community, Grid

#: the pins' scale: 0–10000 across the plan's width and down its height
SCALE = 10000
#: the SVG's width in its own units; its height follows the plan's proportions
VIEW_WIDTH = 1000
#: the newest open items drawn as markers around each grid's pin (the rest are counted)
NEWEST = 8
#: where items without a grid (and grids not yet placed on an uploaded plan) are drawn
CENTRE = (SCALE // 2, SCALE // 2)

#: the markers' colours per open status, in the loop's order (the legend lists them so)
STATUS_COLOURS = {
    S.reported: "#c8161d",
    S.accepted: "#e08a00",
    S.assigned: "#2f6fb5",
    S.in_progress: "#7b4fb5",
    S.done: "#2e8b57",
    S.checked: "#5f7f8f",
}


# --- who sees which community -----------------------------------------------------------------


def sees_maps(viewer: User) -> bool:
    """Office accounts see maps (the menu shows 民情地图 to them)."""
    return viewer.is_authenticated and viewer.is_office


def map_communities(session: Session, viewer: User) -> list[Community]:
    """The current communities whose map ``viewer`` may open.

    :raise NotFound: not an office account
    """
    if not sees_maps(viewer):
        raise NotFound(_("页面不存在"))
    limited = viewer.limited_to_community
    stmt = select(Community).where(Community.archived_at.is_(None))
    if limited is not None:
        stmt = stmt.where(Community.id == limited)
    return list(session.scalars(stmt.order_by(Community.position, Community.id)))


def get_map_community_or_404(session: Session, viewer: User, community_id: int) -> Community:
    """The community ``community_id`` if ``viewer`` may see its map.

    :raise NotFound: no such community in this street, archived, another community than the
        one a staff member is limited to, or a viewer who is not an office account
    """
    if not sees_maps(viewer):
        raise NotFound(_("页面不存在"))
    limited = viewer.limited_to_community
    if limited is not None and limited != community_id:
        raise NotFound(_("社区不存在"))
    community = session.scalar(
        select(Community).where(Community.id == community_id, Community.archived_at.is_(None))
    )
    if community is None:
        raise NotFound(_("社区不存在"))
    return community


def open_counts(session: Session, communities: list[Community]) -> dict[int, int]:
    """Open items per community (the index page), in one grouped statement."""
    if not communities:
        return {}
    rows = session.execute(
        select(GridItem.community_id, func.count())
        .where(GridItem.community_id.in_([c.id for c in communities]),
               GridItem.status.in_(sorted(OPEN)))
        .group_by(GridItem.community_id)
    )  # fmt: skip
    return dict(rows.all())


# --- the plan ---------------------------------------------------------------------------------


def _looks_like_markup(data: bytes) -> bool:
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(b"<") or b"<svg" in data[:4096].lower()


def save_plan(session: Session, viewer: User, community: Community, data: bytes | None) -> GridMap:
    """Keep ``data`` as the community's plan: read by its content, shrunk to at most
    ``PLAN_MAX_SIDE`` pixels, re-encoded as a JPEG without metadata. The previous plan's file is
    removed; the grids' places stay (they are proportions of the plan).

    :raise ServiceError: no file, larger than 10 MB, an SVG or other markup, not a JPEG, PNG or
        WebP picture, or too many pixels
    """
    if not data:
        raise ServiceError(_("请选择平面图文件"), "plan")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ServiceError(_("平面图不能超过 10 MB"), "plan")
    if _looks_like_markup(data):
        raise ServiceError(
            _("不接受 SVG 等矢量或网页文件，请导出为 JPEG 或 PNG 图片后上传"), "plan"
        )
    photo = clean_photo(data, "plan", max_side=PLAN_MAX_SIDE)
    keeper = store()
    key = keeper.put(community.tenant_id, photo.data)
    plan = session.scalar(select(GridMap).where(GridMap.community_id == community.id))
    old_key = plan.image_key if plan is not None else None
    if plan is None:
        plan = GridMap(community_id=community.id)
        session.add(plan)
    plan.image_key, plan.width, plan.height = key, photo.width, photo.height
    plan.updated_at = utcnow()
    session.flush()
    if old_key:
        keeper.delete(community.tenant_id, old_key)
    record(session, "grid.map_plan_upload", viewer.id, f"community:{community.id}",
           {"width": photo.width, "height": photo.height})  # fmt: skip
    return plan


def remove_plan(session: Session, viewer: User, community: Community) -> None:
    """Go back to the generated schematic (the file is removed; the grids' places stay)."""
    plan = session.scalar(select(GridMap).where(GridMap.community_id == community.id))
    if plan is None or plan.image_key is None:
        return
    key = plan.image_key
    plan.image_key, plan.width, plan.height, plan.updated_at = None, 0, 0, utcnow()
    session.flush()
    store().delete(community.tenant_id, key)
    record(session, "grid.map_plan_remove", viewer.id, f"community:{community.id}")


def plan_image(session: Session, community: Community) -> bytes | None:
    """The stored plan's JPEG bytes (the caller has checked who asks), None if there is none."""
    key = session.scalar(select(GridMap.image_key).where(GridMap.community_id == community.id))
    return store().get(community.tenant_id, key) if key else None


# --- placing grids ----------------------------------------------------------------------------


def parse_coordinate(raw, name: str) -> int:
    """A place across or down the plan, 0–10000 (full-width digits read as digits).

    :raise ServiceError: empty, not a whole number, or out of range
    """
    text = str(raw if raw is not None else "").strip()
    if not text:
        raise ServiceError(_("请在平面图上点击选择位置，或填写 0 到 10000 之间的整数"), name)
    digits = ascii_digits(text)
    if digits is None or len(digits) > 5 or int(digits) > SCALE:
        raise ServiceError(_("请填写 0 到 10000 之间的整数"), name)
    return int(digits)


def place_grid(
    session: Session, viewer: User, community: Community, grid_id: int | None, x, y
) -> GridPin:
    """Put grid ``grid_id`` of ``community`` at ``(x, y)`` on the plan (moving it if placed).

    :raise ServiceError: no grid chosen, a grid not of this community (or archived), a place
        that is not 0–10000 across and down
    """
    grid = None
    if grid_id:
        grid = session.scalar(
            select(Grid).where(
                Grid.id == grid_id, Grid.community_id == community.id, Grid.archived_at.is_(None)
            )
        )
    if grid is None:
        raise ServiceError(_("请选择本社区的网格"), "grid")
    px, py = parse_coordinate(x, "x"), parse_coordinate(y, "y")
    pin = session.scalar(select(GridPin).where(GridPin.grid_id == grid.id))
    if pin is None:
        pin = GridPin(grid_id=grid.id, x=px, y=py)
        session.add(pin)
    else:
        pin.x, pin.y = px, py
    session.flush()
    record(session, "grid.map_pin", viewer.id, f"community:{community.id}",
           {"grid_id": grid.id, "x": px, "y": py})  # fmt: skip
    return pin


# --- the schematic ----------------------------------------------------------------------------


@dataclass
class Block:
    """A grid's block on the schematic, in the SVG's units."""

    x: float
    y: float
    width: float
    height: float
    #: its buildings: (name, x, y, width, height)
    buildings: list[tuple[str, float, float, float, float]] = field(default_factory=list)


def layout_columns(count: int) -> int:
    return max(1, math.ceil(math.sqrt(count))) if count else 1


def schematic_height(count: int) -> int:
    """The schematic's height for ``count`` grids (rows of blocks on a 1000-wide sheet)."""
    columns = layout_columns(count)
    rows = max(1, math.ceil(count / columns))
    return max(400, round(VIEW_WIDTH * 0.62 * rows / columns))


def default_pins(count: int) -> list[tuple[int, int]]:
    """Where the n-th grid sits when nobody placed it: the centres of a grid of cells (0–10000)."""
    columns = layout_columns(count)
    rows = max(1, math.ceil(count / columns))
    return [
        (round((i % columns + 0.5) * SCALE / columns), round((i // columns + 0.5) * SCALE / rows))
        for i in range(count)
    ]


def _blocks(points: list[tuple[float, float]], buildings: list[list[str]], count: int,
            height: float) -> list[Block]:  # fmt: skip
    columns = layout_columns(count)
    rows = max(1, math.ceil(count / columns))
    cell_w, cell_h = VIEW_WIDTH / columns, height / rows
    w, h = cell_w * 0.8, cell_h * 0.74
    blocks = []
    for (cx, cy), names in zip(points, buildings, strict=True):
        block = Block(cx - w / 2, cy - h / 2, w, h)
        per_row = max(1, math.ceil(math.sqrt(len(names) * 1.6))) if names else 1
        b_rows = max(1, math.ceil(len(names) / per_row))
        bw = min(70.0, (w - 16) / per_row - 8)
        bh = min(34.0, (h - 52) / b_rows - 8)
        for j, name in enumerate(names):
            bx = block.x + 12 + (j % per_row) * (bw + 8)
            by = block.y + 40 + (j // per_row) * (bh + 8)
            block.buildings.append((name, bx, by, max(bw, 10), max(bh, 8)))
        blocks.append(block)
    return blocks


# --- the page ---------------------------------------------------------------------------------


@dataclass
class Marker:
    """One open item drawn near its grid's pin."""

    id: int
    number: str
    status: str
    category: str
    overdue: bool
    x: float
    y: float


@dataclass
class GridSpot:
    """A grid on the map: where it is (in the SVG's units), whether someone placed it, and its
    open items (counts per status, the newest few as markers)."""

    id: int | None  # None: the items without a grid
    name: str
    x: float
    y: float
    placed: bool
    pin: tuple[int, int] | None
    counts: dict[str, int] = field(default_factory=dict)
    overdue: int = 0
    markers: list[Marker] = field(default_factory=list)
    block: Block | None = None

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class MapPage:
    community: Community
    plan: GridMap | None
    width: int
    height: int
    spots: list[GridSpot]
    grids: list[Grid]
    #: grids not placed on an uploaded plan (drawn nowhere; their items are in the list)
    unplaced: list[str]
    totals: dict[str, int]
    overdue: int

    @property
    def has_image(self) -> bool:
        return bool(self.plan and self.plan.image_key)

    @property
    def total(self) -> int:
        return sum(self.totals.values())


def marker_rows(session: Session, community_id: int, now: datetime):
    """The community's open items for the map, in ONE statement: for every (grid, status) its
    count (on the newest item of that pair), and the newest ``NEWEST`` items of every grid.
    Rows: id, number, status, grid_id, category, overdue (1 past its deadline), grid_overdue
    (the grid's items past their deadline), n (the pair's count), first (1 on the pair's
    newest), rank (within its grid, newest first)."""
    late = case((and_(GridItem.status.in_(sorted(RUNNING)), GridItem.due_at < now), 1), else_=0)
    newest_first = (GridItem.created_at.desc(), GridItem.id.desc())
    inner = (
        select(
            GridItem.id,
            GridItem.number,
            GridItem.status,
            GridItem.grid_id,
            ItemCategory.name.label("category"),
            late.label("overdue"),
            func.sum(late).over(partition_by=GridItem.grid_id).label("grid_overdue"),
            func.count().over(partition_by=(GridItem.grid_id, GridItem.status)).label("n"),
            func.row_number()
            .over(partition_by=(GridItem.grid_id, GridItem.status), order_by=newest_first)
            .label("first"),
            func.row_number().over(partition_by=GridItem.grid_id, order_by=newest_first)
            .label("rank"),
        )
        .join(ItemCategory, ItemCategory.id == GridItem.category_id)
        .where(GridItem.community_id == community_id, GridItem.status.in_(sorted(OPEN)))
        .subquery()
    )  # fmt: skip
    return session.execute(
        select(inner).where(or_(inner.c.first == 1, inner.c.rank <= NEWEST))
    ).all()


def _ring(cx: float, cy: float, index: int, radius: float) -> tuple[float, float]:
    angle = -math.pi / 2 + index * 2 * math.pi / NEWEST
    return cx + radius * math.cos(angle), cy + radius * math.sin(angle)


def map_page(session: Session, community: Community, now: datetime | None = None) -> MapPage:
    """Everything the map page draws, in a constant number of statements (the plan, the grids,
    their buildings, their pins, the markers)."""
    now = now or utcnow()
    plan = session.scalar(select(GridMap).where(GridMap.community_id == community.id))
    grids = list(session.scalars(
        select(Grid).where(Grid.community_id == community.id, Grid.archived_at.is_(None))
        .order_by(Grid.position, Grid.id)
    ))  # fmt: skip
    grid_ids = [g.id for g in grids]
    names_of: dict[int, list[str]] = {g.id: [] for g in grids}
    pins: dict[int, tuple[int, int]] = {}
    if grid_ids:
        for grid_id, name in session.execute(
            select(Building.grid_id, Building.name)
            .where(Building.grid_id.in_(grid_ids), Building.archived_at.is_(None))
            .order_by(Building.position, Building.id)
        ):
            names_of[grid_id].append(name)
        pins = {
            p.grid_id: (p.x, p.y)
            for p in session.scalars(select(GridPin).where(GridPin.grid_id.in_(grid_ids)))
        }
    has_image = bool(plan and plan.image_key and plan.width and plan.height)
    width = VIEW_WIDTH
    height = (round(VIEW_WIDTH * plan.height / plan.width) if has_image
              else schematic_height(len(grids)))  # fmt: skip

    def to_view(point: tuple[int, int]) -> tuple[float, float]:
        return point[0] * width / SCALE, point[1] * height / SCALE

    defaults = default_pins(len(grids))
    spots: list[GridSpot] = []
    unplaced: list[str] = []
    for grid, default in zip(grids, defaults, strict=True):
        pin = pins.get(grid.id)
        placed = pin is not None
        if not placed and has_image:
            unplaced.append(grid.name)
        x, y = to_view(pin or default)
        spots.append(GridSpot(grid.id, grid.name, x, y, placed, pin))
    if not has_image:
        blocks = _blocks([(s.x, s.y) for s in spots], [names_of[g.id] for g in grids],
                         len(grids), height)  # fmt: skip
        for spot, block in zip(spots, blocks, strict=True):
            spot.block = block
    by_grid = {s.id: s for s in spots}
    loose = GridSpot(None, str(_("未指定网格")), *to_view(CENTRE), placed=True, pin=None)
    totals: dict[str, int] = {}
    for row in marker_rows(session, community.id, now):
        spot = by_grid.get(row.grid_id, loose)
        if row.first == 1:
            spot.counts[row.status] = row.n
            spot.overdue = int(row.grid_overdue or 0)
            totals[row.status] = totals.get(row.status, 0) + row.n
        if row.rank <= NEWEST:
            spot.markers.append(Marker(row.id, row.number, row.status, row.category,
                                       bool(row.overdue), 0, 0))  # fmt: skip
    for spot in [*spots, loose]:
        spot.markers.sort(key=lambda m: m.number, reverse=True)
        for i, marker in enumerate(spot.markers):
            marker.x, marker.y = _ring(spot.x, spot.y, i, 30)
    overdue = sum(s.overdue for s in spots) + loose.overdue
    if loose.counts:
        spots.append(loose)
    ordered = {s: totals[s] for s in STATUS_COLOURS if s in totals}
    return MapPage(community, plan, width, height, spots, grids, unplaced, ordered, overdue)
