"""Units and merchants (单位与商户): the org account's own home, instead of a volunteer's
passport. Built on the events engine and the passport (its voucher verification)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from saas.modules import Home, MenuEntry, Module, UsageCount

ORG = frozenset({"org"})

MODULE = Module(
    name="orgs",
    label=_l("单位与商户"),
    summary=_l("共建单位和商户的账号有自己的首页：已报名和可参加的活动、核销兑换码、通知。"),
    models=("tenants.orgs.models",),
    receivers=("tenants.orgs.receivers",),
    blueprints=("tenants.orgs.views:bp",),
    menu=(MenuEntry("orgs.home", _l("单位首页"), "home", ORG, 5, icon="首"),),
    homes=(Home("orgs.home", ORG),),
    usage=(
        UsageCount(
            "organisations", _l("共建单位与商户"), "tenants.orgs.models:Organisation", order=40
        ),
    ),
)
