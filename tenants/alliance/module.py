"""Party alliance (党建联盟): built on organisation records (tenants.orgs) and the events engine.

Four areas, each its own files and blueprint: units and agreements (``units``), the unit's own
home and joining events (``home``), members and the three lists (``lists``), meetings, reports and
the yearly evaluation (``meetings``).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from saas.modules import (
    ADMIN,
    OFFICE,
    AuditAction,
    DemoSeeder,
    MenuEntry,
    MenuGroup,
    Module,
    PeriodicJob,
    Todo,
)
from saas.notify.kinds import SMS, NotificationKind

# --- meetings area: joint meetings, resolutions, the members' service report, the evaluation ---
from tenants.alliance.meeting_demo import load_demo as load_meetings_demo
from tenants.alliance.meetings import count_overdue

ORG = frozenset({"org"})


def _is_unit(user) -> bool:
    """An org account of an alliance unit (``org_kind`` when the platform knows it; until then
    every org account, and a merchant's gets a 404 page)."""
    return getattr(user, "org_kind", "alliance") == "alliance"


MEETINGS_MENU = (
    MenuEntry("alliance_meetings.meetings", _l("联席会议"), "alliance", OFFICE, 60, icon="会"),
    MenuEntry("alliance_meetings.resolutions", _l("会议决议"), "alliance", OFFICE, 61, icon="议"),
    MenuEntry(
        "alliance_meetings.service_report", _l("党员服务月报"), "alliance", OFFICE, 62, icon="报"
    ),
    MenuEntry("alliance_meetings.evaluation", _l("年度考评"), "alliance", ADMIN, 63, icon="评"),
    MenuEntry(
        "alliance_meetings.unit_meetings", _l("会议与决议"), "alliance", ORG, 60, icon="会",
        visible=_is_unit,
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

MODULE = Module(
    name="alliance",
    label=_l("党建联盟"),
    summary=_l(
        "共建单位签订联建协议、用自己的账号报名活动；在职党员双报到、认领先锋岗位；"
        "需求、资源、项目三项清单对接；联席会议决议跟踪到期；年度考评。"
    ),
    models=("tenants.alliance.models",),
    menu_groups=(MenuGroup("alliance", _l("党建联盟"), 500),),
    blueprints=("tenants.alliance.meeting_views:bp",),  # meetings
    menu=(*MEETINGS_MENU,),
    todos=(*MEETINGS_TODOS,),
    periodic=(*MEETINGS_PERIODIC,),
    # meetings: after the units' seeder (it finds the demo units by kind)
    demo=(DemoSeeder(load_meetings_demo),),
    notification_kinds=(*MEETINGS_KINDS,),
    audit_actions=(*MEETINGS_AUDIT,),
)
