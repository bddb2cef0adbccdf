"""The relief registry's lists (纾困解难): the households a viewer may see, filtered and paged,
the audit record of an export, and the visits due (走访提醒) counted per community. Who sees
which households is the rule of :func:`tenants.campaigns.relief.relief_scope`.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, and_, case, func, select
from sqlalchemy.orm import Session

from saas.audit.services import record
from saas.auth.models import User
from saas.forms import parse_id
from saas.listing import contains_pattern, count_rows, one_page
from saas.ui import street_today
from tenants.campaigns.relief import REASONS, relief_scope
from tenants.campaigns.relief_models import Assistance, Grade, Household, HouseholdStatus
from tenants.structure.models import Community, Grid

#: rows a page of the registry and of the visits-due page hold
PAGE = 30
#: the list's visit filter: overdue, due this month (overdue included)
DUE_LABELS = {"overdue": _l("已逾期"), "month": _l("本月到期（含逾期）")}


# --- the list -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HouseholdFilters:
    community: str = ""
    grade: str = ""
    reason: str = ""
    status: str = ""
    #: "overdue" or "month" (see DUE_LABELS)
    due: str = ""
    q: str = ""

    def args(self) -> dict[str, str]:
        return {"community": self.community, "grade": self.grade, "reason": self.reason,
                "status": self.status, "due": self.due, "q": self.q}  # fmt: skip


def month_end(today: date) -> date:
    return today.replace(day=monthrange(today.year, today.month)[1])


def _due_condition(due: str, today: date) -> ColumnElement[bool] | None:
    if due == "overdue":
        return Household.next_visit_on < today
    if due == "month":
        return Household.next_visit_on <= month_end(today)
    return None


@dataclass(frozen=True)
class HouseholdRow:
    household: Household
    community: str
    grid: str | None
    #: money given and goods or services' worth, in 元, and how many records
    total: Decimal
    assisted: int


def _list_statement(viewer: User, filters: HouseholdFilters, today: date) -> Select:
    given = (
        select(
            Assistance.household_id,
            func.coalesce(func.sum(Assistance.amount), 0).label("total"),
            func.count().label("n"),
        )
        .group_by(Assistance.household_id)
        .subquery("given")
    )
    stmt = (
        select(Household, Community.name, Grid.name, given.c.total, given.c.n)
        .join(Community, Community.id == Household.community_id)
        .outerjoin(Grid, Grid.id == Household.grid_id)
        .outerjoin(given, given.c.household_id == Household.id)
        .where(relief_scope(viewer))
    )
    if (community_id := parse_id(filters.community)) is not None:
        stmt = stmt.where(Household.community_id == community_id)
    if filters.grade in Grade._value2member_map_:
        stmt = stmt.where(Household.grade == filters.grade)
    if filters.reason in REASONS:
        stmt = stmt.where(Household.reason == filters.reason)
    if filters.status in HouseholdStatus.__members__:
        stmt = stmt.where(Household.status == filters.status)
    due = _due_condition(filters.due, today)
    if due is not None:
        stmt = stmt.where(due, Household.status == HouseholdStatus.active)
    pattern = contains_pattern(filters.q)
    if pattern:
        stmt = stmt.where(Household.head_name.like(pattern))
    return stmt


def list_households(
    session: Session, viewer: User, filters: HouseholdFilters, page: int = 1, size: int = PAGE
) -> tuple[list[HouseholdRow], int]:
    """One page of the households ``viewer`` may see, grade A first, then by community and
    name, and how many match (two statements).

    :raise NotFound: ``viewer`` sees none
    """
    stmt = _list_statement(viewer, filters, street_today())
    total = count_rows(session, stmt)
    order = (Household.grade, Community.name, Household.head_name, Household.id)
    rows = session.execute(one_page(stmt.order_by(*order), page, size))
    return [
        HouseholdRow(h, community, grid, Decimal(total_given or 0), n or 0)
        for h, community, grid, total_given, n in rows
    ], total


def record_export(session: Session, viewer: User, rows: list[HouseholdRow], filters) -> None:
    """One audit entry per household an export hands out, naming the viewer and the household
    (so "who has read this household?" has an answer), added in one flush."""
    detail = {k: v for k, v in filters.args().items() if v}
    _record_households(session, viewer, [row.household.id for row in rows], detail)


def record_due_export(
    session: Session, viewer: User, households: list[Household], community: str
) -> None:
    """The audit entries of an export of the visits due (:func:`visits_due`), as
    :func:`record_export` writes a list's: the list's filters are the due ones."""
    detail = {"status": "active", "due": "month"} | ({"community": community} if community else {})
    _record_households(session, viewer, [h.id for h in households], detail)


def _record_households(session: Session, viewer: User, ids: list[int], detail: dict) -> None:
    for household_id in ids:
        record(session, "campaigns.relief_households_export", viewer.id,
               f"household:{household_id}", detail)  # fmt: skip
    session.flush()


# --- visits due ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueCommunity:
    community_id: int
    name: str
    overdue: int
    this_month: int


@dataclass
class DuePage:
    communities: list[DueCommunity]
    rows: list[tuple[Household, str]]
    total: int
    today: date
    month_end: date


def visits_due(
    session: Session, viewer: User, community: str = "", page: int = 1, size: int = PAGE
) -> DuePage:
    """The active households whose visit is overdue or due by the end of this month, that
    ``viewer`` may see: counted per community (one grouped statement), and one page of them by
    due date (two more).

    :raise NotFound: ``viewer`` sees none
    """
    today = street_today()
    end = month_end(today)
    due = and_(
        relief_scope(viewer),
        Household.status == HouseholdStatus.active,
        Household.next_visit_on <= end,
    )
    counts = session.execute(
        select(
            Community.id,
            Community.name,
            func.sum(case((Household.next_visit_on < today, 1), else_=0)),
            func.count(),
        )
        .join(Community, Community.id == Household.community_id)
        .where(due)
        .group_by(Community.id, Community.name)
        .order_by(Community.name)
    ).all()
    stmt = (
        select(Household, Community.name)
        .join(Community, Community.id == Household.community_id)
        .where(due)
    )
    if (community_id := parse_id(community)) is not None:
        stmt = stmt.where(Household.community_id == community_id)
    total = count_rows(session, stmt)
    rows = session.execute(
        one_page(stmt.order_by(Household.next_visit_on, Household.id), page, size)
    ).all()
    return DuePage(
        [DueCommunity(cid, name, int(overdue or 0), n) for cid, name, overdue, n in counts],
        [tuple(r) for r in rows],
        total,
        today,
        end,
    )
