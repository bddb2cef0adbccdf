"""Writing and reading the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, cast, delete, event, literal, or_, select, text
from sqlalchemy.orm import ORMExecuteState, Session

from saas.audit.models import AuditEntry
from saas.auth.models import User
from saas.db import utcnow
from saas.listing import contains_pattern
from saas.modules import audit_actions, audit_targets
from saas.text import fold

#: the Cybersecurity Law asks for six months; we never keep less
MIN_RETENTION_DAYS = 180
PAGE = 50

#: the platform's own actions; a module declares its own (``Module.audit_actions``)
ACTIONS = {
    "login.success": _l("登录成功"),
    "login.failure": _l("登录失败"),
    "login.throttled": _l("登录被限制"),
    "logout": _l("退出登录"),
    "password.change": _l("修改密码"),
    "password.reset": _l("短信验证重置密码"),
    "user.create": _l("创建账号"),
    "user.role": _l("变更角色"),
    "user.enable": _l("启用账号"),
    "user.disable": _l("停用账号"),
    "settings.change": _l("修改设置"),
    "privacy.publish": _l("发布隐私政策"),
    "tenant.create": _l("开通街道"),
    "tenant.status": _l("街道状态变更"),
    "notification.resend": _l("重发通知"),
    "account.notifications": _l("修改通知设置"),
}

#: the platform's own kinds of target ("user:123"); a module declares its own
TARGETS = {"user": _l("账号"), "tenant": _l("街道设置"), "notification": _l("通知")}

#: what the detail's keys mean, and the words for the values people would not read as codes
DETAIL_LABELS = {
    "from": _l("原"),
    "to": _l("改为"),
    "reason": _l("原因"),
    "role": _l("角色"),
    "op": _l("操作"),
    "title": _l("标题"),
    "user_id": _l("人员"),
    "number": _l("护照号"),
    "delta": _l("积分"),
    "balance_after": _l("余额"),
    "hours": _l("时长"),
    "notified": _l("已通知人数"),
    "version": _l("版本"),
    "slug": _l("地址"),
    "via": _l("方式"),
}
VALUE_LABELS = {
    "admin": _l("街道管理员"),
    "staff": _l("社区工作人员"),
    "org": _l("单位账号"),
    "volunteer": _l("志愿者"),
    "create": _l("新建"),
    "rename": _l("改名"),
    "archive": _l("停用"),
    "restore": _l("恢复"),
    "worker": _l("指定网格员"),
    "disabled": _l("账号已停用"),
    "sms": _l("短信"),
    "active": _l("正常"),
    "suspended": _l("已暂停"),
}
#: keys that only serve links or machines (the event of an attendance, a correction's id)
HIDDEN_KEYS = frozenset({"event_id", "correction", "channels"})


def record(
    session: Session,
    action: str,
    actor_id: int | None,
    target: str = "",
    detail: dict | None = None,
    actor_kind: str = "user",
    tenant_id: int | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        action=action,
        actor_id=actor_id,
        actor_kind=actor_kind,
        target=target,
        detail=detail or {},
    )
    if tenant_id is not None:
        entry.tenant_id = tenant_id
    session.add(entry)
    return entry


def labels() -> dict[str, object]:
    """Every action the log can hold → its label: the platform's, then each module's."""
    return {**ACTIONS, **audit_actions()}


def people_matching(text: str | None):
    """A subquery of the ids of this street's accounts whose name or phone contains ``text``
    (None when there is nothing to search for). The street's scope applies: a phone of another
    street matches nobody."""
    pattern = contains_pattern(fold(text) if (text or "").strip().isdigit() else text)
    if pattern is None:
        return None
    return select(User.id).where(or_(User.name.like(pattern), User.phone.like(pattern)))


def browse(
    session: Session,
    action: str | None = None,
    actor_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_id: int | None = None,
    who: str | None = None,
) -> list[AuditEntry]:
    """A page of entries, newest first. ``who``: a name or (part of) a phone; entries done by
    those people or to their accounts."""
    stmt = select(AuditEntry)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if actor_id:
        stmt = stmt.where(AuditEntry.actor_id == actor_id)
    people = people_matching(who)
    if people is not None:
        as_target = select(literal("user:").concat(cast(User.id, String))).where(
            User.id.in_(people)
        )
        stmt = stmt.where(
            AuditEntry.actor_kind == "user",
            or_(AuditEntry.actor_id.in_(people), AuditEntry.target.in_(as_target)),
        )
    if since:
        stmt = stmt.where(AuditEntry.created_at >= since)
    if until:
        stmt = stmt.where(AuditEntry.created_at < until)
    if before_id:
        stmt = stmt.where(AuditEntry.id < before_id)
    return list(session.scalars(stmt.order_by(AuditEntry.id.desc()).limit(PAGE)))


@dataclass
class Line:
    """One entry as the admin reads it: who (a name), what (in words), to what (named, linked
    where a page shows it), and the details in words."""

    entry: AuditEntry
    action: object
    actor: str
    target: str
    target_url: str | None
    details: list[tuple[object, str]]


def _split_target(target: str) -> tuple[str, int | None]:
    kind, _, raw = target.partition(":")
    return kind, int(raw) if raw.isdigit() else None


def present(session: Session, entries: list[AuditEntry]) -> list[Line]:
    """The entries in words: one query for the people named, one per kind of target shown."""
    action_labels = labels()
    kinds = audit_targets()
    people_ids: set[int] = set()
    ids_by_kind: dict[str, set[int]] = {}
    for e in entries:
        if e.actor_id and e.actor_kind == "user":
            people_ids.add(e.actor_id)
        kind, target_id = _split_target(e.target)
        if target_id is not None:
            ids_by_kind.setdefault(kind, set()).add(target_id)
        if isinstance(e.detail.get("user_id"), int):
            people_ids.add(e.detail["user_id"])
    people_ids |= ids_by_kind.pop("user", set())
    names = {}
    if people_ids:
        names = dict(
            session.execute(select(User.id, User.name).where(User.id.in_(people_ids))).all()
        )
    target_names: dict[str, dict[int, str]] = {"user": names}
    for kind, ids in ids_by_kind.items():
        declared = kinds.get(kind)
        if declared is not None and declared.names is not None:
            target_names[kind] = declared.names(session, sorted(ids))
    return [_line(e, action_labels, kinds, names, target_names) for e in entries]


def _line(e, action_labels, kinds, names, target_names) -> Line:
    if e.actor_kind == "operator":
        actor = str(_l("平台运营人员"))
    elif e.actor_kind == "system" or not e.actor_id:
        actor = str(_l("系统")) if e.actor_kind == "system" else ""
    else:
        actor = names.get(e.actor_id) or str(_l("已删除的账号"))
    kind, target_id = _split_target(e.target)
    declared = kinds.get(kind)
    kind_label = declared.label if declared else TARGETS.get(kind, kind)
    target, url = "", None
    if e.target:
        name = target_names.get(kind, {}).get(target_id) if target_id is not None else None
        target = f"{kind_label}：{name}" if name else str(kind_label)
        if declared is not None and declared.link is not None and target_id is not None:
            url = declared.link(target_id, e.detail)
    details = []
    for key, value in (e.detail or {}).items():
        if key in HIDDEN_KEYS or value in ("", None):
            continue
        if key == "user_id" and isinstance(value, int):
            value = names.get(value, value)
        elif isinstance(value, str) and value in VALUE_LABELS:
            value = VALUE_LABELS[value]
        details.append((DETAIL_LABELS.get(key, key), str(value)))
    return Line(e, action_labels.get(e.action, e.action), actor, target, url, details)


def audit_retention_days(settings: dict | None, default: int) -> int:
    """How many days a street keeps its audit entries: its own setting (设置 › 数据保留,
    saas.rights) or ``default`` (``AUDIT_RETENTION_DAYS``), never less than 180."""
    stored = ((settings or {}).get("retention") or {}).get("audit_days")
    days = stored if isinstance(stored, int) and not isinstance(stored, bool) else default
    return max(days, MIN_RETENTION_DAYS)


def purge(
    session: Session,
    retention_days: int,
    tenant_ids: list[int] | None = None,
) -> int:
    """Delete entries older than the retention (never less than 180 days), of the streets
    ``tenant_ids`` (None: every street in the scope). Returns the count.

    The one way entries leave the log: the ORM refuses any other UPDATE or DELETE of them
    (:func:`_append_only`) and, on PostgreSQL, a trigger refuses them unless the transaction
    says it is this purge (``app.audit_purge``, transaction-local).
    """
    days = max(retention_days, MIN_RETENTION_DAYS)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT set_config('app.audit_purge', 'on', true)"))
    stmt = delete(AuditEntry).where(AuditEntry.created_at < utcnow() - timedelta(days=days))
    if tenant_ids is not None:
        stmt = stmt.where(AuditEntry.tenant_id.in_(tenant_ids))
    result = session.execute(stmt.execution_options(audit_purge=True))
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT set_config('app.audit_purge', '', true)"))
    return result.rowcount or 0


def purge_expired() -> int:
    """The daily job: purge each street's entries past its retention (its setting, else
    ``AUDIT_RETENTION_DAYS``), one DELETE per distinct retention."""
    from flask import current_app

    from saas.extensions import db
    from saas.streets.models import Tenant

    default = current_app.config["AUDIT_RETENTION_DAYS"]
    by_days: dict[int, list[int]] = {}
    for tenant_id, settings in db.session.execute(select(Tenant.id, Tenant.settings)):
        by_days.setdefault(audit_retention_days(settings, default), []).append(tenant_id)
    return sum(purge(db.session, days, ids) for days, ids in sorted(by_days.items()))


class AuditLogIsAppendOnly(RuntimeError):
    """An UPDATE or DELETE of audit entries other than the retention purge."""


def _append_only(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete):
        return
    if state.execution_options.get("audit_purge"):
        return
    if any(m.class_ is AuditEntry for m in state.all_mappers):
        raise AuditLogIsAppendOnly("audit entries are never changed; only the purge deletes")


def _no_changed_entries(session: Session, flush_context, instances) -> None:
    for obj in session.deleted:
        if isinstance(obj, AuditEntry):
            raise AuditLogIsAppendOnly("audit entries are never deleted one by one")
    for obj in session.dirty:
        if isinstance(obj, AuditEntry) and session.is_modified(obj):
            raise AuditLogIsAppendOnly("audit entries are never changed")


def install_append_only() -> None:
    """Refuse, in every ORM session, to change or delete audit entries except by :func:`purge`
    (idempotent; the app factory calls it)."""
    if event.contains(Session, "do_orm_execute", _append_only):
        return
    event.listen(Session, "do_orm_execute", _append_only)
    event.listen(Session, "before_flush", _no_changed_entries)
