"""Managing the street's structure: communities, their grids, buildings in a grid.

The three levels behave alike (create, rename, archive, reorder among siblings), so one set of
functions serves all three; ``PARENT`` says which column ties a level to the one above.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, func, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from saas.audit.services import record
from saas.auth.models import Role, User
from saas.cache import forget_street, remember, viewer_key
from saas.db import utcnow
from saas.errors import Forbidden, NotFound, ServiceError
from tenants.structure.models import Building, Community, Grid

Node = Community | Grid | Building
PARENT: dict[type, str | None] = {Community: None, Grid: "community_id", Building: "grid_id"}
LABEL = {Community: _l("社区"), Grid: _l("网格"), Building: _l("楼栋")}
NAME_MAX = 60


def _require_admin(actor: User) -> None:
    if actor.role != Role.admin:
        raise Forbidden(_("只有街道管理员可以调整组织架构"))


def clean_node_name(raw: str | None) -> str:
    name = " ".join((raw or "").split())
    if not name:
        raise ServiceError(_("请填写名称"), "name")
    if len(name) > NAME_MAX:
        raise ServiceError(_("名称不能超过 %(n)d 个字", n=NAME_MAX), "name")
    return name


def get_node_or_404(session: Session, model: type[Node], node_id: int) -> Node:
    """:raise NotFound: no such node in this street (another street's id is the same answer)."""
    node = session.scalar(select(model).where(model.id == node_id))
    if node is None:
        raise NotFound(_("%(label)s不存在", label=LABEL[model]))
    return node


def _siblings_stmt(model: type[Node], parent_id: int | None):
    stmt = select(model)
    column = PARENT[model]
    if column:
        stmt = stmt.where(getattr(model, column) == parent_id)
    return stmt


def _parent_id(node: Node) -> int | None:
    column = PARENT[type(node)]
    return getattr(node, column) if column else None


def _check_unique(session: Session, model: type[Node], parent_id, name: str, exclude=None):
    stmt = _siblings_stmt(model, parent_id).where(model.name == name)
    if exclude is not None:
        stmt = stmt.where(model.id != exclude)
    if session.scalar(stmt) is not None:
        raise ServiceError(_("已有同名%(label)s“%(name)s”", label=LABEL[model], name=name), "name")


def _flush_unique(session: Session, model: type[Node], name: str) -> None:
    """Flush; the same name saved at the same moment by someone else is the usual refusal.

    The caller's transaction is unusable afterwards: the view rolls back before showing the message.
    """
    try:
        session.flush()
    except IntegrityError as exc:
        raise ServiceError(
            _("已有同名%(label)s“%(name)s”", label=LABEL[model], name=name), "name"
        ) from exc


def create_node(
    session: Session, actor: User, model: type[Node], name: str, parent_id: int | None = None
) -> Node:
    _require_admin(actor)
    name = clean_node_name(name)
    column = PARENT[model]
    if column:
        parent_model = Community if model is Grid else Grid
        parent = get_node_or_404(session, parent_model, parent_id)
        if parent.archived_at is not None:
            raise ServiceError(_("已归档的%(label)s不能再添加下级", label=LABEL[parent_model]))
    _check_unique(session, model, parent_id, name)
    last = session.scalar(
        _siblings_stmt(model, parent_id).with_only_columns(func.max(model.position))
    )
    node = model(name=name, position=(last or 0) + 1)
    if column:
        setattr(node, column, parent_id)
    session.add(node)
    _flush_unique(session, model, name)
    record(
        session, "structure.change", actor.id, f"{model.__tablename__}:{node.id}", {"op": "create"}
    )
    return node


def rename_node(session: Session, actor: User, node: Node, name: str) -> None:
    _require_admin(actor)
    name = clean_node_name(name)
    if name == node.name:
        return
    _check_unique(session, type(node), _parent_id(node), name, exclude=node.id)
    node.name = name
    _flush_unique(session, type(node), name)
    record(
        session, "structure.change", actor.id, f"{node.__tablename__}:{node.id}", {"op": "rename"}
    )
    session.flush()


def archive_node(session: Session, actor: User, node: Node, archived: bool = True) -> None:
    _require_admin(actor)
    node.archived_at = utcnow() if archived else None
    record(
        session,
        "structure.change",
        actor.id,
        f"{node.__tablename__}:{node.id}",
        {"op": "archive" if archived else "restore"},
    )
    session.flush()


def move_node(session: Session, actor: User, node: Node, direction: int) -> None:
    """Swap with the neighbour above (-1) or below (+1) among the siblings."""
    _require_admin(actor)
    model = type(node)
    # In the order the page shows them, numbered afresh: equal positions (rows added by an
    # import, or two admins adding at once) would otherwise leave a node that cannot move.
    siblings = list(
        session.scalars(_siblings_stmt(model, _parent_id(node)).order_by(model.position, model.id))
    )
    here = next(i for i, sibling in enumerate(siblings) if sibling.id == node.id)
    there = here + (1 if direction > 0 else -1)
    if not 0 <= there < len(siblings):
        return
    siblings[here], siblings[there] = siblings[there], siblings[here]
    for position, sibling in enumerate(siblings, start=1):
        if sibling.position != position:
            sibling.position = position
    session.flush()


def assign_worker(session: Session, actor: User, grid: Grid, worker_id: int | None) -> None:
    """Make an account the grid worker (网格员) responsible for ``grid``."""
    _require_admin(actor)
    previous = grid.worker_id
    if worker_id is None:
        grid.worker_id = None
    else:
        worker = session.scalar(select(User).where(User.id == worker_id))
        if (
            worker is None
            or not worker.is_enabled
            or worker.role not in (Role.staff, Role.admin, Role.volunteer)
        ):
            raise ServiceError(_("请选择本街道的账号"), "worker_id")
        grid.worker_id = worker.id
        if not worker.is_grid_worker:
            worker.is_grid_worker = True
    session.flush()
    if previous is not None and previous != grid.worker_id:
        _drop_grid_worker_mark(session, previous)
    record(session, "structure.change", actor.id, f"grids:{grid.id}", {"op": "worker"})
    session.flush()


def _drop_grid_worker_mark(session: Session, user_id: int) -> None:
    """Someone no longer responsible for any grid is no longer shown as a grid worker (网格员)."""
    if session.scalar(select(Grid.id).where(Grid.worker_id == user_id).limit(1)) is not None:
        return
    user = session.scalar(select(User).where(User.id == user_id))
    if user is not None and user.is_grid_worker:
        user.is_grid_worker = False


def community_names(session: Session) -> dict[int, str]:
    """Every community's name by id, archived ones too (old records still name them)."""
    return dict(session.execute(select(Community.id, Community.name)).all())


def active_communities(session: Session) -> list[Community]:
    stmt = select(Community).where(Community.archived_at.is_(None))
    return list(session.scalars(stmt.order_by(Community.position, Community.id)))


def communities_for(session: Session, viewer: User) -> list[Community]:
    """The communities ``viewer`` may choose in a form or a filter: all of the street's, or the
    one a community's staff member is limited to."""
    limited = viewer.limited_to_community
    return [c for c in active_communities(session) if limited is None or c.id == limited]


@dataclass
class GridRow:
    grid: Grid
    worker: User | None
    buildings: list[Building] = field(default_factory=list)


@dataclass
class CommunityRow:
    community: Community
    grids: list[GridRow] = field(default_factory=list)


def structure_tree(session: Session, include_archived: bool = False) -> list[CommunityRow]:
    """The whole tree in three queries plus one for the workers (no N+1)."""

    def load(model):
        stmt = select(model)
        if not include_archived:
            stmt = stmt.where(model.archived_at.is_(None))
        return list(session.scalars(stmt.order_by(model.position, model.id)))

    communities, grids, buildings = load(Community), load(Grid), load(Building)
    worker_ids = {g.worker_id for g in grids if g.worker_id}
    workers = (
        {u.id: u for u in session.scalars(select(User).where(User.id.in_(worker_ids)))}
        if worker_ids
        else {}
    )
    grid_rows = {g.id: GridRow(g, workers.get(g.worker_id)) for g in grids}
    for b in buildings:
        if b.grid_id in grid_rows:
            grid_rows[b.grid_id].buildings.append(b)
    rows = {c.id: CommunityRow(c) for c in communities}
    for row in grid_rows.values():
        if row.grid.community_id in rows:
            rows[row.grid.community_id].grids.append(row)
    return list(rows.values())


@dataclass
class TreeCounts:
    communities: int
    grids: int
    buildings: int


def tree_counts(rows: list[CommunityRow]) -> TreeCounts:
    return TreeCounts(
        len(rows),
        sum(len(r.grids) for r in rows),
        sum(len(g.buildings) for r in rows for g in r.grids),
    )


def search_tree(rows: list[CommunityRow], query: str) -> tuple[list[CommunityRow], int]:
    """The part of the tree whose names contain ``query``, and how many nodes matched.

    A community or grid that matches keeps everything under it; a node that matches keeps the
    rows above it, so every match is shown where it sits. The text is compared as typed (ignoring
    case): "%" and "_" are characters like any other, not wildcards. The tree is already loaded
    whole (three queries), so this adds none.
    """
    needle = query.casefold()

    def hit(name: str) -> bool:
        return needle in name.casefold()

    found = 0
    kept: list[CommunityRow] = []
    for row in rows:
        if hit(row.community.name):
            found += 1
            kept.append(row)
            found += sum(
                hit(g.grid.name) + sum(map(hit, (b.name for b in g.buildings))) for g in row.grids
            )
            continue
        grids = []
        for g in row.grids:
            buildings = [b for b in g.buildings if hit(b.name)]
            found += len(buildings)
            if hit(g.grid.name):
                found += 1
                grids.append(g)
            elif buildings:
                grids.append(GridRow(g.grid, g.worker, buildings))
        if grids:
            kept.append(CommunityRow(row.community, grids))
    return kept, found


def worker_choices(session: Session) -> list[User]:
    stmt = select(User).where(
        User.is_enabled.is_(True), User.role.in_([Role.staff, Role.admin, Role.volunteer])
    )
    return list(session.scalars(stmt.order_by(User.role, User.name).limit(500)))


def street_figures(session: Session, community: int | None = None) -> dict:
    """Counts for the dashboard: structure and people, with volunteers per community (three
    statements: the counts together, volunteers per community, the communities).

    With ``community`` (staff limited to one): that community's grids, buildings and people.
    """

    def count(model, *criteria):
        return select(func.count()).select_from(model).where(*criteria).scalar_subquery()

    people: tuple = ()
    grids_of: tuple = ()
    buildings_of: tuple = ()
    if community is not None:
        people = (User.community_id == community,)
        grids_of = (Grid.community_id == community,)
        in_community = select(Grid.id).where(Grid.community_id == community)
        buildings_of = (Building.grid_id.in_(in_community),)
    counts = session.execute(
        select(
            count(Grid, Grid.archived_at.is_(None), *grids_of),
            count(Building, Building.archived_at.is_(None), *buildings_of),
            count(User, User.role == Role.volunteer, *people),
            count(User, User.is_party_member.is_(True), *people),
            count(User, User.role.in_([Role.admin, Role.staff]), *people),
        )
    ).one()
    per_community = dict(
        session.execute(
            select(User.community_id, func.count())
            .where(User.role == Role.volunteer, *people)
            .group_by(User.community_id)
        ).all()
    )
    communities = active_communities(session)
    if community is not None:
        communities = [c for c in communities if c.id == community]
    grids, buildings, volunteers, party_members, staff = (n or 0 for n in counts)
    return {
        "communities": len(communities),
        "grids": grids,
        "buildings": buildings,
        "volunteers": volunteers,
        "party_members": party_members,
        "staff": staff,
        "by_community": [(c.name, per_community.get(c.id, 0)) for c in communities],
    }


FIGURES_PANEL = "street-figures"


def figures_panel(session: Session, viewer: User) -> dict:
    """The dashboard's panel of structure and people, with volunteers per community (a chart):
    the street's, or the community's of staff limited to one; computed once per interval
    (saas.cache)."""
    community = viewer.limited_to_community
    figures = remember(
        viewer_key(FIGURES_PANEL, viewer), lambda: street_figures(session, community)
    )
    chart = {
        "labels": [name for name, _n in figures["by_community"]],
        "values": [n for _name, n in figures["by_community"]],
    }
    return {"figures": figures, "chart_json": json.dumps(chart)}


#: the User columns the street figures count by
_COUNTED = ("role", "community_id", "is_party_member")


@event.listens_for(Session, "after_flush")
def _forget_changed_figures(session: Session, flush_context) -> None:
    """A community, grid, building or account added, changed or removed in this process: the
    street's head counts are computed afresh on the next view, not up to an interval later."""
    streets = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Community | Grid | Building):
            streets.add(obj.tenant_id)
        elif isinstance(obj, User):
            state = inspect(obj)
            if (
                obj in session.new
                or obj in session.deleted
                or any(state.attrs[name].history.has_changes() for name in _COUNTED)
            ):
                streets.add(obj.tenant_id)
    for tenant_id in streets - {None}:
        forget_street(FIGURES_PANEL, tenant_id)
