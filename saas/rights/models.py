from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from saas.db import TenantScoped, UTCDateTime, db, tenant_fk, utcnow


class DeletionStatus(enum.StrEnum):
    pending = "pending"  # 待处理
    confirmed = "confirmed"  # 已注销 (the account was erased)
    refused = "refused"  # 已拒绝, with a reason
    withdrawn = "withdrawn"  # 已撤回 by the person


class DeletionRequest(TenantScoped, db.Model):
    """A person asked the street to delete their personal data (注销申请); the admin confirms
    (the account is erased, saas.rights.services.erase_account) or refuses with a reason."""

    __tablename__ = "deletion_requests"
    __table_args__ = (
        tenant_fk("user_id", "users"),
        tenant_fk("decided_by", "users"),
        CheckConstraint(
            "status IN ('pending', 'confirmed', 'refused', 'withdrawn')", name="status_known"
        ),
        Index("ix_deletion_requests_status", "tenant_id", "status", "requested_at"),
        Index("ix_deletion_requests_user", "tenant_id", "user_id"),
    )

    #: the account whose data is to be deleted
    user_id: Mapped[int] = mapped_column(BigInteger)
    #: pending, confirmed, refused or withdrawn (DeletionStatus)
    status: Mapped[str] = mapped_column(String(16), default=DeletionStatus.pending)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: the admin who confirmed or refused; None while pending or when withdrawn
    decided_by: Mapped[int | None] = mapped_column(BigInteger)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: why it was refused (told to the person)
    reason: Mapped[str] = mapped_column(String(200), default="")
