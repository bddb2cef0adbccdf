"""Merchant alliance (商圈联盟): built on organisation records (tenants.orgs), the events engine
and the passport's rewards (vouchers).

Four areas, each its own files and blueprint: circles, merchants and the public directory
(``directory``), the member day, offers and settlement (``memberday``), popular-merchant voting
(``voting``), the merchant's own home and joint events (``home``).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from saas.modules import MenuGroup, Module

MODULE = Module(
    name="merchants",
    label=_l("商圈联盟"),
    summary=_l(
        "商圈和商户：党员示范商户公开承诺，居民在手机上查找商户；每月会员日商户提供优惠和积分兑换券，"
        "到店扫码核销；商居联合活动；最受欢迎商户评选；每月结算。"
    ),
    models=("tenants.merchants.models",),
    menu_groups=(MenuGroup("merchants", _l("商圈"), 600),),
)
