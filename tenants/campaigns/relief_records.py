"""The relief registry's records (纾困解难): what was given to a household (帮扶记录), the visits
paid to it (走访), and the household's page that shows them. Who may record them is the rule of
:func:`tenants.campaigns.relief.relief_scope`; every read of the page is audit-logged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from saas.audit.services import record
from saas.auth.models import User
from saas.db import guarded_update
from saas.errors import NotFound, ServiceError
from saas.forms import clean_text
from saas.text import fold, other_digits
from saas.ui import street_today
from tenants.campaigns.relief import relief_scope
from tenants.campaigns.relief_models import Assistance, AssistanceKind, Household, Visit
from tenants.orgs.models import Organisation
from tenants.structure.models import Community, Grid

DESCRIPTION_MAX, GIVER_MAX, FOUND_MAX = 200, 80, 2000
#: the largest amount one assistance record holds (Numeric(12, 2) holds more; nobody gives more)
AMOUNT_MAX = Decimal("9999999.99")
KIND_LABELS = {
    AssistanceKind.money: _l("资金"),
    AssistanceKind.goods: _l("物资"),
    AssistanceKind.service: _l("服务"),
}


# --- the household's page -----------------------------------------------------------------------


@dataclass
class HouseholdPage:
    household: Household
    community: str
    grid: str | None
    assistance: list = field(default_factory=list)
    visits: list = field(default_factory=list)
    #: the money given, and what goods and services were worth, in 元
    total: Decimal = Decimal(0)


def household_page(session: Session, viewer: User, household_id: int) -> HouseholdPage:
    """Everything the household's page shows, in a fixed number of statements, and an audit
    entry naming the viewer and the household (every read of it is logged).

    :raise NotFound: as :func:`get_household_or_404`
    """
    row = session.execute(
        select(Household, Community.name, Grid.name)
        .join(Community, Community.id == Household.community_id)
        .outerjoin(Grid, Grid.id == Household.grid_id)
        .where(Household.id == household_id, relief_scope(viewer))
    ).first()
    if row is None:
        raise NotFound(_("困难家庭不存在"))
    household, community, grid = row
    record(session, "campaigns.relief_household_view", viewer.id, f"household:{household.id}")
    assistance = session.execute(
        select(Assistance, User.name)
        .outerjoin(User, User.id == Assistance.recorded_by)
        .where(Assistance.household_id == household.id)
        .order_by(Assistance.given_on.desc(), Assistance.id.desc())
    ).all()
    visits = session.execute(
        select(Visit, User.name)
        .outerjoin(User, User.id == Visit.visitor_id)
        .where(Visit.household_id == household.id)
        .order_by(Visit.visited_on.desc(), Visit.id.desc())
    ).all()
    total = sum((a.amount or Decimal(0) for a, _n in assistance), Decimal(0))
    return HouseholdPage(household, community, grid, list(assistance), list(visits), total)


# --- assistance ---------------------------------------------------------------------------------

_AMOUNT = re.compile(r"[0-9]+(\.[0-9]+)?")


def parse_amount(raw: str | None, required: bool) -> Decimal | None:
    """An amount in 元 as typed: "200", "35.5", "１２００" (full width), a thousands comma
    allowed. None when nothing was typed and none is ``required``.

    :raise ServiceError: on ``amount``: missing when required, letters ("12abc", "1e5", "NaN"),
        a sign ("-5"), more than two decimals, more than 9,999,999.99, or 0 when required
    """
    text = fold(raw or "").replace(",", "").replace("，", "").replace(" ", "")
    text = text.removesuffix("元")
    if not text:
        if required:
            raise ServiceError(_("资金帮扶须填写金额"), "amount")
        return None
    if other_digits(text):
        raise ServiceError(other_digits(text), "amount")
    if text.startswith("-"):
        raise ServiceError(_("金额不能为负数"), "amount")
    if not _AMOUNT.fullmatch(text):
        raise ServiceError(_("金额只能填写数字，如 200 或 35.50"), "amount")
    try:
        amount = Decimal(text)
    except InvalidOperation as exc:  # the pattern lets nothing through that Decimal refuses
        raise ServiceError(_("金额只能填写数字，如 200 或 35.50"), "amount") from exc
    if len(text.partition(".")[2]) > 2:
        raise ServiceError(_("金额最多保留两位小数（到分）"), "amount")
    if amount > AMOUNT_MAX:
        raise ServiceError(_("金额不能超过 9,999,999.99 元"), "amount")
    if required and amount == 0:
        raise ServiceError(_("资金帮扶的金额应大于 0"), "amount")
    return amount.quantize(Decimal("0.01"))


def _past_date(day: date | None, field_name: str, missing: str) -> date:
    if day is None:
        raise ServiceError(missing, field_name)
    if day > street_today():
        raise ServiceError(_("日期不能晚于今天"), field_name)
    return day


@dataclass
class AssistanceInput:
    kind: str = ""
    amount: str = ""
    description: str = ""
    given_on: date | None = None
    giver_org_id: int | None = None
    giver_name: str = ""


def giver_choices(session: Session) -> list[tuple[int, str]]:
    """The street's organisations (alliance units, merchants) as (id, name), by name."""
    return list(
        session.execute(
            select(Organisation.id, Organisation.name)
            .where(Organisation.is_active.is_(True))
            .order_by(Organisation.name, Organisation.id)
        )
    )


def add_assistance(
    session: Session, actor: User, household: Household, values: AssistanceInput
) -> Assistance:
    """Record what was given to ``household`` (seen by ``actor``: get it with
    :func:`get_household_or_404`); audit-logged.

    :raise ServiceError: with its field: no kind from the list, a bad amount (required for
        money), a description too long, no date or a date after today, an organisation not of
        the street, no giver at all
    """
    relief_scope(actor)
    if values.kind not in AssistanceKind.__members__:
        raise ServiceError(_("请选择帮扶方式"), "kind")
    amount = parse_amount(values.amount, required=values.kind == AssistanceKind.money)
    description = clean_text(values.description, DESCRIPTION_MAX, "description")
    if values.kind != AssistanceKind.money and not description:
        raise ServiceError(_("请写明给了什么物资或服务"), "description")
    given_on = _past_date(values.given_on, "given_on", _("请填写帮扶日期"))
    giver_name = clean_text(values.giver_name, GIVER_MAX, "giver_name")
    org_id = None
    if values.giver_org_id is not None:
        found = session.execute(
            select(Organisation.id, Organisation.name).where(Organisation.id == values.giver_org_id)
        ).first()
        if found is None:
            raise ServiceError(_("请选择本街道的单位"), "giver_org")
        org_id, giver_name = found
    if not giver_name:
        raise ServiceError(_("请选择帮扶单位，或填写帮扶单位（人）的名称"), "giver_name")
    assistance = Assistance(
        household_id=household.id, kind=values.kind, amount=amount, description=description,
        given_on=given_on, giver_org_id=org_id, giver_name=giver_name, recorded_by=actor.id,
    )  # fmt: skip
    session.add(assistance)
    session.flush()
    record(session, "campaigns.relief_assistance_add", actor.id, f"household:{household.id}",
           {"kind": values.kind})  # fmt: skip
    return assistance


# --- visits -------------------------------------------------------------------------------------


@dataclass
class VisitInput:
    visited_on: date | None = None
    found: str = ""
    next_due: date | None = None


def add_visit(session: Session, actor: User, household: Household, values: VisitInput) -> Visit:
    """Record a visit to ``household`` (seen by ``actor``); the household's next visit becomes
    the latest visit's next due date, in one UPDATE (two visits entered at once agree).
    Audit-logged.

    :raise ServiceError: with its field: no date or a date after today, nothing found written,
        a next due date not after the visit
    """
    relief_scope(actor)
    visited_on = _past_date(values.visited_on, "visited_on", _("请填写走访日期"))
    found = clean_text(values.found, FOUND_MAX, "found", lines=True)
    if not found:
        raise ServiceError(_("请填写走访了解到的情况"), "found")
    if values.next_due is not None and values.next_due <= visited_on:
        raise ServiceError(_("下次走访日期应晚于本次走访日期"), "next_due")
    visit = Visit(household_id=household.id, visited_on=visited_on, visitor_id=actor.id,
                  found=found, next_due=values.next_due)  # fmt: skip
    session.add(visit)
    session.flush()
    latest = (
        select(Visit.next_due)
        .where(Visit.household_id == household.id)
        .order_by(Visit.visited_on.desc(), Visit.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    guarded_update(session, household, next_visit_on=latest)
    record(session, "campaigns.relief_visit_add", actor.id, f"household:{household.id}")
    return visit
