"""Grid governance (网格化治理). Four areas, each its own files and blueprint, each declaring its
contribution below as tuples named after it: reporting, photos and the phone pages (``report``),
the loop's steps, the office's lists and the handlers' pages (``loop``), supervision, figures and
the street's settings (``figures``), duty visits (``visits``), and the map with the demo
(``map``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from saas.modules import VOLUNTEER, Home, MenuEntry, MenuGroup, Module
from tenants.grid.report import is_grid_worker

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
# before the office's dashboard and the passport's /me (order 100): a grid worker lands on the
# phone home of their grids
REPORT_HOMES = (Home("grid_report.worker_home", REPORT_WORKERS, 40, visible=is_grid_worker),)
REPORT_RECEIVERS = ("tenants.grid.report_receivers",)
# --- end of area "report" ----------------------------------------------------------------------

MODULE = Module(
    name="grid",
    label=_l("网格治理"),
    summary=_l(
        "网格事项闭环：居民随手拍、网格员上报，受理、派单、限时办理、核查、回访；超期督办；"
        "网格员走访重点人群；民情地图。小事不出网格、大事不出社区、难事不出街道。"
    ),
    models=("tenants.grid.models",),
    menu_groups=(MenuGroup("grid", _l("网格治理"), 800),),
    blueprints=("tenants.grid.loop_views:bp", *REPORT_BLUEPRINTS),
    menu=(*REPORT_MENU,),
    homes=(*REPORT_HOMES,),
    receivers=(*REPORT_RECEIVERS,),
)
