"""Seasonal campaigns (一季一品). Four areas, each its own files and blueprint, each declaring
its contribution below as tuples named after it: campaigns, targets and the year view
(``campaigns``), the jobs registry and job fairs (``jobs``), the relief registry and its visits
(``relief``), the campaign dashboard, its charts and export (``dashboard``)."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from saas.modules import (
    OFFICE,
    AuditAction,
    AuditTarget,
    MenuEntry,
    MenuGroup,
    Module,
    PeriodicJob,
)
from saas.notify.kinds import SMS, NotificationKind
from tenants.campaigns import relief

MODELS = (
    "tenants.campaigns.models",
    "tenants.campaigns.jobs_models",
    "tenants.campaigns.relief_models",
)


# --- area "relief": the winter relief registry (三库一单), its visits and reminders --------------


def _household_link(household_id: int, _detail: dict) -> str:
    return url_for("campaigns_relief.household_detail", household_id=household_id)


RELIEF_BLUEPRINTS = ("tenants.campaigns.relief_views:bp",)
# shown only to those who may see some household: the admin, staff limited to a community
RELIEF_MENU = (
    MenuEntry("campaigns_relief.households", _l("困难家庭"), "campaigns", OFFICE, 40, icon="困",
              visible=relief.sees_relief),
    MenuEntry("campaigns_relief.visits_due", _l("走访提醒"), "campaigns", OFFICE, 41, icon="访",
              visible=relief.sees_relief),
)  # fmt: skip
RELIEF_PERIODIC = (
    # daily; visit_reminded_for keeps it to once per household and due date
    PeriodicJob("campaigns-relief-visits-due", "tenants.campaigns.relief_jobs:remind_visits_due",
                86400),
)  # fmt: skip
RELIEF_KINDS = (NotificationKind("campaigns.relief_visit_due", _l("走访到期提醒"), (SMS,)),)
RELIEF_AUDIT = (
    AuditAction("campaigns.relief_household_create", _l("登记困难家庭")),
    AuditAction("campaigns.relief_household_update", _l("修改困难家庭")),
    AuditAction("campaigns.relief_household_view", _l("查看困难家庭")),
    AuditAction("campaigns.relief_households_export", _l("导出困难家庭")),
    AuditAction("campaigns.relief_assistance_add", _l("登记帮扶记录")),
    AuditAction("campaigns.relief_visit_add", _l("登记走访")),
)
RELIEF_TARGETS = (
    AuditTarget("household", _l("困难家庭"), _household_link, relief.household_names),
)
# --- end of area "relief" ------------------------------------------------------------------------

MODULE = Module(
    name="campaigns",
    label=_l("一季一品"),
    summary=_l(
        "一季一品，四季如花：春·助企帮招、夏·相亲结缘、秋·养老托育、冬·纾困解难，"
        "每季的指标、活动、求职和困难家庭台账，进度一目了然。"
    ),
    models=MODELS,
    menu_groups=(MenuGroup("campaigns", _l("一季一品"), 700),),
    blueprints=(*RELIEF_BLUEPRINTS,),
    menu=(*RELIEF_MENU,),
    periodic=(*RELIEF_PERIODIC,),
    notification_kinds=(*RELIEF_KINDS,),
    audit_actions=(*RELIEF_AUDIT,),
    audit_targets=(*RELIEF_TARGETS,),
)
