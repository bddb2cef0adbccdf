"""The demo street's grid governance (网格化治理), after the reference street's figures
(../shared/domain/000: 437 grid items a quarter; 003: 八必访 duty visits).

- Settings: two levels (紧急 24 h, 一般 120 h), the usual categories, three departments (城管办,
  综治中心, 社区服务中心) with supervisors and members among the demo office accounts, and
  ``grid_report_points`` 5 unless the street set it.
- The grid-worker login 13900000006 (password ``demo1234``): a staff account limited to 清泉社区,
  the worker of its grids (tenants/people, which makes the other demo accounts, is not this
  module's to edit: the account is made here, once).
- A quarter's worth of items (400) across the demo street's grids, in every state: reported,
  accepted, rejected, assigned, in progress, done, checked, closed satisfied, closed after a
  reopen, closed without a follow-up; some overdue, some escalated to the community and the
  street; handled by staff, departments and alliance units; reported by residents (the
  generated volunteers: the fixed demo logins keep their hand-written history), grid workers
  and staff. Each has its timeline (steps in order, with times and notes). No points are paid
  for the residents' confirmed reports: the passport's ledger has no bulk path, and a demo
  that wrote point entries by itself would bypass its guards.
- Visit groups (八必访) with 120 invented residents and a month of visits.
- Map pins for the demo grids (the schematic's places).

Fixed size whatever ``DEMO_SCALE`` (these are one street's figures), every row made in Python
and written many to a statement (``bulk_insert``). Idempotent: each part is made once (settings
by name, items and visit groups when there are none, pins for grids without one).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from saas.auth.models import Role, User
from saas.auth.services import create_user
from saas.db import new_id
from saas.demo import PASSWORD, bulk_insert
from saas.notify.services import notify
from saas.streets.models import Tenant
from saas.ui import street_zone
from tenants.grid.gridmap import default_pins
from tenants.grid.models import (
    Department,
    DepartmentMember,
    DutyVisit,
    GridItem,
    GridPin,
    HandlerKind,
    ItemCategory,
    ItemLevel,
    ItemStep,
    ReporterRole,
    VisitGroup,
    VisitSubject,
)
from tenants.grid.models import ItemStatus as S
from tenants.orgs.models import OrgAccount, Organisation, OrgKind
from tenants.people.demo import GIVEN, SURNAMES, fixed_phones
from tenants.structure.models import Building, Community, Grid

ADMIN_PHONE = "13900000001"
STAFF_PHONE = "13900000002"
#: the grid worker's login: phone, name, community
GRID_WORKER = ("13900000006", "周海涛", "清泉社区")
WELCOME = "您是清泉社区的网格员：本网格的事项、走访对象和民情地图都在这里。"
REPORT_POINTS_KEY = "grid_report_points"
REPORT_POINTS = 5

LEVELS = (("紧急", 24), ("一般", 120))
#: category → its level, and what residents and grid workers write about it
CATEGORIES = {
    "环境卫生": (
        "一般",
        (
            "楼道内堆放大量纸箱杂物，影响通行",
            "小区垃圾桶满溢，周边有异味",
            "绿化带内有建筑垃圾未清运",
            "单元门口小广告乱贴乱画",
            "楼下草坪有宠物粪便无人清理",
            "雨后小区路面淤泥未清扫",
        ),
    ),
    "公共设施": (
        "一般",
        (
            "路灯不亮，晚上出行不便",
            "单元门禁损坏，无法正常关闭",
            "健身器材螺丝松动，存在隐患",
            "雨水井盖破损",
            "楼道声控灯损坏",
            "小区休闲座椅断裂",
        ),
    ),
    "邻里纠纷": (
        "一般",
        (
            "楼上住户夜间噪音扰民",
            "邻居长期占用公共楼道停放杂物引发矛盾",
            "空调外机滴水影响楼下住户",
            "卫生间漏水，上下楼产生纠纷",
            "相邻住户因停车位发生争执",
        ),
    ),
    "安全隐患": (
        "紧急",
        (
            "电动车在楼道内充电，存在飞线充电",
            "消防通道被车辆堵塞",
            "外墙瓷砖脱落，楼下有行人经过",
            "楼道内闻到燃气异味",
            "小区围墙出现裂缝倾斜",
        ),
    ),
    "困难老人": (
        "紧急",
        (
            "独居老人多日未出门，邻居联系不上",
            "高龄老人行动不便，需要代购生活用品",
            "老人家中取暖设备故障",
            "老人反映看病取药无人陪同",
        ),
    ),
    "物业管理": (
        "一般",
        (
            "电梯经常故障停运",
            "小区门口积水严重",
            "物业保洁不到位，楼道长期未打扫",
            "地下车库照明不足",
        ),
    ),
}
#: department → supervisor's phone, members' phones (the demo office accounts)
DEPARTMENTS = (
    ("城管办", ADMIN_PHONE, (STAFF_PHONE,)),
    ("综治中心", ADMIN_PHONE, (STAFF_PHONE, GRID_WORKER[0])),
    ("社区服务中心", STAFF_PHONE, (GRID_WORKER[0],)),
)
#: which departments a category goes to at the community and street tiers
CATEGORY_DEPARTMENTS = {
    "环境卫生": ("城管办", "社区服务中心"),
    "公共设施": ("城管办", "社区服务中心"),
    "邻里纠纷": ("综治中心", "社区服务中心"),
    "安全隐患": ("综治中心", "城管办"),
    "困难老人": ("社区服务中心",),
    "物业管理": ("社区服务中心", "城管办"),
}
ITEMS = 400
QUARTER = timedelta(days=91)
#: the final states of the quarter's items and how many of each (400 in all)
PLAN = (
    ("closed", 232),  # closed, the reporter satisfied
    ("reopened", 20),  # not satisfied at first, done again, then satisfied
    ("closed_quietly", 20),  # closed without the reporter's word (staff reports, unreachable)
    ("rejected", 20),
    ("checked", 16),
    ("done", 20),
    ("in_progress", 32),
    ("assigned", 20),
    ("accepted", 8),
    ("reported", 12),
)
REJECT_REASONS = (
    "不属于网格事项受理范围，已告知居民拨打12345热线反映",
    "与已上报事项重复，已合并办理",
    "经核实问题不存在，已向上报人说明情况",
    "属于业主家庭内部事务，建议通过物业协商解决",
)
ACCEPT_NOTES = ("情况属实，予以受理", "已电话核实，受理", "已受理，尽快派单", "")
PROGRESS_NOTES = ("已到现场查看，正在联系相关方", "已约定维修时间", "材料已采购，等待施工",
                  "已与当事双方沟通，正在协调", "已安排人员跟进处理")  # fmt: skip
DONE_NOTES = {
    "环境卫生": ("杂物已清理完毕，楼道恢复通畅", "已安排保洁清运，现场已整洁", "小广告已清除"),
    "公共设施": ("已更换灯具，恢复照明", "门禁已维修，可正常使用", "已更换破损部件"),
    "邻里纠纷": ("经调解双方达成一致，签订调解协议", "已约谈当事人，问题得到解决"),
    "安全隐患": (
        "已清理飞线，劝导住户到集中充电点充电",
        "隐患已排除，已设置警示标识",
        "已联系燃气公司上门检修，排除隐患",
    ),
    "困难老人": (
        "已上门看望老人，身体无大碍，已联系家属",
        "已安排志愿者每周代购",
        "设备已修复，老人生活恢复正常",
    ),
    "物业管理": ("已督促物业完成维修", "物业已加派人员，问题已解决"),
}
CHECK_NOTES = ("现场核查，已处理到位", "已复核，情况属实", "核查通过")
SATISFIED_NOTES = ("居民表示满意", "电话回访，上报人满意", "回访满意，感谢网格员")
REOPEN_NOTES = ("问题没有彻底解决，几天后又出现了", "维修后仍有问题，要求重新处理")
CLOSE_NOTES = ("工作人员上报，核查通过后关闭", "多次联系上报人未果，按规定关闭")
ESCALATE_NOTES = {
    "community": ("网格内协调不了，需社区协调物业和相关单位", "涉及多个楼栋，上报社区统筹"),
    "street": ("需街道职能部门处理", "涉及执法事项，上报街道"),
}
PLACES = ("楼道", "单元门口", "楼下", "小区门口", "地下车库", "绿化带", "健身广场", "停车场")

VISIT_GROUPS = (
    ("独居老人", "weekly", 22), ("空巢老人", "monthly", 18), ("困难群众", "monthly", 18),
    ("残疾人家庭", "monthly", 16), ("留守儿童", "monthly", 14), ("重病患者", "monthly", 12),
    ("优抚对象", "quarterly", 10), ("失业人员", "quarterly", 10),
)  # fmt: skip
VISIT_FINDINGS = {
    False: ("身体状况良好，生活能自理", "家中一切正常，叮嘱注意防寒保暖", "按时服药，精神状态不错",
            "孩子学习正常，监护人外出务工", "已了解近期就业意向，推荐了岗位信息",
            "家属在身边照顾，暂无需求", "提醒注意用电用气安全"),
    True: ("家中暖气不热，需联系物业", "反映轮椅损坏，需要协助申请", "血压偏高，需联系社区医生上门",
           "想申请临时救助，需进一步了解情况", "家中水管漏水，老人无法自行处理"),
}  # fmt: skip


def load_demo(session: Session, tenant: Tenant) -> list[str]:
    """The grid module's demo (see the module docstring). Runs in the street's scope."""
    accounts = dict(session.execute(
        select(User.phone, User.id).where(User.phone.in_([ADMIN_PHONE, STAFF_PHONE]))
    ).all())  # fmt: skip
    worker_id = _grid_worker(session, tenant)
    accounts[GRID_WORKER[0]] = worker_id
    categories = _settings(session, tenant, accounts)
    _pins(session, tenant)
    now = datetime.now(UTC)
    if session.scalar(select(GridItem.id).limit(1)) is None:
        _items(session, tenant, categories, accounts, now)
    if session.scalar(select(VisitGroup.id).limit(1)) is None:
        _visits(session, tenant, accounts, now)
    return [f"grid worker {GRID_WORKER[0]}"]


# --- the grid worker's login, the settings --------------------------------------------------------


def _grid_worker(session: Session, tenant: Tenant) -> int:
    phone, name, community_name = GRID_WORKER
    community = session.scalar(select(Community).where(Community.name == community_name))
    user = session.scalar(select(User).where(User.phone == phone))
    if user is None:
        user = create_user(session, phone=phone, name=name, password=PASSWORD, role=Role.staff,
                           community_id=community.id if community else None,
                           is_grid_worker=True)  # fmt: skip
        notify(session, user, "welcome", f"欢迎来到{tenant.name}", WELCOME)
    if community is not None:
        for grid in session.scalars(
            select(Grid).where(Grid.community_id == community.id, Grid.worker_id.is_(None))
        ):
            grid.worker_id = user.id
    session.flush()
    return user.id


def _settings(session: Session, tenant: Tenant, accounts: dict[str, int]) -> dict[str, dict]:
    """Levels, categories, departments and the points setting, each made once (by name).
    Returns the categories by name: id, level's hours, texts."""
    levels = {row.name: row for row in session.scalars(select(ItemLevel))}
    for position, (name, hours) in enumerate(LEVELS):
        if name not in levels:
            levels[name] = ItemLevel(name=name, deadline_hours=hours, position=position)
            session.add(levels[name])
    session.flush()
    found = {row.name: row for row in session.scalars(select(ItemCategory))}
    for position, (name, (level, _texts)) in enumerate(CATEGORIES.items()):
        if name not in found:
            found[name] = ItemCategory(name=name, level_id=levels[level].id, position=position)
            session.add(found[name])
    departments = {row.name: row for row in session.scalars(select(Department))}
    for position, (name, supervisor, _members) in enumerate(DEPARTMENTS):
        if name not in departments:
            departments[name] = Department(name=name, supervisor_id=accounts.get(supervisor),
                                           position=position)  # fmt: skip
            session.add(departments[name])
    session.flush()
    members = set(session.execute(select(DepartmentMember.department_id, DepartmentMember.user_id)))
    for name, _supervisor, phones in DEPARTMENTS:
        for phone in phones:
            key = (departments[name].id, accounts.get(phone))
            if key[1] is not None and key not in members:
                session.add(DepartmentMember(department_id=key[0], user_id=key[1]))
                members.add(key)
    if REPORT_POINTS_KEY not in (tenant.settings or {}):
        tenant.settings = {**(tenant.settings or {}), REPORT_POINTS_KEY: REPORT_POINTS}
    session.flush()
    hours = {row.id: row.deadline_hours for row in levels.values()}
    return {
        name: {"id": row.id, "hours": hours.get(row.level_id, 120),
               "texts": CATEGORIES.get(name, ("一般", ("",)))[1],
               "departments": {d: departments[d].id for d in CATEGORY_DEPARTMENTS.get(name, ())
                               if d in departments}}
        for name, row in found.items()
        if row.archived_at is None and name in CATEGORIES
    }  # fmt: skip


# --- pins ------------------------------------------------------------------------------------------


def _pins(session: Session, tenant: Tenant) -> None:
    """Every demo grid placed where the schematic draws it."""
    placed = set(session.scalars(select(GridPin.grid_id)))
    grids = session.execute(
        select(Grid.id, Grid.community_id).where(Grid.archived_at.is_(None))
        .order_by(Grid.position, Grid.id)
    ).all()  # fmt: skip
    per_community: dict[int, list[int]] = {}
    for grid_id, community_id in grids:
        per_community.setdefault(community_id, []).append(grid_id)
    rows = []
    for grid_ids in per_community.values():
        for grid_id, (x, y) in zip(grid_ids, default_pins(len(grid_ids)), strict=True):
            if grid_id not in placed:
                rows.append({"tenant_id": tenant.id, "id": new_id(), "grid_id": grid_id,
                             "x": x, "y": y})  # fmt: skip
    bulk_insert(session, GridPin, rows)


# --- a quarter's items ----------------------------------------------------------------------------


def _hours(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(hours=rng.uniform(low, high))


class _Timeline:
    """One item's steps, in order, and the columns they leave."""

    def __init__(self, item: dict, start: datetime):
        self.item = item
        self.at = start
        self.steps: list[dict] = []

    def step(self, kind: str, status: str, actor_id, note: str = "", detail: str = "",
             after: timedelta = timedelta(0)) -> datetime:  # fmt: skip
        self.at = self.at + after
        self.steps.append({"kind": kind, "status": status, "actor_id": actor_id, "note": note,
                           "detail": detail[:200], "created_at": self.at})  # fmt: skip
        return self.at


@dataclass
class _Context:
    """What every generated item draws on."""

    rng: random.Random
    zone: object
    now: datetime
    tenant: Tenant
    grids: list
    categories: dict[str, dict]
    category_names: list[str]
    residents: dict[int, list[int]]
    all_residents: list[int]
    buildings: dict[int, list[int]]
    staff_community: int | None
    staff_id: int | None
    admin_id: int | None
    #: units, their accounts, departments, their members, the office accounts' names
    handlers: tuple


def _items(session, tenant, categories, accounts, now) -> None:
    rng = random.Random("grid-demo-items")
    zone = street_zone()
    grids = session.execute(
        select(Grid.id, Grid.community_id, Grid.worker_id, Community.name)
        .join(Community, Community.id == Grid.community_id)
        .where(Grid.archived_at.is_(None), Community.archived_at.is_(None))
        .order_by(Community.position, Grid.position, Grid.id)
    ).all()
    if not grids or not categories:
        return
    buildings: dict[int, list[int]] = {}
    for building_id, grid_id in session.execute(select(Building.id, Building.grid_id)):
        buildings.setdefault(grid_id, []).append(building_id)
    fixed = sorted(fixed_phones() | {GRID_WORKER[0]})
    residents: dict[int, list[int]] = {}
    for user_id, community_id in session.execute(
        select(User.id, User.community_id)
        .where(User.role == Role.volunteer, User.phone.not_in(fixed))
        .order_by(User.phone)
    ):
        residents.setdefault(community_id, []).append(user_id)
    all_residents = [uid for ids in residents.values() for uid in ids]
    units = session.execute(
        select(Organisation.id, Organisation.name)
        .where(Organisation.kind == OrgKind.alliance, Organisation.is_active.is_(True))
        .order_by(Organisation.created_at, Organisation.id).limit(12)
    ).all()  # fmt: skip
    unit_users = dict(session.execute(
        select(OrgAccount.organisation_id, OrgAccount.user_id)
        .where(OrgAccount.organisation_id.in_([u.id for u in units]))
    ).all()) if units else {}  # fmt: skip
    departments = dict(session.execute(select(Department.id, Department.name)).all())
    dept_members: dict[int, list[int]] = {}
    for department_id, user_id in session.execute(
        select(DepartmentMember.department_id, DepartmentMember.user_id)
    ):
        dept_members.setdefault(department_id, []).append(user_id)
    names = dict(session.execute(select(User.id, User.name).where(
        User.id.in_([i for i in accounts.values() if i]))).all())  # fmt: skip
    admin_id = accounts.get(ADMIN_PHONE)
    staff_id = accounts.get(STAFF_PHONE) or admin_id
    staff_community = session.scalar(select(User.community_id).where(User.id == staff_id))

    plan = [final for final, count in PLAN for _ in range(count)]
    rng.shuffle(plan)
    category_names = sorted(categories)
    ctx = _Context(rng, zone, now, tenant, grids, categories, category_names, residents,
                   all_residents, buildings, staff_community, staff_id, admin_id,
                   (units, unit_users, departments, dept_members, names))  # fmt: skip
    items, steps = [], []
    for index, final in enumerate(plan):
        item, line = _make_item(ctx, index, final)
        items.append(item)
        for row in line.steps:
            steps.append({"tenant_id": tenant.id, "id": new_id(), "item_id": item["id"], **row})
    # numbers by the day each was reported, as create_item gives them (WG20261207-0001 …)
    items.sort(key=lambda i: i["created_at"])
    per_day: dict[str, int] = {}
    for item in items:
        day = f"{item['created_at'].astimezone(zone):%Y%m%d}"
        per_day[day] = per_day.get(day, 0) + 1
        item["number"] = f"WG{day}-{per_day[day]:04d}"
    bulk_insert(session, GridItem, items)
    bulk_insert(session, ItemStep, steps)


def _make_item(ctx: _Context, index: int, final: str) -> tuple[dict, _Timeline]:
    """One item of the quarter ending in ``final``, with its timeline placed in time."""
    rng, zone, now, grids, categories = ctx.rng, ctx.zone, ctx.now, ctx.grids, ctx.categories
    staff_id, admin_id, buildings = ctx.staff_id, ctx.admin_id, ctx.buildings
    grid = grids[index % len(grids)] if rng.random() < 0.7 else rng.choice(grids)
    grid_id, community_id, grid_worker, _community_name = grid
    name = rng.choices(ctx.category_names, [5 if n in ("环境卫生", "公共设施") else 2
                                        for n in ctx.category_names])[0]  # fmt: skip
    category = categories[name]
    triage = staff_id if community_id == ctx.staff_community else admin_id
    checker = grid_worker or triage
    # who reported it
    local = ctx.residents.get(community_id) or ctx.all_residents
    if final == "closed_quietly":
        role = ReporterRole.staff if rng.random() < 0.6 else ReporterRole.resident
    elif final in ("closed", "reopened") and local:
        role = ReporterRole.resident if rng.random() < 0.75 else ReporterRole.grid_worker
    else:
        role = rng.choices(
            [ReporterRole.resident, ReporterRole.grid_worker, ReporterRole.staff],
            [45 if local else 0, 35, 20],
        )[0]
    if role == ReporterRole.resident and not local:
        role = ReporterRole.grid_worker
    if role == ReporterRole.grid_worker and not grid_worker:
        role = ReporterRole.staff
    reporter = {ReporterRole.resident: lambda: rng.choice(local),
                ReporterRole.grid_worker: lambda: grid_worker,
                ReporterRole.staff: lambda: triage}[role]()  # fmt: skip
    tier = rng.choices(("grid", "community", "street"), (75, 18, 7))[0]
    item = {
        "tenant_id": ctx.tenant.id, "id": new_id(), "number": "", "category_id": category["id"],
        "description": rng.choice(category["texts"]), "community_id": community_id,
        "grid_id": grid_id if rng.random() < 0.96 else None, "building_id": None,
        "place": rng.choice(PLACES), "reporter_id": reporter, "reporter_role": str(role),
        "anonymous": role == ReporterRole.resident and rng.random() < 0.2,
        "status": S.reported, "tier": "grid", "handler_kind": None, "handler_user_id": None,
        "handler_department_id": None, "handler_org_id": None, "due_at": None,
        "accepted_at": None, "assigned_at": None, "done_at": None, "checked_at": None,
        "closed_at": None, "satisfied": None, "near_notified_at": None,
        "overdue_notified_at": None, "created_at": None, "updated_at": None,
    }  # fmt: skip
    if item["grid_id"] and buildings.get(grid_id) and rng.random() < 0.6:
        item["building_id"] = rng.choice(buildings[grid_id])
    line = _Timeline(item, datetime(2000, 1, 1, tzinfo=UTC))  # moved to its real time below
    line.step("report", S.reported, reporter)
    late = rng.random() < (0.35 if final in ("assigned", "in_progress") else 0.12)

    def assign(after: timedelta, kind: str = "assign", note: str = "") -> None:
        kind_, handler_id, handler_name, actor = _handler(
            rng, item["tier"], category, checker, staff_id, *ctx.handlers
        )
        item.update(handler_kind=kind_, handler_user_id=None, handler_department_id=None,
                    handler_org_id=None)  # fmt: skip
        item[{"staff": "handler_user_id", "department": "handler_department_id",
              "unit": "handler_org_id"}[kind_]] = handler_id  # fmt: skip
        at = line.at + after
        due = at + timedelta(hours=category["hours"])
        item.update(assigned_at=at, due_at=due, overdue_notified_at=None)
        line.step(kind, S.assigned, triage if kind == "assign" else item["reporter_id"], note,
                  f"{handler_name}，限 {due.astimezone(zone):%Y-%m-%d %H:%M}", after)  # fmt: skip
        item["_worker"] = actor

    def work(until_done: bool) -> None:
        hours = category["hours"]
        actor = item["_worker"]
        line.step("start", S.in_progress, actor, "", "", _hours(rng, 0.5, min(12, hours / 4)))
        if rng.random() < 0.5:
            line.step("progress", S.in_progress, actor, rng.choice(PROGRESS_NOTES), "",
                      _hours(rng, 1, hours / 4))  # fmt: skip
        if not until_done:
            return
        spent = line.at - item["assigned_at"]
        left = timedelta(hours=hours) - spent
        if late:
            overdue_at = item["due_at"] + timedelta(minutes=rng.randint(5, 55))
            line.step("overdue", S.in_progress, None, "", "超过办理时限，已通知办理人和分管领导",
                      overdue_at - line.at)  # fmt: skip
            item["overdue_notified_at"] = overdue_at
            line.step("done", S.done, actor, rng.choice(DONE_NOTES[name]), "",
                      _hours(rng, 2, hours * 0.6))  # fmt: skip
        else:
            gap = max(left * rng.uniform(0.15, 0.9), timedelta(minutes=30))
            line.step("done", S.done, actor, rng.choice(DONE_NOTES[name]), "", gap)
        item["done_at"] = line.at

    def check() -> None:
        line.step("check", S.checked, checker, rng.choice(CHECK_NOTES), "",
                  _hours(rng, 2, 30))  # fmt: skip
        item["checked_at"] = line.at

    def follow_up(kind: str) -> None:
        by_reporter = item["reporter_role"] == ReporterRole.resident
        actor = item["reporter_id"] if by_reporter else triage
        if kind == "satisfied":
            line.step("satisfied", S.closed, actor, rng.choice(SATISFIED_NOTES), "",
                      _hours(rng, 3, 48))  # fmt: skip
            item.update(satisfied=True, closed_at=line.at)
        elif kind == "close":
            line.step("close", S.closed, triage, rng.choice(CLOSE_NOTES), "",
                      _hours(rng, 3, 72))  # fmt: skip
            item["closed_at"] = line.at

    # the steps, by where the item ends
    if final == "rejected":
        line.step("reject", S.rejected, triage, rng.choice(REJECT_REASONS), "",
                  _hours(rng, 0.5, 20))  # fmt: skip
    elif final != "reported":
        line.step("accept", S.accepted, triage, rng.choice(ACCEPT_NOTES), "",
                  _hours(rng, 0.3, 8))  # fmt: skip
        item["accepted_at"] = line.at
        for up in ("community", "street")[: ("grid", "community", "street").index(tier)]:
            item["tier"] = up
            line.step("escalate", S.accepted, triage if up == "community" else admin_id,
                      rng.choice(ESCALATE_NOTES[up]),
                      "上报至社区" if up == "community" else "上报至街道",
                      _hours(rng, 1, 24))  # fmt: skip
        if final != "accepted":
            assign(_hours(rng, 0.5, 10))
            if final in ("in_progress", "done", "checked", "closed", "reopened",
                         "closed_quietly"):  # fmt: skip
                work(final != "in_progress")
            if final in ("checked", "closed", "reopened", "closed_quietly"):
                check()
            if final == "reopened":
                line.step("reopen", S.assigned, item["reporter_id"] if
                          item["reporter_role"] == ReporterRole.resident else triage,
                          rng.choice(REOPEN_NOTES), "", _hours(rng, 3, 48))  # fmt: skip
                item.update(satisfied=False, assigned_at=line.at, done_at=None,
                            checked_at=None, due_at=line.at + timedelta(hours=category["hours"]))  # fmt: skip
                line.steps[-1]["detail"] = (
                    f"重新办理，限 {item['due_at'].astimezone(zone):%Y-%m-%d %H:%M}"
                )
                late = False
                work(True)
                check()
            if final in ("closed", "reopened"):
                follow_up("satisfied")
            elif final == "closed_quietly":
                follow_up("close")
    # place the timeline in the quarter: open items recently, finished ones anywhere in it
    duration = line.at - line.steps[0]["created_at"]
    if final in ("assigned", "in_progress") and late:
        wait = (item["due_at"] - line.at) + _hours(rng, 1, 96)
    elif final in ("assigned", "in_progress"):
        room = item["due_at"] - line.at
        wait = room * rng.uniform(0.05, 0.8)
    elif final in ("reported", "accepted", "done", "checked"):
        wait = _hours(rng, 0.2, 30)
    else:
        wait = timedelta(seconds=rng.uniform(3600, QUARTER.total_seconds() - duration.total_seconds() - 3600)) \
            if duration < QUARTER - timedelta(hours=2) else timedelta(hours=1)  # fmt: skip
    end = now - wait
    shift = end - line.at
    if line.steps[0]["created_at"] + shift < now - QUARTER:
        shift = (now - QUARTER + timedelta(hours=1)) - line.steps[0]["created_at"]
    for row in line.steps:
        row["created_at"] += shift
    for column in ("accepted_at", "assigned_at", "due_at", "done_at", "checked_at",
                   "closed_at", "overdue_notified_at"):  # fmt: skip
        if item[column] is not None:
            item[column] += shift
    if final in ("assigned", "in_progress") and late:
        overdue_at = item["due_at"] + timedelta(minutes=rng.randint(5, 55))
        line.steps.append({"kind": "overdue", "status": line.steps[-1]["status"],
                           "actor_id": None, "note": "",
                           "detail": "超过办理时限，已通知办理人和分管领导",
                           "created_at": overdue_at})  # fmt: skip
        item["overdue_notified_at"] = overdue_at
    item["created_at"] = line.steps[0]["created_at"]
    item["updated_at"] = line.steps[-1]["created_at"] if len(line.steps) > 1 else None
    item["status"] = line.steps[-1]["status"]
    item.pop("_worker", None)
    return item, line


def _handler(rng, tier, category, grid_worker, staff_id, units, unit_users, departments,
             dept_members, names):  # fmt: skip
    """(kind, id, name in words, the account who works on it) for an item of ``tier``."""
    weights = {"grid": (70, 10, 20), "community": (20, 50, 30), "street": (0, 75, 25)}[tier]
    kinds = [HandlerKind.staff, HandlerKind.department, HandlerKind.unit]
    if not units:
        weights = (weights[0] + weights[2], weights[1], 0)
    if not category["departments"]:
        weights = (weights[0] + weights[1], 0, weights[2])
    kind = rng.choices(kinds, weights)[0]
    if kind == HandlerKind.department:
        choices = list(category["departments"].values())
        if tier == "street":  # the street's departments first
            choices = choices[:1]
        department_id = rng.choice(choices)
        members = dept_members.get(department_id) or [staff_id]
        return "department", department_id, departments[department_id], rng.choice(members)
    if kind == HandlerKind.unit:
        unit = rng.choice(units)
        return "unit", unit.id, unit.name, unit_users.get(unit.id)
    user_id = grid_worker if (tier == "grid" and grid_worker and rng.random() < 0.7) else staff_id
    return "staff", user_id, names.get(user_id, ""), user_id


# --- duty visits -----------------------------------------------------------------------------------


def _visits(session, tenant, accounts, now) -> None:
    rng = random.Random("grid-demo-visits")
    zone = street_zone()
    today = now.astimezone(zone).date()
    grids = session.execute(
        select(Grid.id, Grid.community_id, Grid.worker_id).where(Grid.archived_at.is_(None))
        .order_by(Grid.position, Grid.id)
    ).all()  # fmt: skip
    if not grids:
        return
    buildings: dict[int, list[tuple[int, str]]] = {}
    for building_id, grid_id, name in session.execute(
        select(Building.id, Building.grid_id, Building.name)
    ):
        buildings.setdefault(grid_id, []).append((building_id, name))
    staff_id = accounts.get(STAFF_PHONE) or accounts.get(ADMIN_PHONE)
    groups, subjects, visits = [], [], []
    seen_phones: set[str] = set()
    for position, (name, frequency, count) in enumerate(VISIT_GROUPS):
        group = {"tenant_id": tenant.id, "id": new_id(), "name": name, "frequency": frequency,
                 "position": position, "archived_at": None}  # fmt: skip
        groups.append(group)
        for _ in range(count):
            grid_id, community_id, worker_id = rng.choice(grids)
            building = rng.choice(buildings[grid_id]) if buildings.get(grid_id) else (None, "")
            phone = ""
            while not phone or phone in seen_phones:
                phone = rng.choice(("133", "153", "177", "189")) + f"{rng.randrange(10**8):08d}"
            seen_phones.add(phone)
            given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
            subject = {
                "tenant_id": tenant.id, "id": new_id(), "group_id": group["id"],
                "name": rng.choice(SURNAMES) + given, "community_id": community_id,
                "grid_id": grid_id, "building_id": building[0],
                "address": f"{building[1]}{rng.randint(1, 4)}单元{rng.randint(1, 18)}0{rng.randint(1, 4)}室",
                "phone": phone if rng.random() < 0.85 else None, "note": "",
                "last_visited_on": None, "archived_at": None, "created_by": staff_id,
                "created_at": now - timedelta(days=rng.randint(60, 400)),
            }  # fmt: skip
            visitor = worker_id or staff_id
            if frequency == "weekly":
                days = [d for d in (rng.randint(0, 3) + 7 * k for k in range(5)) if d < 30]
                days = days if rng.random() < 0.8 else days[1:]  # some missed this week
            elif frequency == "monthly":
                days = [rng.randint(0, 29)] if rng.random() < 0.8 else []
            else:
                days = [rng.randint(0, 29)] if rng.random() < 0.4 else []
            for ago in sorted(days, reverse=True):
                visited_on = today - timedelta(days=ago)
                follow = rng.random() < 0.1
                visits.append({
                    "tenant_id": tenant.id, "id": new_id(), "subject_id": subject["id"],
                    "visitor_id": visitor, "visited_on": visited_on,
                    "found": rng.choice(VISIT_FINDINGS[follow]), "needs_follow_up": follow,
                    "item_id": None,
                    "created_at": datetime.combine(visited_on, datetime.min.time(), zone)
                    .astimezone(UTC) + timedelta(hours=rng.uniform(9, 17)),
                })  # fmt: skip
                subject["last_visited_on"] = visited_on
            subjects.append(subject)
    bulk_insert(session, VisitGroup, groups)
    bulk_insert(session, VisitSubject, subjects)
    bulk_insert(session, DutyVisit, visits)
