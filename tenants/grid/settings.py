"""The street's settings for the loop (网格设置): levels with their deadlines (紧急 1 天, 一般 5 天),
categories of items with their level, departments items are assigned to (with the supervisor told
when their items run late, and the members who handle them), and the points a resident's
confirmed report earns (``Tenant.settings["grid_report_points"]``).

Only the street's admin changes them; every change is in the audit log. A category or department
that items already name is archived rather than deleted (the items keep their history); a level
that categories use cannot be deleted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from saas.audit.services import record
from saas.auth.models import Role, User
from saas.db import utcnow
from saas.errors import NotFound, ServiceError
from saas.forms import parse_id
from saas.streets.cache import fresh_for_update
from saas.streets.models import Tenant
from saas.text import ascii_digits, fold, other_digits
from tenants.grid.models import Department, DepartmentMember, GridItem, ItemCategory, ItemLevel

#: the longest deadline a level may give
MAX_DAYS = 365
MAX_HOURS = MAX_DAYS * 24
LEVEL_NAME_MAX = 20
CATEGORY_NAME_MAX = 30
DEPARTMENT_NAME_MAX = 40

POINTS_KEY = "grid_report_points"
#: the most points one confirmed report may earn
POINTS_MAX = 100

UNIT_HOURS = "hours"
UNIT_DAYS = "days"
UNIT_LABELS = {UNIT_HOURS: _l("小时"), UNIT_DAYS: _l("天")}

#: what "add the usual ones" gives a street that has none: (level, hours) and (category, level)
#: (stored in Chinese whatever the admin's language: they are the street's data, not UI text)
USUAL_LEVELS = (("紧急", 24), ("一般", 120))
USUAL_CATEGORIES = (
    ("环境卫生", 1),
    ("公共设施", 1),
    ("邻里纠纷", 1),
    ("安全隐患", 0),
    ("困难老人", 0),
    ("违章搭建", 1),
    ("其他", 1),
)


def _require_admin(actor: User) -> None:
    if actor.role != Role.admin:
        raise ServiceError(_("只有街道管理员可以修改网格设置"))


def _name(raw: str | None, most: int) -> str:
    """A name typed in a form: folded, spaces inside collapsed; required, at most ``most``."""
    name = " ".join(fold(raw).split())
    if not name:
        raise ServiceError(_("请填写名称"), "name")
    if len(name) > most:
        raise ServiceError(_("名称不能超过 %(n)d 个字", n=most), "name")
    return name


def _flush_unique(session: Session, message: str) -> None:
    """Flush; the same name saved by someone else at this moment is the usual refusal (the
    transaction is unusable afterwards: the view rolls back before showing it)."""
    try:
        session.flush()
    except IntegrityError as exc:
        raise ServiceError(message, "name") from exc


def _next_position(session: Session, model) -> int:
    return (session.scalar(select(func.max(model.position))) or 0) + 1


# --- points for a confirmed report ---------------------------------------------------------------


def report_points(tenant: Tenant) -> int:
    """Points a resident earns when their report is confirmed (0: none)."""
    try:
        return int((tenant.settings or {}).get(POINTS_KEY, 0) or 0)
    except (TypeError, ValueError):
        return 0


def parse_points(raw: str | None) -> int:
    """:raise ServiceError: not a whole number from 0 to POINTS_MAX"""
    text = fold(raw) or "0"
    message = other_digits(text)
    if message:
        raise ServiceError(message, "points")
    digits = ascii_digits(text)
    if digits is None or len(digits) > 3 or int(digits) > POINTS_MAX:
        raise ServiceError(_("上报积分须为 0–%(n)d 的整数", n=POINTS_MAX), "points")
    return int(digits)


def save_report_points(session: Session, actor: User, tenant: Tenant, raw: str | None) -> bool:
    """The admin sets the points; audit-logged. Returns whether they changed.

    :raise ServiceError: not the admin, or a value refused
    """
    _require_admin(actor)
    points = parse_points(raw)
    fresh_for_update(session, tenant)
    if report_points(tenant) == points:
        return False
    tenant.settings = {**(tenant.settings or {}), POINTS_KEY: points}
    session.flush()
    record(session, "settings.change", actor.id, "tenant", {POINTS_KEY: points})
    return True


# --- levels ----------------------------------------------------------------------------------------


@dataclass
class LevelInput:
    name: str | None
    #: the deadline as typed, in ``unit``
    amount: str | None
    unit: str | None = UNIT_DAYS


def parse_deadline(amount: str | None, unit: str | None) -> int:
    """The deadline in hours from what was typed (``amount`` in hours or days).

    :raise ServiceError: on the field ``amount``: empty, not a whole number, 0, or past a year
    """
    text = fold(amount)
    if not text:
        raise ServiceError(_("请填写办理时限"), "amount")
    message = other_digits(text)
    if message:
        raise ServiceError(message, "amount")
    digits = ascii_digits(text)
    if digits is None:
        raise ServiceError(_("办理时限须为正整数（小时或天）"), "amount")
    if unit not in UNIT_LABELS:
        raise ServiceError(_("请选择小时或天"), "unit")
    value = int(digits) if len(digits) <= 6 else MAX_HOURS + 1
    hours = value * 24 if unit == UNIT_DAYS else value
    if hours <= 0:
        raise ServiceError(_("办理时限须大于 0"), "amount")
    if hours > MAX_HOURS:
        raise ServiceError(_("办理时限不能超过 %(n)d 天", n=MAX_DAYS), "amount")
    return hours


def deadline_text(hours: int) -> str:
    """ "5 天" for whole days, "36 小时" otherwise."""
    if hours % 24 == 0:
        return _("%(n)d 天", n=hours // 24)
    return _("%(n)d 小时", n=hours)


def deadline_form_values(hours: int) -> tuple[str, str]:
    """The form's amount and unit for a stored deadline."""
    if hours % 24 == 0:
        return str(hours // 24), UNIT_DAYS
    return str(hours), UNIT_HOURS


@dataclass(frozen=True)
class LevelRow:
    level: ItemLevel
    categories: int


def levels(session: Session) -> list[LevelRow]:
    """The street's levels in order, each with how many categories use it (one statement)."""
    used = (
        select(ItemCategory.level_id, func.count().label("n"))
        .group_by(ItemCategory.level_id)
        .subquery()
    )
    rows = session.execute(
        select(ItemLevel, func.coalesce(used.c.n, 0))
        .outerjoin(used, used.c.level_id == ItemLevel.id)
        .order_by(ItemLevel.position, ItemLevel.deadline_hours, ItemLevel.id)
    ).all()
    return [LevelRow(level, n) for level, n in rows]


def get_level_or_404(session: Session, level_id: int) -> ItemLevel:
    level = session.scalar(select(ItemLevel).where(ItemLevel.id == level_id))
    if level is None:
        raise NotFound(_("事项等级不存在"))
    return level


def _level_values(session: Session, data: LevelInput, current: ItemLevel | None) -> dict:
    name = _name(data.name, LEVEL_NAME_MAX)
    hours = parse_deadline(data.amount, data.unit)
    stmt = select(ItemLevel.id).where(ItemLevel.name == name)
    if current is not None:
        stmt = stmt.where(ItemLevel.id != current.id)
    if session.scalar(stmt.limit(1)) is not None:
        raise ServiceError(_("已有同名的事项等级“%(name)s”", name=name), "name")
    return {"name": name, "deadline_hours": hours}


def create_level(session: Session, actor: User, data: LevelInput) -> ItemLevel:
    """:raise ServiceError: naming the field at fault"""
    _require_admin(actor)
    values = _level_values(session, data, None)
    level = ItemLevel(**values, position=_next_position(session, ItemLevel))
    session.add(level)
    _flush_unique(session, _("已有同名的事项等级“%(name)s”", name=values["name"]))
    record(session, "grid.level_create", actor.id, f"grid_level:{level.id}",
           {"hours": level.deadline_hours})  # fmt: skip
    return level


def update_level(session: Session, actor: User, level_id: int, data: LevelInput) -> bool:
    """Rename a level or change its deadline (items assigned from now on get the new one;
    deadlines already set stay). Returns whether anything changed."""
    _require_admin(actor)
    level = get_level_or_404(session, level_id)
    values = _level_values(session, data, level)
    if values == {"name": level.name, "deadline_hours": level.deadline_hours}:
        return False
    before = level.deadline_hours
    level.name, level.deadline_hours = values["name"], values["deadline_hours"]
    _flush_unique(session, _("已有同名的事项等级“%(name)s”", name=values["name"]))
    record(session, "grid.level_update", actor.id, f"grid_level:{level.id}",
           {"from": before, "to": level.deadline_hours})  # fmt: skip
    return True


def delete_level(session: Session, actor: User, level_id: int) -> str:
    """Delete a level no category uses; returns its name.

    :raise ServiceError: categories (archived ones too) still use it
    """
    _require_admin(actor)
    level = get_level_or_404(session, level_id)
    used = session.scalar(select(func.count()).where(ItemCategory.level_id == level.id))
    if used:
        raise ServiceError(
            _("还有 %(n)d 个事项类别使用“%(name)s”，请先把它们改为其他等级", n=used,
              name=level.name)
        )  # fmt: skip
    name = level.name
    session.delete(level)
    session.flush()
    record(session, "grid.level_delete", actor.id, f"grid_level:{level_id}", {"name": name})
    return name


# --- categories ----------------------------------------------------------------------------------


@dataclass
class CategoryInput:
    name: str | None
    level_id: str | int | None


@dataclass(frozen=True)
class CategoryRow:
    category: ItemCategory
    level_name: str
    deadline_hours: int
    items: int


def categories(session: Session) -> list[CategoryRow]:
    """Every category (current first, then archived) with its level and how many items name it
    (one statement)."""
    used = (
        select(GridItem.category_id, func.count().label("n"))
        .group_by(GridItem.category_id)
        .subquery()
    )
    rows = session.execute(
        select(ItemCategory, ItemLevel.name, ItemLevel.deadline_hours, func.coalesce(used.c.n, 0))
        .join(ItemLevel, ItemLevel.id == ItemCategory.level_id)
        .outerjoin(used, used.c.category_id == ItemCategory.id)
        .order_by(ItemCategory.archived_at.is_not(None), ItemCategory.position, ItemCategory.id)
    ).all()
    return [CategoryRow(c, name, hours, n) for c, name, hours, n in rows]


def get_category_or_404(session: Session, category_id: int) -> ItemCategory:
    category = session.scalar(select(ItemCategory).where(ItemCategory.id == category_id))
    if category is None:
        raise NotFound(_("事项类别不存在"))
    return category


def _category_values(session: Session, data: CategoryInput, current: ItemCategory | None) -> dict:
    name = _name(data.name, CATEGORY_NAME_MAX)
    level_id = parse_id(data.level_id)
    level = None
    if level_id is not None:
        level = session.scalar(select(ItemLevel.id).where(ItemLevel.id == level_id))
    if level is None:
        raise ServiceError(_("请选择事项等级"), "level_id")
    stmt = select(ItemCategory.id).where(ItemCategory.name == name)
    if current is not None:
        stmt = stmt.where(ItemCategory.id != current.id)
    if session.scalar(stmt.limit(1)) is not None:
        raise ServiceError(_("已有同名的事项类别“%(name)s”", name=name), "name")
    return {"name": name, "level_id": level}


def create_category(session: Session, actor: User, data: CategoryInput) -> ItemCategory:
    """:raise ServiceError: naming the field at fault"""
    _require_admin(actor)
    values = _category_values(session, data, None)
    category = ItemCategory(**values, position=_next_position(session, ItemCategory))
    session.add(category)
    _flush_unique(session, _("已有同名的事项类别“%(name)s”", name=values["name"]))
    record(session, "grid.category_create", actor.id, f"grid_category:{category.id}",
           {"level_id": category.level_id})  # fmt: skip
    return category


def update_category(session: Session, actor: User, category_id: int, data: CategoryInput) -> bool:
    """Rename a category or change its level. Returns whether anything changed."""
    _require_admin(actor)
    category = get_category_or_404(session, category_id)
    values = _category_values(session, data, category)
    if values == {"name": category.name, "level_id": category.level_id}:
        return False
    before = category.level_id
    category.name, category.level_id = values["name"], values["level_id"]
    _flush_unique(session, _("已有同名的事项类别“%(name)s”", name=values["name"]))
    record(session, "grid.category_update", actor.id, f"grid_category:{category.id}",
           {"from": before, "to": category.level_id})  # fmt: skip
    return True


def remove_category(session: Session, actor: User, category_id: int) -> bool:
    """Delete a category no item names; archive one that items name (it leaves the report
    form, its items keep it). Returns True when archived, False when deleted."""
    _require_admin(actor)
    category = get_category_or_404(session, category_id)
    used = session.scalar(select(GridItem.id).where(GridItem.category_id == category.id).limit(1))
    if used is None:
        name = category.name
        session.delete(category)
        session.flush()
        record(session, "grid.category_delete", actor.id, f"grid_category:{category_id}",
               {"name": name})  # fmt: skip
        return False
    if category.archived_at is None:
        category.archived_at = utcnow()
        session.flush()
        record(session, "grid.category_archive", actor.id, f"grid_category:{category.id}")
    return True


def restore_category(session: Session, actor: User, category_id: int) -> None:
    _require_admin(actor)
    category = get_category_or_404(session, category_id)
    if category.archived_at is not None:
        category.archived_at = None
        session.flush()
        record(session, "grid.category_restore", actor.id, f"grid_category:{category.id}")


# --- departments ---------------------------------------------------------------------------------


@dataclass
class DepartmentInput:
    name: str | None
    supervisor_id: str | int | None = None
    member_ids: list = field(default_factory=list)


@dataclass(frozen=True)
class DepartmentRow:
    department: Department
    supervisor: str
    members: list[str]
    member_ids: list[int]


def office_accounts(session: Session) -> list[User]:
    """The street's enabled office accounts (admin and staff): supervisors and members are
    chosen among them."""
    return list(
        session.scalars(
            select(User)
            .where(User.role.in_((Role.admin, Role.staff)), User.is_enabled.is_(True))
            .order_by(User.name, User.id)
        )
    )


def departments(session: Session) -> list[DepartmentRow]:
    """Every department (current first) with its supervisor's and members' names (two
    statements: the departments, then all their members)."""
    rows = session.execute(
        select(Department, User.name)
        .outerjoin(User, User.id == Department.supervisor_id)
        .order_by(Department.archived_at.is_not(None), Department.position, Department.id)
    ).all()
    members: dict[int, list[tuple[int, str]]] = {}
    if rows:
        for department_id, user_id, name in session.execute(
            select(DepartmentMember.department_id, User.id, User.name)
            .join(User, User.id == DepartmentMember.user_id)
            .order_by(User.name, User.id)
        ):
            members.setdefault(department_id, []).append((user_id, name))
    return [
        DepartmentRow(
            d,
            supervisor or "",
            [name for _id, name in members.get(d.id, [])],
            [uid for uid, _name in members.get(d.id, [])],
        )
        for d, supervisor in rows
    ]


def get_department_or_404(session: Session, department_id: int) -> Department:
    department = session.scalar(select(Department).where(Department.id == department_id))
    if department is None:
        raise NotFound(_("部门不存在"))
    return department


def _office_ids(session: Session, raw_ids: Iterable, field_name: str, message: str) -> list[int]:
    """The ids of the street's enabled office accounts among ``raw_ids``.

    :raise ServiceError: an id that is no such account (another street's, a volunteer's, a
        disabled one, or not an id at all)
    """
    ids = []
    for raw in raw_ids:
        if raw in (None, ""):
            continue
        value = parse_id(raw)
        if value is None:
            raise ServiceError(message, field_name)
        if value not in ids:
            ids.append(value)
    if not ids:
        return []
    found = set(
        session.scalars(
            select(User.id).where(
                User.id.in_(ids),
                User.role.in_((Role.admin, Role.staff)),
                User.is_enabled.is_(True),
            )
        )
    )
    if len(found) != len(ids):
        raise ServiceError(message, field_name)
    return ids


def _department_values(session: Session, data: DepartmentInput, current: Department | None):
    name = _name(data.name, DEPARTMENT_NAME_MAX)
    supervisor = _office_ids(
        session, [data.supervisor_id], "supervisor_id", _("请从街道的工作人员中选择分管领导")
    )
    members = _office_ids(
        session, data.member_ids or [], "member_ids", _("部门成员须为街道的工作人员")
    )
    stmt = select(Department.id).where(Department.name == name)
    if current is not None:
        stmt = stmt.where(Department.id != current.id)
    if session.scalar(stmt.limit(1)) is not None:
        raise ServiceError(_("已有同名的部门“%(name)s”", name=name), "name")
    return {"name": name, "supervisor_id": supervisor[0] if supervisor else None}, members


def _set_members(session: Session, department: Department, members: list[int]) -> bool:
    current = set(
        session.scalars(
            select(DepartmentMember.user_id).where(DepartmentMember.department_id == department.id)
        )
    )
    wanted = set(members)
    if current == wanted:
        return False
    gone = current - wanted
    if gone:
        session.execute(
            delete(DepartmentMember).where(
                DepartmentMember.department_id == department.id,
                DepartmentMember.user_id.in_(gone),
            )
        )
    for user_id in sorted(wanted - current):
        session.add(DepartmentMember(department_id=department.id, user_id=user_id))
    session.flush()
    return True


def create_department(session: Session, actor: User, data: DepartmentInput) -> Department:
    """:raise ServiceError: naming the field at fault"""
    _require_admin(actor)
    values, members = _department_values(session, data, None)
    department = Department(**values, position=_next_position(session, Department))
    session.add(department)
    _flush_unique(session, _("已有同名的部门“%(name)s”", name=values["name"]))
    _set_members(session, department, members)
    record(session, "grid.department_create", actor.id, f"grid_department:{department.id}",
           {"user_id": department.supervisor_id, "members": len(members)})  # fmt: skip
    return department


def update_department(
    session: Session, actor: User, department_id: int, data: DepartmentInput
) -> bool:
    """Rename a department, change its supervisor or members. Returns whether anything
    changed."""
    _require_admin(actor)
    department = get_department_or_404(session, department_id)
    values, members = _department_values(session, data, department)
    changed = values != {"name": department.name, "supervisor_id": department.supervisor_id}
    if changed:
        department.name, department.supervisor_id = values["name"], values["supervisor_id"]
        _flush_unique(session, _("已有同名的部门“%(name)s”", name=values["name"]))
    changed = _set_members(session, department, members) or changed
    if changed:
        record(session, "grid.department_update", actor.id, f"grid_department:{department.id}",
               {"user_id": department.supervisor_id, "members": len(members)})  # fmt: skip
    return changed


def remove_department(session: Session, actor: User, department_id: int) -> bool:
    """Delete a department no item was assigned to (its members go with it); archive one that
    items name (no new items go to it). Returns True when archived, False when deleted."""
    _require_admin(actor)
    department = get_department_or_404(session, department_id)
    used = session.scalar(
        select(GridItem.id).where(GridItem.handler_department_id == department.id).limit(1)
    )
    if used is None:
        name = department.name
        session.execute(
            delete(DepartmentMember).where(DepartmentMember.department_id == department.id)
        )
        session.delete(department)
        session.flush()
        record(session, "grid.department_delete", actor.id,
               f"grid_department:{department_id}", {"name": name})  # fmt: skip
        return False
    if department.archived_at is None:
        department.archived_at = utcnow()
        session.flush()
        record(session, "grid.department_archive", actor.id, f"grid_department:{department.id}")
    return True


def restore_department(session: Session, actor: User, department_id: int) -> None:
    _require_admin(actor)
    department = get_department_or_404(session, department_id)
    if department.archived_at is not None:
        department.archived_at = None
        session.flush()
        record(session, "grid.department_restore", actor.id, f"grid_department:{department.id}")


# --- the usual lists, in one click ---------------------------------------------------------------


def needs_usual(session: Session) -> bool:
    """Whether the street has neither levels nor categories yet (the page offers the usual
    ones)."""
    return (
        session.scalar(select(ItemLevel.id).limit(1)) is None
        and session.scalar(select(ItemCategory.id).limit(1)) is None
    )


def add_usual(session: Session, actor: User) -> int:
    """Give a street with no levels and no categories the usual ones (紧急 24 小时, 一般 120 小时;
    环境卫生 … 其他). Returns how many categories were added (0: the street had some already).
    """
    _require_admin(actor)
    if not needs_usual(session):
        return 0
    made = []
    for position, (name, hours) in enumerate(USUAL_LEVELS, start=1):
        level = ItemLevel(name=name, deadline_hours=hours, position=position)
        session.add(level)
        made.append(level)
    _flush_unique(session, _("事项等级已存在，请刷新后再试"))
    for position, (name, level_index) in enumerate(USUAL_CATEGORIES, start=1):
        session.add(ItemCategory(name=name, level_id=made[level_index].id, position=position))
    _flush_unique(session, _("事项类别已存在，请刷新后再试"))
    record(session, "grid.usual_settings", actor.id, "tenant",
           {"levels": len(USUAL_LEVELS), "categories": len(USUAL_CATEGORIES)})  # fmt: skip
    return len(USUAL_CATEGORIES)


# --- names for the audit log ---------------------------------------------------------------------


def level_names(session: Session, ids: list[int]) -> dict[int, str]:
    return dict(
        session.execute(select(ItemLevel.id, ItemLevel.name).where(ItemLevel.id.in_(ids))).all()
    )


def category_names(session: Session, ids: list[int]) -> dict[int, str]:
    return dict(
        session.execute(
            select(ItemCategory.id, ItemCategory.name).where(ItemCategory.id.in_(ids))
        ).all()
    )


def department_names(session: Session, ids: list[int]) -> dict[int, str]:
    return dict(
        session.execute(select(Department.id, Department.name).where(Department.id.in_(ids))).all()
    )
