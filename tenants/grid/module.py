"""Grid governance (网格化治理). Four areas, each its own files and blueprint, each declaring its
contribution below as tuples named after it: reporting, photos and the phone pages (``report``),
the loop's steps, the office's lists and the handlers' pages (``loop``), supervision, figures and
the street's settings (``figures``), duty visits (``visits``), and the map with the demo
(``map``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from saas.modules import OFFICE, AuditAction, DemoSeeder, MenuEntry, MenuGroup, Module
from tenants.grid import gridmap
from tenants.grid.demo import load_demo as _load_map_demo

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

MODULE = Module(
    name="grid",
    label=_l("网格治理"),
    summary=_l(
        "网格事项闭环：居民随手拍、网格员上报，受理、派单、限时办理、核查、回访；超期督办；"
        "网格员走访重点人群；民情地图。小事不出网格、大事不出社区、难事不出街道。"
    ),
    models=("tenants.grid.models",),
    menu_groups=(MenuGroup("grid", _l("网格治理"), 800),),
    blueprints=("tenants.grid.loop_views:bp", *MAP_BLUEPRINTS),
    menu=(*MAP_MENU,),
    audit_actions=(*MAP_AUDIT,),
    demo=(*MAP_DEMO,),
)
