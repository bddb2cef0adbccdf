"""Grid governance (网格化治理): grid items in a closed loop from a report to a follow-up
(前端发现报告—网上分级分流—部门限时办理—全程跟踪督办—办结回访问效), the street's lists the loop
runs on (categories with their levels and deadlines, departments), duty visits (走访) of the
groups of residents a grid worker looks after, and the map of the grids (民情地图)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
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

# --- the street's lists ------------------------------------------------------------------------


class ItemLevel(TenantScoped, db.Model):
    """How urgent a kind of item is (紧急, 一般 …) and how long its handler has (办理时限)."""

    __tablename__ = "grid_item_levels"
    __table_args__ = (
        UniqueConstraint("tenant_id", "name"),
        CheckConstraint("deadline_hours BETWEEN 1 AND 8760", name="deadline_sane"),
    )

    name: Mapped[str] = mapped_column(String(20))
    #: from assignment to the deadline (urgent 24, ordinary 120 …)
    deadline_hours: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)


class ItemCategory(TenantScoped, db.Model):
    """A kind of grid item the street keeps (环境卫生, 公共设施, 邻里纠纷, 安全隐患, 困难老人 …)."""

    __tablename__ = "grid_item_categories"
    __table_args__ = (
        UniqueConstraint("tenant_id", "name"),
        tenant_fk("level_id", "grid_item_levels"),
    )

    name: Mapped[str] = mapped_column(String(30))
    level_id: Mapped[int] = mapped_column(BigInteger)
    position: Mapped[int] = mapped_column(Integer, default=0)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Department(TenantScoped, db.Model):
    """A department of the street an item can be assigned to (城管办, 综治中心 …), with the
    supervisor (分管领导) told when its items run late."""

    __tablename__ = "grid_departments"
    __table_args__ = (
        UniqueConstraint("tenant_id", "name"),
        tenant_fk("supervisor_id", "users"),
    )

    name: Mapped[str] = mapped_column(String(40))
    supervisor_id: Mapped[int | None] = mapped_column(BigInteger)
    position: Mapped[int] = mapped_column(Integer, default=0)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DepartmentMember(TenantScoped, db.Model):
    """An office account that handles a department's items."""

    __tablename__ = "grid_department_members"
    __table_args__ = (
        UniqueConstraint("tenant_id", "department_id", "user_id"),
        tenant_fk("department_id", "grid_departments"),
        tenant_fk("user_id", "users"),
        Index("ix_grid_department_members_user", "tenant_id", "user_id"),
    )

    department_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(BigInteger)


# --- grid items ----------------------------------------------------------------------------------


class ReporterRole(enum.StrEnum):
    grid_worker = "grid_worker"  # 网格员
    resident = "resident"  # 居民 (随手拍)
    staff = "staff"  # 工作人员


class ItemStatus(enum.StrEnum):
    reported = "reported"  # 已上报
    accepted = "accepted"  # 已受理
    rejected = "rejected"  # 不予受理 (with a reason; final)
    assigned = "assigned"  # 已派单
    in_progress = "in_progress"  # 办理中
    done = "done"  # 已办结 (by the handler)
    checked = "checked"  # 已核查 (by the grid worker)
    closed = "closed"  # 已关闭 (after the follow-up)


class Tier(enum.StrEnum):
    """Who deals with it: 小事不出网格、大事不出社区、难事不出街道."""

    grid = "grid"
    community = "community"
    street = "street"


class HandlerKind(enum.StrEnum):
    staff = "staff"  # an office account
    department = "department"  # a department of the street
    unit = "unit"  # an alliance unit (an organisation record)


class GridItem(TenantScoped, db.Model):
    """A reported problem (网格事项). Its ``status`` and the columns below are where the
    timeline (``ItemStep``) has got to: every change is a step, nothing is edited in place."""

    __tablename__ = "grid_items"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        tenant_fk("category_id", "grid_item_categories"),
        tenant_fk("community_id", "communities"),
        tenant_fk("grid_id", "grids"),
        tenant_fk("building_id", "buildings"),
        tenant_fk("reporter_id", "users"),
        tenant_fk("handler_user_id", "users"),
        tenant_fk("handler_department_id", "grid_departments"),
        tenant_fk("handler_org_id", "organisations"),
        CheckConstraint(
            "status IN ('reported', 'accepted', 'rejected', 'assigned', 'in_progress', 'done', "
            "'checked', 'closed')",
            name="status_known",
        ),
        CheckConstraint("tier IN ('grid', 'community', 'street')", name="tier_known"),
        CheckConstraint(
            "(handler_kind IS NULL AND handler_user_id IS NULL AND handler_department_id IS NULL"
            " AND handler_org_id IS NULL)"
            " OR (handler_kind = 'staff' AND handler_user_id IS NOT NULL)"
            " OR (handler_kind = 'department' AND handler_department_id IS NOT NULL)"
            " OR (handler_kind = 'unit' AND handler_org_id IS NOT NULL)",
            name="handler_named",
        ),
        Index("ix_grid_items_status_due", "tenant_id", "status", "due_at"),
        Index("ix_grid_items_grid", "tenant_id", "grid_id", "status"),
        Index("ix_grid_items_reporter", "tenant_id", "reporter_id", "created_at"),
        Index("ix_grid_items_handler", "tenant_id", "handler_user_id", "status"),
        Index("ix_grid_items_created", "tenant_id", "created_at"),
    )

    #: the street's own reference ("WG20261207-0001"), shown to people instead of the id
    number: Mapped[str] = mapped_column(String(24))
    category_id: Mapped[int] = mapped_column(BigInteger)
    description: Mapped[str] = mapped_column(Text)
    community_id: Mapped[int] = mapped_column(BigInteger)
    grid_id: Mapped[int | None] = mapped_column(BigInteger)
    building_id: Mapped[int | None] = mapped_column(BigInteger)
    #: where, in words (楼下、门口、路段)
    place: Mapped[str] = mapped_column(String(200), default="")
    reporter_id: Mapped[int | None] = mapped_column(BigInteger)
    reporter_role: Mapped[str] = mapped_column(String(16))
    #: the reporter's name is hidden from other residents
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default=ItemStatus.reported)
    tier: Mapped[str] = mapped_column(String(16), default=Tier.grid)
    handler_kind: Mapped[str | None] = mapped_column(String(16))
    handler_user_id: Mapped[int | None] = mapped_column(BigInteger)
    handler_department_id: Mapped[int | None] = mapped_column(BigInteger)
    handler_org_id: Mapped[int | None] = mapped_column(BigInteger)
    #: the handler's deadline (办理时限), from the category's level at assignment
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the reporter's word at the follow-up (回访): satisfied or not; None before
    satisfied: Mapped[bool | None] = mapped_column(Boolean)
    #: when the "deadline near" and "overdue" notices went out (once per deadline)
    near_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    overdue_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ItemStep(TenantScoped, db.Model):
    """One step of an item's timeline: reported, accepted, rejected, assigned, escalated,
    progress (a note or photos), done, checked, follow-up, reopened, closed, overdue."""

    __tablename__ = "grid_item_steps"
    __table_args__ = (
        tenant_fk("item_id", "grid_items"),
        tenant_fk("actor_id", "users"),
        Index("ix_grid_item_steps_item", "tenant_id", "item_id", "created_at"),
    )

    item_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    note: Mapped[str] = mapped_column(Text, default="")
    #: the item's status after the step
    status: Mapped[str] = mapped_column(String(16))
    #: the handler or tier the step set, in words for the timeline ("城管办，限 2026-12-08 17:00")
    detail: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ItemPhoto(TenantScoped, db.Model):
    """A photo of an item (at most 3 a step), re-encoded on the server without EXIF."""

    __tablename__ = "grid_item_photos"
    __table_args__ = (
        tenant_fk("item_id", "grid_items"),
        tenant_fk("step_id", "grid_item_steps"),
        Index("ix_grid_item_photos_item", "tenant_id", "item_id"),
    )

    item_id: Mapped[int] = mapped_column(BigInteger)
    step_id: Mapped[int | None] = mapped_column(BigInteger)
    #: the stored object's key (file name under the instance folder, or the S3 key)
    key: Mapped[str] = mapped_column(String(100))
    content_type: Mapped[str] = mapped_column(String(30), default="image/jpeg")
    width: Mapped[int] = mapped_column(Integer, default=0)
    height: Mapped[int] = mapped_column(Integer, default=0)
    size: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- duty visits (走访, 八必访) ---------------------------------------------------------------------


class VisitFrequency(enum.StrEnum):
    weekly = "weekly"
    monthly = "monthly"
    quarterly = "quarterly"


class VisitGroup(TenantScoped, db.Model):
    """A group of residents grid workers visit regularly (独居老人, 困难群众, 留守儿童 …)."""

    __tablename__ = "visit_groups"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    name: Mapped[str] = mapped_column(String(30))
    frequency: Mapped[str] = mapped_column(String(16), default=VisitFrequency.monthly)
    position: Mapped[int] = mapped_column(Integer, default=0)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class VisitSubject(TenantScoped, db.Model):
    """A resident in a visit group (sensitive: the admin, the community's staff and the grid's
    worker see them; every view is audit-logged)."""

    __tablename__ = "visit_subjects"
    __table_args__ = (
        tenant_fk("group_id", "visit_groups"),
        tenant_fk("community_id", "communities"),
        tenant_fk("grid_id", "grids"),
        tenant_fk("building_id", "buildings"),
        Index("ix_visit_subjects_grid", "tenant_id", "grid_id", "group_id"),
        Index("ix_visit_subjects_community", "tenant_id", "community_id"),
    )

    group_id: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(40))
    community_id: Mapped[int] = mapped_column(BigInteger)
    grid_id: Mapped[int] = mapped_column(BigInteger)
    building_id: Mapped[int | None] = mapped_column(BigInteger)
    #: 室号 or where exactly
    address: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    #: the last visit's date (kept with each visit: what is due is a comparison, not a scan)
    last_visited_on: Mapped[date | None] = mapped_column(Date)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DutyVisit(TenantScoped, db.Model):
    """A visit a grid worker paid (走访记录); a follow-up may open a grid item."""

    __tablename__ = "duty_visits"
    __table_args__ = (
        tenant_fk("subject_id", "visit_subjects"),
        tenant_fk("visitor_id", "users"),
        tenant_fk("item_id", "grid_items"),
        Index("ix_duty_visits_subject", "tenant_id", "subject_id", "visited_on"),
        Index("ix_duty_visits_visitor", "tenant_id", "visitor_id", "visited_on"),
    )

    subject_id: Mapped[int] = mapped_column(BigInteger)
    visitor_id: Mapped[int | None] = mapped_column(BigInteger)
    visited_on: Mapped[date] = mapped_column(Date)
    found: Mapped[str] = mapped_column(Text, default="")
    needs_follow_up: Mapped[bool] = mapped_column(Boolean, default=False)
    #: the grid item the follow-up opened, if any
    item_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class VisitReminder(TenantScoped, db.Model):
    """That a grid worker was reminded of a period's visits (once per worker and period)."""

    __tablename__ = "visit_reminders"
    __table_args__ = (
        UniqueConstraint("tenant_id", "user_id", "period"),
        tenant_fk("user_id", "users"),
    )

    user_id: Mapped[int] = mapped_column(BigInteger)
    #: "2026-12" (month), "2026-W49" (week), "2026-Q4" (quarter)
    period: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- the map of the grids (民情地图) ---------------------------------------------------------------


class GridMap(TenantScoped, db.Model):
    """A community's plan image (or none: a schematic is drawn from its grids and buildings)."""

    __tablename__ = "grid_maps"
    __table_args__ = (
        UniqueConstraint("tenant_id", "community_id"),
        tenant_fk("community_id", "communities"),
    )

    community_id: Mapped[int] = mapped_column(BigInteger)
    #: the stored image's key; None: the generated schematic
    image_key: Mapped[str | None] = mapped_column(String(100))
    width: Mapped[int] = mapped_column(Integer, default=0)
    height: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class GridPin(TenantScoped, db.Model):
    """Where a grid sits on its community's plan, in ten-thousandths of the image's width and
    height (so the plan can be shown at any size)."""

    __tablename__ = "grid_map_pins"
    __table_args__ = (
        UniqueConstraint("tenant_id", "grid_id"),
        tenant_fk("grid_id", "grids"),
        CheckConstraint("x BETWEEN 0 AND 10000 AND y BETWEEN 0 AND 10000", name="on_the_plan"),
    )

    grid_id: Mapped[int] = mapped_column(BigInteger)
    x: Mapped[int] = mapped_column(Integer)
    y: Mapped[int] = mapped_column(Integer)
