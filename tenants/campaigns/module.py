"""Seasonal campaigns (一季一品). Four areas, each its own files and blueprint, each declaring
its contribution below as tuples named after it: campaigns, targets and the year view
(``campaigns``), the jobs registry and job fairs (``jobs``), the relief registry and its visits
(``relief``), the campaign dashboard, its charts and export (``dashboard``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from saas.modules import MenuGroup, Module

MODELS = (
    "tenants.campaigns.models",
    "tenants.campaigns.jobs_models",
    "tenants.campaigns.relief_models",
)

MODULE = Module(
    name="campaigns",
    label=_l("一季一品"),
    summary=_l(
        "一季一品，四季如花：春·助企帮招、夏·相亲结缘、秋·养老托育、冬·纾困解难，"
        "每季的指标、活动、求职和困难家庭台账，进度一目了然。"
    ),
    models=MODELS,
    menu_groups=(MenuGroup("campaigns", _l("一季一品"), 700),),
)
