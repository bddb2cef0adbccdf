"""The figures kept per street per day (saas.figures.store fills and reads them)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import BigInteger, Date, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from saas.db import TenantScoped, db

#: ``DailyFigure.community_id`` of the whole street's figure
STREET = 0


class DailyFigure(TenantScoped, db.Model):
    """One figure of one day of a street (日统计), for the whole street or one community.

    Written only by ``saas.figures.store.refresh`` (a day's rows are replaced whole); a day with
    nothing to count has no row (read as 0)."""

    __tablename__ = "daily_figures"
    __table_args__ = (
        # the reports read a community's (or the street's) days of a period: this order serves them
        UniqueConstraint("tenant_id", "community_id", "day", "key"),
    )

    #: the figure's key as its module declares it ("passport.points_issued")
    key: Mapped[str] = mapped_column(String(64))
    #: a day of the street's calendar
    day: Mapped[date] = mapped_column(Date)
    #: the community counted, or 0 (STREET) for the whole street; no foreign key: 0 is no row
    community_id: Mapped[int] = mapped_column(BigInteger, default=STREET)
    #: the day's value: what happened that day (flow) or what there was at its end (level)
    value: Mapped[Decimal] = mapped_column(Numeric(16, 2))
