from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from saas.auth.models import new_auth_token
from saas.db import UTCDateTime, db, utcnow


class Operator(db.Model):
    """A platform operator account; lives outside every street."""

    __tablename__ = "operators"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(11), unique=True)
    name: Mapped[str] = mapped_column(String(50), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    auth_token: Mapped[str] = mapped_column(String(32), default=new_auth_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    is_authenticated = True
    is_anonymous = False
    is_active = True
    role = "operator"

    def get_id(self) -> str:
        return f"o:{self.id}:{self.auth_token}"


class PlatformAuditEntry(db.Model):
    """Operator logins, kept apart from every street's own log."""

    __tablename__ = "platform_audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int | None] = mapped_column()
    action: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
