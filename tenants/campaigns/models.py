"""Seasonal campaigns (一季一品): a street's yearly plan of four seasonal service brands, each with
its targets (指标), its activities on the events engine and its theme's registry (jobs:
``jobs_models``; relief: ``relief_models``)."""

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


class Season(enum.StrEnum):
    spring = "spring"  # 春
    summer = "summer"  # 夏
    autumn = "autumn"  # 秋
    winter = "winter"  # 冬


class Theme(enum.StrEnum):
    jobs = "jobs"  # 助企帮招
    matchmaking = "matchmaking"  # 相亲结缘
    care = "care"  # 养老托育
    relief = "relief"  # 纾困解难
    custom = "custom"  # 自定主题 (``Campaign.custom_theme``)


class CampaignStatus(enum.StrEnum):
    draft = "draft"  # 筹备中: planned, not yet announced
    launched = "launched"  # 进行中: announced to residents and units
    closed = "closed"  # 已结束


class Campaign(TenantScoped, db.Model):
    """One season's service brand of one year (一季一品): at most one per season and year."""

    __tablename__ = "campaigns"
    __table_args__ = (
        UniqueConstraint("tenant_id", "year", "season"),
        tenant_fk("owner_id", "users"),
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_sane"),
        CheckConstraint("(theme = 'custom') = (custom_theme <> '')", name="custom_theme_named"),
    )

    year: Mapped[int] = mapped_column(Integer)
    season: Mapped[str] = mapped_column(String(16))
    theme: Mapped[str] = mapped_column(String(16))
    #: the theme's name when ``theme`` is custom ("助残共融"); empty otherwise
    custom_theme: Mapped[str] = mapped_column(String(40), default="")
    #: the brand's name ("春·助企帮招")
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    #: the staff member in charge (负责人)
    owner_id: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default=CampaignStatus.draft)
    #: when its launch was announced (once)
    launched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TargetSource(enum.StrEnum):
    computed = "computed"  # 自动统计: a KPI of ``kpis.KPIS`` computed from linked data
    entered = "entered"  # 手工填报: the sum of staff's dated entries


class Target(TenantScoped, db.Model):
    """A campaign's KPI (指标) with its target; its actual is computed or entered."""

    __tablename__ = "campaign_targets"
    __table_args__ = (
        UniqueConstraint("tenant_id", "campaign_id", "name"),
        tenant_fk("campaign_id", "campaigns", ondelete="CASCADE"),
        CheckConstraint("target_value > 0", name="target_positive"),
        CheckConstraint("(source = 'computed') = (kpi IS NOT NULL)", name="computed_has_kpi"),
    )

    campaign_id: Mapped[int] = mapped_column(BigInteger)
    #: what is counted, in words ("求职登记人数")
    name: Mapped[str] = mapped_column(String(40))
    #: 人, 个, 场, 户, 元 …
    unit: Mapped[str] = mapped_column(String(10), default="")
    target_value: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    source: Mapped[str] = mapped_column(String(16), default=TargetSource.computed)
    #: the key of ``kpis.KPIS`` when computed
    kpi: Mapped[str | None] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer, default=0)
    #: when its actual first reached the target (the "target reached" notice goes out once)
    reached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TargetEntry(TenantScoped, db.Model):
    """Progress entered by staff on a target of source ``entered``: what was achieved on a day,
    with a note; the actual is the sum of its entries."""

    __tablename__ = "campaign_target_entries"
    __table_args__ = (
        tenant_fk("target_id", "campaign_targets", ondelete="CASCADE"),
        tenant_fk("entered_by", "users"),
        CheckConstraint("value > 0", name="value_positive"),
        Index("ix_campaign_target_entries_target", "tenant_id", "target_id"),
    )

    target_id: Mapped[int] = mapped_column(BigInteger)
    entered_on: Mapped[date] = mapped_column(Date)
    value: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    note: Mapped[str] = mapped_column(String(200), default="")
    entered_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Outline(TenantScoped, db.Model):
    """An activity the campaign plans (活动安排), before it is an event: copied with the campaign
    to next year; "create the event" fills the event form from it."""

    __tablename__ = "campaign_outlines"
    __table_args__ = (
        tenant_fk("campaign_id", "campaigns", ondelete="CASCADE"),
        CheckConstraint("month IS NULL OR month BETWEEN 1 AND 12", name="month_sane"),
        Index("ix_campaign_outlines_campaign", "tenant_id", "campaign_id"),
    )

    campaign_id: Mapped[int] = mapped_column(BigInteger)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    #: the month it usually happens in, if known
    month: Mapped[int | None] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)


class CampaignEvent(TenantScoped, db.Model):
    """An event of the engine that is one of a campaign's activities (an event belongs to one
    campaign at most); its registrations and attendance feed the campaign's KPIs."""

    __tablename__ = "campaign_events"
    __table_args__ = (
        UniqueConstraint("tenant_id", "event_id"),
        tenant_fk("campaign_id", "campaigns"),
        tenant_fk("event_id", "events"),
        tenant_fk("outline_id", "campaign_outlines"),
        Index("ix_campaign_events_campaign", "tenant_id", "campaign_id"),
    )

    campaign_id: Mapped[int] = mapped_column(BigInteger)
    event_id: Mapped[int] = mapped_column(BigInteger)
    #: the outline it was made from, if any
    outline_id: Mapped[int | None] = mapped_column(BigInteger)
    #: a job fair (招聘会): employers take booths (``jobs_models.Booth``)
    is_job_fair: Mapped[bool] = mapped_column(Boolean, default=False)


class SignupProfile(TenantScoped, db.Model):
    """What a registrant of a 相亲结缘 activity tells the organisers about themselves: seen by
    the street's staff only, never by other registrants, units or merchants."""

    __tablename__ = "campaign_signup_profiles"
    __table_args__ = (
        UniqueConstraint("tenant_id", "event_id", "user_id"),
        tenant_fk("event_id", "events"),
        tenant_fk("user_id", "users"),
    )

    event_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(BigInteger)
    gender: Mapped[str] = mapped_column(String(8), default="")
    age_band: Mapped[str] = mapped_column(String(16), default="")
    occupation: Mapped[str] = mapped_column(String(40), default="")
    about: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
