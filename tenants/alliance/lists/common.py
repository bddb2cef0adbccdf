"""What the members' and the lists' services share: text as people type it, the office's
community limit, and names for a page's rows looked up in one statement each."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from saas.auth.models import Role, User
from saas.errors import Forbidden, ServiceError
from saas.text import ascii_digits
from tenants.orgs.models import Organisation, OrgKind
from tenants.structure.models import Community

TITLE_MAX = 100
DESCRIPTION_MAX = 2000
SHORT_MAX = 100
REASON_MAX = 200
#: rows on one page of an office list
PAGE = 50


def one_line(raw: str | None, field: str, label: str, maximum: int, required: bool) -> str:
    """``raw`` with its runs of spaces made one; refused when empty (if ``required``) or long.

    :raise ServiceError: on ``field``
    """
    text = " ".join((raw or "").split())
    if required and not text:
        raise ServiceError(_("请填写%(label)s", label=label), field)
    if len(text) > maximum:
        raise ServiceError(_("%(label)s不能超过 %(n)d 个字", label=label, n=maximum), field)
    return text


def long_text(raw: str | None, field: str, label: str, maximum: int = DESCRIPTION_MAX) -> str:
    """A description: kept as typed (lines too), trimmed; refused past ``maximum``."""
    text = (raw or "").strip()
    if len(text) > maximum:
        raise ServiceError(_("%(label)s不能超过 %(n)d 个字", label=label, n=maximum), field)
    return text


def whole_number(raw, field: str, label: str, minimum: int, maximum: int) -> int:
    """A whole number typed as text (full-width digits too) inside ``minimum``…``maximum``.

    :raise ServiceError: empty, not a number, or out of range
    """
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    digits = ascii_digits((raw or "").strip())
    if not digits or len(digits) > 9:
        raise ServiceError(
            _("%(label)s请填写 %(lo)d 到 %(hi)d 之间的整数", label=label, lo=minimum, hi=maximum),
            field,
        )
    value = int(digits)
    if not minimum <= value <= maximum:
        raise ServiceError(
            _("%(label)s请填写 %(lo)d 到 %(hi)d 之间的整数", label=label, lo=minimum, hi=maximum),
            field,
        )
    return value


def parse_day(raw, field: str, label: str) -> date | None:
    """A date as a date box sends it (YYYY-MM-DD); None when empty.

    :raise ServiceError: anything else, or a year no street plans in
    """
    if isinstance(raw, date):
        return raw
    text = (raw or "").strip()
    if not text:
        return None
    try:
        day = datetime.strptime(text[:10], "%Y-%m-%d").date()
    except ValueError:
        day = None
    if day is None or len(text) > 10 or not 2000 <= day.year <= 2100:
        raise ServiceError(_("%(label)s的日期格式不正确", label=label), field)
    return day


def require_office(actor: User) -> None:
    if not actor.is_office:
        raise Forbidden(_("只有街道或社区工作人员可以操作"))


def community_for(session: Session, actor: User, community_id: int | None, required: bool):
    """The id of an active community ``actor`` may post in; None for "the whole street" (only
    when not ``required`` and the actor is not limited to one community).

    :raise ServiceError: on ``community``
    """
    limited = actor.limited_to_community
    if community_id is None:
        if required or limited is not None:
            raise ServiceError(_("请选择本街道的社区"), "community")
        return None
    found = session.scalar(
        select(Community.id).where(Community.id == community_id, Community.archived_at.is_(None))
    )
    if found is None:
        raise ServiceError(_("请选择本街道的社区"), "community")
    if limited is not None and found != limited:
        raise ServiceError(_("您只能选择本社区"), "community")
    return found


def alliance_unit(session: Session, organisation_id: int | None, field: str = "unit"):
    """An active alliance unit of this street (another street's id is not found).

    :raise ServiceError: on ``field``
    """
    unit = None
    if organisation_id is not None:
        unit = session.scalar(
            select(Organisation).where(
                Organisation.id == organisation_id,
                Organisation.kind == OrgKind.alliance,
                Organisation.is_active.is_(True),
            )
        )
    if unit is None:
        raise ServiceError(_("请选择本街道的共建单位"), field)
    return unit


def alliance_units(session: Session) -> list[Organisation]:
    """The street's active alliance units by name (for the pickers)."""
    return list(
        session.scalars(
            select(Organisation)
            .where(Organisation.kind == OrgKind.alliance, Organisation.is_active.is_(True))
            .order_by(Organisation.name)
        )
    )


def unit_names(session: Session, ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    rows = session.execute(
        select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))
    )
    return dict(rows.tuples().all())


def people(session: Session, ids) -> dict[int, User]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))}


def office_people(session: Session) -> list[User]:
    """The street's enabled admin and staff accounts: who may own a project."""
    return list(
        session.scalars(
            select(User)
            .where(User.role.in_((Role.admin, Role.staff)), User.is_enabled.is_(True))
            .order_by(User.name, User.id)
        )
    )
