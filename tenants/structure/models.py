from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from saas.db import TenantScoped, UTCDateTime, db, tenant_fk, utcnow


class Community(TenantScoped, db.Model):
    """A neighbourhood committee's area (社区) inside the street."""

    __tablename__ = "communities"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    name: Mapped[str] = mapped_column(String(60))
    #: order on every list and select
    position: Mapped[int] = mapped_column(Integer, default=0)
    #: archived communities keep their history but leave every select
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Grid(TenantScoped, db.Model):
    """A grid (网格), the smallest governance unit, with the grid worker responsible for it."""

    __tablename__ = "grids"
    __table_args__ = (
        UniqueConstraint("tenant_id", "community_id", "name"),
        tenant_fk("community_id", "communities"),
        tenant_fk("worker_id", "users"),
    )

    community_id: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(60))
    #: 网格员: the account responsible for this grid
    worker_id: Mapped[int | None] = mapped_column(BigInteger)
    position: Mapped[int] = mapped_column(Integer, default=0)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Building(TenantScoped, db.Model):
    """A building (楼栋) in a grid."""

    __tablename__ = "buildings"
    __table_args__ = (
        UniqueConstraint("tenant_id", "grid_id", "name"),
        tenant_fk("grid_id", "grids"),
    )

    grid_id: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(Integer, default=0)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
