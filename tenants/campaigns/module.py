"""Seasonal campaigns (一季一品). Four areas, each its own files and blueprint, each declaring
its contribution below as tuples named after it: campaigns, targets and the year view
(``campaigns``), the jobs registry and job fairs (``jobs``), the relief registry and its visits
(``relief``), the campaign dashboard, its charts and export (``dashboard``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from saas.modules import (
    OFFICE,
    VOLUNTEER,
    AuditAction,
    DemoSeeder,
    MenuEntry,
    MenuGroup,
    Module,
)
from saas.notify.kinds import NotificationKind
from tenants.campaigns.demo import load_demo

MODELS = (
    "tenants.campaigns.models",
    "tenants.campaigns.jobs_models",
    "tenants.campaigns.relief_models",
)

# --- area "dashboard": a campaign's charts and export, 相亲结缘 profiles ---------------------------
DASHBOARD_BLUEPRINTS = ("tenants.campaigns.dashboard_views:bp",)
DASHBOARD_MENU = (
    MenuEntry("campaigns_dashboard.year", _l("数据看板"), "campaigns", OFFICE, 50, icon="看"),
    MenuEntry("campaigns_dashboard.my_matchmaking", _l("相亲结缘"), "campaigns", VOLUNTEER, 50,
              icon="缘"),
)  # fmt: skip
DASHBOARD_RECEIVERS = ("tenants.campaigns.dashboard_receivers",)
DASHBOARD_KINDS = (NotificationKind("campaigns.matchmaking_profile", _l("填写交友资料")),)
# the whole module's demo data (campaigns, activities, both registries); the module comes last
# in MODULES, so the demo volunteers, alliance units, communities and grids exist by then
DASHBOARD_DEMO = (DemoSeeder(load_demo),)
DASHBOARD_AUDIT = (AuditAction("campaigns.profiles_view", _l("查看交友活动报名者资料")),)
# --- end of area "dashboard" ---------------------------------------------------------------------

MODULE = Module(
    name="campaigns",
    label=_l("一季一品"),
    summary=_l(
        "一季一品，四季如花：春·助企帮招、夏·相亲结缘、秋·养老托育、冬·纾困解难，"
        "每季的指标、活动、求职和困难家庭台账，进度一目了然。"
    ),
    models=MODELS,
    menu_groups=(MenuGroup("campaigns", _l("一季一品"), 700),),
    blueprints=(*DASHBOARD_BLUEPRINTS,),
    menu=(*DASHBOARD_MENU,),
    receivers=(*DASHBOARD_RECEIVERS,),
    notification_kinds=(*DASHBOARD_KINDS,),
    audit_actions=(*DASHBOARD_AUDIT,),
    demo=(*DASHBOARD_DEMO,),
)
