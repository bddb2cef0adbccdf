"""The structure module (组织架构): communities → grids → buildings, and the street's figures."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from saas.modules import ADMIN, OFFICE, DemoSeeder, MenuEntry, Module, Panel
from tenants.structure import audit
from tenants.structure.demo import load_demo
from tenants.structure.services import figures_panel

MODULE = Module(
    name="structure",
    label=_l("组织架构"),
    summary=_l("街道、社区、网格、楼栋逐级建档，每个网格指定网格员。"),
    models=("tenants.structure.models",),
    blueprints=("tenants.structure.views:bp",),
    menu=(MenuEntry("structure.tree", _l("组织架构"), "settings", ADMIN, 10, icon="构"),),
    panels=(Panel("street-figures", "structure/_figures_panel.html", figures_panel, OFFICE, 900),),
    demo=(DemoSeeder(load_demo, "settings"),),
    audit_actions=audit.ACTIONS,
    audit_targets=audit.TARGETS,
)
