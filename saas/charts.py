"""Figures per month for the dashboard's trend charts, grouped in SQL on SQLite and PostgreSQL.

A month is a month of the street's calendar (``BABEL_DEFAULT_TIMEZONE``): its first instant is
computed in Python with ``zoneinfo`` and the rows are put in their month by a ``CASE`` over those
instants. That is one grouped query per series whatever the number of months, it needs no
time-zone function from the database (SQLite has none), and a zone with summer time is still
cut at local midnight.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case

from saas.ui import street_zone


@dataclass(frozen=True)
class Months:
    """The last ``n`` calendar months up to and including the one of ``now``."""

    #: "2026-01" … one per month, oldest first
    labels: tuple[str, ...]
    #: the first instant (UTC) of each month, then the first instant of the month after the last
    bounds: tuple[datetime, ...]

    @property
    def start(self) -> datetime:
        return self.bounds[0]

    @property
    def end(self) -> datetime:
        return self.bounds[-1]

    def bucket(self, column):
        """A SQL expression: the index of ``column``'s month (0 = oldest); filter the rows to
        ``start <= column < end`` so every row has one."""
        return case(
            *((column < bound, i) for i, bound in enumerate(self.bounds[1:-1])),
            else_=len(self.labels) - 1,
        )

    def series(self, rows) -> list:
        """(index, value) rows of a grouped query → one value a month, 0 where none."""
        values = [0] * len(self.labels)
        for index, value in rows:
            if index is not None and 0 <= index < len(values):
                values[int(index)] = plain(value)
        return values


def plain(value):
    """Decimal sums as int or float, so they go to JSON as numbers."""
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    number = float(value)
    return int(number) if number.is_integer() else round(number, 2)


def last_months(now: datetime, n: int = 12, zone: ZoneInfo | None = None) -> Months:
    zone = zone or street_zone()
    local = now.astimezone(zone)
    year, month = local.year, local.month
    firsts = []
    for _ in range(n + 1):
        firsts.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    firsts.reverse()  # n months back … this month
    firsts.append((local.year + (local.month == 12), local.month % 12 + 1))
    firsts = firsts[1:]  # the n months, then the one after
    bounds = tuple(datetime(y, m, 1, tzinfo=zone).astimezone(UTC) for y, m in firsts)
    labels = tuple(f"{y}-{m:02d}" for y, m in firsts[:-1])
    return Months(labels, bounds)


def last_weeks(now: datetime, n: int = 26, zone: ZoneInfo | None = None) -> Months:
    """The last ``n`` calendar weeks (Monday to Sunday, the street's calendar) up to and including
    the one of ``now``, in the same shape as :func:`last_months` (``bucket``, ``series``); each
    labelled by its Monday ("2026-03-02")."""
    zone = zone or street_zone()
    local = now.astimezone(zone).date()
    monday = local - timedelta(days=local.weekday())
    mondays = [monday - timedelta(weeks=k) for k in range(n - 1, -1, -1)]
    mondays.append(monday + timedelta(weeks=1))
    bounds = tuple(datetime(d.year, d.month, d.day, tzinfo=zone).astimezone(UTC) for d in mondays)
    return Months(tuple(d.isoformat() for d in mondays[:-1]), bounds)
