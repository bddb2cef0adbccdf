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
    PersonalData,
    Todo,
)
from saas.notify.kinds import NotificationKind
from saas.notify.services import count_failed
from saas.rights import services as rights

PLATFORM = Module(
    name="platform",
    label=_l("平台"),
    blueprints=(
        "saas.console.views:bp",
        "saas.auth.views:bp",
        "saas.notify.views:bp",
        "saas.audit.views:bp",
        "saas.exports.views:bp",
        "saas.rights.views:bp",
        "saas.figures.views:bp",
        "saas.imports.views:bp",
    ),
    menu_groups=(
        MenuGroup("home", _l("工作台"), 0),
        MenuGroup("reports", _l("统计报表"), 850),
        MenuGroup("settings", _l("设置"), 900),
        MenuGroup("log", _l("日志"), 950),
        MenuGroup("account", _l("我的账号"), 1000),
    ),
    menu=(
        MenuEntry("console.dashboard", _l("工作台"), "home", OFFICE, icon="台"),
        MenuEntry("reports.monthly", _l("月度报表"), "reports", OFFICE, 10, icon="月"),
        MenuEntry("reports.quarterly", _l("季度报表"), "reports", OFFICE, 20, icon="季"),
        MenuEntry("streets.privacy_settings", _l("隐私政策"), "settings", ADMIN, 90, icon="私"),
        MenuEntry("rights.retention", _l("数据保留"), "settings", ADMIN, 95, icon="留"),
        MenuEntry("imports.index", _l("数据导入"), "settings", ADMIN, 80, icon="导"),
        MenuEntry("audit.browse", _l("操作日志"), "log", ADMIN, 10, icon="志"),
        MenuEntry("rights.requests_list", _l("注销申请"), "log", ADMIN, 30, icon="销"),
        MenuEntry("notify.failed", _l("发送失败的通知"), "log", ADMIN, 20, icon="败"),
        MenuEntry("notify.inbox", _l("我的通知"), "account", SIGNED_IN, 10, icon="信"),
        MenuEntry("notify.settings", _l("通知设置"), "account", SIGNED_IN, 15, icon="设"),
        MenuEntry(
            "exports.mine", _l("我的导出"), "account", OFFICE | frozenset({"org"}), 17, icon="导"
        ),
        MenuEntry("auth.change_password", _l("修改密码"), "account", SIGNED_IN, 20, icon="密"),
        MenuEntry("rights.my_data", _l("我的个人信息"), "account", SIGNED_IN, 30, icon="私"),
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
        Todo(
            "deletion-requests",
            _l("%(n)d 个注销申请待处理"),
            rights.count_pending,
            "rights.requests_list",
            roles=ADMIN,
            order=910,
        ),
    ),
    periodic=(
        PeriodicJob("notify-sweep", "saas.notify.jobs:sweep", 60),
        PeriodicJob("audit-purge", "saas.audit.services:purge_expired", 24 * 3600),
        PeriodicJob("exports-expire", "saas.exports.jobs:expire_all", 3600),
        PeriodicJob("imports-expire", "saas.imports.jobs:expire_all", 3600),
        PeriodicJob("retention", "saas.rights.jobs:run_retention", 24 * 3600),
        PeriodicJob("figures-refresh", "saas.figures.store:refresh_recent", 3600),
    ),
    commands=("saas.rights.cli:retention_cli", "saas.figures.cli:figures_cli"),
    notification_kinds=(
        NotificationKind("welcome", _l("欢迎消息")),
        NotificationKind("export.ready", _l("导出文件已生成")),
        NotificationKind("export.failed", _l("导出失败")),
        NotificationKind("deletion.refused", _l("注销申请未通过")),
    ),
    audit_actions=(
        AuditAction("import.upload", _l("上传导入文件")),
        AuditAction("import.commit", _l("确认导入")),
        AuditAction("deletion.request", _l("申请注销账号")),
        AuditAction("deletion.withdraw", _l("撤回注销申请")),
        AuditAction("deletion.confirm", _l("确认注销账号")),
        AuditAction("deletion.refuse", _l("拒绝注销申请")),
        AuditAction("retention.erase", _l("匿名化闲置账号")),
    ),
    personal_data=(
        PersonalData(
            "account",
            _l("账号信息"),
            (
                _l("姓名"),
                _l("手机号"),
                _l("电子邮箱"),
                _l("角色"),
                _l("党员"),
                _l("通知语言"),
                _l("注册时间"),
                _l("最近登录"),
            ),
            rights.account_rows,
        ),
        PersonalData(
            "consents",
            _l("隐私政策同意记录"),
            (_l("版本"), _l("方式"), _l("同意时间")),
            rights.consent_rows,
        ),
        PersonalData(
            "notifications",
            _l("我的通知"),
            (_l("时间"), _l("标题"), _l("内容"), _l("阅读时间")),
            rights.notification_rows,
            rights.erase_notifications,
        ),
        PersonalData(
            "deletion_requests",
            _l("注销申请"),
            (_l("申请时间"), _l("状态"), _l("处理时间"), _l("原因")),
            rights.request_rows,
        ),
    ),
)
