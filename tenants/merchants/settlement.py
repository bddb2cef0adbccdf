"""Area "memberday", settlement (结算): each merchant's monthly statement of the vouchers it
honoured, confirmed by the merchant and by the street.

A voucher honoured is a redemption of a reward provided by one of the merchant's accounts,
handed over (status ``verified``) in the street-local month. A statement is made by a job from
the 1st for last month (only for merchants that honoured at least one), and by staff on demand
for any past month; the unique key (merchant, month) keeps one. Staff asking again bring a
statement nobody has confirmed up to date; once the merchant or the street has confirmed, its
numbers stand (a correction is a later month's matter), and each side confirms once.

The street's agreed value of a point (元/积分) is a street setting (``merchants_yuan_per_point``
in the tenant's settings JSON), copied onto each statement when it is made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select, true, update
from sqlalchemy.orm import Session

from saas.audit.services import record
from saas.auth.models import Role, User
from saas.db import guarded_update, insert_ignoring_conflict, utcnow
from saas.errors import NotFound, ServiceError
from saas.streets.cache import fresh_for_update
from saas.streets.models import Tenant
from saas.text import fold
from saas.ui import street_zone
from tenants.merchants.memberday import MerchantOf, month_start, next_month, profile_or_404
from tenants.merchants.models import Circle, Merchant, Statement
from tenants.orgs.models import OrgAccount, Organisation, OrgKind
from tenants.passport.models import Passport, Redemption, RedemptionStatus, Reward

#: the street setting's key in the tenant's settings JSON
VALUE_KEY = "merchants_yuan_per_point"
VALUE_MAX = Decimal("100")
PAGE = 30
#: redemptions one statement's page lists at most (the export has them all, up to its cap)
LINES_PAGE = 200

STATUS_LABELS = {
    "pending": _l("待确认"),
    "merchant": _l("商户已确认"),
    "street": _l("街道已确认"),
    "done": _l("双方已确认"),
}


# --- the street's value of a point ---------------------------------------------------------------


def yuan_per_point(tenant: Tenant | None) -> Decimal | None:
    """The street's agreed value of a point in yuan; None when it has not set one."""
    raw = ((tenant.settings if tenant is not None else None) or {}).get(VALUE_KEY)
    if raw in (None, ""):
        return None
    try:
        return Decimal(str(raw))
    except InvalidOperation:
        return None


def parse_value(raw: str | None) -> Decimal | None:
    """What the admin typed → the value; "" → None (no money value).

    :raise ServiceError: not a number from 0 to 100 with at most 4 decimals
    """
    text = fold(raw or "").strip()
    if not text:
        return None
    message = _("每积分折合金额须为 0–100 元之间的数，最多 4 位小数；不设请留空")
    if len(text) > 12 or not text.isascii():
        raise ServiceError(message, "yuan_per_point")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ServiceError(message, "yuan_per_point") from None
    if not value.is_finite() or not Decimal(0) <= value <= VALUE_MAX:
        raise ServiceError(message, "yuan_per_point")
    if value.as_tuple().exponent < -4:
        raise ServiceError(message, "yuan_per_point")
    return value.quantize(Decimal("0.0001"))


def save_value(session: Session, actor: User, tenant: Tenant, raw: str | None) -> bool:
    """The admin sets (or clears) the value of a point; audit-logged. Returns whether it changed.

    :raise ServiceError: not the admin, or a value refused
    """
    if actor.role != Role.admin:
        raise ServiceError(_("只有街道管理员可以修改结算设置"))
    value = parse_value(raw)
    fresh_for_update(session, tenant)
    settings = dict(tenant.settings or {})
    stored = str(value) if value is not None else None
    if settings.get(VALUE_KEY) == stored:
        return False
    if stored is None:
        settings.pop(VALUE_KEY, None)
    else:
        settings[VALUE_KEY] = stored
    tenant.settings = settings
    session.flush()
    record(session, "settings.change", actor.id, "tenant", {VALUE_KEY: stored})
    return True


# --- months --------------------------------------------------------------------------------------


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The street-local month as UTC-aware start and end."""
    zone = street_zone()
    return (
        datetime.combine(month_start(month), time(), zone),
        datetime.combine(next_month(month), time(), zone),
    )


def previous_month(today: date) -> date:
    first = month_start(today)
    return month_start(date.fromordinal(first.toordinal() - 1))


def amount(statement: Statement) -> Decimal | None:
    """The statement's money value (points × value of a point, to the fen), None without one."""
    if statement.yuan_per_point is None:
        return None
    return (Decimal(statement.points) * Decimal(statement.yuan_per_point)).quantize(
        Decimal("0.01"), ROUND_HALF_UP
    )


def status_of(statement: Statement) -> str:
    if statement.merchant_confirmed_at and statement.street_confirmed_at:
        return "done"
    if statement.merchant_confirmed_at:
        return "merchant"
    if statement.street_confirmed_at:
        return "street"
    return "pending"


# --- making statements ---------------------------------------------------------------------------


def _honoured(month: date, *columns):
    """``columns`` of the redemptions of merchants' rewards handed over in ``month``."""
    start, end = month_bounds(month)
    return (
        select(*columns)
        .select_from(Redemption)
        .join(Reward, Reward.id == Redemption.reward_id)
        .join(OrgAccount, OrgAccount.user_id == Reward.provider_id)
        .join(Organisation, Organisation.id == OrgAccount.organisation_id)
        .where(
            Organisation.kind == OrgKind.merchant,
            Redemption.status == RedemptionStatus.verified,
            Redemption.verified_at >= start,
            Redemption.verified_at < end,
        )
    )


def honoured(session: Session, month: date) -> dict[int, tuple[int, int]]:
    """Merchant (organisation id) → (vouchers honoured, their points) in ``month``: one query."""
    rows = session.execute(
        _honoured(
            month,
            OrgAccount.organisation_id,
            func.count(),
            func.coalesce(func.sum(Redemption.points), 0),
        ).group_by(OrgAccount.organisation_id)
    ).all()
    return {org: (int(n), int(points)) for org, n, points in rows}


def make_statements(
    session: Session, tenant: Tenant, month: date, actor: User | None = None
) -> tuple[int, int]:
    """Make ``month``'s statements of the street in scope; returns (made, brought up to date).

    The job (``actor`` None) only makes missing ones. Staff (on demand) also bring up to date the
    statements neither side has confirmed yet.

    :raise ServiceError: staff asking for this month or a later one (not over yet)
    """
    month = month_start(month)
    if actor is not None:
        if not actor.is_office:
            raise ServiceError(_("只有工作人员可以生成结算单"))
        if month >= month_start(utcnow().astimezone(street_zone()).date()):
            raise ServiceError(_("只能为已经结束的月份生成结算单"), "month")
    value = yuan_per_point(tenant)
    made = updated = 0
    for organisation_id, (vouchers, points) in sorted(honoured(session, month).items()):
        new = insert_ignoring_conflict(
            session,
            Statement,
            {
                "tenant_id": tenant.id,
                "organisation_id": organisation_id,
                "month": month,
                "vouchers": vouchers,
                "points": points,
                "yuan_per_point": value,
            },
            ["tenant_id", "organisation_id", "month"],
        )
        if new is not None:
            made += 1
            continue
        if actor is None:
            continue
        updated += session.execute(
            update(Statement)
            .where(
                Statement.organisation_id == organisation_id,
                Statement.month == month,
                Statement.merchant_confirmed_at.is_(None),
                Statement.street_confirmed_at.is_(None),
                or_(
                    Statement.vouchers != vouchers,
                    Statement.points != points,
                    Statement.yuan_per_point.is_distinct_from(value),
                ),
            )
            .values(vouchers=vouchers, points=points, yuan_per_point=value)
            .execution_options(synchronize_session=False)
        ).rowcount
    if actor is not None:
        record(
            session,
            "merchants.statements_make",
            actor.id,
            "",
            {"month": month.strftime("%Y-%m"), "made": made, "updated": updated},
        )
    return made, updated


# --- reading statements --------------------------------------------------------------------------


@dataclass
class StatementFilters:
    month: str = ""
    circle: int | None = None
    status: str = ""

    def args(self) -> dict:
        return {
            k: v
            for k, v in (("month", self.month), ("circle", self.circle), ("status", self.status))
            if v
        }


@dataclass
class StatementRow:
    statement: Statement
    merchant: str
    circle: str | None

    @property
    def status(self) -> str:
        return status_of(self.statement)

    @property
    def amount(self) -> Decimal | None:
        return amount(self.statement)


def _visible(actor: User):
    limited = actor.limited_to_community
    return true() if limited is None else Organisation.community_id == limited


def _rows_stmt():
    return (
        select(Statement, Organisation.name, Circle.name)
        .join(Organisation, Organisation.id == Statement.organisation_id)
        .outerjoin(Merchant, Merchant.organisation_id == Organisation.id)
        .outerjoin(Circle, Circle.id == Merchant.circle_id)
    )


_STATUS_WHERE = {
    "pending": and_(
        Statement.merchant_confirmed_at.is_(None), Statement.street_confirmed_at.is_(None)
    ),
    "merchant": and_(
        Statement.merchant_confirmed_at.is_not(None), Statement.street_confirmed_at.is_(None)
    ),
    "street": and_(
        Statement.merchant_confirmed_at.is_(None), Statement.street_confirmed_at.is_not(None)
    ),
    "done": and_(
        Statement.merchant_confirmed_at.is_not(None), Statement.street_confirmed_at.is_not(None)
    ),
}


def list_statements(
    session: Session, actor: User, filters: StatementFilters, page: int = 1, size: int = PAGE
) -> tuple[list[StatementRow], int]:
    """The statements staff see, latest month first: two statements whatever the page holds."""
    from tenants.merchants.memberday import parse_month

    stmt = _rows_stmt().where(_visible(actor))
    month = parse_month(filters.month)
    if month is not None:
        stmt = stmt.where(Statement.month == month)
    if filters.circle is not None:
        stmt = stmt.where(Merchant.circle_id == filters.circle)
    if filters.status in _STATUS_WHERE:
        stmt = stmt.where(_STATUS_WHERE[filters.status])
    total = session.scalar(stmt.with_only_columns(func.count()).order_by(None)) or 0
    rows = session.execute(
        stmt.order_by(Statement.month.desc(), Circle.name, Organisation.name, Statement.id)
        .offset((page - 1) * size)
        .limit(size)
    ).all()
    return [StatementRow(*row) for row in rows], total


def get_statement_or_404(session: Session, actor: User, statement_id: int) -> StatementRow:
    """A statement staff may see.

    :raise NotFound: no such statement, another street's, or a merchant of another community
    """
    row = session.execute(_rows_stmt().where(Statement.id == statement_id, _visible(actor))).first()
    if row is None:
        raise NotFound(_("结算单不存在"))
    return StatementRow(*row)


def my_statements(session: Session, merchant: MerchantOf) -> list[StatementRow]:
    rows = session.execute(
        _rows_stmt()
        .where(Statement.organisation_id == merchant.organisation.id)
        .order_by(Statement.month.desc())
        .limit(36)
    ).all()
    return [StatementRow(*row) for row in rows]


def get_my_statement_or_404(session: Session, actor: User, statement_id: int) -> StatementRow:
    """One of the merchant's own statements.

    :raise NotFound: not a merchant's account, no such statement, or another merchant's
    """
    merchant = profile_or_404(session, actor)
    row = session.execute(
        _rows_stmt().where(
            Statement.id == statement_id, Statement.organisation_id == merchant.organisation.id
        )
    ).first()
    if row is None:
        raise NotFound(_("结算单不存在"))
    return StatementRow(*row)


@dataclass
class Line:
    code: str
    reward: str
    holder: str
    verified_at: datetime
    points: int


def lines_of(session: Session, statement: Statement, limit: int = LINES_PAGE) -> list[Line]:
    """The vouchers a statement counts, in the order they were handed over (one query).

    The holder is shown by passport number only: the merchant sees no resident's name.
    """
    rows = session.execute(
        _honoured(
            statement.month,
            Redemption.code,
            Reward.name,
            Passport.number,
            Redemption.verified_at,
            Redemption.points,
        )
        .join(Passport, Passport.id == Redemption.passport_id)
        .where(OrgAccount.organisation_id == statement.organisation_id)
        .order_by(Redemption.verified_at, Redemption.id)
        .limit(limit)
    ).all()
    return [Line(*row) for row in rows]


# --- confirming ----------------------------------------------------------------------------------


def confirm_by_merchant(session: Session, actor: User, statement_id: int) -> Statement:
    """The merchant confirms its own statement, once.

    :raise NotFound: not its own
    :raise ServiceError: already confirmed (by this account or a colleague)
    """
    statement = get_my_statement_or_404(session, actor, statement_id).statement
    if not guarded_update(
        session,
        statement,
        Statement.merchant_confirmed_at.is_(None),
        merchant_confirmed_at=utcnow(),
        merchant_confirmed_by=actor.id,
    ):
        raise ServiceError(_("贵店已确认过这份结算单"))
    record(session, "merchants.statement_confirm", actor.id, f"merchant_statement:{statement.id}",
           {"side": "merchant"})  # fmt: skip
    return statement


def confirm_by_street(session: Session, actor: User, statement_id: int) -> Statement:
    """The street (admin or staff) confirms a statement, once.

    :raise NotFound: not one the actor sees
    :raise ServiceError: already confirmed by the street
    """
    if not actor.is_office:
        raise NotFound(_("结算单不存在"))
    statement = get_statement_or_404(session, actor, statement_id).statement
    if not guarded_update(
        session,
        statement,
        Statement.street_confirmed_at.is_(None),
        street_confirmed_at=utcnow(),
        street_confirmed_by=actor.id,
    ):
        raise ServiceError(_("街道已确认过这份结算单"))
    record(session, "merchants.statement_confirm", actor.id, f"merchant_statement:{statement.id}",
           {"side": "street"})  # fmt: skip
    return statement
