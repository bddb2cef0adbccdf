"""What a module declares about one of its figures, and the SQL helpers its computation uses.

A figure is computed for a range of days of the street's calendar by ONE grouped statement that
returns ``(day, community_id or None, value)`` rows. Two kinds:

- ``flow``: what happened on a day (registrations, hours, points issued): a period is the sum of
  its days;
- ``level``: how many there are at the end of a day (volunteers registered, units in the
  alliance): a period reads its last day. :func:`levels` turns additions per day into those
  levels (what exists now, by the day it was created).

A row whose community is None belongs to the street only (street-wide events, units of no
community): it counts in the street's figure, in no community's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, case, cast, func, literal, select, type_coerce
from sqlalchemy.orm import Session

FLOW = "flow"
LEVEL = "level"

#: one row of a computation: (day, community id or None, value)
Row = tuple[date, int | None, int | float | Decimal]


@dataclass(frozen=True)
class Figure:
    """One figure a module contributes to the dashboard and the reports.

    ``compute(session, start, end)`` runs in the street's scope and returns the rows of the days
    ``start``..``end`` (both included) from one grouped statement. ``per_community``: staff
    limited to a community may see the figure for their community (false for figures that only
    make sense street-wide, or whose rows carry no community).
    """

    #: unique across modules: "passport.points_issued"
    key: str
    label: Any
    #: 人, 小时, 分, 场, 件 …
    unit: Any
    #: one sentence: what is counted, and when
    meaning: Any
    kind: str
    compute: Callable[[Session, date, date], Iterable[Row]]
    per_community: bool = True
    #: shown in the report's chart of its module
    chart: bool = False


def span(start: date, end: date, zone) -> tuple[datetime, datetime]:
    """The days ``start``..``end`` of the street's calendar in UTC: from ``start``'s local
    midnight to the midnight after ``end``."""
    low = datetime.combine(start, time.min, tzinfo=zone).astimezone(UTC)
    high = datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone).astimezone(UTC)
    return low, high


def day_of(session: Session, column, zone):
    """A SQL expression: the street's calendar day of the UTC time ``column``.

    PostgreSQL converts with the zone itself (summer time included). SQLite has no zones: the
    zone's offset of today is added (the streets' zone, Asia/Shanghai, has no summer time).
    """
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone(zone.key, column), Date)
    offset = int(datetime.now(zone).utcoffset().total_seconds() // 60)
    return type_coerce(func.date(column, f"{offset:+d} minutes"), Date)


def as_date(value) -> date:
    """A day as the database returned it (SQLite may hand back text)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def per_day(
    session: Session, column, community, start: date, end: date, zone, *where, value=None, joins=()
) -> list[Row]:
    """A flow: ``value`` (a count by default) of the rows whose ``column`` falls on each day,
    per ``community`` (a column, or None for street-only figures). One grouped statement."""
    low, high = span(start, end, zone)
    day = day_of(session, column, zone)
    group = community if community is not None else literal(None)
    stmt = select(day, group, value if value is not None else func.count())
    for target, on in joins:
        stmt = stmt.join(target, on)
    stmt = stmt.where(column >= low, column < high, *where).group_by(day)
    if community is not None:
        stmt = stmt.group_by(community)
    return [(as_date(d), c, v) for d, c, v in session.execute(stmt).all()]


def levels(
    session: Session, column, community, start: date, end: date, zone, *where, value=None, joins=()
) -> list[Row]:
    """A level: for each day ``start``..``end``, ``value`` (a count by default) of the rows
    whose ``column`` (when they were made) is on or before it, per ``community``. One grouped
    statement: the rows before ``start`` in one bucket, then one per day."""
    low, high = span(start, end, zone)
    day = case((column < low, None), else_=day_of(session, column, zone))
    group = community if community is not None else literal(None)
    stmt = select(day, group, value if value is not None else func.count())
    for target, on in joins:
        stmt = stmt.join(target, on)
    stmt = stmt.where(column < high, *where).group_by(day)
    if community is not None:
        stmt = stmt.group_by(community)
    base: dict = defaultdict(int)
    added: dict = defaultdict(int)
    for d, c, v in session.execute(stmt).all():
        if d is None:
            base[c] += v or 0
        else:
            added[(as_date(d), c)] += v or 0
    rows: list[Row] = []
    running = dict(base)
    communities = set(base) | {c for _d, c in added}
    day_ = start
    while day_ <= end:
        for c in communities:
            running[c] = running.get(c, 0) + added.get((day_, c), 0)
            if running[c]:
                rows.append((day_, c, running[c]))
        day_ += timedelta(days=1)
    return rows


#: what a figure's ``compute`` is
Compute = Callable[[Session, date, date], Iterable[Row]]


def flow_of(column, community, *where, value=None, joins=()) -> Compute:
    """A figure's ``compute`` for a flow: :func:`per_day` of ``column`` per ``community`` (a
    column, or None) with these ``where`` clauses, ``value`` and ``joins``, in the street's
    calendar. The clauses are built once: one that depends on the time (now) needs a function
    of its own calling :func:`per_day`."""
    return _in_street_zone(per_day, column, community, where, value, joins)


def level_of(column, community, *where, value=None, joins=()) -> Compute:
    """A figure's ``compute`` for a level: :func:`levels`, as :func:`flow_of` for a flow."""
    return _in_street_zone(levels, column, community, where, value, joins)


def _in_street_zone(rows, column, community, where, value, joins) -> Compute:
    def compute(session: Session, start: date, end: date) -> list[Row]:
        # saas.ui imports saas.modules, which imports this module
        from saas.ui import street_zone

        zone = street_zone()
        return rows(session, column, community, start, end, zone, *where, value=value, joins=joins)

    return compute
