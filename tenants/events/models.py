from __future__ import annotations

import enum
import secrets
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


class EventKind(enum.StrEnum):
    volunteer = "volunteer"  # 志愿服务
    alliance = "alliance"  # 联盟共建
    merchant_day = "merchant_day"  # 商户会员日
    campaign = "campaign"  # 一季一品活动
    meeting = "meeting"  # 会议


class EventStatus(enum.StrEnum):
    draft = "draft"
    published = "published"
    cancelled = "cancelled"
    finished = "finished"


class Audience(enum.StrEnum):
    volunteers = "volunteers"
    alliance = "alliance"
    merchants = "merchants"
    public = "public"


class PointsMode(enum.StrEnum):
    per_hour = "per_hour"  # points × confirmed hours
    fixed = "fixed"  # the same points for attending


class RegistrationStatus(enum.StrEnum):
    registered = "registered"
    waitlisted = "waitlisted"
    cancelled = "cancelled"


class HoursSource(enum.StrEnum):
    recorded = "recorded"  # 记录时长: from check-in and check-out
    entered = "entered"  # 补录: entered afterwards by staff, with a reason
    #: 随单位参加: a person an organisation named on its sign-up, credited with the hours of the
    #: organisation's confirmed attendance (staff confirmed that the unit came, with them)
    unit = "unit"


def new_checkin_secret() -> str:
    return secrets.token_hex(16)


class Event(TenantScoped, db.Model):
    """Anything with a time, a place and sign-ups (活动)."""

    __tablename__ = "events"
    __table_args__ = (
        tenant_fk("community_id", "communities"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("seats_taken >= 0", name="seats_not_negative"),
        CheckConstraint(
            "capacity IS NULL OR seats_taken <= capacity", name="seats_within_capacity"
        ),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        CheckConstraint(
            "points_value IS NULL OR points_value BETWEEN 0 AND 10000", name="points_sane"
        ),
        Index("ix_events_tenant_starts", "tenant_id", "starts_at"),
    )

    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    #: volunteer, alliance, merchant_day, campaign, meeting (EventKind)
    kind: Mapped[str] = mapped_column(String(24), default=EventKind.volunteer)
    #: the community it belongs to; None: the whole street
    community_id: Mapped[int | None] = mapped_column(BigInteger)
    place: Mapped[str] = mapped_column(String(200), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: sign-ups close then; None: at the start
    signup_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: seats; None: no limit. A registration of an organisation takes its headcount.
    capacity: Mapped[int | None] = mapped_column(Integer)
    #: when full, further sign-ups wait in order and are promoted as seats free up
    waitlist_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    #: who may sign up (Audience)
    audience: Mapped[str] = mapped_column(String(16), default=Audience.volunteers)
    #: per_hour or fixed (PointsMode)
    points_mode: Mapped[str] = mapped_column(String(16), default=PointsMode.per_hour)
    #: points per hour or fixed points; None: the street's rule for this kind
    points_value: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=EventStatus.draft)
    #: seats held by registered sign-ups; changed only by guarded UPDATEs (see services)
    seats_taken: Mapped[int] = mapped_column(Integer, default=0)
    #: the last waitlist position handed out
    waitlist_seq: Mapped[int] = mapped_column(Integer, default=0)
    #: signs the rotating check-in QR; replaced to void every code shown so far
    checkin_secret: Mapped[str] = mapped_column(String(32), default=new_checkin_secret)
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: when the 24-hour reminder went out (once)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def hours(self) -> Decimal:
        return Decimal((self.ends_at - self.starts_at).total_seconds() / 3600).quantize(
            Decimal("0.01")
        )


class Registration(TenantScoped, db.Model):
    """A person's or an organisation's sign-up for an event (报名)."""

    __tablename__ = "registrations"
    __table_args__ = (
        UniqueConstraint("tenant_id", "event_id", "user_id"),
        tenant_fk("event_id", "events"),
        tenant_fk("user_id", "users"),
        CheckConstraint("headcount BETWEEN 1 AND 500", name="headcount_sane"),
        Index(
            "ix_registrations_event_status", "tenant_id", "event_id", "status", "waitlist_position"
        ),
        Index("ix_registrations_user", "tenant_id", "user_id"),
    )

    event_id: Mapped[int] = mapped_column(BigInteger)
    #: the account that signed up: a volunteer, or an org account for its unit
    user_id: Mapped[int] = mapped_column(BigInteger)
    #: seats taken: 1 for a person, the unit's headcount for an organisation
    headcount: Mapped[int] = mapped_column(Integer, default=1)
    #: an organisation's named members, one per line (optional)
    member_names: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=RegistrationStatus.registered)
    #: order on the waitlist (1 is next); None when not waitlisted
    waitlist_position: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Attendance(TenantScoped, db.Model):
    """Presence at an event (签到 / 签退), and the hours it is worth once confirmed."""

    __tablename__ = "attendances"
    __table_args__ = (
        UniqueConstraint("tenant_id", "event_id", "user_id"),
        tenant_fk("event_id", "events"),
        tenant_fk("user_id", "users"),
        CheckConstraint("hours IS NULL OR hours >= 0", name="hours_not_negative"),
        CheckConstraint(
            "checked_out_at IS NULL OR checked_out_at >= checked_in_at", name="out_after_in"
        ),
    )

    event_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(BigInteger)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: hours credited: check-out minus check-in capped at the event's length, or entered by staff
    hours: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    #: recorded or entered (HoursSource)
    source: Mapped[str] = mapped_column(String(16), default=HoursSource.recorded)
    #: why staff entered or corrected the hours (补录原因)
    reason: Mapped[str] = mapped_column(String(200), default="")
    #: closed at the event's end by the job because nobody checked out: staff should look
    auto_closed: Mapped[bool] = mapped_column(Boolean, default=False)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ScanNonce(TenantScoped, db.Model):
    """A scan already counted: an offline queue replayed twice counts each scan once."""

    __tablename__ = "scan_nonces"
    __table_args__ = (UniqueConstraint("tenant_id", "nonce"),)

    nonce: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
