"""Party alliance (党建联盟): built on organisation records (tenants.orgs) and the events engine.

Four areas, each its own files and blueprint: units and agreements (``units``), the unit's own
home and joining events (``home``), members and the three lists (``lists``), meetings, reports and
the yearly evaluation (``meetings``).
"""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from saas.modules import (
    ADMIN,
    OFFICE,
    AuditAction,
    AuditTarget,
    DemoSeeder,
    Home,
    MenuEntry,
    MenuGroup,
    Module,
    Panel,
    PeriodicJob,
    Todo,
)
from saas.notify.kinds import SMS, NotificationKind

# --- units: 共建单位, 联建协议, unit accounts (admin side) ---------------------------------------
from tenants.alliance import units
from tenants.alliance.home import is_alliance_unit
from tenants.alliance.units_demo import load_demo as load_units_demo


def _unit_link(organisation_id: int, _detail: dict) -> str:
    return url_for("alliance_units.unit_detail", organisation_id=organisation_id)


UNITS_MENU = (MenuEntry("alliance_units.unit_list", _l("共建单位"), "alliance", OFFICE, 10,
                        icon="盟"),)  # fmt: skip
UNITS_TODOS = (
    Todo(
        "agreements-expiring",
        _l("%(n)d 份联建协议即将到期"),
        units.count_expiring,
        "alliance_units.unit_list",
        args={"status": "expiring"},
        order=10,
    ),
)
UNITS_PANELS = (Panel(units.PANEL_KEY, "alliance/units/_panel.html", units.panel_data, OFFICE,
                      300),)  # fmt: skip
UNITS_PERIODIC = (
    PeriodicJob("alliance-agreement-expiry", "tenants.alliance.units_jobs:remind_expiring", 86400),
)
UNITS_NOTIFICATIONS = (
    NotificationKind("alliance.agreement_expiring", _l("联建协议即将到期"), (SMS,)),
    NotificationKind("alliance.unit_invited", _l("开通单位账号"), (SMS,)),
)
UNITS_AUDIT_ACTIONS = (
    AuditAction("alliance.unit_create", _l("登记共建单位")),
    AuditAction("alliance.unit_update", _l("修改共建单位")),
    AuditAction("alliance.agreement_add", _l("登记联建协议")),
    AuditAction("alliance.unit_invite", _l("开通单位账号")),
)
UNITS_AUDIT_TARGETS = (AuditTarget("alliance_unit", _l("共建单位"), _unit_link, units.unit_names),)
# --- end of units ------------------------------------------------------------------------------


# --- area "home": the unit's own home -------------------------------------------------------------
ORG = frozenset({"org"})
HOME_BLUEPRINTS = ("tenants.alliance.home_views:bp",)
HOME_MENU = (
    MenuEntry(
        "alliance_home.unit",
        _l("我的单位"),
        "alliance",
        ORG,
        10,
        icon="盟",
        visible=is_alliance_unit,
    ),
    MenuEntry("alliance_home.settings", _l("联盟设置"), "settings", ADMIN, 50, icon="盟"),
)
# before tenants/orgs' generic org home (order 100): alliance units land on their own home,
# merchants and unlinked org accounts keep the generic one
HOME_HOMES = (Home("alliance_home.unit", ORG, 50, visible=is_alliance_unit),)
HOME_RECEIVERS = ("tenants.alliance.receivers",)
# --- end of area "home" ---------------------------------------------------------------------------

MODULE = Module(
    name="alliance",
    label=_l("党建联盟"),
    summary=_l(
        "共建单位签订联建协议、用自己的账号报名活动；在职党员双报到、认领先锋岗位；"
        "需求、资源、项目三项清单对接；联席会议决议跟踪到期；年度考评。"
    ),
    models=("tenants.alliance.models",),
    menu_groups=(MenuGroup("alliance", _l("党建联盟"), 500),),
    blueprints=("tenants.alliance.units_views:bp", *HOME_BLUEPRINTS),
    menu=(*UNITS_MENU, *HOME_MENU),
    homes=HOME_HOMES,
    todos=UNITS_TODOS,
    panels=UNITS_PANELS,
    periodic=UNITS_PERIODIC,
    demo=(DemoSeeder(load_units_demo),),
    receivers=HOME_RECEIVERS,
    notification_kinds=UNITS_NOTIFICATIONS,
    audit_actions=UNITS_AUDIT_ACTIONS,
    audit_targets=UNITS_AUDIT_TARGETS,
)
