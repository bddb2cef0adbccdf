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
    session: Session, periods: Sequence[Period], community: int = STREET
) -> dict[str, list[Decimal]]:
    """Every figure's value in each of ``periods`` (disjoint, any order) for the whole street
    (``STREET``) or one community: key → one value per period (0 where nothing was counted).
    ONE statement whatever the number of periods, days or figures."""
    if not periods:
        return {}
    level_keys = [d.figure.key for d in declared() if d.figure.kind == LEVEL]
    today = street_today()
    # a level is read on the period's last day, or today for a period not over yet
    read_on = [min(p.last, today) for p in periods]
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
    result: dict[str, list[Decimal]] = {
        d.figure.key: [Decimal(0)] * len(periods) for d in declared()
    }
    for key, index, value in session.execute(stmt).all():
        if key in result and index is not None:
            result[key][int(index)] = Decimal(value or 0)
    return result


def totals(
    session: Session, first: date, last: date, community: int = STREET
) -> dict[str, Decimal]:
    """Every figure over ``first``..``last``: key → value (one statement)."""
    return {k: v[0] for k, v in by_period(session, [Period(first, last)], community).items()}
