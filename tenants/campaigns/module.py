"""Seasonal campaigns (一季一品). Four areas, each its own files and blueprint, each declaring
its contribution below as tuples named after it: campaigns, targets and the year view
(``campaigns``), the jobs registry and job fairs (``jobs``), the relief registry and its visits
(``relief``), the campaign dashboard, its charts and export (``dashboard``)."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from saas.modules import (
    OFFICE,
    PHONE,
    VOLUNTEER,
    AuditAction,
    AuditTarget,
    DemoSeeder,
    MenuEntry,
    MenuGroup,
    Module,
    Panel,
    PeriodicJob,
)
from saas.notify.kinds import SMS, NotificationKind
from tenants.campaigns import campaigns, relief, yearplan
from tenants.campaigns.demo import load_demo
from tenants.campaigns.figures import FIGURES
from tenants.campaigns.jobs import employers as _jobs_employers
from tenants.campaigns.jobs import positions as _jobs_positions
from tenants.campaigns.jobs import seekers as _jobs_seekers
from tenants.campaigns.personal import PERSONAL

MODELS = (
    "tenants.campaigns.models",
    "tenants.campaigns.jobs_models",
    "tenants.campaigns.relief_models",
)


# --- area "campaigns": the year view 四季如花, campaigns, targets, outlines, launch ------------


def _campaign_link(campaign_id: int, _detail: dict) -> str:
    return url_for("campaigns_campaigns.detail", campaign_id=campaign_id)


CAMPAIGNS_BLUEPRINTS = ("tenants.campaigns.campaigns_views:bp",)
CAMPAIGNS_MENU = (
    MenuEntry("campaigns_campaigns.year", _l("四季如花"), "campaigns", OFFICE, 10, icon="季"),
    # residents and units on their phones: this year's launched campaigns
    MenuEntry("campaigns_campaigns.seasons", _l("一季一品"), "campaigns", PHONE, 10, icon="季"),
)
CAMPAIGNS_PANELS = (
    Panel(campaigns.PANEL_KEY, "campaigns/campaigns/_panel.html", yearplan.panel_data, OFFICE,
          700),
)  # fmt: skip
# hourly: a target reached between two entries (registrations, attendance, the registries)
CAMPAIGNS_PERIODIC = (
    PeriodicJob("campaigns-targets", "tenants.campaigns.campaigns_jobs:check_targets", 3600),
)
CAMPAIGNS_KINDS = (
    NotificationKind("campaigns.launched", _l("一季一品活动启动")),
    NotificationKind("campaigns.target_reached", _l("一季一品指标完成")),
)
CAMPAIGNS_AUDIT = (
    AuditAction("campaigns.campaign_create", _l("创建一季一品活动")),
    AuditAction("campaigns.campaign_update", _l("修改一季一品活动")),
    AuditAction("campaigns.template_create", _l("按四季模板创建活动")),
    AuditAction("campaigns.copy_year", _l("复制上一年一季一品活动")),
    AuditAction("campaigns.target_create", _l("添加一季一品指标")),
    AuditAction("campaigns.target_update", _l("修改一季一品指标")),
    AuditAction("campaigns.target_remove", _l("删除一季一品指标")),
    AuditAction("campaigns.entry_add", _l("填报一季一品指标")),
    AuditAction("campaigns.outline_create", _l("添加活动安排")),
    AuditAction("campaigns.outline_update", _l("修改活动安排")),
    AuditAction("campaigns.outline_remove", _l("删除活动安排")),
    AuditAction("campaigns.event_create", _l("按活动安排创建活动")),
    AuditAction("campaigns.event_link", _l("关联活动到一季一品")),
    AuditAction("campaigns.event_unlink", _l("取消关联一季一品活动")),
    AuditAction("campaigns.launch", _l("启动一季一品活动")),
    AuditAction("campaigns.close", _l("结束一季一品活动")),
)
CAMPAIGNS_TARGETS = (
    AuditTarget("campaign", _l("一季一品活动"), _campaign_link, campaigns.campaign_names),
)
# --- end of area "campaigns" -----------------------------------------------------------------


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


# --- area "dashboard": a campaign's charts and export, 相亲结缘 profiles ---------------------------
DASHBOARD_BLUEPRINTS = ("tenants.campaigns.dashboard_views:bp",)
DASHBOARD_MENU = (
    MenuEntry("campaigns_dashboard.year", _l("数据看板"), "campaigns", OFFICE, 50, icon="看"),
    MenuEntry("campaigns_dashboard.my_matchmaking", _l("相亲结缘"), "campaigns", VOLUNTEER, 50,
              icon="缘"),
)  # fmt: skip
DASHBOARD_RECEIVERS = ("tenants.campaigns.dashboard_receivers",)
DASHBOARD_KINDS = (NotificationKind("campaigns.matchmaking_profile", _l("填写交友资料")),)
# the whole module's demo data (campaigns, activities, both registries); the module comes last
# in MODULES, so the demo volunteers, alliance units, communities and grids exist by then
DASHBOARD_DEMO = (DemoSeeder(load_demo),)
DASHBOARD_AUDIT = (
    AuditAction("campaigns.profiles_view", _l("查看交友活动报名者资料")),
    AuditAction("campaigns.profiles_export", _l("导出交友活动报名者资料")),
)
# --- end of area "dashboard" ---------------------------------------------------------------------

# --- area "jobs": the spring jobs registry (助企帮招) and job fairs ---------------------------------


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


MODULE = Module(
    name="campaigns",
    label=_l("一季一品"),
    summary=_l(
        "一季一品，四季如花：春·助企帮招、夏·相亲结缘、秋·养老托育、冬·纾困解难，"
        "每季的指标、活动、求职和困难家庭台账，进度一目了然。"
    ),
    models=MODELS,
    menu_groups=(MenuGroup("campaigns", _l("一季一品"), 700),),
    blueprints=(
        *CAMPAIGNS_BLUEPRINTS,
        *RELIEF_BLUEPRINTS,
        *DASHBOARD_BLUEPRINTS,
        *JOBS_BLUEPRINTS,
    ),
    menu=(
        *CAMPAIGNS_MENU,
        *RELIEF_MENU,
        *DASHBOARD_MENU,
        *JOBS_MENU,
    ),
    panels=(*CAMPAIGNS_PANELS,),
    periodic=(
        *CAMPAIGNS_PERIODIC,
        *RELIEF_PERIODIC,
    ),
    notification_kinds=(
        *CAMPAIGNS_KINDS,
        *RELIEF_KINDS,
        *DASHBOARD_KINDS,
        *JOBS_KINDS,
    ),
    audit_actions=(
        *CAMPAIGNS_AUDIT,
        *RELIEF_AUDIT,
        *DASHBOARD_AUDIT,
        *JOBS_AUDIT,
    ),
    audit_targets=(
        *CAMPAIGNS_TARGETS,
        *RELIEF_TARGETS,
        *JOBS_AUDIT_TARGETS,
    ),
    receivers=(*DASHBOARD_RECEIVERS,),
    demo=(*DASHBOARD_DEMO,),
    personal_data=PERSONAL,
    figures=FIGURES,
)
