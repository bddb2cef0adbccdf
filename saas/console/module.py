"""What the platform itself puts in every street's navigation, dashboard and schedule: the
dashboard, the inbox, the account, the audit log and the failed notifications, read by the layout
like a module's declaration (saas.modules)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from saas.modules import (
    ADMIN,
    GUEST,
    OFFICE,
    SIGNED_IN,
    AuditAction,
    Home,
    MenuEntry,
    MenuGroup,
    Module,
    PeriodicJob,
    Todo,
)
from saas.notify.kinds import NotificationKind
from saas.notify.services import count_failed

PLATFORM = Module(
    name="platform",
    label=_l("平台"),
    blueprints=(
        "saas.console.views:bp",
        "saas.auth.views:bp",
        "saas.notify.views:bp",
        "saas.audit.views:bp",
        "saas.imports.views:bp",
    ),
    menu_groups=(
        MenuGroup("home", _l("工作台"), 0),
        MenuGroup("settings", _l("设置"), 900),
        MenuGroup("log", _l("日志"), 950),
        MenuGroup("account", _l("我的账号"), 1000),
    ),
    menu=(
        MenuEntry("console.dashboard", _l("工作台"), "home", OFFICE, icon="台"),
        MenuEntry("streets.privacy_settings", _l("隐私政策"), "settings", ADMIN, 90, icon="私"),
        MenuEntry("imports.index", _l("数据导入"), "settings", ADMIN, 80, icon="导"),
        MenuEntry("audit.browse", _l("操作日志"), "log", ADMIN, 10, icon="志"),
        MenuEntry("notify.failed", _l("发送失败的通知"), "log", ADMIN, 20, icon="败"),
        MenuEntry("notify.inbox", _l("我的通知"), "account", SIGNED_IN, 10, icon="信"),
        MenuEntry("notify.settings", _l("通知设置"), "account", SIGNED_IN, 15, icon="设"),
        MenuEntry("auth.change_password", _l("修改密码"), "account", SIGNED_IN, 20, icon="密"),
        MenuEntry("auth.login", _l("登录"), "account", GUEST, 10, icon="登"),
    ),
    homes=(Home("console.dashboard", OFFICE),),
    todos=(
        Todo(
            "failed-notifications",
            _l("%(n)d 条通知发送失败"),
            count_failed,
            "notify.failed",
            roles=ADMIN,
            order=900,
        ),
    ),
    periodic=(
        PeriodicJob("notify-sweep", "saas.notify.jobs:sweep", 60),
        PeriodicJob("audit-purge", "saas.audit.services:purge_expired", 24 * 3600),
    ),
    notification_kinds=(NotificationKind("welcome", _l("欢迎消息")),),
    audit_actions=(
        AuditAction("import.upload", _l("上传导入文件")),
        AuditAction("import.commit", _l("确认导入")),
    ),
)
