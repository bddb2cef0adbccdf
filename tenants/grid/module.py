"""Grid governance (网格化治理). Four areas, each its own files and blueprint, each declaring its
contribution below as tuples named after it: reporting, photos and the phone pages (``report``),
the loop's steps, the office's lists and the handlers' pages (``loop``), supervision, figures and
the street's settings (``figures``), duty visits (``visits``), and the map with the demo
(``map``)."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from saas.modules import (
    ADMIN,
    OFFICE,
    VOLUNTEER,
    AuditAction,
    AuditTarget,
    DemoSeeder,
    MenuEntry,
    MenuGroup,
    Module,
    Panel,
    PeriodicJob,
    Todo,
    UsageCount,
)
from saas.notify.kinds import SMS, NotificationKind
from tenants.grid import gridmap, handling, visits
from tenants.grid import settings as _figures_settings
from tenants.grid import supervision as _figures_supervision
from tenants.grid.demo import load_demo as _load_map_demo
from tenants.grid.personal import PERSONAL
from tenants.grid.report import count_awaiting_check, is_grid_worker
from tenants.grid.report_figures import FIGURES

# --- area "loop": the office's list and queues, the item's steps, the handlers' pages -----------


def _item_link(item_id: int, _detail: dict) -> str:
    return url_for("grid_loop.item_detail", item_id=item_id)


LOOP_BLUEPRINTS = ("tenants.grid.loop_views:bp",)
LOOP_MENU = (
    MenuEntry("grid_loop.queue", _l("待我处理"), "grid", OFFICE, 10, icon="待"),
    MenuEntry("grid_loop.item_list", _l("网格事项"), "grid", OFFICE, 11, icon="事"),
    MenuEntry("grid_loop.my_items", _l("我的待办"), "grid", OFFICE, 12, icon="办"),
    MenuEntry("grid_loop.unit_items", _l("派给本单位的事项"), "grid", frozenset({"org"}), 10,
              icon="办", visible=handling.is_unit_account),
)  # fmt: skip
LOOP_TODOS = (
    Todo("grid-queue", _l("%(n)d 件网格事项待受理派单"), handling.count_queue, "grid_loop.queue"),
    Todo("grid-mine", _l("%(n)d 件网格事项待我办理"), handling.count_mine, "grid_loop.my_items"),
)
LOOP_RECEIVERS = ("tenants.grid.loop_receivers",)
LOOP_KINDS = (
    NotificationKind("grid.item_assigned", _l("网格事项派单")),
    NotificationKind("grid.item_done", _l("上报的事项已办结")),
    NotificationKind("grid.item_follow_up", _l("事项办理回访")),
    NotificationKind("grid.item_reopened", _l("网格事项重新办理")),
)
LOOP_AUDIT = (
    AuditAction("grid.item_accept", _l("受理网格事项")),
    AuditAction("grid.item_reject", _l("不予受理网格事项")),
    AuditAction("grid.item_assign", _l("网格事项派单")),
    AuditAction("grid.item_escalate", _l("网格事项上报上级")),
    AuditAction("grid.item_close", _l("关闭网格事项")),
)
LOOP_TARGETS = (AuditTarget("grid_item", _l("网格事项"), _item_link, handling.item_names),)
# --- end of area "loop" --------------------------------------------------------------------------


# --- area "map": the map of the grids (民情地图) and the module's demo data ---------------------
MAP_BLUEPRINTS = ("tenants.grid.gridmap_views:bp",)
MAP_MENU = (
    MenuEntry("grid_map.index", _l("民情地图"), "grid", OFFICE, 60, icon="图",
              visible=gridmap.sees_maps),
)  # fmt: skip
MAP_AUDIT = (
    AuditAction("grid.map_plan_upload", _l("上传社区平面图")),
    AuditAction("grid.map_plan_remove", _l("删除社区平面图")),
    AuditAction("grid.map_pin", _l("标注网格位置")),
)
# the whole module's demo (settings, a quarter of items, visit groups, pins, the grid worker's
# login); grid comes last in MODULES, so accounts, alliance units and grids exist by then
MAP_DEMO = (DemoSeeder(_load_map_demo),)
# --- end of area "map" ---------------------------------------------------------------------------


# --- area "report": 随手拍, the reporter's own items and follow-up, the street's items in public,
# photos, the grid worker's phone home ----------------------------------------------------------
#: grid workers are staff accounts, or volunteers a grid was given to (tenants.structure)
REPORT_WORKERS = frozenset({"staff", "volunteer"})
REPORT_BLUEPRINTS = ("tenants.grid.report_views:bp",)
REPORT_MENU = (
    # no tab of its own: the phone's bar holds four (护照, 活动, 爱心超市, 心愿; see
    # tests/saas/test_navigation.py), and 我的上报 and 街道事项 both lead to the form
    MenuEntry("grid_report.new_report", _l("随手拍"), "grid", VOLUNTEER, 10, icon="拍"),
    MenuEntry("grid_report.my_reports", _l("我的上报"), "grid", VOLUNTEER, 20, icon="报"),
    MenuEntry("grid_report.public_list", _l("街道事项"), "grid", VOLUNTEER, 30, icon="事"),
    MenuEntry("grid_report.worker_home", _l("网格员工作台"), "grid", REPORT_WORKERS, 5,
              icon="网", visible=is_grid_worker),
)  # fmt: skip
# a grid worker is often also a community's staff member (社区工作人员兼网格员): they land on the
# office's dashboard like other staff, which leads them to their grids' phone home
REPORT_TODOS = (
    Todo("grid-awaiting-check", _l("%(n)d 件网格事项待我核查"), count_awaiting_check,
         "grid_report.worker_home", order=15),
)  # fmt: skip
REPORT_RECEIVERS = ("tenants.grid.report_receivers",)
# --- end of area "report" ----------------------------------------------------------------------


# --- area "visits": duty visits (走访, 八必访): groups, subjects, the grid worker's phone list, ---
# --- the due figures per grid worker and the period's reminder --------------------------------


def _visit_subject_link(subject_id: int, _detail: dict) -> str:
    return url_for("grid_visits.subject_detail", subject_id=subject_id)


def _visit_group_link(_group_id: int, _detail: dict) -> str:
    return url_for("grid_visits.groups")


VISITS_BLUEPRINTS = ("tenants.grid.visits_views:bp",)
VISITS_MENU = (
    # the grid worker's phone: the subjects of their grids, due and overdue first
    MenuEntry("grid_visits.mine", _l("我的走访"), "grid", OFFICE, 30, icon="访",
              visible=lambda user: bool(user.is_grid_worker) and visits.sees_visits(user)),
    MenuEntry("grid_visits.subjects", _l("走访对象"), "grid", OFFICE, 31, icon="访",
              visible=visits.sees_visits),
    MenuEntry("grid_visits.by_worker", _l("走访进度"), "grid", OFFICE, 32, icon="进",
              visible=visits.oversees_visits),
    MenuEntry("grid_visits.groups", _l("走访分组"), "settings", ADMIN, 80, icon="组"),
)  # fmt: skip
VISITS_TODOS = (
    Todo("grid-visits-overdue", _l("%(n)d 位走访对象已逾期未访"), visits.count_overdue_for,
         "grid_visits.mine"),
)  # fmt: skip
# daily; VisitReminder keeps it to once per grid worker and period
VISITS_PERIODIC = (
    PeriodicJob("grid-visit-reminders", "tenants.grid.visits_jobs:remind_visits_due", 86400),
)
VISITS_KINDS = (NotificationKind("grid.visit_due", _l("走访到期提醒"), (SMS,)),)
VISITS_AUDIT = (
    AuditAction("grid.visit_group_create", _l("添加走访分组")),
    AuditAction("grid.visit_group_update", _l("修改走访分组")),
    AuditAction("grid.visit_group_archive", _l("归档走访分组")),
    AuditAction("grid.visit_group_restore", _l("恢复走访分组")),
    AuditAction("grid.visit_groups_usual", _l("添加常用走访分组")),
    AuditAction("grid.visit_subject_create", _l("登记走访对象")),
    AuditAction("grid.visit_subject_update", _l("修改走访对象")),
    AuditAction("grid.visit_subject_archive", _l("归档走访对象")),
    AuditAction("grid.visit_subject_restore", _l("恢复走访对象")),
    AuditAction("grid.visit_subject_view", _l("查看走访对象")),
    AuditAction("grid.visit_subjects_export", _l("导出走访对象")),
    AuditAction("grid.visit_add", _l("登记走访")),
)
VISITS_TARGETS = (
    AuditTarget("visit_subject", _l("走访对象"), _visit_subject_link, visits.subject_names),
    AuditTarget("visit_group", _l("走访分组"), _visit_group_link, visits.group_names),
)
# --- end of area "visits" ------------------------------------------------------------------------


# --- area "figures": the street's settings for the loop, supervision (督办), the figures --------


def _settings_link(_id: int, _detail: dict) -> str:
    return url_for("grid_figures.settings_page")


FIGURES_BLUEPRINTS = ("tenants.grid.figures_views:bp",)
FIGURES_MENU = (
    MenuEntry("grid_figures.figures_page", _l("事项统计"), "grid", OFFICE, 50, icon="统"),
    MenuEntry("grid_figures.settings_page", _l("网格设置"), "settings", ADMIN, 70, icon="网"),
)
# the loop's list filtered to overdue items is the loop area's; until it is merged the to-do
# opens the figures page's overdue section (overdue items by handler)
FIGURES_TODOS = (
    Todo("grid-overdue", _l("%(n)d 个事项已超期"), _figures_supervision.count_overdue,
         "grid_loop.item_list", args={"overdue": "1"}, order=20),
)  # fmt: skip
FIGURES_PANELS = (
    Panel(_figures_supervision.PANEL_KEY, "grid/figures/_panel.html",
          _figures_supervision.panel_data, OFFICE, 810),
)  # fmt: skip
FIGURES_PERIODIC = (PeriodicJob("grid-supervision", "tenants.grid.supervision:supervise", 15 * 60),)
FIGURES_KINDS = (
    NotificationKind(_figures_supervision.OVERDUE_KIND, _l("网格事项超期督办"), (SMS,)),
    NotificationKind(_figures_supervision.NEAR_KIND, _l("网格事项即将到期")),
)
FIGURES_AUDIT = (
    AuditAction("grid.level_create", _l("添加事项等级")),
    AuditAction("grid.level_update", _l("修改事项等级")),
    AuditAction("grid.level_delete", _l("删除事项等级")),
    AuditAction("grid.category_create", _l("添加事项类别")),
    AuditAction("grid.category_update", _l("修改事项类别")),
    AuditAction("grid.category_delete", _l("删除事项类别")),
    AuditAction("grid.category_archive", _l("归档事项类别")),
    AuditAction("grid.category_restore", _l("恢复事项类别")),
    AuditAction("grid.department_create", _l("添加办理部门")),
    AuditAction("grid.department_update", _l("修改办理部门")),
    AuditAction("grid.department_delete", _l("删除办理部门")),
    AuditAction("grid.department_archive", _l("归档办理部门")),
    AuditAction("grid.department_restore", _l("恢复办理部门")),
    AuditAction("grid.usual_settings", _l("添加常用事项等级和类别")),
)
FIGURES_TARGETS = (
    AuditTarget("grid_level", _l("事项等级"), _settings_link, _figures_settings.level_names),
    AuditTarget("grid_category", _l("事项类别"), _settings_link,
                _figures_settings.category_names),
    AuditTarget("grid_department", _l("办理部门"), _settings_link,
                _figures_settings.department_names),
)  # fmt: skip
# --- end of area "figures" -----------------------------------------------------------------------

MODULE = Module(
    name="grid",
    label=_l("网格治理"),
    summary=_l(
        "网格事项闭环：居民随手拍、网格员上报，受理、派单、限时办理、核查、回访；超期督办；"
        "网格员走访重点人群；民情地图。小事不出网格、大事不出社区、难事不出街道。"
    ),
    models=("tenants.grid.models",),
    menu_groups=(MenuGroup("grid", _l("网格治理"), 800),),
    blueprints=(
        *LOOP_BLUEPRINTS,
        *MAP_BLUEPRINTS,
        *REPORT_BLUEPRINTS,
        *VISITS_BLUEPRINTS,
        *FIGURES_BLUEPRINTS,
    ),
    menu=(*LOOP_MENU, *MAP_MENU, *REPORT_MENU, *VISITS_MENU, *FIGURES_MENU),
    todos=(*LOOP_TODOS, *REPORT_TODOS, *VISITS_TODOS, *FIGURES_TODOS),
    panels=(*FIGURES_PANELS,),
    receivers=(*LOOP_RECEIVERS, *REPORT_RECEIVERS),
    periodic=(*VISITS_PERIODIC, *FIGURES_PERIODIC),
    notification_kinds=(*LOOP_KINDS, *VISITS_KINDS, *FIGURES_KINDS),
    audit_actions=(*LOOP_AUDIT, *MAP_AUDIT, *VISITS_AUDIT, *FIGURES_AUDIT),
    audit_targets=(*LOOP_TARGETS, *VISITS_TARGETS, *FIGURES_TARGETS),
    demo=(*MAP_DEMO,),
    usage=(UsageCount("grid-items", _l("网格事项"), "tenants.grid.models:GridItem", order=50),),
    personal_data=PERSONAL,
    figures=FIGURES,
)
