"""Figures of the loop (事项统计) per grid, community, category and handler, over a period.

The items counted are those **reported in the period** (``created_at`` in it, by the street's
calendar), followed to where they are now:

- reported: all of them (rejected ones too);
- closed: those now closed (after the check and the follow-up);
- closed on time: closed items whose handler finished (``done_at``, the last "done" step) by the
  deadline (``due_at``). The deadline is the handler's (办理时限): the check and the follow-up that
  come after are not the handler's time, and supervision stops counting there too. A closed item
  that never had a deadline counts as on time: no deadline was missed;
- average time to close: from the report to closing, over closed items, in hours;
- satisfaction rate: satisfied / followed up (items where the reporter gave their word).

Each table is ONE grouped statement over the filtered items, whatever their number. A
community's staff see their community's items only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from saas.auth.models import User
from saas.forms import parse_id
from saas.text import fold
from saas.ui import street_today, street_zone
from tenants.grid.models import Department, GridItem, HandlerKind, ItemCategory, ItemStatus
from tenants.orgs.models import Organisation
from tenants.structure.models import Community, Grid

DIMENSIONS = ("community", "grid", "category", "handler")
#: the longest period one page covers
MAX_DAYS = 3660


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        """The period in UTC: from its first day's midnight to the midnight after its last,
        by the street's clock."""
        zone = street_zone()
        start = datetime.combine(self.first, time.min, tzinfo=zone).astimezone(UTC)
        end = datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=zone)
        return start, end.astimezone(UTC)


def this_quarter(today: date) -> Period:
    first_month = (today.month - 1) // 3 * 3 + 1
    first = date(today.year, first_month, 1)
    if first_month == 10:
        return Period(first, date(today.year, 12, 31))
    return Period(first, date(today.year, first_month + 3, 1) - timedelta(days=1))


def _day(raw) -> date | None:
    text = fold(raw)
    if not text or len(text) != 10 or not text.isascii():
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if 2000 <= day.year <= 2100 else None


def parse_period(raw_first, raw_last, today: date | None = None) -> tuple[Period, str]:
    """The period of the query string's ``from`` and ``to`` (this quarter when both are
    empty), and a message when what was given could not be used (then: this quarter)."""
    default = this_quarter(today or street_today())
    if not fold(raw_first) and not fold(raw_last):
        return default, ""
    first, last = _day(raw_first), _day(raw_last)
    if (fold(raw_first) and first is None) or (fold(raw_last) and last is None):
        return default, _("日期格式不正确，已显示本季度")
    first = first or default.first
    last = last or max(first, default.last)
    if last < first:
        return default, _("结束日期早于开始日期，已显示本季度")
    if (last - first).days > MAX_DAYS:
        return default, _("时间范围不能超过 10 年，已显示本季度")
    return Period(first, last), ""


@dataclass(frozen=True)
class FigureRow:
    label: str
    reported: int
    closed: int
    on_time: int
    #: average hours from report to close over closed items (None: none closed)
    close_hours: float | None
    followed: int
    satisfied: int

    @property
    def on_time_rate(self) -> int | None:
        return round(self.on_time * 100 / self.closed) if self.closed else None

    @property
    def satisfaction_rate(self) -> int | None:
        return round(self.satisfied * 100 / self.followed) if self.followed else None

    @property
    def close_text(self) -> str:
        return duration_text(self.close_hours)


def duration_text(hours: float | None) -> str:
    """ "3.5 天" from a day on, "6.2 小时" below; "—" when there is nothing to average."""
    if hours is None:
        return "—"
    if hours >= 24:
        return _("%(n)s 天", n=f"{hours / 24:.1f}")
    return _("%(n)s 小时", n=f"{hours:.1f}")


def _close_hours(session: Session):
    closed_at, created_at = GridItem.closed_at, GridItem.created_at
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", closed_at - created_at) / 3600.0
    return (func.julianday(closed_at) - func.julianday(created_at)) * 24.0


#: the handler finished by the deadline, or there was none (counted among closed items)
FINISHED_IN_TIME = or_(GridItem.due_at.is_(None), GridItem.done_at <= GridItem.due_at)


def _measures(session: Session):
    closed = GridItem.status == ItemStatus.closed
    on_time = and_(closed, FINISHED_IN_TIME)
    return (
        func.count(),
        func.coalesce(func.sum(case((closed, 1), else_=0)), 0),
        func.coalesce(func.sum(case((on_time, 1), else_=0)), 0),
        func.avg(case((closed, _close_hours(session)), else_=None)),
        func.coalesce(func.sum(case((GridItem.satisfied.is_not(None), 1), else_=0)), 0),
        func.coalesce(func.sum(case((GridItem.satisfied.is_(True), 1), else_=0)), 0),
    )


def _scope(stmt, viewer: User, period: Period, community_id: int | None):
    start, end = period.bounds
    stmt = stmt.where(GridItem.created_at >= start, GridItem.created_at < end)
    limited = viewer.limited_to_community
    if limited is not None:
        stmt = stmt.where(GridItem.community_id == limited)
    elif community_id is not None:
        stmt = stmt.where(GridItem.community_id == community_id)
    return stmt


def _row(label, measures) -> FigureRow:
    reported, closed, on_time, hours, followed, satisfied = measures
    return FigureRow(label, int(reported), int(closed), int(on_time),
                     float(hours) if hours is not None else None, int(followed),
                     int(satisfied))  # fmt: skip


def _ordered(rows: list[FigureRow]) -> list[FigureRow]:
    return sorted(rows, key=lambda r: (-r.reported, r.label))


def by_community(session, viewer, period, community_id=None) -> list[FigureRow]:
    stmt = (
        select(Community.name, *_measures(session))
        .select_from(GridItem)
        .join(Community, Community.id == GridItem.community_id)
        .group_by(GridItem.community_id, Community.name)
    )
    rows = session.execute(_scope(stmt, viewer, period, community_id)).all()
    return _ordered([_row(name, rest) for name, *rest in rows])


def by_grid(session, viewer, period, community_id=None) -> list[FigureRow]:
    stmt = (
        select(Community.name, Grid.name, *_measures(session))
        .select_from(GridItem)
        .join(Community, Community.id == GridItem.community_id)
        .outerjoin(Grid, Grid.id == GridItem.grid_id)
        .group_by(GridItem.community_id, Community.name, GridItem.grid_id, Grid.name)
    )
    rows = session.execute(_scope(stmt, viewer, period, community_id)).all()
    return _ordered([
        _row(f"{community}·{grid or _('未指定网格')}", rest) for community, grid, *rest in rows
    ])  # fmt: skip


def by_category(session, viewer, period, community_id=None) -> list[FigureRow]:
    stmt = (
        select(ItemCategory.name, *_measures(session))
        .select_from(GridItem)
        .join(ItemCategory, ItemCategory.id == GridItem.category_id)
        .group_by(GridItem.category_id, ItemCategory.name)
    )
    rows = session.execute(_scope(stmt, viewer, period, community_id)).all()
    return _ordered([_row(name, rest) for name, *rest in rows])


def by_handler(session, viewer, period, community_id=None) -> list[FigureRow]:
    handler_user = aliased(User)
    stmt = (
        select(
            GridItem.handler_kind,
            handler_user.name,
            Department.name,
            Organisation.name,
            *_measures(session),
        )
        .select_from(GridItem)
        .outerjoin(handler_user, handler_user.id == GridItem.handler_user_id)
        .outerjoin(Department, Department.id == GridItem.handler_department_id)
        .outerjoin(Organisation, Organisation.id == GridItem.handler_org_id)
        .group_by(
            GridItem.handler_kind,
            GridItem.handler_user_id,
            GridItem.handler_department_id,
            GridItem.handler_org_id,
            handler_user.name,
            Department.name,
            Organisation.name,
        )
    )
    rows = session.execute(_scope(stmt, viewer, period, community_id)).all()
    return _ordered([
        _row(handler_label(kind, user, department, org), rest)
        for kind, user, department, org, *rest in rows
    ])  # fmt: skip


def handler_label(kind: str | None, user: str | None, department: str | None,
                  org: str | None) -> str:  # fmt: skip
    if kind == HandlerKind.staff:
        return _("%(name)s（工作人员）", name=user or "")
    if kind == HandlerKind.department:
        return _("%(name)s（部门）", name=department or "")
    if kind == HandlerKind.unit:
        return _("%(name)s（共建单位）", name=org or "")
    return _("未派单")


def total(rows: list[FigureRow]) -> FigureRow:
    """The whole period's figures from one table's rows (every item is in one row of each)."""
    closed = sum(r.closed for r in rows)
    hours = sum((r.close_hours or 0) * r.closed for r in rows) / closed if closed else None
    return FigureRow(_("合计"), sum(r.reported for r in rows), closed,
                     sum(r.on_time for r in rows), hours, sum(r.followed for r in rows),
                     sum(r.satisfied for r in rows))  # fmt: skip


@dataclass(frozen=True)
class Figures:
    period: Period
    community_id: int | None
    tables: dict[str, list[FigureRow]]

    @property
    def total(self) -> FigureRow:
        return total(self.tables["community"])


def figures(session: Session, viewer: User, period: Period, community_id=None) -> Figures:
    """The four tables (four grouped statements)."""
    community_id = parse_id(community_id) if viewer.limited_to_community is None else None
    return Figures(
        period,
        community_id,
        {
            "community": by_community(session, viewer, period, community_id),
            "grid": by_grid(session, viewer, period, community_id),
            "category": by_category(session, viewer, period, community_id),
            "handler": by_handler(session, viewer, period, community_id),
        },
    )


def chart(rows: list[FigureRow]) -> dict:
    """For ``data-chart="series"``: reported, closed and on time as bars, the satisfaction rate
    as a line on the right axis."""
    return {
        "labels": [r.label for r in rows],
        "series": [
            {"name": _("上报"), "type": "bar", "values": [r.reported for r in rows]},
            {"name": _("办结"), "type": "bar", "values": [r.closed for r in rows]},
            {"name": _("按时办结"), "type": "bar", "values": [r.on_time for r in rows]},
            {"name": _("满意率（%）"), "type": "line", "axis": 1,
             "values": [r.satisfaction_rate for r in rows]},
        ],
    }  # fmt: skip


def headers() -> list[str]:
    return [_("名称"), _("上报"), _("办结"), _("按时办结"), _("按时办结率（%）"),
            _("平均办结用时（小时）"), _("回访"), _("满意"), _("满意率（%）")]  # fmt: skip


def cells(row: FigureRow) -> list:
    return [row.label, row.reported, row.closed, row.on_time, row.on_time_rate,
            round(row.close_hours, 1) if row.close_hours is not None else None, row.followed,
            row.satisfied, row.satisfaction_rate]  # fmt: skip


def communities_for_filter(session: Session, viewer: User) -> list[tuple[int, str]]:
    """The communities the filter offers (a community's staff: theirs only)."""
    stmt = select(Community.id, Community.name).order_by(Community.position, Community.id)
    if viewer.limited_to_community is not None:
        stmt = stmt.where(Community.id == viewer.limited_to_community)
    return [(cid, name) for cid, name in session.execute(stmt)]
