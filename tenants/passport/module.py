"""The volunteer passport (志愿护照): the points ledger, hours, rules and expiry, and the rewards
(爱心超市) points buy. It pays for attendance by listening to the events engine."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from saas.modules import (
    ADMIN,
    OFFICE,
    PHONE,
    VOLUNTEER,
    DemoSeeder,
    Home,
    MenuEntry,
    MenuGroup,
    Module,
    Panel,
    PeriodicJob,
    Tab,
    Todo,
    UsageCount,
)
from saas.notify.kinds import NotificationKind
from tenants.passport import audit
from tenants.passport.dashboard import TREND_FIGURES, trends_panel
from tenants.passport.demo import load_demo, load_settings
from tenants.passport.figures import FIGURES
from tenants.passport.history_demo import load_history
from tenants.passport.imports import VOLUNTEERS
from tenants.passport.personal import PERSONAL
from tenants.passport.reward_demo import load_demo as load_rewards_demo
from tenants.passport.rewards import count_awaiting_handover

ORG = frozenset({"org"})

MODULE = Module(
    name="passport",
    label=_l("志愿护照与积分"),
    summary=_l("服务时长按规则换成积分，流水可查，积分在爱心超市兑换礼品，可开具志愿服务证明。"),
    models=("tenants.passport.models", "tenants.passport.records_models"),
    blueprints=(
        "tenants.passport.views:bp",
        "tenants.passport.reward_views:bp",
        "tenants.passport.records_views:bp",
    ),
    menu_groups=(
        MenuGroup("passport", _l("志愿护照与积分"), 200),
        MenuGroup("rewards", _l("爱心超市"), 300),
    ),
    menu=(
        MenuEntry("passport.passports", _l("志愿护照"), "passport", OFFICE, 10, icon="照"),
        MenuEntry(
            "service_records.street_records", _l("志愿服务记录"), "passport", OFFICE, 20, icon="录"
        ),
        MenuEntry(
            "passport.me",
            _l("我的志愿护照"),
            "passport",
            VOLUNTEER,
            10,
            icon="照",
            tab=Tab(10, VOLUNTEER, _l("护照")),
        ),
        MenuEntry("rewards.manage", _l("奖品管理"), "rewards", OFFICE, 10, icon="奖"),
        MenuEntry("rewards.all_redemptions", _l("兑换记录"), "rewards", OFFICE, 15, icon="兑"),
        MenuEntry(
            "rewards.catalogue",
            _l("爱心超市"),
            "rewards",
            PHONE,
            10,
            icon="市",
            tab=Tab(30, VOLUNTEER),
        ),
        MenuEntry("rewards.verify", _l("核销兑换码"), "rewards", ORG, 20, icon="核"),
        MenuEntry("passport.point_settings", _l("积分设置"), "settings", ADMIN, 30, icon="分"),
    ),
    homes=(Home("passport.me", VOLUNTEER),),
    todos=(
        Todo(
            "redemptions-to-hand-over",
            _l("%(n)d 份兑换待领取"),
            count_awaiting_handover,
            "rewards.all_redemptions",
            args={"status": "issued"},
            order=20,
        ),
    ),
    panels=(
        Panel(
            "passport-trends",
            "passport/_trends_panel.html",
            trends_panel,
            OFFICE,
            940,
            figures=TREND_FIGURES,
        ),
    ),
    periodic=(PeriodicJob("points-expiry", "tenants.passport.jobs:expire_points", 24 * 3600),),
    demo=(
        DemoSeeder(load_settings, "settings"),
        DemoSeeder(load_demo),
        DemoSeeder(load_rewards_demo),
        DemoSeeder(load_history),  # buys the rewards: after them
    ),
    receivers=(
        "tenants.passport.receivers",
        "tenants.passport.community",
        "tenants.passport.event_points",
    ),
    notification_kinds=(
        NotificationKind("points.awarded", _l("获得积分")),
        NotificationKind("points.adjusted", _l("积分调整")),
        NotificationKind("reward.issued", _l("兑换码发放")),
        NotificationKind("reward.verified", _l("兑换已核销")),
    ),
    audit_actions=audit.ACTIONS,
    importers=(VOLUNTEERS,),
    audit_targets=audit.TARGETS,
    usage=(
        UsageCount("point-entries", _l("积分流水"), "tenants.passport.models:PointEntry", order=20),
    ),
    personal_data=PERSONAL,
    figures=FIGURES,
)
