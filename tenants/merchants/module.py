"""Merchant alliance (商圈联盟): built on organisation records (tenants.orgs), the events engine
and the passport's rewards (vouchers).

Four areas, each its own files and blueprint: circles, merchants and the public directory
(``directory``), the member day, offers and settlement (``memberday``), popular-merchant voting
(``voting``), the merchant's own home and joint events (``home``).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from saas.modules import (
    ADMIN,
    OFFICE,
    VOLUNTEER,
    AuditAction,
    MenuEntry,
    MenuGroup,
    Module,
    PeriodicJob,
)
from saas.notify.kinds import SMS, NotificationKind
from tenants.merchants.memberday import is_merchant

# --- area "memberday": member days, offers, reminders, settlement --------------------------------
MEMBERDAY_ORG = frozenset({"org"})
MEMBERDAY_BLUEPRINTS = ("tenants.merchants.memberday_views:bp",)
MEMBERDAY_MENU = (
    MenuEntry("merchants_memberday.member_days", _l("会员日"), "merchants", OFFICE, 30, icon="会"),
    MenuEntry("merchants_memberday.statements", _l("商户结算"), "merchants", OFFICE, 70,
              icon="结"),
    MenuEntry("merchants_memberday.settlement_settings", _l("商户结算设置"), "settings", ADMIN, 60,
              icon="结"),
    MenuEntry("merchants_memberday.offers", _l("会员日优惠"), "merchants", MEMBERDAY_ORG, 30,
              icon="会", visible=is_merchant),
    MenuEntry("merchants_memberday.my_statements", _l("结算单"), "merchants", MEMBERDAY_ORG, 70,
              icon="结", visible=is_merchant),
    MenuEntry("merchants_memberday.resident_page", _l("商圈会员日"), "merchants", VOLUNTEER, 30,
              icon="会"),
)  # fmt: skip
MEMBERDAY_PERIODIC = (
    PeriodicJob("merchants-member-days", "tenants.merchants.memberday_jobs:create_member_days",
                86400),
    # hourly, so the day before is never missed; reminded_at keeps it to once per member day
    PeriodicJob("merchants-member-day-reminders",
                "tenants.merchants.memberday_jobs:remind_member_days", 3600),
    # daily: from the 1st on, last month's missing statements are made (the unique key: once)
    PeriodicJob("merchants-statements", "tenants.merchants.memberday_jobs:make_monthly_statements",
                86400),
)  # fmt: skip
MEMBERDAY_KINDS = (
    NotificationKind("merchants.member_day_tomorrow", _l("明天是商圈会员日"), (SMS,)),
    NotificationKind("merchants.offer_withdrawn", _l("会员日优惠被撤下")),
)
MEMBERDAY_AUDIT = (
    AuditAction("merchants.offer_withdraw", _l("撤下会员日优惠")),
    AuditAction("merchants.statements_make", _l("生成商户结算单")),
    AuditAction("merchants.statement_confirm", _l("确认商户结算单")),
)
# --- end of area "memberday" ---------------------------------------------------------------------

MODULE = Module(
    name="merchants",
    label=_l("商圈联盟"),
    summary=_l(
        "商圈和商户：党员示范商户公开承诺，居民在手机上查找商户；每月会员日商户提供优惠和积分兑换券，"
        "到店扫码核销；商居联合活动；最受欢迎商户评选；每月结算。"
    ),
    models=("tenants.merchants.models",),
    menu_groups=(MenuGroup("merchants", _l("商圈"), 600),),
    blueprints=(*MEMBERDAY_BLUEPRINTS,),
    menu=(*MEMBERDAY_MENU,),
    periodic=(*MEMBERDAY_PERIODIC,),
    notification_kinds=(*MEMBERDAY_KINDS,),
    audit_actions=(*MEMBERDAY_AUDIT,),
)
