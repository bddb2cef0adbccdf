"""The party alliance's records. Units themselves are organisation records (tenants.orgs)."""

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


class Agreement(TenantScoped, db.Model):
    """A co-building agreement (联建协议) between the street and a unit. Its status follows from
    its dates (services.agreement_status); nothing stores it."""

    __tablename__ = "alliance_agreements"
    __table_args__ = (
        tenant_fk("organisation_id", "organisations"),
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        Index("ix_alliance_agreements_org", "tenant_id", "organisation_id", "ends_on"),
        Index("ix_alliance_agreements_ends", "tenant_id", "ends_on"),
    )

    organisation_id: Mapped[int] = mapped_column(BigInteger)
    signed_on: Mapped[date] = mapped_column(Date)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(Text, default="")
    #: the scanned agreement under the street's upload folder (a random name), "" when none
    attachment: Mapped[str] = mapped_column(String(80), default="")
    #: the file's name as uploaded, for the download
    attachment_name: Mapped[str] = mapped_column(String(120), default="")
    #: when the 30-days-before-the-end notice went out (once per agreement)
    expiry_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class UnitMember(TenantScoped, db.Model):
    """A volunteer a unit named on its sign-up for an event (picked, not typed): they get their
    own attendance, hours and points when the unit's attendance is confirmed."""

    __tablename__ = "alliance_unit_members"
    __table_args__ = (
        UniqueConstraint("tenant_id", "registration_id", "user_id"),
        tenant_fk("registration_id", "registrations"),
        tenant_fk("user_id", "users"),
        tenant_fk("organisation_id", "organisations"),
        Index("ix_alliance_unit_members_org", "tenant_id", "organisation_id"),
    )

    registration_id: Mapped[int] = mapped_column(BigInteger)
    organisation_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(BigInteger)


class ReportStatus(enum.StrEnum):
    pending = "pending"
    confirmed = "confirmed"
    rejected = "rejected"


class MemberReport(TenantScoped, db.Model):
    """An in-service party member reporting to their community (在职党员双报到)."""

    __tablename__ = "alliance_member_reports"
    __table_args__ = (
        UniqueConstraint("tenant_id", "user_id"),
        tenant_fk("user_id", "users"),
        tenant_fk("community_id", "communities"),
        tenant_fk("organisation_id", "organisations"),
        Index("ix_alliance_member_reports_org", "tenant_id", "organisation_id", "status"),
    )

    user_id: Mapped[int] = mapped_column(BigInteger)
    community_id: Mapped[int] = mapped_column(BigInteger)
    #: the work unit when it is one of the street's alliance units
    organisation_id: Mapped[int | None] = mapped_column(BigInteger)
    #: the work unit in words when it is not (or as the member wrote it)
    work_unit: Mapped[str] = mapped_column(String(100), default="")
    #: 政策宣讲、医疗义诊… "、"-separated
    specialties: Mapped[str] = mapped_column(String(200), default="")
    #: when they can serve, in their words (周末、工作日晚上…)
    availability: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[str] = mapped_column(String(16), default=ReportStatus.pending)
    decided_by: Mapped[int | None] = mapped_column(BigInteger)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Post(TenantScoped, db.Model):
    """A vanguard post (先锋岗位) staff publish for reported party members to claim."""

    __tablename__ = "alliance_posts"
    __table_args__ = (
        tenant_fk("community_id", "communities"),
        CheckConstraint("slots BETWEEN 1 AND 500", name="slots_sane"),
    )

    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    community_id: Mapped[int | None] = mapped_column(BigInteger)
    specialties: Mapped[str] = mapped_column(String(200), default="")
    slots: Mapped[int] = mapped_column(Integer, default=1)
    #: seats claimed; moved only by a guarded UPDATE (claimed < slots)
    claimed: Mapped[int] = mapped_column(Integer, default=0)
    is_open: Mapped[bool] = mapped_column(default=True)
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PostClaim(TenantScoped, db.Model):
    __tablename__ = "alliance_post_claims"
    __table_args__ = (
        UniqueConstraint("tenant_id", "post_id", "user_id"),
        tenant_fk("post_id", "alliance_posts"),
        tenant_fk("user_id", "users"),
    )

    post_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NeedStatus(enum.StrEnum):
    open = "open"
    matched = "matched"  # a project took it up
    closed = "closed"


class Need(TenantScoped, db.Model):
    """A community's need (需求清单)."""

    __tablename__ = "alliance_needs"
    __table_args__ = (
        tenant_fk("community_id", "communities"),
        Index("ix_alliance_needs_status", "tenant_id", "status", "created_at"),
    )

    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    community_id: Mapped[int | None] = mapped_column(BigInteger)
    tags: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default=NeedStatus.open)
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ResourceKind(enum.StrEnum):
    venue = "venue"  # 场地
    funds = "funds"  # 资金
    goods = "goods"  # 物资
    skills = "skills"  # 技能
    people = "people"  # 人力


class Resource(TenantScoped, db.Model):
    """What a unit offers (资源清单)."""

    __tablename__ = "alliance_resources"
    __table_args__ = (
        tenant_fk("organisation_id", "organisations"),
        Index("ix_alliance_resources_org", "tenant_id", "organisation_id"),
    )

    organisation_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[str] = mapped_column(String(200), default="")
    is_available: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProjectStatus(enum.StrEnum):
    planned = "planned"
    in_progress = "in_progress"
    done = "done"
    dropped = "dropped"


class Project(TenantScoped, db.Model):
    """A project (项目清单): a need met by one or more units and their resources."""

    __tablename__ = "alliance_projects"
    __table_args__ = (
        tenant_fk("need_id", "alliance_needs"),
        tenant_fk("owner_id", "users"),
        CheckConstraint("people_served >= 0", name="served_not_negative"),
        Index("ix_alliance_projects_status", "tenant_id", "status", "due_on"),
    )

    title: Mapped[str] = mapped_column(String(100))
    need_id: Mapped[int | None] = mapped_column(BigInteger)
    #: the staff member who answers for it
    owner_id: Mapped[int | None] = mapped_column(BigInteger)
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=ProjectStatus.planned)
    outcome: Mapped[str] = mapped_column(Text, default="")
    people_served: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ProjectPartner(TenantScoped, db.Model):
    """A unit taking part in a project, with the resource it brings (if one of its list)."""

    __tablename__ = "alliance_project_partners"
    __table_args__ = (
        UniqueConstraint("tenant_id", "project_id", "organisation_id"),
        tenant_fk("project_id", "alliance_projects"),
        tenant_fk("organisation_id", "organisations"),
        tenant_fk("resource_id", "alliance_resources"),
        Index("ix_alliance_project_partners_org", "tenant_id", "organisation_id"),
    )

    project_id: Mapped[int] = mapped_column(BigInteger)
    organisation_id: Mapped[int] = mapped_column(BigInteger)
    resource_id: Mapped[int | None] = mapped_column(BigInteger)


class MeetingKind(enum.StrEnum):
    joint = "joint"  # 联席会议
    round_table = "round_table"  # 圆桌会议
    wednesday = "wednesday"  # 相约星期三


class Meeting(TenantScoped, db.Model):
    """A joint meeting (联席会议); a weekly series shares ``series_id`` (its first meeting's id)."""

    __tablename__ = "alliance_meetings"
    __table_args__ = (Index("ix_alliance_meetings_starts", "tenant_id", "starts_at"),)

    title: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16), default=MeetingKind.joint)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(200), default="")
    series_id: Mapped[int | None] = mapped_column(BigInteger)
    minutes: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MeetingInvite(TenantScoped, db.Model):
    """A unit invited to a meeting, and whether it came (None until staff record it)."""

    __tablename__ = "alliance_meeting_invites"
    __table_args__ = (
        UniqueConstraint("tenant_id", "meeting_id", "organisation_id"),
        tenant_fk("meeting_id", "alliance_meetings"),
        tenant_fk("organisation_id", "organisations"),
        Index("ix_alliance_meeting_invites_org", "tenant_id", "organisation_id"),
    )

    meeting_id: Mapped[int] = mapped_column(BigInteger)
    organisation_id: Mapped[int] = mapped_column(BigInteger)
    attended: Mapped[bool | None] = mapped_column()


class ResolutionStatus(enum.StrEnum):
    open = "open"
    done = "done"
    dropped = "dropped"


class Resolution(TenantScoped, db.Model):
    """A resolution of a meeting (会议决议): an owner (a unit or a staff member) and a due date."""

    __tablename__ = "alliance_resolutions"
    __table_args__ = (
        tenant_fk("meeting_id", "alliance_meetings"),
        tenant_fk("owner_organisation_id", "organisations"),
        tenant_fk("owner_user_id", "users"),
        CheckConstraint(
            "(owner_organisation_id IS NULL) <> (owner_user_id IS NULL)", name="one_owner"
        ),
        Index("ix_alliance_resolutions_due", "tenant_id", "status", "due_on"),
    )

    meeting_id: Mapped[int] = mapped_column(BigInteger)
    text: Mapped[str] = mapped_column(String(300))
    owner_organisation_id: Mapped[int | None] = mapped_column(BigInteger)
    owner_user_id: Mapped[int | None] = mapped_column(BigInteger)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=ResolutionStatus.open)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the day the owner was last told it is overdue (once a day at most)
    overdue_notified_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # --- meetings area (migration 3c9d2e7f1a08) ---
    #: what the owner wrote when marking it done ("" when staff closed it without a word)
    done_note: Mapped[str] = mapped_column(String(300), default="", server_default="")
    #: who marked it done or dropped
    done_by: Mapped[int | None] = mapped_column(BigInteger)


# --- meetings area: the monthly report's deliveries (migration 3c9d2e7f1a08) --------------------


class ReportDelivery(TenantScoped, db.Model):
    """A unit's monthly report of its members' service put in its accounts' inboxes: one row per
    unit and month, so a retried or doubled job sends it once (the unique key decides)."""

    __tablename__ = "alliance_report_deliveries"
    __table_args__ = (
        UniqueConstraint("tenant_id", "organisation_id", "month"),
        tenant_fk("organisation_id", "organisations"),
    )

    organisation_id: Mapped[int] = mapped_column(BigInteger)
    #: the month reported on, "2026-11"
    month: Mapped[str] = mapped_column(String(7))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
