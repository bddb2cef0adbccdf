"""The merchant alliance's records. Merchants themselves are organisation records of kind
merchant (tenants.orgs); their vouchers are rewards of the passport's catalogue."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from saas.db import TenantScoped, UTCDateTime, db, tenant_fk, utcnow

#: the member day's default day of the month (会员日: the 27th in the reference street)
DEFAULT_MEMBER_DAY = 27


class Circle(TenantScoped, db.Model):
    """A business circle (商圈) and its alliance (商盟)."""

    __tablename__ = "merchant_circles"
    __table_args__ = (
        UniqueConstraint("tenant_id", "name"),
        tenant_fk("community_id", "communities"),
        CheckConstraint("member_day BETWEEN 1 AND 31", name="member_day_in_month"),
    )

    name: Mapped[str] = mapped_column(String(60))
    #: where it lies, in words (街区、路段)
    area: Mapped[str] = mapped_column(String(200), default="")
    community_id: Mapped[int | None] = mapped_column(BigInteger)
    #: the day of each month of its member day; past a month's end it is that month's last day
    member_day: Mapped[int] = mapped_column(Integer, default=DEFAULT_MEMBER_DAY)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MerchantStatus(enum.StrEnum):
    open = "open"  # 营业中
    paused = "paused"  # 暂停营业
    left = "left"  # 已退出商盟


class Merchant(TenantScoped, db.Model):
    """What the merchant alliance knows of a merchant, beside its organisation record (1:1)."""

    __tablename__ = "merchant_profiles"
    __table_args__ = (
        UniqueConstraint("tenant_id", "organisation_id"),
        tenant_fk("organisation_id", "organisations"),
        tenant_fk("circle_id", "merchant_circles"),
        Index("ix_merchant_profiles_directory", "tenant_id", "status", "circle_id", "category"),
    )

    organisation_id: Mapped[int] = mapped_column(BigInteger)
    circle_id: Mapped[int | None] = mapped_column(BigInteger)
    #: 餐饮, 超市便利, 理发美容, 维修服务, 药店诊所, 教育培训, 其他 (services.CATEGORIES)
    category: Mapped[str] = mapped_column(String(16), default="")
    opening_hours: Mapped[str] = mapped_column(String(60), default="")
    #: 党员示范商户, with its public pledge (承诺)
    is_model: Mapped[bool] = mapped_column(Boolean, default=False)
    pledge: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=MerchantStatus.open)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MemberDay(TenantScoped, db.Model):
    """One month's member day of a circle: an event on the engine, created ahead by a job."""

    __tablename__ = "merchant_member_days"
    __table_args__ = (
        UniqueConstraint("tenant_id", "circle_id", "day"),
        tenant_fk("circle_id", "merchant_circles"),
        tenant_fk("event_id", "events"),
    )

    circle_id: Mapped[int] = mapped_column(BigInteger)
    day: Mapped[date] = mapped_column(Date)
    event_id: Mapped[int] = mapped_column(BigInteger)
    #: when the day-before reminder went out (once)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OfferKind(enum.StrEnum):
    discount = "discount"  # 折扣: words only
    voucher = "voucher"  # 兑换券: a reward of the passport's catalogue, priced in points


class Offer(TenantScoped, db.Model):
    """A merchant's offer on a member day."""

    __tablename__ = "merchant_offers"
    __table_args__ = (
        UniqueConstraint("tenant_id", "member_day_id", "organisation_id"),
        tenant_fk("member_day_id", "merchant_member_days"),
        tenant_fk("organisation_id", "organisations"),
        tenant_fk("reward_id", "rewards"),
        CheckConstraint("(kind = 'voucher') = (reward_id IS NOT NULL)", name="voucher_has_reward"),
    )

    member_day_id: Mapped[int] = mapped_column(BigInteger)
    organisation_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(16))
    #: the offer in words ("全场九折", "凭券免费理发一次")
    text: Mapped[str] = mapped_column(String(200))
    #: the voucher's reward (price in points, stock) when kind is voucher
    reward_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Subscription(TenantScoped, db.Model):
    """A resident who wants the day-before reminder of a circle's member day."""

    __tablename__ = "merchant_subscriptions"
    __table_args__ = (
        UniqueConstraint("tenant_id", "circle_id", "user_id"),
        tenant_fk("circle_id", "merchant_circles"),
        tenant_fk("user_id", "users"),
    )

    circle_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EventHost(TenantScoped, db.Model):
    """A merchant co-hosting a merchant–resident event (商居联合活动)."""

    __tablename__ = "merchant_event_hosts"
    __table_args__ = (
        UniqueConstraint("tenant_id", "event_id", "organisation_id"),
        tenant_fk("event_id", "events"),
        tenant_fk("organisation_id", "organisations"),
        Index("ix_merchant_event_hosts_org", "tenant_id", "organisation_id"),
    )

    event_id: Mapped[int] = mapped_column(BigInteger)
    organisation_id: Mapped[int] = mapped_column(BigInteger)


class VotingRound(TenantScoped, db.Model):
    """A popular-merchant vote (最受欢迎商户评选): open from ``starts_at`` until ``ends_at``."""

    __tablename__ = "merchant_voting_rounds"
    __table_args__ = (
        tenant_fk("circle_id", "merchant_circles"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("votes_per_person BETWEEN 1 AND 20", name="votes_sane"),
    )

    title: Mapped[str] = mapped_column(String(100))
    circle_id: Mapped[int | None] = mapped_column(BigInteger)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: N: each resident votes for up to this many merchants, once each
    votes_per_person: Mapped[int] = mapped_column(Integer, default=3)
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Candidate(TenantScoped, db.Model):
    __tablename__ = "merchant_vote_candidates"
    __table_args__ = (
        UniqueConstraint("tenant_id", "round_id", "organisation_id"),
        tenant_fk("round_id", "merchant_voting_rounds"),
        tenant_fk("organisation_id", "organisations"),
    )

    round_id: Mapped[int] = mapped_column(BigInteger)
    organisation_id: Mapped[int] = mapped_column(BigInteger)
    #: votes received; moved only with a vote, in the vote's transaction
    votes: Mapped[int] = mapped_column(Integer, default=0)


class Ballot(TenantScoped, db.Model):
    """How many votes a resident has cast in a round: the guarded counter that holds N."""

    __tablename__ = "merchant_ballots"
    __table_args__ = (
        UniqueConstraint("tenant_id", "round_id", "user_id"),
        tenant_fk("round_id", "merchant_voting_rounds"),
        tenant_fk("user_id", "users"),
        CheckConstraint("used BETWEEN 0 AND 20", name="used_sane"),
    )

    round_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(BigInteger)
    used: Mapped[int] = mapped_column(Integer, default=0)


class Vote(TenantScoped, db.Model):
    """One resident's vote for one candidate: once per merchant per round (the unique key)."""

    __tablename__ = "merchant_votes"
    __table_args__ = (
        UniqueConstraint("tenant_id", "round_id", "user_id", "organisation_id"),
        tenant_fk("round_id", "merchant_voting_rounds"),
        tenant_fk("user_id", "users"),
        tenant_fk("organisation_id", "organisations"),
    )

    round_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(BigInteger)
    organisation_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Statement(TenantScoped, db.Model):
    """A merchant's monthly statement (结算单) of the vouchers it honoured."""

    __tablename__ = "merchant_statements"
    __table_args__ = (
        UniqueConstraint("tenant_id", "organisation_id", "month"),
        tenant_fk("organisation_id", "organisations"),
        CheckConstraint("vouchers >= 0 AND points >= 0", name="counts_not_negative"),
    )

    organisation_id: Mapped[int] = mapped_column(BigInteger)
    #: the first day of the month it covers
    month: Mapped[date] = mapped_column(Date)
    vouchers: Mapped[int] = mapped_column(Integer, default=0)
    points: Mapped[int] = mapped_column(Integer, default=0)
    #: the street's agreed value of a point in yuan, as it was when the statement was made
    yuan_per_point: Mapped[Decimal | None] = mapped_column(Numeric(8, 4))
    merchant_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    merchant_confirmed_by: Mapped[int | None] = mapped_column(BigInteger)
    street_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    street_confirmed_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
