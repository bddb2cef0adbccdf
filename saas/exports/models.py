from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from saas.db import TenantScoped, UTCDateTime, db, tenant_fk, utcnow


class ExportStatus(enum.StrEnum):
    pending = "pending"  # asked for; the job has not finished it
    ready = "ready"  # the file is there for its owner
    failed = "failed"  # the job could not build it (the owner was told)
    expired = "expired"  # its week is over and the file is deleted


class ExportJob(TenantScoped, db.Model):
    """One export too big for a request (导出文件): which list, as whom, and the file a job made.

    The job opens ``path`` with ``query`` again as ``owner``, so the file holds what the list
    showed its owner with those filters; only the owner may download it, until ``expires_at``.
    """

    __tablename__ = "export_jobs"
    __table_args__ = (
        tenant_fk("owner_id", "users"),
        Index("ix_export_jobs_owner", "tenant_id", "owner_id", "id"),
        Index("ix_export_jobs_expires", "expires_at"),
    )

    #: who asked; the only one who may download it
    owner_id: Mapped[int] = mapped_column(BigInteger)
    #: the export's URL path, street slug included (/alpha/alliance/units/export.xlsx)
    path: Mapped[str] = mapped_column(String(300))
    #: its query string as sent (the list's filters), replayed by the job
    query: Mapped[str] = mapped_column(Text, default="")
    #: the name the view gave the file (共建单位.xlsx)
    filename: Mapped[str] = mapped_column(String(200), default="")
    #: rows counted when asked, then rows written
    rows: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default=ExportStatus.pending)
    #: the file under EXPORT_DIR, relative to it (<tenant_id>/<id>.xlsx), once built
    stored_path: Mapped[str] = mapped_column(String(200), default="")
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    error: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the file is deleted after this (EXPORT_KEEP_DAYS after it was asked for)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
