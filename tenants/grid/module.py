"""Grid governance (网格化治理). Four areas, each its own files and blueprint, each declaring its
contribution below as tuples named after it: reporting, photos and the phone pages (``report``),
the loop's steps, the office's lists and the handlers' pages (``loop``), supervision, figures and
the street's settings (``figures``), duty visits (``visits``), and the map with the demo
(``map``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from saas.modules import MenuGroup, Module

MODULE = Module(
    name="grid",
    label=_l("网格治理"),
    summary=_l(
        "网格事项闭环：居民随手拍、网格员上报，受理、派单、限时办理、核查、回访；超期督办；"
        "网格员走访重点人群；民情地图。小事不出网格、大事不出社区、难事不出街道。"
    ),
    models=("tenants.grid.models",),
    menu_groups=(MenuGroup("grid", _l("网格治理"), 800),),
    blueprints=("tenants.grid.loop_views:bp",),
)
