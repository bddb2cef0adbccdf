"""Party alliance (党建联盟): built on organisation records (tenants.orgs) and the events engine.

Four areas, each its own files and blueprint: units and agreements (``units``), the unit's own
home and joining events (``home``), members and the three lists (``lists``), meetings, reports and
the yearly evaluation (``meetings``).
"""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from saas.modules import (
    ADMIN,
    OFFICE,
    VOLUNTEER,
    AuditAction,
    AuditTarget,
    DemoSeeder,
    Home,
    MenuEntry,
    MenuGroup,
    Module,
    Panel,
    PeriodicJob,
    Todo,
)
from saas.notify.kinds import SMS, NotificationKind

# --- units: 共建单位, 联建协议, unit accounts (admin side) ---------------------------------------
from tenants.alliance import units
from tenants.alliance.figures import FIGURES
from tenants.alliance.home import is_alliance_unit
from tenants.alliance.imports import UNITS
from tenants.alliance.lists.dashboard import pending_reports, projects_panel
from tenants.alliance.lists.demo import load_demo as load_lists_demo
from tenants.alliance.meeting_demo import load_demo as load_meetings_demo
from tenants.alliance.meetings import count_overdue
from tenants.alliance.personal import PERSONAL
from tenants.alliance.units_demo import load_demo as load_units_demo


def _unit_link(organisation_id: int, _detail: dict) -> str:
    return url_for("alliance_units.unit_detail", organisation_id=organisation_id)


UNITS_MENU = (MenuEntry("alliance_units.unit_list", _l("共建单位"), "alliance", OFFICE, 10,
                        icon="盟"),)  # fmt: skip
UNITS_TODOS = (
    Todo(
        "agreements-expiring",
        _l("%(n)d 份联建协议即将到期"),
        units.count_expiring,
        "alliance_units.unit_list",
        args={"status": "expiring"},
        order=10,
    ),
)
UNITS_PANELS = (Panel(units.PANEL_KEY, "alliance/units/_panel.html", units.panel_data, OFFICE,
                      300),)  # fmt: skip
UNITS_PERIODIC = (
    PeriodicJob("alliance-agreement-expiry", "tenants.alliance.units_jobs:remind_expiring", 86400),
)
UNITS_NOTIFICATIONS = (
    NotificationKind("alliance.agreement_expiring", _l("联建协议即将到期"), (SMS,)),
    NotificationKind("alliance.unit_invited", _l("开通单位账号"), (SMS,)),
)
UNITS_AUDIT_ACTIONS = (
    AuditAction("alliance.unit_create", _l("登记共建单位")),
    AuditAction("alliance.unit_update", _l("修改共建单位")),
    AuditAction("alliance.agreement_add", _l("登记联建协议")),
    AuditAction("alliance.unit_invite", _l("开通单位账号")),
)
UNITS_AUDIT_TARGETS = (AuditTarget("alliance_unit", _l("共建单位"), _unit_link, units.unit_names),)
# --- end of units ------------------------------------------------------------------------------


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


# --- meetings area: joint meetings, resolutions, the members' service report, the evaluation ---

MEETINGS_MENU = (
    MenuEntry("alliance_meetings.meetings", _l("联席会议"), "alliance", OFFICE, 60, icon="会"),
    MenuEntry("alliance_meetings.resolutions", _l("会议决议"), "alliance", OFFICE, 61, icon="议"),
    MenuEntry(
        "alliance_meetings.service_report", _l("党员服务月报"), "alliance", OFFICE, 62, icon="报"
    ),
    MenuEntry("alliance_meetings.evaluation", _l("年度考评"), "alliance", ADMIN, 63, icon="评"),
    MenuEntry(
        "alliance_meetings.unit_meetings", _l("会议与决议"), "alliance", ORG, 60, icon="会",
        visible=is_alliance_unit,
    ),
)  # fmt: skip
MEETINGS_TODOS = (
    Todo(
        "alliance-resolutions-overdue",
        _l("%(n)d 项会议决议已逾期"),
        count_overdue,
        "alliance_meetings.resolutions",
        args={"overdue": "1"},
        order=50,
    ),
)
MEETINGS_PERIODIC = (
    PeriodicJob(
        "alliance-resolutions-overdue", "tenants.alliance.meeting_jobs:notify_overdue", 3600
    ),
    PeriodicJob(
        "alliance-monthly-reports", "tenants.alliance.meeting_jobs:send_monthly_reports", 3600
    ),
)
MEETINGS_KINDS = (
    NotificationKind("alliance.meeting_invited", _l("联席会议邀请"), (SMS,)),
    NotificationKind("alliance.resolution_overdue", _l("会议决议逾期提醒")),
    NotificationKind("alliance.monthly_report", _l("在职党员服务月报")),
)
MEETINGS_AUDIT = (
    AuditAction("meeting.create", _l("安排会议")),
    AuditAction("meeting.attendance", _l("记录会议出席")),
    AuditAction("resolution.create", _l("记录会议决议")),
    AuditAction("resolution.done", _l("决议完成")),
    AuditAction("resolution.dropped", _l("决议取消")),
)
# --- end of the meetings area ---


# --- area "lists": in-service members (双报到), vanguard posts, the three lists -----------------


def _party_member(user) -> bool:
    return bool(getattr(user, "is_party_member", False))


LISTS_MENU = (
    MenuEntry("alliance_lists.needs", _l("需求清单"), "alliance", OFFICE, 40, icon="需"),
    MenuEntry("alliance_lists.resources", _l("资源清单"), "alliance", OFFICE, 41, icon="资"),
    MenuEntry("alliance_lists.projects", _l("项目清单"), "alliance", OFFICE, 42, icon="项"),
    MenuEntry("alliance_lists.reports", _l("双报到"), "alliance", OFFICE, 43, icon="报"),
    MenuEntry("alliance_lists.posts", _l("先锋岗位"), "alliance", OFFICE, 44, icon="岗"),
    MenuEntry(
        "alliance_lists.report", _l("双报到"), "alliance", VOLUNTEER, 40, icon="报",
        visible=_party_member,
    ),
    MenuEntry(
        "alliance_lists.member_posts", _l("先锋岗位"), "alliance", VOLUNTEER, 41, icon="岗",
        visible=_party_member,
    ),
    MenuEntry(
        "alliance_lists.unit_resources", _l("我的资源"), "alliance", ORG, 40, icon="资",
        visible=is_alliance_unit,
    ),
)  # fmt: skip
LISTS_TODOS = (
    Todo(
        "alliance-reports-pending",
        _l("%(n)d 条双报到待确认"),
        pending_reports,
        "alliance_lists.reports",
        args={"status": "pending"},
        order=50,
    ),
)
LISTS_PANELS = (
    Panel("alliance-projects", "alliance/lists/_panel.html", projects_panel, OFFICE, 510),
)
LISTS_KINDS = (
    NotificationKind("alliance.report_confirmed", _l("双报到已确认")),
    NotificationKind("alliance.report_rejected", _l("双报到未通过")),
)
LISTS_AUDIT = (
    AuditAction("alliance.report_confirm", _l("确认双报到")),
    AuditAction("alliance.report_reject", _l("退回双报到")),
    AuditAction("alliance.project_form", _l("需求立项")),
    AuditAction("alliance.project_move", _l("变更项目状态")),
)
# --- end of area "lists" ------------------------------------------------------------------------

MODULE = Module(
    name="alliance",
    label=_l("党建联盟"),
    summary=_l(
        "共建单位签订联建协议、用自己的账号报名活动；在职党员双报到、认领先锋岗位；"
        "需求、资源、项目三项清单对接；联席会议决议跟踪到期；年度考评。"
    ),
    models=("tenants.alliance.models",),
    menu_groups=(MenuGroup("alliance", _l("党建联盟"), 500),),
    blueprints=(
        "tenants.alliance.units_views:bp",
        *HOME_BLUEPRINTS,
        "tenants.alliance.lists.views:bp",
        "tenants.alliance.meeting_views:bp",
    ),
    menu=(*UNITS_MENU, *HOME_MENU, *LISTS_MENU, *MEETINGS_MENU),
    homes=HOME_HOMES,
    todos=(*UNITS_TODOS, *LISTS_TODOS, *MEETINGS_TODOS),
    panels=(*UNITS_PANELS, *LISTS_PANELS),
    periodic=(*UNITS_PERIODIC, *MEETINGS_PERIODIC),
    # the units' seeder first: the others find the demo units by kind
    demo=(
        DemoSeeder(load_units_demo),
        DemoSeeder(load_lists_demo),
        DemoSeeder(load_meetings_demo),
    ),
    receivers=HOME_RECEIVERS,
    notification_kinds=(*UNITS_NOTIFICATIONS, *LISTS_KINDS, *MEETINGS_KINDS),
    audit_actions=(*UNITS_AUDIT_ACTIONS, *LISTS_AUDIT, *MEETINGS_AUDIT),
    audit_targets=UNITS_AUDIT_TARGETS,
    personal_data=PERSONAL,
    figures=FIGURES,
    importers=(UNITS,),
)
