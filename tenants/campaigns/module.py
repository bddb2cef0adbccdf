"""Seasonal campaigns (一季一品). Four areas, each its own files and blueprint, each declaring
its contribution below as tuples named after it: campaigns, targets and the year view
(``campaigns``), the jobs registry and job fairs (``jobs``), the relief registry and its visits
(``relief``), the campaign dashboard, its charts and export (``dashboard``)."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from saas.modules import (
    OFFICE,
    VOLUNTEER,
    AuditAction,
    AuditTarget,
    MenuEntry,
    MenuGroup,
    Module,
)
from saas.notify.kinds import NotificationKind

# --- area "jobs": the spring jobs registry (助企帮招) and job fairs ---------------------------------
from tenants.campaigns.jobs import employers as _jobs_employers  # noqa: E402
from tenants.campaigns.jobs import positions as _jobs_positions  # noqa: E402
from tenants.campaigns.jobs import seekers as _jobs_seekers  # noqa: E402


def _job_employer_link(employer_id: int, _detail: dict) -> str:
    return url_for("campaigns_jobs.edit_employer", employer_id=employer_id)


def _job_position_link(position_id: int, _detail: dict) -> str:
    return url_for("campaigns_jobs.position_detail", position_id=position_id)


def _job_seeker_link(seeker_id: int, _detail: dict) -> str:
    return url_for("campaigns_jobs.seeker_detail", seeker_id=seeker_id)


JOBS_BLUEPRINTS = ("tenants.campaigns.jobs.views:bp",)
JOBS_MENU = (
    MenuEntry("campaigns_jobs.seeker_list", _l("求职登记"), "campaigns", OFFICE, 20, icon="求"),
    MenuEntry("campaigns_jobs.position_list", _l("用工岗位"), "campaigns", OFFICE, 21, icon="岗"),
    MenuEntry("campaigns_jobs.employer_list", _l("用工企业"), "campaigns", OFFICE, 22, icon="企"),
    MenuEntry("campaigns_jobs.fair_list", _l("招聘会"), "campaigns", OFFICE, 23, icon="聘"),
    MenuEntry("campaigns_jobs.resident_page", _l("求职招聘"), "campaigns", VOLUNTEER, 20,
              icon="聘"),
    MenuEntry("campaigns_jobs.mine", _l("我的招聘岗位"), "campaigns", frozenset({"org"}), 20,
              icon="岗", visible=_jobs_employers.is_employer),
)  # fmt: skip
JOBS_KINDS = (NotificationKind("campaigns.job_match", _l("求职推荐和入职")),)
JOBS_AUDIT = (
    AuditAction("campaigns.job_employer_create", _l("登记用工企业")),
    AuditAction("campaigns.job_employer_update", _l("修改用工企业")),
    AuditAction("campaigns.job_position_create", _l("发布用工岗位")),
    AuditAction("campaigns.job_position_update", _l("修改用工岗位")),
    AuditAction("campaigns.job_seeker_create", _l("登记求职")),
    AuditAction("campaigns.job_match_create", _l("推荐求职者")),
    AuditAction("campaigns.job_match_interview", _l("安排面试")),
    AuditAction("campaigns.job_match_hire", _l("登记入职")),
    AuditAction("campaigns.job_match_decline", _l("推荐未成功")),
    AuditAction("campaigns.job_fair_mark", _l("设置招聘会")),
    AuditAction("campaigns.job_booth_add", _l("添加招聘会展位")),
    AuditAction("campaigns.job_booth_remove", _l("移除招聘会展位")),
)
JOBS_AUDIT_TARGETS = (
    AuditTarget("job_employer", _l("用工企业"), _job_employer_link, _jobs_employers.employer_names),
    AuditTarget("job_position", _l("用工岗位"), _job_position_link, _jobs_positions.position_names),
    AuditTarget("job_seeker", _l("求职者"), _job_seeker_link, _jobs_seekers.seeker_names),
)
# --- end of area "jobs" ------------------------------------------------------------------------

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
    blueprints=(*JOBS_BLUEPRINTS,),
    menu=(*JOBS_MENU,),
    notification_kinds=(*JOBS_KINDS,),
    audit_actions=(*JOBS_AUDIT,),
    audit_targets=(*JOBS_AUDIT_TARGETS,),
)
