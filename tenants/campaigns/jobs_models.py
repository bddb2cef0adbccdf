"""The spring jobs registry (助企帮招): employers, their positions, job seekers, and the matches
staff make between them (推荐 → 面试 → 入职). Positions and seekers belong to a campaign; an
employer (an alliance unit, or any other company by name) stays from year to year."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from saas.db import TenantScoped, UTCDateTime, db, tenant_fk, utcnow


class Employer(TenantScoped, db.Model):
    """A company that posts positions (用工企业): an organisation record of the street (an
    alliance unit or a merchant) or a company known by name only."""

    __tablename__ = "job_employers"
    __table_args__ = (
        UniqueConstraint("tenant_id", "name"),
        UniqueConstraint("tenant_id", "organisation_id"),
        tenant_fk("organisation_id", "organisations"),
        tenant_fk("community_id", "communities"),
    )

    organisation_id: Mapped[int | None] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(80))
    contact_name: Mapped[str] = mapped_column(String(40), default="")
    contact_phone: Mapped[str] = mapped_column(String(20), default="")
    community_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PositionStatus(enum.StrEnum):
    open = "open"  # 招聘中
    closed = "closed"  # 已停止招聘


class JobPosition(TenantScoped, db.Model):
    """Openings an employer posts during a campaign (岗位)."""

    __tablename__ = "job_positions"
    __table_args__ = (
        tenant_fk("campaign_id", "campaigns"),
        tenant_fk("employer_id", "job_employers"),
        CheckConstraint("openings > 0", name="openings_positive"),
        CheckConstraint("pay_min IS NULL OR pay_min >= 0", name="pay_min_sane"),
        CheckConstraint(
            "pay_max IS NULL OR pay_min IS NULL OR pay_max >= pay_min", name="pay_range_ordered"
        ),
        Index("ix_job_positions_campaign", "tenant_id", "campaign_id", "status"),
    )

    campaign_id: Mapped[int] = mapped_column(BigInteger)
    employer_id: Mapped[int] = mapped_column(BigInteger)
    title: Mapped[str] = mapped_column(String(60))
    #: how many people it takes (招聘人数)
    openings: Mapped[int] = mapped_column(Integer)
    #: monthly pay in yuan (元/月); either end may be open
    pay_min: Mapped[int | None] = mapped_column(Integer)
    pay_max: Mapped[int | None] = mapped_column(Integer)
    requirements: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=PositionStatus.open)
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AgeBand(enum.StrEnum):
    under_25 = "under_25"  # 25岁以下
    from_25 = "25_34"  # 25–34岁
    from_35 = "35_44"  # 35–44岁
    from_45 = "45_54"  # 45–54岁
    over_55 = "55_plus"  # 55岁及以上


class JobSeeker(TenantScoped, db.Model):
    """A resident looking for work, registered during a campaign (求职登记): by themselves on
    the phone (``user_id``) or by staff at the window (招工窗口). One registration per phone
    and campaign."""

    __tablename__ = "job_seekers"
    __table_args__ = (
        UniqueConstraint("tenant_id", "campaign_id", "phone"),
        tenant_fk("campaign_id", "campaigns"),
        tenant_fk("user_id", "users"),
        tenant_fk("community_id", "communities"),
        Index("ix_job_seekers_campaign", "tenant_id", "campaign_id", "created_at"),
    )

    campaign_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int | None] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(40))
    phone: Mapped[str] = mapped_column(String(20))
    age_band: Mapped[str] = mapped_column(String(16))
    skills: Mapped[str] = mapped_column(String(200), default="")
    #: the job they want (意向岗位)
    wanted: Mapped[str] = mapped_column(String(100), default="")
    community_id: Mapped[int | None] = mapped_column(BigInteger)
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MatchStatus(enum.StrEnum):
    matched = "matched"  # 已推荐
    interview = "interview"  # 已安排面试
    hired = "hired"  # 已入职
    declined = "declined"  # 未成功


class JobMatch(TenantScoped, db.Model):
    """Staff put a seeker forward for a position (推荐); it moves to an interview and a hire,
    or ends declined. A hire is always a match's last step: there is no hire without one."""

    __tablename__ = "job_matches"
    __table_args__ = (
        UniqueConstraint("tenant_id", "seeker_id", "position_id"),
        tenant_fk("seeker_id", "job_seekers"),
        tenant_fk("position_id", "job_positions"),
        CheckConstraint("status <> 'hired' OR hired_on IS NOT NULL", name="hire_dated"),
        Index("ix_job_matches_position", "tenant_id", "position_id", "status"),
    )

    seeker_id: Mapped[int] = mapped_column(BigInteger)
    position_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default=MatchStatus.matched)
    #: when the interview is (or was)
    interview_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hired_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Booth(TenantScoped, db.Model):
    """An employer's booth at a job fair (招聘会展位): the fair is a campaign event."""

    __tablename__ = "job_fair_booths"
    __table_args__ = (
        UniqueConstraint("tenant_id", "event_id", "employer_id"),
        tenant_fk("event_id", "events"),
        tenant_fk("employer_id", "job_employers"),
    )

    event_id: Mapped[int] = mapped_column(BigInteger)
    employer_id: Mapped[int] = mapped_column(BigInteger)
    #: its place at the fair ("A3")
    label: Mapped[str] = mapped_column(String(20), default="")
