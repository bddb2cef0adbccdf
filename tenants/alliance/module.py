"""Party alliance (党建联盟): built on organisation records (tenants.orgs) and the events engine.

Four areas, each its own files and blueprint: units and agreements (``units``), the unit's own
home and joining events (``home``), members and the three lists (``lists``), meetings, reports and
the yearly evaluation (``meetings``).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from saas.modules import ADMIN, Home, MenuEntry, MenuGroup, Module
from tenants.alliance.home import is_alliance_unit

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
    blueprints=(*HOME_BLUEPRINTS,),
    menu=(*HOME_MENU,),
    homes=(*HOME_HOMES,),
    receivers=(*HOME_RECEIVERS,),
)
