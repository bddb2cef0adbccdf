from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from saas.db import TenantScoped, UTCDateTime, db, utcnow


class AuditEntry(TenantScoped, db.Model):
    """One line of a street's audit log. Holds the actor's id, never other personal data."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_tenant_created", "tenant_id", "created_at"),)

    #: user id (or operator id when actor_kind is operator); empty for an unknown login
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    #: user, operator or system
    actor_kind: Mapped[str] = mapped_column(String(16), default="user")
    #: what happened, dotted: login.success, login.failure, role.change, tenant.status …
    action: Mapped[str] = mapped_column(String(64), index=True)
    #: what it happened to, "user:123", "tenant", "community:456"
    target: Mapped[str] = mapped_column(String(100), default="")
    #: before/after values; ids and codes only
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
