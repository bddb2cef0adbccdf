"""Writing and reading the audit log."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from saas.audit.models import AuditEntry
from saas.db import utcnow

#: the Cybersecurity Law asks for six months; we never keep less
MIN_RETENTION_DAYS = 180
PAGE = 50

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
    "structure.change": _l("组织架构变更"),
    "notification.resend": _l("重发通知"),
    "account.notifications": _l("修改通知设置"),
    "points.adjust": _l("调整积分"),
    "event.cancel": _l("取消活动"),
    "event.checkin_reset": _l("重置签到码"),
    "attendance.correct": _l("修改服务时长"),
    "attendance.enter": _l("补录服务时长"),
    "attendance.correct_confirmed": _l("更正已确认时长"),
}


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


def browse(
    session: Session,
    action: str | None = None,
    actor_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_id: int | None = None,
) -> list[AuditEntry]:
    stmt = select(AuditEntry)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if actor_id:
        stmt = stmt.where(AuditEntry.actor_id == actor_id)
    if since:
        stmt = stmt.where(AuditEntry.created_at >= since)
    if until:
        stmt = stmt.where(AuditEntry.created_at < until)
    if before_id:
        stmt = stmt.where(AuditEntry.id < before_id)
    return list(session.scalars(stmt.order_by(AuditEntry.id.desc()).limit(PAGE)))


def purge(session: Session, retention_days: int) -> int:
    """Delete entries older than the retention (never less than 180 days). Returns the count."""
    days = max(retention_days, MIN_RETENTION_DAYS)
    result = session.execute(
        delete(AuditEntry).where(AuditEntry.created_at < utcnow() - timedelta(days=days))
    )
    return result.rowcount or 0


def purge_expired() -> int:
    """The daily job: purge every street's entries past ``AUDIT_RETENTION_DAYS``."""
    from flask import current_app

    from saas.extensions import db

    return purge(db.session, current_app.config["AUDIT_RETENTION_DAYS"])
