from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from saas.db import TenantScoped, UTCDateTime, db, tenant_fk, utcnow


class EntryKind(enum.StrEnum):
    earn = "earn"  # attendance confirmed, wish fulfilled
    redeem = "redeem"  # a reward bought
    refund = "refund"  # a redemption cancelled before hand-over
    adjust = "adjust"  # by an admin, with a reason (audit-logged)
    expire = "expire"  # what was left of a lot at its expiry date


class Passport(TenantScoped, db.Model):
    """A volunteer's card (志愿护照): number, QR, cached balance and hours."""

    __tablename__ = "passports"
    __table_args__ = (
        UniqueConstraint("tenant_id", "user_id"),
        UniqueConstraint("tenant_id", "number"),
        tenant_fk("user_id", "users"),
        tenant_fk("community_id", "communities"),
        CheckConstraint("balance >= 0", name="balance_not_negative"),
        # the rank in a community this year is a count over this index, whatever its size
        Index("ix_passports_rank", "tenant_id", "community_id", "hours_year_of", "hours_year"),
    )

    user_id: Mapped[int] = mapped_column(BigInteger)
    #: the holder's community (users.community_id, kept in step by tenants.passport.community)
    community_id: Mapped[int | None] = mapped_column(BigInteger)
    #: printed on the card: the street's prefix and a sequence, e.g. DEMO-000123
    number: Mapped[str] = mapped_column(String(24))
    #: the sum of the passport's ledger entries, changed only together with one (row-locked)
    balance: Mapped[int] = mapped_column(Integer, default=0)
    #: confirmed service hours, all time
    hours_total: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("0"))
    #: confirmed service hours in ``hours_year``
    hours_year: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("0"))
    hours_year_of: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PointEntry(TenantScoped, db.Model):
    """One ledger line (积分流水). Append-only: never updated, never deleted."""

    __tablename__ = "point_entries"
    __table_args__ = (
        UniqueConstraint("tenant_id", "source_key"),
        tenant_fk("passport_id", "passports"),
        CheckConstraint("delta <> 0", name="delta_not_zero"),
        CheckConstraint("balance_after >= 0", name="balance_after_not_negative"),
        Index("ix_point_entries_history", "tenant_id", "passport_id", "id"),
    )

    passport_id: Mapped[int] = mapped_column(BigInteger)
    #: points added (positive) or taken (negative)
    delta: Mapped[int] = mapped_column(Integer)
    #: earn, redeem, refund, adjust or expire (EntryKind)
    kind: Mapped[str] = mapped_column(String(16))
    #: words for the volunteer: which event, which reward, the admin's reason
    reason: Mapped[str] = mapped_column(String(200), default="")
    #: what paid it, unique per street, e.g. "attendance:123": nothing is paid twice
    source_key: Mapped[str] = mapped_column(String(100))
    #: who caused it (staff confirming, admin adjusting); None for the system
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    #: the passport's balance right after this entry
    balance_after: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PointLot(TenantScoped, db.Model):
    """Points earned together, spent oldest first, and what is left of them (for expiry)."""

    __tablename__ = "point_lots"
    __table_args__ = (
        tenant_fk("passport_id", "passports"),
        tenant_fk("entry_id", "point_entries"),
        CheckConstraint("remaining >= 0 AND remaining <= points", name="remaining_within_points"),
        Index("ix_point_lots_open", "tenant_id", "passport_id", "remaining", "id"),
        Index("ix_point_lots_expiry", "tenant_id", "expires_at"),
    )

    passport_id: Mapped[int] = mapped_column(BigInteger)
    #: the earn (or refund) entry that created it
    entry_id: Mapped[int] = mapped_column(BigInteger)
    points: Mapped[int] = mapped_column(Integer)
    remaining: Mapped[int] = mapped_column(Integer)
    #: None while the street's points do not expire
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PointRule(TenantScoped, db.Model):
    """How many points an hour of service earns (积分规则): the default, or one event kind's."""

    __tablename__ = "point_rules"
    __table_args__ = (
        UniqueConstraint("tenant_id", "event_kind"),
        CheckConstraint("points_per_hour BETWEEN 0 AND 1000", name="points_per_hour_sane"),
    )

    #: an EventKind, or "" for the street's default
    event_kind: Mapped[str] = mapped_column(String(24), default="")
    points_per_hour: Mapped[int] = mapped_column(Integer, default=10)


class Reward(TenantScoped, db.Model):
    """Something points can buy (爱心超市 / 商户兑换)."""

    __tablename__ = "rewards"
    __table_args__ = (
        tenant_fk("community_id", "communities"),
        tenant_fk("provider_id", "users"),
        CheckConstraint("price > 0 AND price <= 100000", name="price_sane"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("per_person_limit IS NULL OR per_person_limit > 0", name="limit_positive"),
    )

    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    #: an uploaded picture's file name under the street's upload folder, or ""
    picture: Mapped[str] = mapped_column(String(100), default="")
    price: Mapped[int] = mapped_column(Integer)
    #: left to hand out; changed only by a guarded UPDATE
    stock: Mapped[int] = mapped_column(Integer, default=0)
    per_person_limit: Mapped[int | None] = mapped_column(Integer)
    #: a community's 爱心超市 (community_id) or a merchant's account (provider_id)
    community_id: Mapped[int | None] = mapped_column(BigInteger)
    provider_id: Mapped[int | None] = mapped_column(BigInteger)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RedemptionStatus(enum.StrEnum):
    issued = "issued"  # code shown to the volunteer, waiting for hand-over
    verified = "verified"  # handed over
    cancelled = "cancelled"  # cancelled before hand-over; points refunded


class Redemption(TenantScoped, db.Model):
    """A reward bought (兑换), with the code shown at hand-over."""

    __tablename__ = "redemptions"
    __table_args__ = (
        UniqueConstraint("tenant_id", "code"),
        tenant_fk("reward_id", "rewards"),
        tenant_fk("passport_id", "passports"),
        Index("ix_redemptions_passport", "tenant_id", "passport_id", "status"),
    )

    reward_id: Mapped[int] = mapped_column(BigInteger)
    passport_id: Mapped[int] = mapped_column(BigInteger)
    #: shown as text and QR; what staff or the merchant type or scan at hand-over
    code: Mapped[str] = mapped_column(String(16))
    points: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=RedemptionStatus.issued)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by: Mapped[int | None] = mapped_column(BigInteger)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the earliest expiry among the points spent: a cancellation refunds them with it
    lots_expire_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
