from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from saas.db import TenantScoped, UTCDateTime, db, tenant_fk, utcnow


class WishStatus(enum.StrEnum):
    pending = "pending"  # posted, waiting for staff
    approved = "approved"  # listed for claiming
    rejected = "rejected"  # with a reason
    claimed = "claimed"  # one claimer is on it
    fulfilled = "fulfilled"  # the claimer says it is done
    confirmed = "confirmed"  # staff confirmed; the claimer earned points


class Wish(TenantScoped, db.Model):
    """A resident's small wish (微心愿) that a volunteer, party member or unit fulfils."""

    __tablename__ = "wishes"
    __table_args__ = (
        tenant_fk("community_id", "communities"),
        tenant_fk("wisher_id", "users"),
        tenant_fk("claimer_id", "users"),
        CheckConstraint("points >= 0 AND points <= 10000", name="points_sane"),
        Index("ix_wishes_status", "tenant_id", "status", "id"),
    )

    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    #: e.g. 学习用品, 生活物资, 陪伴服务 (free text from a suggested list)
    category: Mapped[str] = mapped_column(String(30), default="")
    community_id: Mapped[int] = mapped_column(BigInteger)
    #: the resident's account, when they posted it themselves
    wisher_id: Mapped[int | None] = mapped_column(BigInteger)
    #: the resident's name as shown, when staff posted on their behalf
    wisher_name: Mapped[str] = mapped_column(String(50), default="")
    #: who typed it in (the resident, or staff on their behalf)
    posted_by: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default=WishStatus.pending)
    reject_reason: Mapped[str] = mapped_column(String(200), default="")
    claimer_id: Mapped[int | None] = mapped_column(BigInteger)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fulfilment_note: Mapped[str] = mapped_column(Text, default="")
    #: an uploaded photo's file name, or ""
    photo: Mapped[str] = mapped_column(String(100), default="")
    fulfilled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by: Mapped[int | None] = mapped_column(BigInteger)
    #: what the claimer earns on confirmation (the street's setting at approval)
    points: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
