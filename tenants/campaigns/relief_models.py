"""The winter relief registry (纾困解难, 三库一单): households in difficulty graded A, B or C,
what was given to them, and the visits paid. Sensitive: seen by the admin and the staff of the
household's community only, every view audit-logged; the ID number is kept as a keyed hash
(to find a household entered twice) and a masked form, never whole."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
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


class Grade(enum.StrEnum):
    a = "A"  # 最困难
    b = "B"
    c = "C"


class HouseholdStatus(enum.StrEnum):
    active = "active"  # 帮扶中
    closed = "closed"  # 已脱困 / 已移出


class Household(TenantScoped, db.Model):
    """A household in difficulty (困难家庭)."""

    __tablename__ = "relief_households"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id_number_hash"),
        UniqueConstraint("tenant_id", "phone"),
        tenant_fk("community_id", "communities"),
        tenant_fk("grid_id", "grids"),
        CheckConstraint("grade IN ('A', 'B', 'C')", name="grade_known"),
        CheckConstraint("size BETWEEN 1 AND 30", name="size_sane"),
        CheckConstraint("id_number_hash IS NOT NULL OR phone IS NOT NULL", name="identifiable"),
        Index("ix_relief_households_list", "tenant_id", "community_id", "grade"),
        Index("ix_relief_households_next_visit", "tenant_id", "next_visit_on"),
    )

    #: the head of the household (户主)
    head_name: Mapped[str] = mapped_column(String(40))
    #: HMAC of the normalised 18-character ID number (python-stdnum ``cn.ric``); never the number
    id_number_hash: Mapped[str | None] = mapped_column(String(64))
    #: "3401**********1234"
    id_number_masked: Mapped[str] = mapped_column(String(24), default="")
    phone: Mapped[str | None] = mapped_column(String(20))
    grade: Mapped[str] = mapped_column(String(1))
    #: 低保, 残疾, 大病, 失业, 困难学生, 孤寡老人, 其他 (relief.REASONS)
    reason: Mapped[str] = mapped_column(String(16))
    #: people in the household (家庭人口)
    size: Mapped[int] = mapped_column(Integer, default=1)
    community_id: Mapped[int] = mapped_column(BigInteger)
    grid_id: Mapped[int | None] = mapped_column(BigInteger)
    address: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=HouseholdStatus.active)
    #: when the next visit is due: the latest visit's ``next_due``
    next_visit_on: Mapped[date | None] = mapped_column(Date)
    #: the due date the "visit due" notice went out for (once per due date)
    visit_reminded_for: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AssistanceKind(enum.StrEnum):
    money = "money"  # 资金
    goods = "goods"  # 物资
    service = "service"  # 服务


class Assistance(TenantScoped, db.Model):
    """Something given to a household (帮扶记录): money, goods or a service, by a unit or the
    street. It counts towards the relief campaign whose dates hold ``given_on``."""

    __tablename__ = "relief_assistance"
    __table_args__ = (
        tenant_fk("household_id", "relief_households"),
        tenant_fk("giver_org_id", "organisations"),
        CheckConstraint("amount IS NULL OR amount >= 0", name="amount_not_negative"),
        CheckConstraint("kind <> 'money' OR amount IS NOT NULL", name="money_has_amount"),
        Index("ix_relief_assistance_household", "tenant_id", "household_id"),
        Index("ix_relief_assistance_given_on", "tenant_id", "given_on"),
    )

    household_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(16))
    #: yuan: the money, or what the goods or service are worth
    amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    description: Mapped[str] = mapped_column(String(200), default="")
    given_on: Mapped[date] = mapped_column(Date)
    #: the giving unit, when it is an organisation of the street
    giver_org_id: Mapped[int | None] = mapped_column(BigInteger)
    #: the giver in words (the unit's name, 街道, a donor)
    giver_name: Mapped[str] = mapped_column(String(80), default="")
    recorded_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Visit(TenantScoped, db.Model):
    """A visit paid to a household (走访), with what was found and when the next is due."""

    __tablename__ = "relief_visits"
    __table_args__ = (
        tenant_fk("household_id", "relief_households"),
        tenant_fk("visitor_id", "users"),
        Index("ix_relief_visits_household", "tenant_id", "household_id", "visited_on"),
        Index("ix_relief_visits_visited_on", "tenant_id", "visited_on"),
    )

    household_id: Mapped[int] = mapped_column(BigInteger)
    visited_on: Mapped[date] = mapped_column(Date)
    visitor_id: Mapped[int | None] = mapped_column(BigInteger)
    found: Mapped[str] = mapped_column(Text, default="")
    next_due: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
