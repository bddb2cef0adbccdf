"""Duty visits (走访, the reference street's 八必访): the street's visit groups (独居老人, 困难群众,
留守儿童 …) each with a frequency, the residents attached to them (visit subjects), the visits
grid workers log, and what is due.

**Who sees a subject** is decided once, by :func:`subject_scope`, which every page, export, count
and job of this area reaches through the services below:

- the street's admin: every subject;
- a staff member limited to a community (``user.limited_to_community``): that community's;
- the grid worker of the subject's grid (``Grid.worker_id``): the subjects of their grids;
- nobody else: volunteers, organisation accounts, staff of another community get "not found".
  A street-wide staff member (staff not limited to any community) is nobody's community staff:
  they see the subjects of the grids they work, if they are a grid worker, and nothing else
  (the issue: "only the admin, the community's staff and the grid's worker see the residents").

Every view of a subject (its page, the visit form that shows it, an export) is written to the
audit log, naming the viewer and the subject.

**What is due.** Each group has a frequency (weekly, monthly, quarterly); its periods are the
calendar's in the street's time zone (Asia/Shanghai): ISO weeks from Monday, months, quarters
from January, April, July, October. For today's date:

- a subject is *due* (本期待访) when it has no visit dated in the current period
  (``last_visited_on`` is empty or before the period's first day);
- a subject is *overdue* (逾期) when it is due and had no visit in the previous period either
  (``last_visited_on`` before the previous period's first day, or empty while the subject was
  attached before the current period began: a subject attached this period is due, not overdue).

Archived groups and archived subjects are never due.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from saas.audit.services import record
from saas.auth.models import Role, User
from saas.auth.phone import normalise_phone
from saas.db import guarded_update, utcnow
from saas.errors import NotFound, ServiceError
from saas.forms import clean_text, parse_id
from saas.listing import contains_pattern, count_rows, one_page
from saas.ui import street_today, street_zone
from tenants.grid.items import ItemInput, create_item
from tenants.grid.models import DutyVisit, ItemCategory, VisitFrequency, VisitGroup, VisitSubject
from tenants.structure.models import Building, Community, Grid

#: rows a page of the subjects' list holds
PAGE = 30
GROUP_NAME_MAX, NAME_MAX, ADDRESS_MAX, NOTE_MAX = 30, 40, 100, 1000
#: what was found on a visit (it may become a grid item's description, which holds 1,000)
FOUND_MAX = 1000
#: how many groups a street may keep (a select lists them all)
GROUPS_MAX = 50

FREQUENCY_LABELS = {
    VisitFrequency.weekly: _l("每周"),
    VisitFrequency.monthly: _l("每月"),
    VisitFrequency.quarterly: _l("每季度"),
}
#: "this week/month/quarter", as the reminder and the phone page say it
PERIOD_LABELS = {
    VisitFrequency.weekly: _l("本周"),
    VisitFrequency.monthly: _l("本月"),
    VisitFrequency.quarterly: _l("本季度"),
}
#: the usual groups of 八必访, with the frequency streets usually give them (one click adds them)
USUAL_GROUPS = (
    ("独居老人", VisitFrequency.weekly),
    ("空巢老人", VisitFrequency.monthly),
    ("困难群众", VisitFrequency.monthly),
    ("留守儿童", VisitFrequency.monthly),
    ("残疾人家庭", VisitFrequency.monthly),
    ("重病患者家庭", VisitFrequency.monthly),
    ("重点人员", VisitFrequency.weekly),
    ("优抚对象", VisitFrequency.quarterly),
)
#: the list's visit filter
DUE_LABELS = {"due": _l("本期待访（含逾期）"), "overdue": _l("已逾期"), "done": _l("本期已访")}


# --- periods ------------------------------------------------------------------------------------


def period_start(frequency: str, day: date) -> date:
    """The first day of the period of ``frequency`` holding ``day`` (Monday, the 1st, or the
    first day of the quarter)."""
    if frequency == VisitFrequency.weekly:
        return day - timedelta(days=day.weekday())
    if frequency == VisitFrequency.quarterly:
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return day.replace(day=1)


def previous_start(frequency: str, day: date) -> date:
    """The first day of the period before the one holding ``day``."""
    return period_start(frequency, period_start(frequency, day) - timedelta(days=1))


def period_key(frequency: str, day: date) -> str:
    """The period's name, as VisitReminder keeps it: "2026-W49", "2026-12", "2026-Q4"."""
    if frequency == VisitFrequency.weekly:
        year, week, _weekday = day.isocalendar()
        return f"{year}-W{week:02d}"
    if frequency == VisitFrequency.quarterly:
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return f"{day:%Y-%m}"


def _utc_midnight(day: date) -> datetime:
    """The first instant of ``day`` in the street's zone, in UTC (to compare with created_at)."""
    return datetime.combine(day, time(), street_zone()).astimezone(UTC)


def due_clause(today: date) -> ColumnElement[bool]:
    """Subjects with no visit in the current period of their group's frequency (the subject and
    its group must be joined, both active)."""
    return or_(*(
        and_(VisitGroup.frequency == f, or_(VisitSubject.last_visited_on.is_(None),
                                            VisitSubject.last_visited_on < period_start(f, today)))
        for f in VisitFrequency
    ))  # fmt: skip


def overdue_clause(today: date) -> ColumnElement[bool]:
    """Due subjects with no visit in the previous period either (see the module's docstring)."""
    return or_(*(
        and_(
            VisitGroup.frequency == f,
            or_(
                VisitSubject.last_visited_on < previous_start(f, today),
                and_(VisitSubject.last_visited_on.is_(None),
                     VisitSubject.created_at < _utc_midnight(period_start(f, today))),
            ),
        )
        for f in VisitFrequency
    ))  # fmt: skip


def _active() -> tuple[ColumnElement[bool], ...]:
    return VisitSubject.archived_at.is_(None), VisitGroup.archived_at.is_(None)


# --- who sees what ------------------------------------------------------------------------------


def sees_visits(user) -> bool:
    """Whether ``user`` may see some subject: the admin, staff limited to a community, grid
    workers. The menu's test (no query)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.role == Role.admin:
        return True
    return user.role == Role.staff and (
        user.limited_to_community is not None or bool(user.is_grid_worker)
    )


def oversees_visits(user) -> bool:
    """Whether ``user`` keeps subjects and reads the per-worker figures: the admin and staff
    limited to a community (a street-wide grid worker only visits)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.role == Role.admin or (
        user.role == Role.staff and user.limited_to_community is not None
    )


def subject_scope(viewer: User) -> ColumnElement[bool]:
    """THE rule: the subjects ``viewer`` may see, as a WHERE clause on VisitSubject (see the
    module's docstring). Used by every page, export, count and the phone list.

    :raise NotFound: anyone who sees no subject at all (volunteers, org accounts, street-wide
        staff who are not grid workers)
    """
    if not sees_visits(viewer):
        raise NotFound(_("页面不存在"))
    if viewer.role == Role.admin:
        return true()
    own_grids = VisitSubject.grid_id.in_(select(Grid.id).where(Grid.worker_id == viewer.id))
    limited = viewer.limited_to_community
    if limited is None:
        return own_grids
    return or_(VisitSubject.community_id == limited, own_grids)


def check_keeper(viewer: User) -> None:
    """:raise NotFound: ``viewer`` does not keep subjects (only the admin and community staff
    attach residents to groups; a grid worker visits them)"""
    if not oversees_visits(viewer):
        raise NotFound(_("页面不存在"))


_require_overseer = check_keeper


def check_admin(viewer: User) -> None:
    """:raise NotFound: ``viewer`` is not the street's admin (the groups are settings)"""
    if not getattr(viewer, "is_authenticated", False) or viewer.role != Role.admin:
        raise NotFound(_("页面不存在"))


def get_subject_or_404(session: Session, viewer: User, subject_id: int) -> VisitSubject:
    """The subject ``subject_id`` if ``viewer`` may see it (no audit entry: a page showing it
    records the view with :func:`record_view`).

    :raise NotFound: no such subject in this street, one ``viewer`` may not see
    """
    subject = session.scalar(
        select(VisitSubject).where(VisitSubject.id == subject_id, subject_scope(viewer))
    )
    if subject is None:
        raise NotFound(_("走访对象不存在"))
    return subject


def record_view(session: Session, viewer: User, subject: VisitSubject) -> None:
    record(session, "grid.visit_subject_view", viewer.id, f"visit_subject:{subject.id}")


def subject_names(session: Session, ids: list[int]) -> dict[int, str]:
    """The audit log's names of its subject targets, in one statement."""
    return dict(
        session.execute(
            select(VisitSubject.id, VisitSubject.name).where(VisitSubject.id.in_(ids))
        ).all()
    )


def group_names(session: Session, ids: list[int]) -> dict[int, str]:
    """The audit log's names of its group targets, in one statement."""
    return dict(
        session.execute(select(VisitGroup.id, VisitGroup.name).where(VisitGroup.id.in_(ids))).all()
    )


# --- text ---------------------------------------------------------------------------------------


# --- groups -------------------------------------------------------------------------------------


def list_groups(session: Session, viewer: User, archived: bool = True) -> list[tuple]:
    """The street's groups with how many active subjects each has, (group, count), active ones
    first, by position and name (one statement). Anyone who sees visits may read the names."""
    if not sees_visits(viewer):
        raise NotFound(_("页面不存在"))
    counts = (
        select(VisitSubject.group_id, func.count().label("n"))
        .where(VisitSubject.archived_at.is_(None))
        .group_by(VisitSubject.group_id)
        .subquery("n")
    )
    stmt = select(VisitGroup, func.coalesce(counts.c.n, 0)).outerjoin(
        counts, counts.c.group_id == VisitGroup.id
    )
    if not archived:
        stmt = stmt.where(VisitGroup.archived_at.is_(None))
    order = (VisitGroup.archived_at.is_not(None), VisitGroup.position, VisitGroup.name)
    return [tuple(r) for r in session.execute(stmt.order_by(*order))]


def _frequency(raw: str) -> str:
    if raw not in VisitFrequency.__members__:
        raise ServiceError(_("请选择走访频次"), "frequency")
    return raw


def _group_name(session: Session, raw: str, own_id: int | None) -> str:
    name = clean_text(raw, GROUP_NAME_MAX, "name")
    if not name:
        raise ServiceError(_("请填写分组名称"), "name")
    taken = select(VisitGroup.id).where(VisitGroup.name == name)
    if own_id is not None:
        taken = taken.where(VisitGroup.id != own_id)
    if session.scalar(taken) is not None:
        raise ServiceError(_("已有同名分组（含已归档的）"), "name")
    return name


def save_group(
    session: Session, actor: User, name: str, frequency: str, group: VisitGroup | None = None
) -> VisitGroup:
    """Add a group (``group`` None) or rename it and change its frequency; audit-logged.

    :raise NotFound: ``actor`` is not the admin
    :raise ServiceError: with its field: no name, too long, taken; no frequency from the list;
        more than GROUPS_MAX groups
    """
    check_admin(actor)
    clean_name = _group_name(session, name, group.id if group else None)
    clean_frequency = _frequency(frequency)
    if group is None:
        if session.scalar(select(func.count()).select_from(VisitGroup)) >= GROUPS_MAX:
            raise ServiceError(_("分组不能超过 %(n)d 个", n=GROUPS_MAX), "name")
        position = session.scalar(select(func.coalesce(func.max(VisitGroup.position), 0))) + 1
        group = VisitGroup(name=clean_name, frequency=clean_frequency, position=position)
        session.add(group)
        action, detail = "grid.visit_group_create", {"to": clean_frequency}
    else:
        changed = sorted(k for k, v in (("name", clean_name), ("frequency", clean_frequency))
                         if getattr(group, k) != v)  # fmt: skip
        group.name, group.frequency = clean_name, clean_frequency
        action, detail = "grid.visit_group_update", {"fields": ",".join(changed)}
        if not changed:
            return group
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:  # the same name saved by someone else at this moment
        raise ServiceError(_("已有同名分组（含已归档的）"), "name") from exc
    record(session, action, actor.id, f"visit_group:{group.id}", detail)
    return group


def add_usual_groups(session: Session, actor: User) -> list[str]:
    """Add the usual 八必访 groups the street does not have yet (by name, archived ones
    included); returns the names added. Audit-logged once."""
    check_admin(actor)
    have = set(session.scalars(select(VisitGroup.name)))
    position = session.scalar(select(func.coalesce(func.max(VisitGroup.position), 0)))
    added = []
    for name, frequency in USUAL_GROUPS:
        if name in have:
            continue
        position += 1
        session.add(VisitGroup(name=name, frequency=frequency, position=position))
        added.append(name)
    if added:
        try:
            with session.begin_nested():
                session.flush()
        except IntegrityError as exc:  # someone else clicked at the same moment
            raise ServiceError(_("分组刚刚已被添加，请刷新后查看")) from exc
        record(session, "grid.visit_groups_usual", actor.id, "", {"n": len(added)})
    return added


def get_group_or_404(session: Session, viewer: User, group_id: int) -> VisitGroup:
    """:raise NotFound: no such group in this street, or ``viewer`` is not the admin"""
    check_admin(viewer)
    group = session.scalar(select(VisitGroup).where(VisitGroup.id == group_id))
    if group is None:
        raise NotFound(_("分组不存在"))
    return group


def set_group_archived(session: Session, actor: User, group: VisitGroup, archived: bool) -> bool:
    """Archive a group (its subjects leave the due lists and reminders, their visits stay) or
    bring it back; audit-logged. Returns whether it changed (a double click changes once)."""
    check_admin(actor)
    if archived:
        changed = guarded_update(session, group, VisitGroup.archived_at.is_(None),
                                 archived_at=utcnow())  # fmt: skip
    else:
        changed = guarded_update(session, group, VisitGroup.archived_at.is_not(None),
                                 archived_at=None)  # fmt: skip
    if changed:
        action = "grid.visit_group_archive" if archived else "grid.visit_group_restore"
        record(session, action, actor.id, f"visit_group:{group.id}")
    return changed


# --- subjects -----------------------------------------------------------------------------------


@dataclass
class SubjectInput:
    """A subject as typed in the form."""

    group_id: int | None = None
    name: str = ""
    community_id: int | None = None
    grid_id: int | None = None
    building_id: int | None = None
    address: str = ""
    phone: str = ""
    note: str = ""


def group_choices(session: Session) -> list[tuple[int, str]]:
    """The active groups as (id, "name（每月）"), in order."""
    rows = session.execute(
        select(VisitGroup.id, VisitGroup.name, VisitGroup.frequency)
        .where(VisitGroup.archived_at.is_(None))
        .order_by(VisitGroup.position, VisitGroup.name)
    )
    return [(gid, f"{name}（{FREQUENCY_LABELS.get(f, f)}）") for gid, name, f in rows]


def category_choices(session: Session) -> list[tuple[int, str]]:
    """The street's active grid item categories as (id, name), for a follow-up's item."""
    rows = session.execute(
        select(ItemCategory.id, ItemCategory.name)
        .where(ItemCategory.archived_at.is_(None))
        .order_by(ItemCategory.position, ItemCategory.name)
    )
    return [tuple(r) for r in rows]


def grid_choices(session: Session, communities: list[Community]) -> list[tuple[int, str]]:
    """The active grids of ``communities`` as (id, "社区 · 网格"), by community and name."""
    names = {c.id: c.name for c in communities}
    if not names:
        return []
    rows = session.execute(
        select(Grid.id, Grid.name, Grid.community_id)
        .where(Grid.community_id.in_(names), Grid.archived_at.is_(None))
        .order_by(Grid.community_id, Grid.position, Grid.name)
    )
    return [(gid, f"{names[cid]} · {name}") for gid, name, cid in rows]


def building_choices(session: Session, communities: list[Community]) -> list[tuple[int, str]]:
    """The active buildings of ``communities``' grids as (id, "网格 · 楼栋")."""
    ids = [c.id for c in communities]
    if not ids:
        return []
    rows = session.execute(
        select(Building.id, Building.name, Grid.name)
        .join(Grid, Grid.id == Building.grid_id)
        .where(Grid.community_id.in_(ids), Grid.archived_at.is_(None),
               Building.archived_at.is_(None))
        .order_by(Grid.community_id, Grid.position, Grid.name, Building.position, Building.name)
    )  # fmt: skip
    return [(bid, f"{grid} · {name}") for bid, name, grid in rows]


def _clean_subject(session: Session, actor: User, values: SubjectInput) -> dict:
    """The subject's columns from what was typed, every id checked to be the street's, current
    and nested (community ⊃ grid ⊃ building) and the community the staff member's own."""
    name = clean_text(values.name, NAME_MAX, "name")
    if not name:
        raise ServiceError(_("请填写姓名"), "name")
    group_id = None
    if values.group_id is not None:
        group_id = session.scalar(
            select(VisitGroup.id).where(
                VisitGroup.id == values.group_id, VisitGroup.archived_at.is_(None)
            )
        )
    if group_id is None:
        raise ServiceError(_("请选择走访分组"), "group")
    limited = actor.limited_to_community
    if limited is not None and values.community_id not in (None, limited):
        raise ServiceError(_("只能登记本社区的走访对象"), "community")
    community_id = limited if limited is not None else values.community_id
    if community_id is not None:
        community_id = session.scalar(
            select(Community.id).where(
                Community.id == community_id, Community.archived_at.is_(None)
            )
        )
    if community_id is None:
        raise ServiceError(_("请选择本街道的社区"), "community")
    grid_id = None
    if values.grid_id is not None:
        grid_id = session.scalar(
            select(Grid.id).where(
                Grid.id == values.grid_id,
                Grid.community_id == community_id,
                Grid.archived_at.is_(None),
            )
        )
    if grid_id is None:
        raise ServiceError(_("请选择所选社区的网格"), "grid")
    building_id = None
    if values.building_id is not None:
        building_id = session.scalar(
            select(Building.id).where(
                Building.id == values.building_id,
                Building.grid_id == grid_id,
                Building.archived_at.is_(None),
            )
        )
        if building_id is None:
            raise ServiceError(_("请选择所选网格的楼栋"), "building")
    phone = None
    if (values.phone or "").strip():
        phone = normalise_phone(values.phone)
        if phone is None:
            raise ServiceError(_("请输入 11 位中国大陆手机号"), "phone")
    return {
        "group_id": group_id,
        "name": name,
        "community_id": community_id,
        "grid_id": grid_id,
        "building_id": building_id,
        "address": clean_text(values.address, ADDRESS_MAX, "address"),
        "phone": phone,
        "note": clean_text(values.note, NOTE_MAX, "note", lines=True),
    }


def save_subject(
    session: Session, actor: User, values: SubjectInput, subject: VisitSubject | None = None
) -> VisitSubject:
    """Attach a resident to a group (``subject`` None) or change one; audit-logged (the fields
    changed, never their values).

    :raise NotFound: ``actor`` does not keep subjects (only the admin and community staff do)
    :raise ServiceError: with its field: no name or too long; a group not of the street or
        archived; a community not of the street or not the staff member's; a grid not of that
        community; a building not of that grid; a malformed phone; text too long
    """
    _require_overseer(actor)
    cleaned = _clean_subject(session, actor, values)
    if subject is None:
        subject = VisitSubject(created_by=actor.id, **cleaned)
        session.add(subject)
        session.flush()
        record(session, "grid.visit_subject_create", actor.id, f"visit_subject:{subject.id}")
        return subject
    changed = sorted(k for k, v in cleaned.items() if getattr(subject, k) != v)
    for key, value in cleaned.items():
        setattr(subject, key, value)
    session.flush()
    if changed:
        record(session, "grid.visit_subject_update", actor.id, f"visit_subject:{subject.id}",
               {"fields": ",".join(changed)})  # fmt: skip
    return subject


def subject_input(subject: VisitSubject) -> SubjectInput:
    s = subject
    return SubjectInput(group_id=s.group_id, name=s.name, community_id=s.community_id,
                        grid_id=s.grid_id, building_id=s.building_id, address=s.address,
                        phone=s.phone or "", note=s.note)  # fmt: skip


def set_subject_archived(
    session: Session, actor: User, subject: VisitSubject, archived: bool
) -> bool:
    """Take a subject off the lists (moved away, no longer in need) or bring it back; its
    visits stay. Audit-logged; returns whether it changed."""
    _require_overseer(actor)
    if archived:
        changed = guarded_update(session, subject, VisitSubject.archived_at.is_(None),
                                 archived_at=utcnow())  # fmt: skip
    else:
        changed = guarded_update(session, subject, VisitSubject.archived_at.is_not(None),
                                 archived_at=None)  # fmt: skip
    if changed:
        action = "grid.visit_subject_archive" if archived else "grid.visit_subject_restore"
        record(session, action, actor.id, f"visit_subject:{subject.id}")
    return changed


# --- the subject's page -------------------------------------------------------------------------


@dataclass
class SubjectPage:
    subject: VisitSubject
    group: VisitGroup
    community: str
    grid: str
    building: str | None
    worker: str | None
    #: (DutyVisit, visitor's name)
    visits: list = field(default_factory=list)
    due: bool = False
    overdue: bool = False


def subject_page(session: Session, viewer: User, subject_id: int) -> SubjectPage:
    """Everything a subject's page shows, in two statements, and an audit entry naming the
    viewer and the subject (every view is logged).

    :raise NotFound: as :func:`get_subject_or_404`
    """
    today = street_today()
    row = session.execute(
        select(VisitSubject, VisitGroup, Community.name, Grid.name, Building.name, User.name,
               due_clause(today), overdue_clause(today))
        .join(VisitGroup, VisitGroup.id == VisitSubject.group_id)
        .join(Community, Community.id == VisitSubject.community_id)
        .join(Grid, Grid.id == VisitSubject.grid_id)
        .outerjoin(Building, Building.id == VisitSubject.building_id)
        .outerjoin(User, User.id == Grid.worker_id)
        .where(VisitSubject.id == subject_id, subject_scope(viewer))
    ).first()  # fmt: skip
    if row is None:
        raise NotFound(_("走访对象不存在"))
    subject, group, community, grid, building, worker, due, overdue = row
    record_view(session, viewer, subject)
    visits = session.execute(
        select(DutyVisit, User.name)
        .outerjoin(User, User.id == DutyVisit.visitor_id)
        .where(DutyVisit.subject_id == subject.id)
        .order_by(DutyVisit.visited_on.desc(), DutyVisit.id.desc())
    ).all()
    active = subject.archived_at is None and group.archived_at is None
    return SubjectPage(subject, group, community, grid, building, worker, list(visits),
                       bool(due) and active, bool(overdue) and active)  # fmt: skip


# --- the list -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubjectFilters:
    group: str = ""
    community: str = ""
    grid: str = ""
    worker: str = ""
    #: "due", "overdue" or "done" (see DUE_LABELS)
    due: str = ""
    q: str = ""
    #: "1": the archived subjects instead of the current ones
    archived: str = ""

    def args(self) -> dict[str, str]:
        return {"group": self.group, "community": self.community, "grid": self.grid,
                "worker": self.worker, "due": self.due, "q": self.q,
                "archived": self.archived}  # fmt: skip


@dataclass(frozen=True)
class SubjectRow:
    subject: VisitSubject
    group: str
    frequency: str
    community: str
    grid: str
    building: str | None
    worker: str | None
    due: bool
    overdue: bool


def _list_statement(viewer: User, filters: SubjectFilters, today: date) -> Select:
    stmt = (
        select(VisitSubject, VisitGroup.name, VisitGroup.frequency, Community.name, Grid.name,
               Building.name, User.name,
               and_(*_active(), due_clause(today)), and_(*_active(), overdue_clause(today)))
        .join(VisitGroup, VisitGroup.id == VisitSubject.group_id)
        .join(Community, Community.id == VisitSubject.community_id)
        .join(Grid, Grid.id == VisitSubject.grid_id)
        .outerjoin(Building, Building.id == VisitSubject.building_id)
        .outerjoin(User, User.id == Grid.worker_id)
        .where(subject_scope(viewer))
    )  # fmt: skip
    if filters.archived == "1":
        stmt = stmt.where(or_(VisitSubject.archived_at.is_not(None),
                              VisitGroup.archived_at.is_not(None)))  # fmt: skip
    else:
        stmt = stmt.where(*_active())
    if (group_id := parse_id(filters.group)) is not None:
        stmt = stmt.where(VisitSubject.group_id == group_id)
    if (community_id := parse_id(filters.community)) is not None:
        stmt = stmt.where(VisitSubject.community_id == community_id)
    if (grid_id := parse_id(filters.grid)) is not None:
        stmt = stmt.where(VisitSubject.grid_id == grid_id)
    if filters.worker == "none":
        stmt = stmt.where(Grid.worker_id.is_(None))
    elif (worker_id := parse_id(filters.worker)) is not None:
        stmt = stmt.where(Grid.worker_id == worker_id)
    if filters.due == "due":
        stmt = stmt.where(due_clause(today))
    elif filters.due == "overdue":
        stmt = stmt.where(overdue_clause(today))
    elif filters.due == "done":
        stmt = stmt.where(~due_clause(today))
    pattern = contains_pattern(filters.q)
    if pattern:
        stmt = stmt.where(VisitSubject.name.like(pattern))
    return stmt


def list_subjects(
    session: Session, viewer: User, filters: SubjectFilters, page: int = 1, size: int = PAGE
) -> tuple[list[SubjectRow], int]:
    """One page of the subjects ``viewer`` may see, by community, grid and name, and how many
    match (two statements whatever the data).

    :raise NotFound: ``viewer`` sees none
    """
    stmt = _list_statement(viewer, filters, street_today())
    total = count_rows(session, stmt)
    order = (Community.position, Community.name, Grid.position, Grid.name, VisitSubject.name,
             VisitSubject.id)  # fmt: skip
    rows = session.execute(one_page(stmt.order_by(*order), page, size))
    return [SubjectRow(s, g, f, c, gr, b, w, bool(d), bool(o))
            for s, g, f, c, gr, b, w, d, o in rows], total  # fmt: skip


def record_export(session: Session, viewer: User, rows: list[SubjectRow], filters) -> None:
    """One audit entry per subject an export hands out, naming the viewer and the subject."""
    detail = {k: v for k, v in filters.args().items() if v}
    for row in rows:
        record(session, "grid.visit_subjects_export", viewer.id,
               f"visit_subject:{row.subject.id}", detail)  # fmt: skip
    session.flush()


def worker_choices(session: Session, viewer: User) -> list[tuple[int, str]]:
    """The grid workers of the grids ``viewer`` may see subjects of (the list's filter)."""
    stmt = select(User.id, User.name).join(Grid, Grid.worker_id == User.id).distinct()
    limited = viewer.limited_to_community
    if viewer.role != Role.admin:
        stmt = stmt.where(
            or_(Grid.community_id == limited, Grid.worker_id == viewer.id)
            if limited is not None
            else Grid.worker_id == viewer.id
        )
    return [tuple(r) for r in session.execute(stmt.order_by(User.name, User.id))]


# --- the grid worker's phone --------------------------------------------------------------------


@dataclass(frozen=True)
class MineRow:
    subject: VisitSubject
    group: str
    frequency: str
    grid: str
    building: str | None
    overdue: bool
    due: bool


@dataclass
class MinePage:
    rows: list[MineRow]
    total: int
    due: int
    overdue: int
    today: date


def my_subjects(
    session: Session, viewer: User, page: int = 1, size: int = PAGE, q: str = ""
) -> MinePage:
    """The subjects of the grids ``viewer`` works (Grid.worker_id), overdue first, then due this
    period, then those visited; by name. Three statements whatever the data.

    :raise NotFound: ``viewer`` sees no subject at all
    """
    scope = subject_scope(viewer)
    today = street_today()
    due, overdue = due_clause(today), overdue_clause(today)
    mine = and_(scope, Grid.worker_id == viewer.id, *_active())
    base = (
        select(VisitSubject)
        .join(VisitGroup, VisitGroup.id == VisitSubject.group_id)
        .join(Grid, Grid.id == VisitSubject.grid_id)
        .where(mine)
    )
    pattern = contains_pattern(q)
    if pattern:
        base = base.where(VisitSubject.name.like(pattern))
    counts = session.execute(
        base.with_only_columns(
            func.count(),
            func.coalesce(func.sum(case((due, 1), else_=0)), 0),
            func.coalesce(func.sum(case((overdue, 1), else_=0)), 0),
            maintain_column_froms=True,
        )
    ).one()
    rank = case((overdue, 0), (due, 1), else_=2)
    stmt = (
        base.add_columns(VisitGroup.name, VisitGroup.frequency, Grid.name, Building.name,
                         overdue, due)
        .outerjoin(Building, Building.id == VisitSubject.building_id)
        .order_by(rank, VisitSubject.last_visited_on.nulls_first(), VisitSubject.name,
                  VisitSubject.id)
    )  # fmt: skip
    rows = [
        MineRow(s, g, f, gr, b, bool(o), bool(d))
        for s, g, f, gr, b, o, d in session.execute(one_page(stmt, page, size))
    ]
    return MinePage(rows, int(counts[0]), int(counts[1]), int(counts[2]), today)


# --- visits -------------------------------------------------------------------------------------


@dataclass
class VisitInput:
    visited_on: date | None = None
    found: str = ""
    needs_follow_up: bool = False
    #: a grid item's category: open an item with the visit's text (需要跟进)
    category_id: int | None = None


def add_visit(
    session: Session, actor: User, subject: VisitSubject, values: VisitInput
) -> DutyVisit:
    """Log a visit to ``subject`` (seen by ``actor``: get it with :func:`get_subject_or_404`).

    The subject's ``last_visited_on`` becomes the visit's date in the same transaction, in one
    guarded UPDATE that only moves it forward (an older visit entered later leaves it). With a
    category, the follow-up opens a grid item through ``create_item`` with the subject's
    community, grid and building and the visit's text as its description, the actor as its
    reporter, and the visit links it. Audit-logged.

    :raise ServiceError: with its field: no date or a date after today (street's calendar);
        nothing written of what was found, or too long; a category not of the street (from
        create_item); an archived subject
    """
    subject_scope(actor)
    if values.visited_on is None:
        raise ServiceError(_("请填写走访日期"), "visited_on")
    if values.visited_on > street_today():
        raise ServiceError(_("走访日期不能晚于今天"), "visited_on")
    found = clean_text(values.found, FOUND_MAX, "found", lines=True)
    if not found:
        raise ServiceError(_("请填写走访了解到的情况"), "found")
    if subject.archived_at is not None:
        raise ServiceError(_("该走访对象已归档，不能登记走访"))
    item_id = None
    if values.category_id is not None:
        item = create_item(
            session,
            actor,
            ItemInput(
                category_id=values.category_id,
                description=found,
                community_id=subject.community_id,
                grid_id=subject.grid_id,
                building_id=subject.building_id,
            ),
        )
        item_id = item.id
    visit = DutyVisit(
        subject_id=subject.id,
        visitor_id=actor.id,
        visited_on=values.visited_on,
        found=found,
        needs_follow_up=bool(values.needs_follow_up or item_id),
        item_id=item_id,
    )
    session.add(visit)
    session.flush()
    guarded_update(
        session,
        subject,
        or_(VisitSubject.last_visited_on.is_(None),
            VisitSubject.last_visited_on < values.visited_on),
        last_visited_on=values.visited_on,
    )  # fmt: skip
    detail = {"item_id": item_id} if item_id else {}
    record(session, "grid.visit_add", actor.id, f"visit_subject:{subject.id}", detail)
    return visit


# --- due per grid worker (the office) -----------------------------------------------------------


@dataclass(frozen=True)
class WorkerDue:
    worker_id: int | None
    worker: str | None
    subjects: int
    due: int
    overdue: int


def due_by_worker(session: Session, viewer: User) -> tuple[list[WorkerDue], date]:
    """Per grid worker (None: grids without one), how many active subjects they have, how many
    are due this period and how many overdue, among the subjects ``viewer`` may see: one grouped
    statement. For the admin and community staff.

    :raise NotFound: anyone else
    """
    _require_overseer(viewer)
    today = street_today()
    rows = session.execute(
        select(
            Grid.worker_id,
            User.name,
            func.count(),
            func.coalesce(func.sum(case((due_clause(today), 1), else_=0)), 0),
            func.coalesce(func.sum(case((overdue_clause(today), 1), else_=0)), 0),
        )
        .select_from(VisitSubject)
        .join(VisitGroup, VisitGroup.id == VisitSubject.group_id)
        .join(Grid, Grid.id == VisitSubject.grid_id)
        .outerjoin(User, User.id == Grid.worker_id)
        .where(subject_scope(viewer), *_active())
        .group_by(Grid.worker_id, User.name)
        .order_by(User.name.is_(None), User.name, Grid.worker_id)
    ).all()
    return [WorkerDue(wid, name, n, int(d), int(o)) for wid, name, n, d, o in rows], today


def count_overdue_for(session: Session, viewer: User) -> int:
    """The dashboard's to-do: overdue subjects of the viewer's own grids (a grid worker's)."""
    if not sees_visits(viewer) or not viewer.is_grid_worker:
        return 0
    return (
        session.scalar(
            select(func.count())
            .select_from(VisitSubject)
            .join(VisitGroup, VisitGroup.id == VisitSubject.group_id)
            .join(Grid, Grid.id == VisitSubject.grid_id)
            .where(Grid.worker_id == viewer.id, *_active(), overdue_clause(street_today()))
        )
        or 0
    )
