"""Micro-wishes (微心愿): residents post, members claim and fulfil, staff review and confirm."""

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
    Tab,
    Todo,
    UsageCount,
)
from saas.notify.kinds import NotificationKind
from tenants.wishes.demo import load_demo
from tenants.wishes.figures import FIGURES
from tenants.wishes.models import WishStatus
from tenants.wishes.personal import PERSONAL
from tenants.wishes.services import count_waiting


def _to_review(session, user) -> int:
    return count_waiting(session, user, WishStatus.pending)


def _to_confirm(session, user) -> int:
    return count_waiting(session, user, WishStatus.fulfilled)


MODULE = Module(
    name="wishes",
    label=_l("微心愿"),
    summary=_l("居民发布微心愿，经审核后由党员和志愿者认领、帮助实现，完成后获得积分。"),
    models=("tenants.wishes.models",),
    blueprints=("tenants.wishes.views:bp",),
    menu_groups=(MenuGroup("wishes", _l("微心愿"), 400),),
    menu=(
        MenuEntry("wishes.review", _l("心愿审核"), "wishes", OFFICE, 10, icon="愿"),
        MenuEntry(
            "wishes.index",
            _l("微心愿"),
            "wishes",
            PHONE,
            10,
            icon="愿",
            tab=Tab(40, VOLUNTEER, _l("心愿")),
        ),
    ),
    todos=(
        Todo(
            "wishes-to-review",
            _l("%(n)d 个心愿待审核"),
            _to_review,
            "wishes.review",
            args={"status": "pending"},
            order=30,
        ),
        Todo(
            "wishes-to-confirm",
            _l("%(n)d 个心愿待确认完成"),
            _to_confirm,
            "wishes.review",
            args={"status": "fulfilled"},
            order=31,
        ),
    ),
    demo=(DemoSeeder(load_demo),),
    notification_kinds=(
        NotificationKind("wish.approved", _l("心愿通过审核")),
        NotificationKind("wish.rejected", _l("心愿未通过审核")),
        NotificationKind("wish.claimed", _l("心愿被认领")),
        NotificationKind("wish.fulfilled", _l("心愿已完成")),
        NotificationKind("wish.confirmed", _l("心愿确认实现")),
    ),
    usage=(UsageCount("wishes", _l("微心愿"), "tenants.wishes.models:Wish", order=30),),
    personal_data=PERSONAL,
    figures=FIGURES,
)
