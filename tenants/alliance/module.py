"""Party alliance (党建联盟): built on organisation records (tenants.orgs) and the events engine.

Four areas, each its own files and blueprint: units and agreements (``units``), the unit's own
home and joining events (``home``), members and the three lists (``lists``), meetings, reports and
the yearly evaluation (``meetings``).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from saas.modules import (
    OFFICE,
    VOLUNTEER,
    AuditAction,
    DemoSeeder,
    MenuEntry,
    MenuGroup,
    Module,
    Panel,
    Todo,
)
from saas.notify.kinds import NotificationKind

# --- area "lists": in-service members (双报到), vanguard posts, the three lists -----------------
from tenants.alliance.lists.dashboard import pending_reports, projects_panel
from tenants.alliance.lists.demo import load_demo as load_lists_demo


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
        "alliance_lists.unit_resources", _l("我的资源"), "alliance", frozenset({"org"}), 40,
        icon="资", visible=lambda user: getattr(user, "org_kind", "alliance") == "alliance",
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
    blueprints=("tenants.alliance.lists.views:bp",),  # area "lists"
    menu=LISTS_MENU,
    todos=LISTS_TODOS,
    panels=LISTS_PANELS,
    demo=(DemoSeeder(load_lists_demo, phase="data"),),
    notification_kinds=LISTS_KINDS,
    audit_actions=LISTS_AUDIT,
)
