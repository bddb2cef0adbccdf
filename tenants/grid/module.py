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
    AuditAction,
    AuditTarget,
    MenuEntry,
    MenuGroup,
    Module,
    PeriodicJob,
    Todo,
)
from saas.notify.kinds import SMS, NotificationKind
from tenants.grid import visits

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
        "tenants.grid.loop_views:bp",
        *VISITS_BLUEPRINTS,
    ),
    menu=(*VISITS_MENU,),
    todos=(*VISITS_TODOS,),
    periodic=(*VISITS_PERIODIC,),
    notification_kinds=(*VISITS_KINDS,),
    audit_actions=(*VISITS_AUDIT,),
    audit_targets=(*VISITS_TARGETS,),
)
