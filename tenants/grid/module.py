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
    Panel,
    PeriodicJob,
    Todo,
)
from saas.notify.kinds import SMS, NotificationKind
from tenants.grid import settings as _figures_settings
from tenants.grid import supervision as _figures_supervision

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
         "grid_figures.figures_page", args={"_anchor": "overdue"}, order=20),
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
    blueprints=("tenants.grid.loop_views:bp", *FIGURES_BLUEPRINTS),
    menu=(*FIGURES_MENU,),
    todos=(*FIGURES_TODOS,),
    panels=(*FIGURES_PANELS,),
    periodic=(*FIGURES_PERIODIC,),
    notification_kinds=(*FIGURES_KINDS,),
    audit_actions=(*FIGURES_AUDIT,),
    audit_targets=(*FIGURES_TARGETS,),
)
