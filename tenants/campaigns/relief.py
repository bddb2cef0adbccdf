"""The winter relief registry (纾困解难, 三库一单): households in difficulty, what was given to
them, the visits paid, and the visits due.

Who sees it is decided once, by :func:`relief_scope`, which every view reaches through the
services below: the street's admin sees every household; a staff member limited to a community
(``user.limited_to_community``) sees that community's; everyone else gets "not found" — volunteers,
organisation accounts, staff of another community, and staff not limited to any community (the
issue: "only the admin and the staff of that community see it"; a street-wide staff account is
nobody's community staff, so it is refused like any other account until the admin limits it to a
community).

The ID number is never stored: :func:`id_number_hash` keeps an HMAC-SHA256 of the normalised
number (keyed by a key derived from the app's ``SECRET_KEY`` for this purpose only, and mixed
with the street's id, so the same person's rows in two streets do not match), enough to find a
household entered twice, and :func:`mask_id_number` keeps "3401**********1234" to show.

Every read of a household (its page, an export) is written to the audit log, naming the viewer
and the household.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from stdnum.cn import ric
from stdnum.exceptions import InvalidChecksum, InvalidComponent, ValidationError

from saas.audit.services import record
from saas.auth.models import Role, User
from saas.auth.phone import normalise_phone
from saas.db import guarded_update
from saas.errors import NotFound, ServiceError
from saas.forms import parse_id
from saas.listing import contains_pattern, count_rows, one_page
from saas.text import ascii_digits, fold, other_digits
from saas.ui import street_today
from tenants.campaigns.relief_models import (
    Assistance,
    AssistanceKind,
    Grade,
    Household,
    HouseholdStatus,
    Visit,
)
from tenants.orgs.models import Organisation
from tenants.structure.models import Community, Grid

#: rows a page of the registry and of the visits-due page hold
PAGE = 30
NAME_MAX, ADDRESS_MAX, NOTE_MAX, DESCRIPTION_MAX, GIVER_MAX, FOUND_MAX = (
    40,
    200,
    2000,
    200,
    80,
    2000,
)
SIZE_MIN, SIZE_MAX = 1, 30
#: the largest amount one assistance record holds (Numeric(12, 2) holds more; nobody gives more)
AMOUNT_MAX = Decimal("9999999.99")
#: the purpose the ID number's HMAC key is derived for (change it and every hash changes)
ID_KEY_PURPOSE = b"ljt/campaigns/relief/household-id-number/v1"

#: the reason categories (困难类别), in the order the forms and filters offer them
REASONS = ("dibao", "disability", "illness", "unemployed", "student", "elderly", "other")
REASON_LABELS = {
    "dibao": _l("低保"),
    "disability": _l("残疾"),
    "illness": _l("大病"),
    "unemployed": _l("失业"),
    "student": _l("困难学生"),
    "elderly": _l("孤寡老人"),
    "other": _l("其他"),
}
GRADE_LABELS = {
    Grade.a: _l("A 类（特别困难）"),
    Grade.b: _l("B 类（比较困难）"),
    Grade.c: _l("C 类（一般困难）"),
}
STATUS_LABELS = {HouseholdStatus.active: _l("帮扶中"), HouseholdStatus.closed: _l("已脱困")}
KIND_LABELS = {
    AssistanceKind.money: _l("资金"),
    AssistanceKind.goods: _l("物资"),
    AssistanceKind.service: _l("服务"),
}
#: the list's visit filter: overdue, due this month (overdue included)
DUE_LABELS = {"overdue": _l("已逾期"), "month": _l("本月到期（含逾期）")}


# --- who sees what ------------------------------------------------------------------------------


def sees_relief(user) -> bool:
    """Whether ``user`` may see some household: the admin, or staff limited to a community.
    The menu's test (no query)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.role == Role.admin or user.limited_to_community is not None


def relief_scope(viewer: User) -> ColumnElement[bool]:
    """The households ``viewer`` may see, as a WHERE clause: every household for the admin,
    their community's for staff limited to one.

    :raise NotFound: anyone else (volunteers, org accounts, staff not limited to a community):
        the registry does not exist for them
    """
    if sees_relief(viewer):
        limited = viewer.limited_to_community
        return true() if limited is None else Household.community_id == limited
    raise NotFound(_("页面不存在"))


def get_household_or_404(session: Session, viewer: User, household_id: int) -> Household:
    """The household ``household_id`` if ``viewer`` may see it (no audit entry: reading its page
    is :func:`household_page`).

    :raise NotFound: no such household in this street, another community's, or a viewer who
        sees none
    """
    household = session.scalar(
        select(Household).where(Household.id == household_id, relief_scope(viewer))
    )
    if household is None:
        raise NotFound(_("困难家庭不存在"))
    return household


def household_names(session: Session, ids: list[int]) -> dict[int, str]:
    """The audit log's names of its household targets (the head's name), in one statement."""
    rows = session.execute(select(Household.id, Household.head_name).where(Household.id.in_(ids)))
    return dict(rows.all())


# --- ID numbers ---------------------------------------------------------------------------------


def clean_id_number(raw: str | None) -> str | None:
    """The 18-character ID number (居民身份证号) as typed, normalised (full-width digits and
    letters folded, spaces dropped, a lower-case x upper-cased), or None when nothing was typed.

    :raise ServiceError: on ``id_number``: wrong length, letters, a bad check digit, a birth date
        that does not exist or is in the future, an unknown region code
    """
    text = re.sub(r"\s+", "", fold(raw or "")).upper()
    if not text:
        return None
    if other_digits(text):
        raise ServiceError(other_digits(text), "id_number")
    if len(text) != 18:
        raise ServiceError(_("身份证号应为 18 位"), "id_number")
    if not re.fullmatch(r"[0-9]{17}[0-9X]", text):
        raise ServiceError(_("身份证号只能由数字和末位的 X 组成"), "id_number")
    try:
        number = ric.validate(text)
    except InvalidChecksum as exc:
        raise ServiceError(_("身份证号校验位不正确，请核对后重新填写"), "id_number") from exc
    except InvalidComponent as exc:
        try:
            ric.get_birth_date(text)
        except InvalidComponent:
            raise ServiceError(_("身份证号中的出生日期不存在"), "id_number") from exc
        raise ServiceError(_("身份证号前 6 位的地区码不正确"), "id_number") from exc
    except ValidationError as exc:
        raise ServiceError(_("身份证号只能由数字和末位的 X 组成"), "id_number") from exc
    if ric.get_birth_date(number) > street_today():
        raise ServiceError(_("身份证号中的出生日期晚于今天"), "id_number")
    return number


def _id_key() -> bytes:
    """The HMAC key of ID numbers: HMAC-SHA256(SECRET_KEY, ID_KEY_PURPOSE), a key for this
    purpose only (the secret key itself also signs sessions)."""
    secret = current_app.secret_key
    secret = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(secret, ID_KEY_PURPOSE, hashlib.sha256).digest()


def id_number_hash(tenant_id: int, number: str) -> str:
    """The keyed hash a normalised ID number is kept as (64 hex characters)."""
    message = f"{tenant_id}|{number}".encode()
    return hmac.new(_id_key(), message, hashlib.sha256).hexdigest()


def mask_id_number(number: str) -> str:
    """ "340104199003071234" → "3401**********1234"."""
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


# --- households ---------------------------------------------------------------------------------


@dataclass
class HouseholdInput:
    """A household as typed in the form."""

    head_name: str = ""
    id_number: str = ""
    phone: str = ""
    grade: str = ""
    reason: str = ""
    size: str | int | None = "1"
    community_id: int | None = None
    grid_id: int | None = None
    address: str = ""
    note: str = ""
    status: str = HouseholdStatus.active


class DuplicateHousehold(ServiceError):
    """The same household is in the registry already (by its ID number or phone).
    ``household_id`` is set only when the person entering it may see that household."""

    def __init__(self, message: str, field: str, household_id: int | None):
        super().__init__(message, field)
        self.household_id = household_id


def _text(raw: str | None, limit: int, field_name: str, lines: bool = False) -> str:
    """What was typed, trimmed (one line's blanks collapsed unless ``lines``).
    :raise ServiceError: longer than ``limit``"""
    raw = raw or ""
    text = raw.strip() if lines else " ".join(raw.split())
    if len(text) > limit:
        raise ServiceError(_("不能超过 %(n)d 个字", n=limit), field_name)
    return text


def _size(raw) -> int:
    text = fold(str(raw)) if raw is not None else ""
    digits = ascii_digits(text)
    if digits is None or len(digits) > 3 or not SIZE_MIN <= int(digits) <= SIZE_MAX:
        raise ServiceError(
            _("家庭人口应为 %(a)d 到 %(b)d 之间的整数", a=SIZE_MIN, b=SIZE_MAX), "size"
        )
    return int(digits)


def _community(session: Session, actor: User, community_id: int | None) -> int:
    limited = actor.limited_to_community
    if limited is not None and community_id not in (None, limited):
        raise ServiceError(_("只能登记本社区的困难家庭"), "community")
    community_id = limited if limited is not None else community_id
    if community_id is None:
        raise ServiceError(_("请选择社区"), "community")
    found = session.scalar(
        select(Community.id).where(Community.id == community_id, Community.archived_at.is_(None))
    )
    if found is None:
        raise ServiceError(_("请选择本街道的社区"), "community")
    return found


def _grid(session: Session, community_id: int, grid_id: int | None) -> int | None:
    if grid_id is None:
        return None
    found = session.scalar(
        select(Grid.id).where(
            Grid.id == grid_id, Grid.community_id == community_id, Grid.archived_at.is_(None)
        )
    )
    if found is None:
        raise ServiceError(_("请选择所选社区的网格"), "grid")
    return found


def grid_choices(session: Session, communities: list[Community]) -> list[tuple[int, str]]:
    """The active grids of ``communities`` as (id, "社区 · 网格"), by community and name."""
    names = {c.id: c.name for c in communities}
    if not names:
        return []
    rows = session.execute(
        select(Grid.id, Grid.name, Grid.community_id)
        .where(Grid.community_id.in_(names), Grid.archived_at.is_(None))
        .order_by(Grid.community_id, Grid.name)
    )
    return [(gid, f"{names[cid]} · {name}") for gid, name, cid in rows]


def _clean(session: Session, actor: User, values: HouseholdInput) -> tuple[dict, str | None]:
    """(the household's columns, the normalised ID number or None) from what was typed."""
    head_name = _text(values.head_name, NAME_MAX, "head_name")
    if not head_name:
        raise ServiceError(_("请填写户主姓名"), "head_name")
    number = clean_id_number(values.id_number)
    phone = None
    if (values.phone or "").strip():
        phone = normalise_phone(values.phone)
        if phone is None:
            raise ServiceError(_("请输入 11 位中国大陆手机号"), "phone")
    if values.grade not in Grade._value2member_map_:
        raise ServiceError(_("请选择困难等级"), "grade")
    if values.reason not in REASONS:
        raise ServiceError(_("请选择困难类别"), "reason")
    if values.status not in HouseholdStatus.__members__:
        raise ServiceError(_("请选择帮扶状态"), "status")
    community_id = _community(session, actor, values.community_id)
    cleaned = {
        "head_name": head_name,
        "phone": phone,
        "grade": values.grade,
        "reason": values.reason,
        "size": _size(values.size),
        "community_id": community_id,
        "grid_id": _grid(session, community_id, values.grid_id),
        "address": _text(values.address, ADDRESS_MAX, "address"),
        "note": _text(values.note, NOTE_MAX, "note", lines=True),
        "status": values.status,
    }
    return cleaned, number


def _check_duplicate(
    session: Session, actor: User, id_hash: str | None, phone: str | None, own_id: int | None
) -> None:
    """:raise DuplicateHousehold: another household of the street has this ID number or phone;
    named (and linked by the view) only if ``actor`` may see it."""
    matches = [c for c in (
        Household.id_number_hash == id_hash if id_hash else None,
        Household.phone == phone if phone else None,
    ) if c is not None]  # fmt: skip
    if not matches:
        return
    stmt = select(Household.id, Household.head_name, Household.community_id,
                  Household.id_number_hash, Community.name)  # fmt: skip
    stmt = stmt.join(Community, Community.id == Household.community_id).where(or_(*matches))
    if own_id is not None:
        stmt = stmt.where(Household.id != own_id)
    found = session.execute(stmt.order_by(Household.id).limit(1)).first()
    if found is None:
        return
    other_id, name, community_id, other_hash, community = found
    by_id = bool(id_hash) and other_hash == id_hash
    field_name = "id_number" if by_id else "phone"
    visible = actor.role == Role.admin or actor.limited_to_community == community_id
    if visible:
        message = (
            _("该身份证号已登记：户主 %(name)s（%(community)s）", name=name, community=community)
            if by_id
            else _(
                "该联系电话已登记：户主 %(name)s（%(community)s）", name=name, community=community
            )
        )
        raise DuplicateHousehold(message, field_name, other_id)
    message = (
        _("该身份证号已在其他社区登记为困难家庭，请联系街道管理员核实")
        if by_id
        else _("该联系电话已在其他社区登记为困难家庭，请联系街道管理员核实")
    )
    raise DuplicateHousehold(message, field_name, None)


def save_household(
    session: Session, actor: User, values: HouseholdInput, household: Household | None = None
) -> Household:
    """Register a household (``household`` None) or change one; audit-logged.

    Editing keeps the stored ID number when the field is left empty (it is never shown whole,
    so the form cannot hold it); a number typed replaces it.

    :raise NotFound: ``actor`` sees no household
    :raise ServiceError: with its field: no head's name, a malformed ID number or phone, neither
        of them, no grade, reason or status from the lists, a size outside 1–30, a community
        not of the street (or not the staff's own), a grid not of that community
    :raise DuplicateHousehold: another household has the ID number or the phone (also when two
        saves race: the unique constraints decide)
    """
    relief_scope(actor)
    cleaned, number = _clean(session, actor, values)
    tenant_id = household.tenant_id if household else actor.tenant_id
    if number is not None:
        cleaned["id_number_hash"] = id_number_hash(tenant_id, number)
        cleaned["id_number_masked"] = mask_id_number(number)
    elif household is None:
        cleaned["id_number_hash"], cleaned["id_number_masked"] = None, ""
    kept_hash = household.id_number_hash if household is not None else None
    id_hash = cleaned.get("id_number_hash", kept_hash)
    if id_hash is None and cleaned["phone"] is None:
        raise ServiceError(_("身份证号和联系电话至少填写一项，用来发现重复登记"), "id_number")
    own_id = household.id if household else None
    _check_duplicate(session, actor, id_hash, cleaned["phone"], own_id)
    creating = household is None
    if creating:
        household = Household(created_by=actor.id, **cleaned)
        session.add(household)
        changed = []
    else:
        changed = sorted(k for k, v in cleaned.items() if getattr(household, k) != v)
        for key, value in cleaned.items():
            setattr(household, key, value)
    try:
        session.flush()
    except IntegrityError as exc:  # the same household saved by someone else at this moment
        session.rollback()
        _check_duplicate(session, actor, id_hash, cleaned["phone"], own_id)
        raise ServiceError(_("该家庭刚刚已被登记，请刷新后查看"), "id_number") from exc
    if creating or changed:
        fields = sorted({"id_number" if k.startswith("id_number") else k for k in changed})
        action = "campaigns.relief_household_" + ("create" if creating else "update")
        detail = {} if creating else {"fields": ",".join(fields)}
        record(session, action, actor.id, f"household:{household.id}", detail)
    return household


def household_input(household: Household) -> HouseholdInput:
    """A household as the edit form starts with it (the ID number empty: it is not kept)."""
    h = household
    return HouseholdInput(
        head_name=h.head_name, id_number="", phone=h.phone or "", grade=h.grade, reason=h.reason,
        size=str(h.size), community_id=h.community_id, grid_id=h.grid_id, address=h.address,
        note=h.note, status=h.status,
    )  # fmt: skip


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
    description = _text(values.description, DESCRIPTION_MAX, "description")
    if values.kind != AssistanceKind.money and not description:
        raise ServiceError(_("请写明给了什么物资或服务"), "description")
    given_on = _past_date(values.given_on, "given_on", _("请填写帮扶日期"))
    giver_name = _text(values.giver_name, GIVER_MAX, "giver_name")
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
    found = _text(values.found, FOUND_MAX, "found", lines=True)
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
    for row in rows:
        record(session, "campaigns.relief_households_export", viewer.id,
               f"household:{row.household.id}", detail)  # fmt: skip
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
