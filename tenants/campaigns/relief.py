"""The winter relief registry (纾困解难, 三库一单): households in difficulty, what was given to
them, the visits paid, and the visits due.

Who sees it is decided once, by :func:`relief_scope`, which every view reaches through the
services (this file's and those of the two named at the end): the street's admin sees every
household; a staff member limited to a community (``user.limited_to_community``) sees that
community's; everyone else gets "not found" — volunteers, organisation accounts, staff of
another community, and staff not limited to any community (the issue: "only the admin and the
staff of that community see it"; a street-wide staff account is nobody's community staff, so it
is refused like any other account until the admin limits it to a community).

The ID number is never stored: :func:`id_number_hash` keeps an HMAC-SHA256 of the normalised
number (keyed by a key derived from the app's ``SECRET_KEY`` for this purpose only, and mixed
with the street's id, so the same person's rows in two streets do not match), enough to find a
household entered twice, and :func:`mask_id_number` keeps "3401**********1234" to show.

Every read of a household (its page, an export) is written to the audit log, naming the viewer
and the household.

This file holds the access rule, ID numbers and households; what was given and the visits paid
(and the household's page) are in :mod:`tenants.campaigns.relief_records`, the list, its export
record and the visits due in :mod:`tenants.campaigns.relief_lists`.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from saas import idnumbers
from saas.audit.services import record
from saas.auth.models import Role, User
from saas.auth.phone import normalise_phone
from saas.errors import NotFound, ServiceError
from saas.forms import clean_text
from saas.idnumbers import clean_id_number, mask_id_number
from saas.text import ascii_digits, fold
from tenants.campaigns.relief_models import Grade, Household, HouseholdStatus
from tenants.structure.models import Community, Grid

NAME_MAX, ADDRESS_MAX, NOTE_MAX = 40, 200, 2000
SIZE_MIN, SIZE_MAX = 1, 30
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


def id_number_hash(tenant_id: int, number: str) -> str:
    """The keyed hash a household's normalised ID number is kept as (64 hex characters)."""
    return idnumbers.id_number_hash(ID_KEY_PURPOSE, tenant_id, number)


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
    head_name = clean_text(values.head_name, NAME_MAX, "head_name")
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
        "address": clean_text(values.address, ADDRESS_MAX, "address"),
        "note": clean_text(values.note, NOTE_MAX, "note", lines=True),
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
