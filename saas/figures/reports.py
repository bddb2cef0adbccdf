"""The monthly and quarterly reports (月度报表 / 季度报表): every figure a user may see, this
period, the period before and the change, with a trend of the periods before for the charts.

Everything comes from the days kept by saas.figures.store, in ONE statement per report whatever
the street's size or history.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from saas.charts import plain
from saas.figures.declare import LEVEL, Figure
from saas.figures.models import STREET
from saas.figures.store import Period, by_period, visible
from saas.ui import street_today

MONTHLY, QUARTERLY = "monthly", "quarterly"
#: periods a report's charts show (the report's own included)
TREND = {MONTHLY: 12, QUARTERLY: 8}
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-?[Qq]([1-4])$")


def _month(year: int, month: int) -> Period:
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return Period(first, following - timedelta(days=1))


def _quarter(year: int, quarter: int) -> Period:
    first = date(year, 3 * quarter - 2, 1)
    return Period(first, _month(year, 3 * quarter).last)


def label_of(kind: str, period: Period) -> str:
    if kind == MONTHLY:
        return f"{period.first.year}-{period.first.month:02d}"
    return f"{period.first.year}-Q{(period.first.month - 1) // 3 + 1}"


def default_period(kind: str, today: date | None = None) -> Period:
    """Last month, or last quarter."""
    today = today or street_today()
    if kind == MONTHLY:
        last = today.replace(day=1) - timedelta(days=1)
        return _month(last.year, last.month)
    this = _quarter(today.year, (today.month - 1) // 3 + 1)
    last = this.first - timedelta(days=1)
    return _quarter(last.year, (last.month - 1) // 3 + 1)


def parse_period(kind: str, raw: str | None) -> tuple[Period, str | None]:
    """The period named by ``raw`` ("2026-03", "2026-Q1"), or the default one and the reason
    why ``raw`` was not taken (an odd value is never an error page)."""
    if not raw:
        return default_period(kind), None
    raw = raw.strip()[:20]
    match = (_MONTH if kind == MONTHLY else _QUARTER).match(raw)
    if match:
        year, number = int(match.group(1)), int(match.group(2))
        if 2000 <= year <= 2100 and (kind == QUARTERLY or 1 <= number <= 12):
            return (_month if kind == MONTHLY else _quarter)(year, number), None
    if kind == MONTHLY:
        return default_period(kind), _("月份格式应为 YYYY-MM（如 2026-03），已显示上月。")
    return default_period(kind), _("季度格式应为 YYYY-Qn（如 2026-Q1），已显示上一季度。")


def previous(kind: str, period: Period) -> Period:
    before = period.first - timedelta(days=1)
    if kind == MONTHLY:
        return _month(before.year, before.month)
    return _quarter(before.year, (before.month - 1) // 3 + 1)


def following(kind: str, period: Period) -> Period:
    after = period.last + timedelta(days=1)
    if kind == MONTHLY:
        return _month(after.year, after.month)
    return _quarter(after.year, (after.month - 1) // 3 + 1)


@dataclass(frozen=True)
class Line:
    figure: Figure
    current: Decimal
    before: Decimal
    trend: list[Decimal]

    @property
    def change(self) -> Decimal:
        return self.current - self.before

    @property
    def percent(self) -> Decimal | None:
        """The change in % of the period before; None when that was 0."""
        if not self.before:
            return None
        return (self.change * 100 / self.before).quantize(Decimal("0.1"))

    @property
    def is_level(self) -> bool:
        return self.figure.kind == LEVEL


@dataclass(frozen=True)
class Group:
    name: str
    label: Any
    lines: list[Line]
    chart_json: str | None


@dataclass(frozen=True)
class Report:
    kind: str
    period: Period
    before: Period
    label: str
    before_label: str
    groups: list[Group]
    #: the community the figures are of (0: the whole street)
    community: int


def build(
    session: Session, viewer, kind: str, period: Period, community: int | None = None
) -> Report:
    """The report of ``period`` as ``viewer`` may see it (one statement).

    ``community``: the admin and street-wide staff may ask for one community's report (only the
    figures allowed per community, as its own staff see them); staff limited to a community
    always get theirs, whatever is asked."""
    limited, figures = visible(viewer)
    if limited != STREET or not community:
        community = limited
    else:
        figures = [d for d in figures if d.figure.per_community]
    periods = [period]
    for _i in range(TREND[kind] - 1):
        periods.insert(0, previous(kind, periods[0]))
    values = by_period(session, periods, community)
    labels = [label_of(kind, p) for p in periods]
    groups: dict[str, tuple[Any, list[Line]]] = {}
    for one in figures:
        row = values.get(one.figure.key) or [Decimal(0)] * len(periods)
        line = Line(one.figure, row[-1], row[-2], row)
        groups.setdefault(one.module_name, (one.module_label, []))[1].append(line)
    result = []
    for name, (label, lines) in groups.items():
        charted = [line for line in lines if line.figure.chart]
        chart = None
        if charted:
            chart = json.dumps(
                {
                    "labels": labels,
                    "series": [
                        {
                            "name": f"{line.figure.label}（{line.figure.unit}）",
                            "type": "bar" if not line.is_level else "line",
                            "values": [plain(v) for v in line.trend],
                        }
                        for line in charted
                    ],
                },
                ensure_ascii=False,
            )
        result.append(Group(name, label, lines, chart))
    return Report(
        kind,
        period,
        periods[-2],
        labels[-1],
        labels[-2],
        result,
        community,
    )
