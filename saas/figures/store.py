"""Keeping the figures per day, and reading them back for a period.

``refresh`` recomputes every declared figure for a range of days (one grouped statement per
figure) and replaces those days' rows; the hourly job refreshes yesterday and today in every
active street, ``flask figures refresh --since`` back-fills. ``by_period`` reads any number of
periods in ONE statement: a flow figure sums its days, a level figure reads the period's last day
(today, for a period not over yet).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import and_, case, delete, func, insert, or_, select
from sqlalchemy.orm import Session

from saas.figures.declare import FLOW, LEVEL, Figure
from saas.figures.models import STREET, DailyFigure
from saas.modules import installed
from saas.ui import street_today

log = logging.getLogger(__name__)

#: days the hourly job recomputes: yesterday (late confirmations) and today
RECENT_DAYS = 2
#: rows per INSERT of a refresh
_BATCH = 1000


@dataclass(frozen=True)
class Declared:
    """A figure with the module that declares it (the reports group by module)."""

    figure: Figure
    module_name: str
    module_label: Any


def declared(app=None) -> list[Declared]:
    """Every figure of every installed module, in module order then declaration order."""
    app = app or current_app
    cached = app.extensions.get("figures")
    if cached is None:
        cached = [
            Declared(f, m.name, m.label) for m in installed(app) for f in getattr(m, "figures", ())
        ]
        keys = [d.figure.key for d in cached]
        twice = {k for k in keys if keys.count(k) > 1}
        if twice:
            raise ValueError(f"figures declared twice: {sorted(twice)}")
        wrong = [d.figure.key for d in cached if d.figure.kind not in (FLOW, LEVEL)]
        if wrong:
            raise ValueError(f"figures of unknown kind: {wrong}")
        app.extensions["figures"] = cached
    return cached


def refresh(session: Session, tenant_id: int, start: date, end: date) -> int:
    """Recompute every figure of the street ``tenant_id`` (in scope) for ``start``..``end`` and
    replace those days' rows: idempotent, safe to run again. Flushes; the caller commits.
    Returns how many rows were written."""
    values: dict[tuple[str, date, int], Decimal] = defaultdict(Decimal)
    for one in declared():
        figure = one.figure
        for day, community, value in figure.compute(session, start, end):
            if not value or day < start or day > end:
                continue
            value = Decimal(str(value))
            values[(figure.key, day, STREET)] += value
            if community is not None:
                values[(figure.key, day, community)] += value
    session.execute(
        delete(DailyFigure)
        .where(DailyFigure.day >= start, DailyFigure.day <= end)
        .execution_options(synchronize_session=False)
    )
    rows = [
        {"tenant_id": tenant_id, "key": key, "day": day, "community_id": c, "value": v}
        for (key, day, c), v in values.items()
        if v
    ]
    for i in range(0, len(rows), _BATCH):
        session.execute(insert(DailyFigure), rows[i : i + _BATCH])
    session.flush()
    return len(rows)


def refresh_recent() -> int:
    """The hourly job: yesterday's and today's figures in every active street, each street in
    its own scope and transaction (one street's failure stops no other)."""
    from saas.extensions import db
    from saas.streets.models import Tenant, TenantStatus
    from saas.tenancy import tenant_scope

    streets = db.session.scalars(
        select(Tenant.id).where(Tenant.status == TenantStatus.active).order_by(Tenant.id)
    ).all()
    db.session.commit()
    today = street_today()
    written = 0
    for street_id in streets:
        with tenant_scope(street_id):
            try:
                written += refresh(
                    db.session, street_id, today - timedelta(days=RECENT_DAYS - 1), today
                )
                db.session.commit()
            except Exception:
                db.session.rollback()
                log.exception("figures refresh failed for street %s", street_id)
    return written


@dataclass(frozen=True)
class Period:
    """Days ``first``..``last`` of the street's calendar."""

    first: date
    last: date


def by_period(
    session: Session,
    periods: Sequence[Period],
    community: int = STREET,
    *,
    through: date | None = None,
    keys: Sequence[str] | None = None,
) -> dict[str, list[Decimal]]:
    """Every figure's value in each of ``periods`` (disjoint, any order) for the whole street
    (``STREET``) or one community: key → one value per period (0 where nothing was counted).
    ONE statement whatever the number of periods, days or figures.

    ``through``: read the kept days up to that day only (``current`` adds today's, computed
    live); ``keys``: only those figures."""
    if not periods:
        return {}
    wanted = [d for d in declared() if keys is None or d.figure.key in keys]
    if not wanted:
        return {}
    level_keys = [d.figure.key for d in wanted if d.figure.kind == LEVEL]
    last_kept = through or street_today()
    # a level is read on the period's last day, or today for a period not over yet
    read_on = [min(p.last, last_kept) for p in periods]
    bucket = case(
        *(
            (and_(DailyFigure.day >= p.first, DailyFigure.day <= p.last), i)
            for i, p in enumerate(periods)
        ),
        else_=None,
    )
    stmt = (
        select(DailyFigure.key, bucket, func.sum(DailyFigure.value))
        .where(
            DailyFigure.community_id == community,
            or_(*(and_(DailyFigure.day >= p.first, DailyFigure.day <= p.last) for p in periods)),
            or_(DailyFigure.key.not_in(level_keys), DailyFigure.day.in_(read_on))
            if level_keys
            else DailyFigure.key.is_not(None),
        )
        .group_by(DailyFigure.key, bucket)
    )
    if through is not None:
        stmt = stmt.where(DailyFigure.day <= through)
    if keys is not None:
        stmt = stmt.where(DailyFigure.key.in_([d.figure.key for d in wanted]))
    result: dict[str, list[Decimal]] = {d.figure.key: [Decimal(0)] * len(periods) for d in wanted}
    for key, index, value in session.execute(stmt).all():
        if key in result and index is not None:
            result[key][int(index)] = Decimal(value or 0)
    return result


def totals(
    session: Session, first: date, last: date, community: int = STREET
) -> dict[str, Decimal]:
    """Every figure over ``first``..``last``: key → value (one statement)."""
    return {k: v[0] for k, v in by_period(session, [Period(first, last)], community).items()}


def visible(viewer) -> tuple[int, list[Declared]]:
    """The community ``viewer`` sees figures of (``STREET`` for the admin and street-wide staff)
    and the declared figures they may see: a community's staff only those allowed per community."""
    community = getattr(viewer, "limited_to_community", None)
    if community is None:
        return STREET, declared()
    return community, [d for d in declared() if d.figure.per_community]


def months_to(today: date, n: int = 12) -> list[Period]:
    """The last ``n`` calendar months of the street's calendar, the one of ``today`` last (whole
    months: a day after ``today`` has nothing kept yet)."""
    year, month = today.year, today.month
    periods: list[Period] = []
    for _i in range(n):
        first = date(year, month, 1)
        following = date(year + month // 12, month % 12 + 1, 1)
        periods.insert(0, Period(first, following - timedelta(days=1)))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return periods


def today_values(
    session: Session, keys: Sequence[str], today: date | None = None
) -> dict[str, dict[int | None, Decimal]]:
    """Today's value of each figure of ``keys``, computed live by the figure's own ``compute``
    (one statement each): key → community id (None: street-wide rows) → value. The street's
    value is the sum over all of them."""
    today = today or street_today()
    result: dict[str, dict[int | None, Decimal]] = {}
    for one in declared():
        if one.figure.key not in keys:
            continue
        values: dict[int | None, Decimal] = defaultdict(Decimal)
        for day, community, value in one.figure.compute(session, today, today):
            if day == today and value:
                values[community] += Decimal(str(value))
        result[one.figure.key] = dict(values)
    return result


def current(
    session: Session,
    periods: Sequence[Period],
    keys: Sequence[str],
    community: int = STREET,
    today: date | None = None,
) -> dict[str, list[Decimal]]:
    """The figures of ``keys`` in each of ``periods`` as of now: the kept days up to yesterday
    (ONE statement, ``by_period``) and today's, computed live by each figure's ``compute`` (one
    statement a figure), so a check-in counts the moment it is made. A flow adds today to its
    period; a level reads today for the period that holds it. The dashboard's panels read their
    history here (they cache the result), and a report of a period holding today may too: both
    then show one number for one thing."""
    today = today or street_today()
    result = by_period(session, periods, community, through=today - timedelta(days=1), keys=keys)
    holding = [i for i, p in enumerate(periods) if p.first <= today <= p.last]
    if not result or not holding:
        return result
    kinds = {d.figure.key: d.figure.kind for d in declared()}
    for key, values in today_values(session, list(result), today).items():
        if community == STREET:
            value = sum(values.values(), Decimal(0))
        else:
            value = values.get(community, Decimal(0))
        if kinds[key] == LEVEL:
            result[key][holding[0]] = value
        else:
            result[key][holding[0]] += value
    return result


def for_viewer(
    session: Session,
    viewer,
    periods: Sequence[Period],
    keys: Sequence[str],
    today: date | None = None,
) -> dict[str, list[Decimal]]:
    """``current`` as ``viewer`` may see it: the street's figures for the admin and street-wide
    staff, their community's for a community's staff, and for them only the figures allowed per
    community (a key they may not see is absent)."""
    community, allowed = visible(viewer)
    mine = [d.figure.key for d in allowed if d.figure.key in keys]
    if not mine:
        return {}
    return current(session, periods, mine, community, today)
