"""The three lists (三项清单): needs staff post per community, resources units offer, projects
formed by matching a need with units (and their resources).

A need is open → matched (a project took it up) → closed. A project is planned → in progress
→ done, or dropped; :func:`allowed_moves` is the one place that says which moves exist, and each
move is a guarded UPDATE on the status it starts from. Units and resources are looked up in the
street's scope, so another street's id is simply unknown.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session, aliased

from saas.audit.services import record
from saas.auth.models import Role, User
from saas.db import guarded_update, utcnow
from saas.errors import Forbidden, NotFound, ServiceError
from saas.listing import count_rows, one_page
from tenants.alliance.lists import common
from tenants.alliance.models import (
    Need,
    NeedStatus,
    Project,
    ProjectPartner,
    ProjectStatus,
    Resource,
    ResourceKind,
)
from tenants.orgs.models import Organisation
from tenants.orgs.records import clean_tags, organisation_of

NEED_LABELS = {
    NeedStatus.open: _l("待对接"),
    NeedStatus.matched: _l("已对接"),
    NeedStatus.closed: _l("已关闭"),
}
KIND_LABELS = {
    ResourceKind.venue: _l("场地"),
    ResourceKind.funds: _l("资金"),
    ResourceKind.goods: _l("物资"),
    ResourceKind.skills: _l("技能"),
    ResourceKind.people: _l("人力"),
}
PROJECT_LABELS = {
    ProjectStatus.planned: _l("计划中"),
    ProjectStatus.in_progress: _l("进行中"),
    ProjectStatus.done: _l("已完成"),
    ProjectStatus.dropped: _l("已终止"),
}
#: the people a project can say it served, at most
SERVED_MAX = 1_000_000
#: units one project may have
PARTNERS_MAX = 10
LIVE = (ProjectStatus.planned, ProjectStatus.in_progress)

_MOVES: dict[str, frozenset[str]] = {
    ProjectStatus.planned: frozenset({ProjectStatus.in_progress, ProjectStatus.dropped}),
    ProjectStatus.in_progress: frozenset({ProjectStatus.done, ProjectStatus.dropped}),
    # a project marked done by mistake may be taken up again; a dropped one stays dropped
    ProjectStatus.done: frozenset({ProjectStatus.in_progress}),
    ProjectStatus.dropped: frozenset(),
}


def allowed_moves(status: str) -> frozenset[str]:
    """The statuses a project in ``status`` may move to (dropped is final)."""
    return _MOVES.get(status, frozenset())


# --- needs --------------------------------------------------------------------------------------


@dataclass
class NeedInput:
    title: str
    description: str
    community_id: int | None
    tags: str


def _need_values(session: Session, actor: User, data: NeedInput) -> dict:
    return {
        "title": common.one_line(data.title, "title", _("需求名称"), common.TITLE_MAX, True),
        "description": common.long_text(data.description, "description", _("需求说明")),
        "community_id": common.community_for(session, actor, data.community_id, required=True),
        "tags": clean_tags(data.tags),
    }


def _no_twin_need(session: Session, values: dict, exclude: int | None = None) -> None:
    stmt = select(Need.id).where(
        Need.title == values["title"],
        Need.community_id == values["community_id"],
        Need.status != NeedStatus.closed,
    )
    if exclude is not None:
        stmt = stmt.where(Need.id != exclude)
    if session.scalar(stmt.limit(1)) is not None:
        raise ServiceError(_("本社区已有同名的需求"), "title")


def post_need(session: Session, actor: User, data: NeedInput) -> Need:
    """:raise ServiceError: a field is refused, or the community has a need of that title"""
    common.require_office(actor)
    values = _need_values(session, actor, data)
    _no_twin_need(session, values)
    need = Need(**values, status=NeedStatus.open, created_by=actor.id)
    session.add(need)
    session.flush()
    return need


def edit_need(session: Session, actor: User, need: Need, data: NeedInput) -> None:
    common.require_office(actor)
    values = _need_values(session, actor, data)
    _no_twin_need(session, values, exclude=need.id)
    for key, value in values.items():
        setattr(need, key, value)
    session.flush()


def _need_scope(stmt, actor: User):
    limited = actor.limited_to_community
    return stmt if limited is None else stmt.where(Need.community_id == limited)


def get_need_or_404(session: Session, actor: User, need_id: int) -> Need:
    """:raise NotFound: no such need in this street, or another community's for limited staff"""
    common.require_office(actor)
    need = session.scalar(_need_scope(select(Need).where(Need.id == need_id), actor))
    if need is None:
        raise NotFound(_("需求不存在"))
    return need


def close_need(session: Session, actor: User, need: Need) -> None:
    common.require_office(actor)
    if not guarded_update(
        session, need, Need.status != NeedStatus.closed, status=NeedStatus.closed
    ):
        raise ServiceError(_("该需求已关闭"))


def reopen_need(session: Session, actor: User, need: Need) -> None:
    """A closed need is open again, or matched if a project still works on it."""
    common.require_office(actor)
    live = session.scalar(
        select(Project.id).where(Project.need_id == need.id, Project.status.in_(LIVE)).limit(1)
    )
    status = NeedStatus.matched if live is not None else NeedStatus.open
    if not guarded_update(session, need, Need.status == NeedStatus.closed, status=status):
        raise ServiceError(_("该需求没有关闭"))


@dataclass(frozen=True)
class NeedFilters:
    status: str = ""
    community_id: int | None = None
    q: str = ""


def list_needs(
    session: Session, actor: User, filters: NeedFilters, page: int = 1, size: int = common.PAGE
) -> tuple[list[Need], int]:
    common.require_office(actor)
    stmt = _need_scope(select(Need), actor)
    if filters.status in NeedStatus.__members__:
        stmt = stmt.where(Need.status == filters.status)
    if filters.community_id is not None:
        stmt = stmt.where(Need.community_id == filters.community_id)
    total = count_rows(session, stmt)
    order = (Need.status != NeedStatus.open).asc(), Need.id.desc()
    return list(session.scalars(one_page(stmt.order_by(*order), page, size))), total


def count_open_needs(session: Session, actor: User) -> int:
    return count_rows(session, _need_scope(select(Need.id), actor).where(Need.status == "open"))


# --- resources ----------------------------------------------------------------------------------


@dataclass
class ResourceInput:
    kind: str
    title: str
    description: str
    tags: str
    is_available: bool
    #: the unit, when the office adds one; an org account's own unit is used whatever this says
    organisation_id: int | None = None


def _acting_unit(session: Session, actor: User, organisation_id: int | None) -> Organisation:
    """The unit a resource belongs to: any alliance unit for the office, one's own for an org
    account.

    :raise Forbidden: an account that is neither
    :raise ServiceError: no such unit in this street
    """
    if actor.is_office:
        return common.alliance_unit(session, organisation_id, "organisation")
    own = organisation_of(session, actor) if actor.role == Role.org else None
    if own is None or own.kind != "alliance":
        raise Forbidden(_("只有共建单位可以管理资源"))
    return own


def _resource_values(data: ResourceInput) -> dict:
    if data.kind not in ResourceKind.__members__:
        raise ServiceError(_("请选择资源类型"), "kind")
    return {
        "kind": data.kind,
        "title": common.one_line(data.title, "title", _("资源名称"), common.TITLE_MAX, True),
        "description": common.long_text(data.description, "description", _("资源说明")),
        "tags": clean_tags(data.tags),
        "is_available": bool(data.is_available),
    }


def _no_twin_resource(session: Session, org_id: int, title: str, exclude: int | None) -> None:
    stmt = select(Resource.id).where(Resource.organisation_id == org_id, Resource.title == title)
    if exclude is not None:
        stmt = stmt.where(Resource.id != exclude)
    if session.scalar(stmt.limit(1)) is not None:
        raise ServiceError(_("该单位已有同名的资源"), "title")


def add_resource(session: Session, actor: User, data: ResourceInput) -> Resource:
    values = _resource_values(data)
    unit = _acting_unit(session, actor, data.organisation_id)
    _no_twin_resource(session, unit.id, values["title"], None)
    resource = Resource(organisation_id=unit.id, **values)
    session.add(resource)
    session.flush()
    return resource


def edit_resource(session: Session, actor: User, resource: Resource, data: ResourceInput) -> None:
    """The office may move a resource to another unit; a unit edits only its own (the lookup
    already refused any other)."""
    values = _resource_values(data)
    if actor.is_office and data.organisation_id is not None:
        values["organisation_id"] = common.alliance_unit(
            session, data.organisation_id, "organisation"
        ).id
    _no_twin_resource(
        session,
        values.get("organisation_id", resource.organisation_id),
        values["title"],
        resource.id,
    )
    for key, value in values.items():
        setattr(resource, key, value)
    session.flush()


def get_resource_or_404(session: Session, actor: User, resource_id: int) -> Resource:
    """Any of the street's resources for the office; for an org account only its own unit's.

    :raise NotFound: none such, or not the org account's unit's
    """
    stmt = select(Resource).where(Resource.id == resource_id)
    if not actor.is_office:
        own = organisation_of(session, actor)
        if own is None:
            raise NotFound(_("资源不存在"))
        stmt = stmt.where(Resource.organisation_id == own.id)
    resource = session.scalar(stmt)
    if resource is None:
        raise NotFound(_("资源不存在"))
    return resource


@dataclass(frozen=True)
class ResourceFilters:
    kind: str = ""
    organisation_id: int | None = None
    available: str = ""  # "yes", "no" or ""


@dataclass(frozen=True)
class ResourceRow:
    resource: Resource
    unit: str


def list_resources(
    session: Session,
    actor: User,
    filters: ResourceFilters,
    page: int = 1,
    size: int = common.PAGE,
    organisation_id: int | None = None,
) -> tuple[list[ResourceRow], int]:
    """The office's list (``organisation_id`` None) or one unit's own (its id)."""
    stmt = select(Resource, Organisation.name).join(
        Organisation, Organisation.id == Resource.organisation_id
    )
    if organisation_id is not None:
        stmt = stmt.where(Resource.organisation_id == organisation_id)
    else:
        common.require_office(actor)
        if filters.organisation_id is not None:
            stmt = stmt.where(Resource.organisation_id == filters.organisation_id)
    if filters.kind in ResourceKind.__members__:
        stmt = stmt.where(Resource.kind == filters.kind)
    if filters.available in ("yes", "no"):
        stmt = stmt.where(Resource.is_available.is_(filters.available == "yes"))
    total = count_rows(session, stmt)
    rows = session.execute(
        one_page(stmt.order_by(Organisation.name, Resource.id.desc()), page, size)
    ).all()
    return [ResourceRow(r, name) for r, name in rows], total


# --- projects -----------------------------------------------------------------------------------


@dataclass
class ProjectInput:
    title: str
    owner_id: int | None
    due_on: str | date | None
    #: (unit id, resource id or None) per unit taking part
    partners: list[tuple[int | None, int | None]] = field(default_factory=list)


def _owner(session: Session, owner_id: int | None) -> User:
    owner = None
    if owner_id is not None:
        owner = session.scalar(
            select(User).where(
                User.id == owner_id,
                User.role.in_((Role.admin, Role.staff)),
                User.is_enabled.is_(True),
            )
        )
    if owner is None:
        raise ServiceError(_("请选择负责的工作人员"), "owner")
    return owner


def _partners(session: Session, wanted: list[tuple[int | None, int | None]]) -> list[tuple]:
    """(unit, resource or None) for each unit named once; all looked up in this street.

    :raise ServiceError: none, too many, an unknown unit, or a resource not of its unit
    """
    seen: dict[int | None, int | None] = {}
    for unit_id, resource_id in wanted:
        if unit_id not in seen or seen[unit_id] is None:
            seen[unit_id] = resource_id
    if not seen:
        raise ServiceError(_("请至少选择一个共建单位"), "partners")
    if len(seen) > PARTNERS_MAX:
        raise ServiceError(_("一个项目最多 %(n)d 个共建单位", n=PARTNERS_MAX), "partners")
    chosen = []
    for unit_id, resource_id in seen.items():
        unit = common.alliance_unit(session, unit_id, "partners")
        resource = None
        if resource_id is not None:
            resource = session.scalar(
                select(Resource).where(
                    Resource.id == resource_id, Resource.organisation_id == unit.id
                )
            )
            if resource is None:
                raise ServiceError(_("请选择该单位自己的资源"), "partners")
        chosen.append((unit, resource))
    return chosen


def form_project(session: Session, actor: User, need: Need, data: ProjectInput) -> Project:
    """A project taking up an open need; the need becomes matched.

    :raise ServiceError: a field is refused, or the need is no longer open
    """
    common.require_office(actor)
    title = common.one_line(data.title, "title", _("项目名称"), common.TITLE_MAX, True)
    owner = _owner(session, data.owner_id)
    due_on = common.parse_day(data.due_on, "due_on", _("完成期限"))
    if due_on is None:
        raise ServiceError(_("请填写完成期限"), "due_on")
    partners = _partners(session, data.partners)
    if not guarded_update(session, need, Need.status == NeedStatus.open, status=NeedStatus.matched):
        raise ServiceError(_("该需求已对接或已关闭，不能再立项"))
    project = Project(
        title=title, need_id=need.id, owner_id=owner.id, due_on=due_on, status="planned"
    )
    session.add(project)
    session.flush()
    for unit, resource in partners:
        session.add(
            ProjectPartner(
                project_id=project.id,
                organisation_id=unit.id,
                resource_id=resource.id if resource else None,
            )
        )
    session.flush()
    record(session, "alliance.project_form", actor.id, f"alliance_project:{project.id}")
    return project


def move_project(
    session: Session,
    actor: User,
    project: Project,
    to: str,
    outcome: str = "",
    people_served: str | int | None = None,
) -> None:
    """Move ``project`` to ``to`` with its outcome note; done needs the people served.

    A dropped project gives its need back (open again) unless another project works on it.
    :raise ServiceError: a move that does not exist, a refused field, or someone moved it first
    """
    common.require_office(actor)
    current = project.status
    if to not in allowed_moves(current):
        raise ServiceError(
            _(
                "不能从“%(a)s”改为“%(b)s”",
                a=PROJECT_LABELS.get(current, current),
                b=PROJECT_LABELS.get(to, to),
            ),
            "status",
        )
    values: dict = {"status": to}
    note = common.long_text(outcome, "outcome", _("成效说明"))
    if note:
        values["outcome"] = note
    if to == ProjectStatus.done:
        if people_served is None or str(people_served).strip() == "":
            raise ServiceError(_("标记完成时请填写服务人数"), "people_served")
        values["people_served"] = common.whole_number(
            people_served, "people_served", _("服务人数"), 0, SERVED_MAX
        )
        values["finished_at"] = utcnow()
    elif to == ProjectStatus.dropped:
        values["finished_at"] = utcnow()
    else:
        values["finished_at"] = None
    if not guarded_update(session, project, Project.status == current, **values):
        raise ServiceError(_("项目状态已被他人修改，请刷新后再试"))
    if to == ProjectStatus.dropped and project.need_id is not None:
        others = session.scalar(
            select(Project.id)
            .where(
                Project.need_id == project.need_id,
                Project.id != project.id,
                Project.status != ProjectStatus.dropped,
            )
            .limit(1)
        )
        if others is None:
            session.execute(
                update(Need)
                .where(Need.id == project.need_id, Need.status == NeedStatus.matched)
                .values(status=NeedStatus.open)
                .execution_options(synchronize_session="fetch")
            )
    record(
        session,
        "alliance.project_move",
        actor.id,
        f"alliance_project:{project.id}",
        {"from": current, "to": to},
    )


def _project_scope(stmt, actor: User):
    limited = actor.limited_to_community
    if limited is None:
        return stmt
    # an alias: the list's own join of Need must not swallow the subquery by correlation
    need = aliased(Need)
    return stmt.where(
        Project.need_id.in_(select(need.id).where(need.community_id == limited).correlate(None))
    )


def get_project_or_404(session: Session, actor: User, project_id: int) -> Project:
    """:raise NotFound: none such in this street, or another community's for limited staff"""
    common.require_office(actor)
    project = session.scalar(_project_scope(select(Project).where(Project.id == project_id), actor))
    if project is None:
        raise NotFound(_("项目不存在"))
    return project


@dataclass(frozen=True)
class ProjectFilters:
    status: str = ""
    community_id: int | None = None
    organisation_id: int | None = None


@dataclass
class ProjectRow:
    project: Project
    need_title: str
    community_id: int | None
    owner: str
    partners: list[str] = field(default_factory=list)


def partners_of(session: Session, project_ids) -> dict[int, list[tuple[str, str]]]:
    """(unit name, resource title or "") per project, in one statement."""
    ids = list(project_ids)
    found: dict[int, list[tuple[str, str]]] = defaultdict(list)
    if not ids:
        return found
    rows = session.execute(
        select(ProjectPartner.project_id, Organisation.name, Resource.title)
        .join(Organisation, Organisation.id == ProjectPartner.organisation_id)
        .outerjoin(Resource, Resource.id == ProjectPartner.resource_id)
        .where(ProjectPartner.project_id.in_(ids))
        .order_by(ProjectPartner.id)
    )
    for project_id, unit, resource in rows:
        found[project_id].append((unit, resource or ""))
    return found


def list_projects(
    session: Session, actor: User, filters: ProjectFilters, page: int = 1, size: int = common.PAGE
) -> tuple[list[ProjectRow], int]:
    """A page of projects with their need, community, owner and units: three statements."""
    common.require_office(actor)
    stmt = _project_scope(
        select(Project, Need.title, Need.community_id, User.name)
        .outerjoin(Need, Need.id == Project.need_id)
        .outerjoin(User, User.id == Project.owner_id),
        actor,
    )
    if filters.status in ProjectStatus.__members__:
        stmt = stmt.where(Project.status == filters.status)
    if filters.community_id is not None:
        stmt = stmt.where(Need.community_id == filters.community_id)
    if filters.organisation_id is not None:
        stmt = stmt.where(
            exists().where(
                ProjectPartner.project_id == Project.id,
                ProjectPartner.organisation_id == filters.organisation_id,
            )
        )
    total = count_rows(session, stmt)
    live_first = Project.status.in_(LIVE).desc()
    rows = session.execute(
        one_page(stmt.order_by(live_first, Project.due_on, Project.id.desc()), page, size)
    ).all()
    partners = partners_of(session, [r[0].id for r in rows])
    return [
        ProjectRow(p, title or "", community, owner or "", [u for u, _r in partners[p.id]])
        for p, title, community, owner in rows
    ], total


def projects_of_need(session: Session, need: Need) -> list[Project]:
    return list(
        session.scalars(select(Project).where(Project.need_id == need.id).order_by(Project.id))
    )


def projects_by_status(session: Session, actor: User) -> dict[str, int]:
    """How many projects are in each status, as ``actor`` sees them (one grouped statement)."""
    rows = session.execute(
        _project_scope(select(Project.status, func.count()), actor).group_by(Project.status)
    ).all()
    counts = {status.value: 0 for status in ProjectStatus}
    counts.update({status: n for status, n in rows})
    return counts
