"""Merchant alliance (商圈联盟): built on organisation records (tenants.orgs), the events engine
and the passport's rewards (vouchers).

Four areas, each its own files and blueprint: circles, merchants and the public directory
(``directory``), the member day, offers and settlement (``memberday``), popular-merchant voting
(``voting``), the merchant's own home and joint events (``home``).
"""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from saas.modules import (
    GUEST,
    OFFICE,
    VOLUNTEER,
    AuditAction,
    AuditTarget,
    DemoSeeder,
    MenuEntry,
    MenuGroup,
    Module,
    Panel,
)
from saas.notify.kinds import SMS, NotificationKind

# --- area "directory": circles, merchants, their accounts (office), the public directory --------
from tenants.merchants import directory
from tenants.merchants.directory_demo import load_demo as load_directory_demo


def _merchant_link(organisation_id: int, _detail: dict) -> str:
    return url_for("merchants_directory.merchant_detail", organisation_id=organisation_id)


def _circle_link(_circle_id: int, _detail: dict) -> str:
    return url_for("merchants_directory.circles")


DIRECTORY_BLUEPRINTS = ("tenants.merchants.directory_views:bp",)
DIRECTORY_MENU = (
    MenuEntry("merchants_directory.circles", _l("商圈"), "merchants", OFFICE, 10, icon="圈"),
    MenuEntry("merchants_directory.merchant_list", _l("商户"), "merchants", OFFICE, 11, icon="商"),
    # residents on their phones, signed in or not: the public directory
    MenuEntry(
        "merchants_directory.public_list", _l("商户名录"), "merchants", VOLUNTEER | GUEST, 10,
        icon="商",
    ),
)  # fmt: skip
DIRECTORY_PANELS = (
    Panel(directory.PANEL_KEY, "merchants/directory/_panel.html", directory.panel_data, OFFICE,
          600),
)  # fmt: skip
DIRECTORY_DEMO = (DemoSeeder(load_directory_demo),)
DIRECTORY_KINDS = (NotificationKind("merchants.account_invited", _l("开通商户账号"), (SMS,)),)
DIRECTORY_AUDIT = (
    AuditAction("merchants.circle_create", _l("登记商圈")),
    AuditAction("merchants.circle_update", _l("修改商圈")),
    AuditAction("merchants.merchant_create", _l("登记商户")),
    AuditAction("merchants.merchant_update", _l("修改商户")),
    AuditAction("merchants.account_invite", _l("开通商户账号")),
)
DIRECTORY_TARGETS = (
    AuditTarget("merchant", _l("商户"), _merchant_link, directory.merchant_names),
    AuditTarget("merchant_circle", _l("商圈"), _circle_link, directory.circle_names),
)
# --- end of area "directory" -------------------------------------------------------------------

MODULE = Module(
    name="merchants",
    label=_l("商圈联盟"),
    summary=_l(
        "商圈和商户：党员示范商户公开承诺，居民在手机上查找商户；每月会员日商户提供优惠和积分兑换券，"
        "到店扫码核销；商居联合活动；最受欢迎商户评选；每月结算。"
    ),
    models=("tenants.merchants.models",),
    menu_groups=(MenuGroup("merchants", _l("商圈"), 600),),
    blueprints=(*DIRECTORY_BLUEPRINTS,),
    menu=(*DIRECTORY_MENU,),
    panels=(*DIRECTORY_PANELS,),
    # the directory's seeder first: the others find the demo merchants by kind
    demo=(*DIRECTORY_DEMO,),
    notification_kinds=(*DIRECTORY_KINDS,),
    audit_actions=(*DIRECTORY_AUDIT,),
    audit_targets=(*DIRECTORY_TARGETS,),
)
