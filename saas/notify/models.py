from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from saas.db import TenantScoped, UTCDateTime, db, tenant_fk, utcnow


class NotificationStatus(enum.StrEnum):
    pending = "pending"  # written, waiting for its job
    sent = "sent"  # delivered on every channel it asked for
    failed = "failed"  # retries used up; an admin can resend


class Channel(enum.StrEnum):
    inbox = "inbox"
    sms = "sms"
    email = "email"


class Notification(TenantScoped, db.Model):
    """One message to one person (通知), written in the same transaction as what it reports.

    The row is the outbox: a job delivers it after commit, marking each channel as it goes, so a
    job that runs twice sends once. While a channel is being sent the row carries a lease
    (``sending_until``, ``sending_by``) instead of a row lock: see ``saas.notify.jobs.deliver``.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        tenant_fk("user_id", "users"),
        Index("ix_notifications_inbox", "tenant_id", "user_id", "id"),
        Index("ix_notifications_status", "status", "created_at"),
    )

    user_id: Mapped[int] = mapped_column(BigInteger)
    #: what it is about, e.g. welcome, event.reminder (templates and tests key on it)
    kind: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    #: a path inside the street to open, or empty
    link: Mapped[str] = mapped_column(String(300), default="")
    #: channels besides the inbox, comma-separated ("sms,email"): those the recipient accepted when
    #: it was written, then those it goes out on (the delivery job asks the recipient again)
    channels: Mapped[str] = mapped_column(String(50), default="")
    status: Mapped[str] = mapped_column(String(16), default=NotificationStatus.pending)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    sms_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: a delivery is sending one of its channels until then (or until its process is gone)
    sending_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: which run holds that lease: machine, process id and a token (``saas.notify.jobs``)
    sending_by: Mapped[str | None] = mapped_column(String(120))
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def channel_list(self) -> list[str]:
        return [c for c in self.channels.split(",") if c]

    @property
    def idempotency_key(self) -> str:
        return f"n{self.tenant_id}-{self.id}"
