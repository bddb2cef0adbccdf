"""The events engine (活动): events of every module, sign-ups with a waitlist, check-in, hours.

It imports nothing from the modules built on it; they hear from it through
:mod:`tenants.events.signals`.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from saas.modules import (
    OFFICE,
    PHONE,
    VOLUNTEER,
    DemoSeeder,
    MenuEntry,
    MenuGroup,
    Module,
    Panel,
    PeriodicJob,
    Tab,
    Todo,
    UsageCount,
)
from saas.notify.kinds import EMAIL, SMS, NotificationKind
from tenants.events import audit
from tenants.events.dashboard import TREND_FIGURES, trends_panel, upcoming_panel
from tenants.events.demo import load_demo
from tenants.events.figures import FIGURES
from tenants.events.personal import PERSONAL
from tenants.events.services import count_awaiting_confirmation

MODULE = Module(
    name="events",
    label=_l("活动"),
    summary=_l("发布活动，志愿者在手机上报名、候补，到场扫码签到签退，服务时长经确认后记入护照。"),
    models=("tenants.events.models",),
    blueprints=("tenants.events.views:bp", "tenants.events.checkin_views:bp"),
    menu_groups=(MenuGroup("events", _l("活动"), 100),),
    menu=(
        MenuEntry("events.event_list", _l("活动管理"), "events", OFFICE, 10, icon="活"),
        MenuEntry(
            "events.activities",
            _l("活动报名"),
            "events",
            PHONE,
            10,
            icon="活",
            tab=Tab(20, VOLUNTEER, _l("活动")),
        ),
    ),
    todos=(
        Todo(
            "hours-to-confirm",
            _l("%(n)d 条服务时长待确认"),
            count_awaiting_confirmation,
            "events.event_list",
            args={"awaiting": "hours"},
            order=10,
        ),
    ),
    panels=(
        Panel("events-upcoming", "events/_upcoming_panel.html", upcoming_panel, OFFICE, 100),
        Panel(
            "events-trends",
            "events/_trends_panel.html",
            trends_panel,
            OFFICE,
            920,
            figures=TREND_FIGURES,
        ),
    ),
    periodic=(
        PeriodicJob("event-reminders", "tenants.events.jobs:send_reminders", 300),
        PeriodicJob("checkin-autoclose", "tenants.events.jobs:close_open_checkins", 300),
    ),
    demo=(DemoSeeder(load_demo),),
    notification_kinds=(
        NotificationKind("event.registered", _l("活动报名成功")),
        NotificationKind("event.waitlisted", _l("进入活动候补")),
        NotificationKind("event.promoted", _l("候补转为报名成功"), (SMS, EMAIL)),
        NotificationKind("event.reminder", _l("活动开始前提醒"), (SMS, EMAIL)),
        NotificationKind("event.cancelled", _l("活动取消"), (SMS, EMAIL)),
    ),
    audit_actions=audit.ACTIONS,
    audit_targets=audit.TARGETS,
    usage=(UsageCount("events", _l("活动"), "tenants.events.models:Event", order=10),),
    personal_data=PERSONAL,
    figures=FIGURES,
)
