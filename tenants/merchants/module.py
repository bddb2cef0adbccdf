"""Merchant alliance (商圈联盟): built on organisation records (tenants.orgs), the events engine
and the passport's rewards (vouchers).

Four areas, each its own files and blueprint: circles, merchants and the public directory
(``directory``), the member day, offers and settlement (``memberday``), popular-merchant voting
(``voting``), the merchant's own home and joint events (``home``).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from saas.modules import OFFICE, AuditAction, Home, MenuEntry, MenuGroup, Module
from tenants.merchants.home import is_merchant

# --- area "home": the merchant's own home, joint events, party members, 商圈联席会议 -------------
HOME_ORG = frozenset({"org"})
HOME_MODELS = ("tenants.merchants.home_models",)
HOME_BLUEPRINTS = ("tenants.merchants.home_views:bp",)
HOME_MENU = (
    MenuEntry("merchants_home.merchant", _l("我的商户"), "merchants", HOME_ORG, 10, icon="店",
              visible=is_merchant),
    MenuEntry("merchants_home.events", _l("商居联合活动"), "merchants", OFFICE, 40, icon="联"),
    MenuEntry("merchants_home.counts", _l("联合活动统计"), "merchants", OFFICE, 41, icon="统"),
    MenuEntry("merchants_home.party_members", _l("商户党员"), "merchants", OFFICE, 42, icon="党"),
    MenuEntry("merchants_home.new_meeting", _l("商圈联席会议"), "merchants", OFFICE, 43,
              icon="会"),
)  # fmt: skip
# before tenants/orgs' generic org home (order 100): merchants land on their own home; alliance
# units keep theirs (order 50, visible only to them)
HOME_HOMES = (Home("merchants_home.merchant", HOME_ORG, 60, visible=is_merchant),)
HOME_AUDIT = (
    AuditAction("merchants.event_hosts", _l("设置联合商户")),
    AuditAction("merchants.party_member_link", _l("登记商户党员")),
    AuditAction("merchants.party_member_unlink", _l("取消商户党员关联")),
)
# --- end of area "home" ----------------------------------------------------------------------------

MODULE = Module(
    name="merchants",
    label=_l("商圈联盟"),
    summary=_l(
        "商圈和商户：党员示范商户公开承诺，居民在手机上查找商户；每月会员日商户提供优惠和积分兑换券，"
        "到店扫码核销；商居联合活动；最受欢迎商户评选；每月结算。"
    ),
    models=("tenants.merchants.models", *HOME_MODELS),
    menu_groups=(MenuGroup("merchants", _l("商圈"), 600),),
    blueprints=(*HOME_BLUEPRINTS,),
    menu=(*HOME_MENU,),
    homes=(*HOME_HOMES,),
    audit_actions=(*HOME_AUDIT,),
)
