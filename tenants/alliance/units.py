"""Alliance units (共建单位) and their agreements (联建协议), as the street office keeps them.

A unit is an organisation record of kind ``alliance`` (tenants.orgs). Its agreements carry
dates only: the status of an agreement follows from them in the street's local date, decided by
one set of rules (:func:`_status_rules`) that both Python (:func:`agreement_status`) and SQL
(:func:`status_column`, the list's filter and the dashboard's counts) read, so a page and a
filter cannot disagree. A unit's status is that of its agreement that ends last.
"""

from __future__ import annotations

import enum
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, func, literal, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from saas.audit.services import record
from saas.auth.models import Role, User
from saas.auth.phone import normalise_phone
from saas.cache import forget_street, remember, viewer_key
from saas.errors import Forbidden, NotFound, ServiceError
from saas.forms import parse_id
from saas.listing import contains_pattern, count_rows, one_page
from saas.streets.models import Tenant
from saas.text import fold
from saas.ui import street_today, street_zone
from tenants.alliance.models import (
    Agreement,
    MemberReport,
    Project,
    ProjectPartner,
    ReportStatus,
    UnitMember,
)
from tenants.events.models import Attendance, Event, Registration, RegistrationStatus
from tenants.orgs.accounts import invite_contact
from tenants.orgs.models import OrgAccount, Organisation, OrgKind, OrgType
from tenants.orgs.records import check_unique, clean_credit_code, clean_tags
from tenants.passport.rewards import sniff_image, upload_dir
from tenants.structure.models import Community

#: rows a page of the unit list holds
PAGE = 30
#: an agreement ending within this many days (its end day counted) is 即将到期
EXPIRING_DAYS = 30
NAME_MAX, PARTY_ORG_MAX, CONTACT_MAX, ADDRESS_MAX, SUMMARY_MAX = 100, 100, 50, 200, 2000
PARTY_MEMBERS_MAX = 100_000
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
#: rows of each part of a unit's history the page shows
HISTORY_MAX = 50

TYPE_LABELS = {
    OrgType.government: _l("机关"),
    OrgType.state_owned: _l("国企"),
    OrgType.private: _l("民企"),
    OrgType.institution: _l("事业单位"),
    OrgType.social: _l("社会组织"),
    OrgType.new_sector: _l("两新组织"),
}


class AgreementStatus(enum.StrEnum):
    not_started = "not_started"  # 未开始
    active = "active"  # 生效中
    expiring = "expiring"  # 即将到期
    expired = "expired"  # 已到期
    none = "none"  # 未签协议 (a unit without any agreement)


STATUS_LABELS = {
    AgreementStatus.not_started: _l("未开始"),
    AgreementStatus.active: _l("生效中"),
    AgreementStatus.expiring: _l("即将到期"),
    AgreementStatus.expired: _l("已到期"),
    AgreementStatus.none: _l("未签协议"),
}


# --- the one definition of an agreement's status ------------------------------------------------


def _status_rules(starts, ends, today: date) -> tuple:
    """(status, condition) in the order they are tried; none holds: active.

    ``starts`` and ``ends`` are dates (Python decides) or columns (SQL decides): the same
    comparisons, written once.
    """
    return (
        (AgreementStatus.not_started, starts > today),
        (AgreementStatus.expired, ends < today),
        (AgreementStatus.expiring, ends <= today + timedelta(days=EXPIRING_DAYS)),
    )


def agreement_status(starts_on: date, ends_on: date, today: date | None = None) -> str:
    """The status of an agreement running from ``starts_on`` to ``ends_on`` (both days in)."""
    for status, holds in _status_rules(starts_on, ends_on, today or street_today()):
        if holds:
            return status
    return AgreementStatus.active


def status_column(starts, ends, missing, today: date):
    """The same status as a SQL expression; ``missing`` is true for a unit without agreement."""
    return case(
        (missing, literal(AgreementStatus.none.value)),
        *((holds, literal(status.value)) for status, holds in _status_rules(starts, ends, today)),
        else_=literal(AgreementStatus.active.value),
    )


def _latest_agreements():
    """Each unit's agreement that ends last (ties: the one that starts last, then the newest)."""
    ranked = select(
        Agreement.organisation_id,
        Agreement.starts_on,
        Agreement.ends_on,
        func.row_number()
        .over(
            partition_by=Agreement.organisation_id,
            order_by=(Agreement.ends_on.desc(), Agreement.starts_on.desc(), Agreement.id.desc()),
        )
        .label("rank"),
    ).subquery("ranked")
    return (
        select(ranked.c.organisation_id, ranked.c.starts_on, ranked.c.ends_on)
        .where(ranked.c.rank == 1)
        .subquery("latest")
    )


# --- who sees which unit ------------------------------------------------------------------------


def _visible(viewer: User):
    """The units ``viewer`` may see: the street's alliance units; a community's staff, their
    community's."""
    conditions = [Organisation.kind == OrgKind.alliance]
    if viewer.limited_to_community is not None:
        conditions.append(Organisation.community_id == viewer.limited_to_community)
    return and_(*conditions)


def get_unit_or_404(session: Session, viewer: User, organisation_id: int) -> Organisation:
    """The alliance unit ``organisation_id`` as ``viewer`` may see it (office accounts only).

    :raise NotFound: no such unit in this street, not an alliance unit, or another community's
        (for staff limited to one)
    """
    unit = None
    if viewer.is_office:
        unit = session.scalar(
            select(Organisation).where(Organisation.id == organisation_id, _visible(viewer))
        )
    if unit is None:
        raise NotFound(_("共建单位不存在"))
    return unit


# --- the list -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitFilters:
    org_type: str = ""
    status: str = ""
    #: a community's id as text, "street" for units of the street as a whole, "" for all
    community: str = ""
    q: str = ""

    def args(self) -> dict[str, str]:
        return {"type": self.org_type, "status": self.status, "community": self.community,
                "q": self.q}  # fmt: skip


@dataclass(frozen=True)
class UnitRow:
    unit: Organisation
    community: str
    ends_on: date | None
    status: str
    accounts: int


def _list_statement(viewer: User, filters: UnitFilters, today: date) -> Select:
    latest = _latest_agreements()
    status = status_column(latest.c.starts_on, latest.c.ends_on, latest.c.ends_on.is_(None), today)
    accounts = (
        select(func.count())
        .where(OrgAccount.organisation_id == Organisation.id)
        .correlate(Organisation)
        .scalar_subquery()
    )
    stmt = (
        select(Organisation, Community.name, latest.c.ends_on, status.label("status"), accounts)
        .outerjoin(latest, latest.c.organisation_id == Organisation.id)
        .outerjoin(Community, Community.id == Organisation.community_id)
        .where(_visible(viewer))
    )
    if filters.org_type in OrgType.__members__:
        stmt = stmt.where(Organisation.org_type == filters.org_type)
    if filters.status in AgreementStatus.__members__:
        stmt = stmt.where(status == filters.status)
    if filters.community == "street":
        stmt = stmt.where(Organisation.community_id.is_(None))
    elif (community_id := parse_id(filters.community)) is not None:
        stmt = stmt.where(Organisation.community_id == community_id)
    pattern = contains_pattern(filters.q)
    if pattern:
        stmt = stmt.where(Organisation.name.like(pattern))
    return stmt


def list_units(
    session: Session,
    viewer: User,
    filters: UnitFilters,
    page: int = 1,
    size: int = PAGE,
    today: date | None = None,
) -> tuple[list[UnitRow], int]:
    """One page of the units ``viewer`` may see, by name, and how many match (two statements).

    :param size: rows a page holds (the export asks for one page of all it may write)
    """
    stmt = _list_statement(viewer, filters, today or street_today())
    total = count_rows(session, stmt)
    rows = session.execute(one_page(stmt.order_by(Organisation.name, Organisation.id), page, size))
    return [UnitRow(*row) for row in rows], total


def count_expiring(session: Session, viewer: User) -> int:
    """Units whose agreement ending last ends within 30 days (the dashboard's to-do); the same
    rows the list shows with the 即将到期 filter."""
    filters = UnitFilters(status=AgreementStatus.expiring)
    return count_rows(session, _list_statement(viewer, filters, street_today()))


# --- creating and editing a unit -----------------------------------------------------------------


@dataclass
class UnitInput:
    """A unit's record as typed in the form."""

    name: str = ""
    org_type: str = ""
    credit_code: str = ""
    party_org: str = ""
    party_members: str | int | None = ""
    contact_name: str = ""
    contact_phone: str = ""
    address: str = ""
    community_id: int | None = None
    tags: str = ""


def _text(raw: str | None, limit: int, field_name: str) -> str:
    text = " ".join((raw or "").split())
    if len(text) > limit:
        raise ServiceError(_("不能超过 %(n)d 个字", n=limit), field_name)
    return text


def _party_members(raw) -> int:
    text = fold(str(raw)) if raw is not None else ""
    if text == "":
        return 0
    if not text.isdecimal() or not 0 <= int(text) <= PARTY_MEMBERS_MAX:
        raise ServiceError(
            _("党员人数应为 0 到 %(n)d 之间的整数", n=PARTY_MEMBERS_MAX), "party_members"
        )
    return int(text)


def _community(session: Session, actor: User, community_id: int | None) -> int | None:
    limited = actor.limited_to_community
    if limited is not None:
        if community_id not in (None, limited):
            raise ServiceError(_("只能登记本社区的共建单位"), "community")
        return limited
    if community_id is None:
        return None
    found = session.scalar(
        select(Community.id).where(Community.id == community_id, Community.archived_at.is_(None))
    )
    if found is None:
        raise ServiceError(_("请选择本街道的社区"), "community")
    return found


def _clean(session: Session, actor: User, values: UnitInput) -> dict:
    name = _text(values.name, NAME_MAX, "name")
    if not name:
        raise ServiceError(_("请填写单位名称"), "name")
    if values.org_type not in OrgType.__members__:
        raise ServiceError(_("请选择单位类型"), "org_type")
    phone = ""
    if (values.contact_phone or "").strip():
        phone = normalise_phone(values.contact_phone) or ""
        if not phone:
            raise ServiceError(_("请输入 11 位中国大陆手机号"), "contact_phone")
    return {
        "name": name,
        "org_type": values.org_type,
        "credit_code": clean_credit_code(values.credit_code),
        "party_org": _text(values.party_org, PARTY_ORG_MAX, "party_org"),
        "party_members": _party_members(values.party_members),
        "contact_name": _text(values.contact_name, CONTACT_MAX, "contact_name"),
        "contact_phone": phone,
        "address": _text(values.address, ADDRESS_MAX, "address"),
        "community_id": _community(session, actor, values.community_id),
        "tags": clean_tags(values.tags),
    }


def _check_unique(session: Session, cleaned: dict, unit_id: int | None) -> None:
    check_unique(
        session,
        OrgKind.alliance,
        cleaned["name"],
        cleaned["credit_code"],
        unit_id,
        _("已有同名的共建单位：%(name)s", name=cleaned["name"]),
    )


def save_unit(
    session: Session, actor: User, values: UnitInput, unit: Organisation | None = None
) -> Organisation:
    """Create a unit (``unit`` None) or change ``unit``'s record; audit-logged.

    :raise Forbidden: not an office account
    :raise ServiceError: with the field it belongs to: no name, a duplicate name (also when two
        saves race: the unique constraint decides), a malformed or taken credit code, a party
        member count out of range, a phone that is not a mainland mobile, another community
    """
    if not actor.is_office:
        raise Forbidden(_("只有街道工作人员可以编辑共建单位"))
    cleaned = _clean(session, actor, values)
    _check_unique(session, cleaned, unit.id if unit else None)
    creating = unit is None
    if creating:
        unit = Organisation(kind=OrgKind.alliance, **cleaned)
    unit_id = None if creating else unit.id
    changed = sorted(k for k, v in cleaned.items() if creating or getattr(unit, k) != v)
    if creating:
        session.add(unit)
    else:
        for key, value in cleaned.items():
            setattr(unit, key, value)
    try:
        session.flush()
    except IntegrityError as exc:  # the same name or code saved by someone else at this moment
        session.rollback()
        _check_unique(session, cleaned, unit_id)  # says which, now that the other save is in
        raise ServiceError(_("已有同名的共建单位：%(name)s", name=cleaned["name"]), "name") from exc
    if creating or changed:
        action = "alliance.unit_create" if creating else "alliance.unit_update"
        detail = {} if creating else {"fields": ",".join(changed)}
        record(session, action, actor.id, f"alliance_unit:{unit.id}", detail)
    forget_street(PANEL_KEY, unit.tenant_id)
    return unit


def unit_input(unit: Organisation) -> UnitInput:
    """A unit's record as the edit form starts with it."""
    return UnitInput(
        name=unit.name,
        org_type=unit.org_type,
        credit_code=unit.credit_code or "",
        party_org=unit.party_org,
        party_members=unit.party_members,
        contact_name=unit.contact_name,
        contact_phone=unit.contact_phone,
        address=unit.address,
        community_id=unit.community_id,
        tags=unit.tags,
    )


def unit_names(session: Session, ids: list[int]) -> dict[int, str]:
    """The audit log's names of its unit targets, in one statement."""
    return dict(
        session.execute(
            select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))
        ).all()
    )


# --- agreements --------------------------------------------------------------------------------

ATTACHMENT_TYPES = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg"}
_STORED_ATTACHMENT = re.compile(r"[0-9a-f]{32}\.(pdf|png|jpg)")
_UNSAFE_FILENAME = re.compile(r'[\x00-\x1f\x7f\\/:*?"<>|]+')


def sniff_attachment(data: bytes) -> str | None:
    """``pdf``, ``png`` or ``jpg`` from the file's first bytes; None for anything else (an HTML
    page named .pdf is not a PDF)."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    kind = sniff_image(data)
    return kind if kind in ("png", "jpg") else None


def read_attachment(upload: FileStorage | None) -> tuple[bytes, str, str] | None:
    """The checked bytes, kind and safe original name of an uploaded file; None when none.

    :raise ServiceError: larger than 10 MB, or not a PDF, JPEG or PNG by its content
    """
    if upload is None or not isinstance(upload, FileStorage) or not upload.filename:
        return None
    data = upload.stream.read(ATTACHMENT_MAX_BYTES + 1)
    if not data:
        return None
    if len(data) > ATTACHMENT_MAX_BYTES:
        raise ServiceError(_("附件不能超过 10 MB"), "attachment")
    kind = sniff_attachment(data)
    if kind is None:
        raise ServiceError(_("附件须为 PDF、JPEG 或 PNG 文件"), "attachment")
    name = _UNSAFE_FILENAME.sub("_", upload.filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1])
    name = name.strip(" .") or f"agreement.{kind}"
    if len(name) > 120:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:110] + dot + ext[:8]) if dot else name[:120]
    return data, kind, name


def store_attachment(tenant_id: int, data: bytes, kind: str) -> str:
    """Write a checked attachment under the street's upload folder with a random name."""
    folder = upload_dir(tenant_id)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.{kind}"
    (folder / name).write_bytes(data)
    return name


@dataclass
class AgreementInput:
    signed_on: date | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    summary: str = ""


def add_agreement(
    session: Session,
    actor: User,
    unit: Organisation,
    values: AgreementInput,
    upload: FileStorage | None = None,
) -> Agreement:
    """Record a signed agreement of ``unit``, with its scanned copy if one is given.

    :raise ServiceError: a date missing, the end before the start, a summary too long, an
        attachment that is not a PDF, JPEG or PNG or is over 10 MB
    """
    if not actor.is_office:
        raise Forbidden(_("只有街道工作人员可以登记协议"))
    for name, label in (("signed_on", _("签订日期")), ("starts_on", _("开始日期")),
                        ("ends_on", _("结束日期"))):  # fmt: skip
        if getattr(values, name) is None:
            raise ServiceError(_("请填写%(what)s", what=label), name)
    if values.ends_on < values.starts_on:
        raise ServiceError(_("结束日期不能早于开始日期"), "ends_on")
    summary = (values.summary or "").strip()
    if len(summary) > SUMMARY_MAX:
        raise ServiceError(_("不能超过 %(n)d 个字", n=SUMMARY_MAX), "summary")
    attachment = read_attachment(upload)
    agreement = Agreement(
        organisation_id=unit.id,
        signed_on=values.signed_on,
        starts_on=values.starts_on,
        ends_on=values.ends_on,
        summary=summary,
        created_by=actor.id,
    )
    if attachment is not None:
        data, kind, original = attachment
        agreement.attachment = store_attachment(unit.tenant_id, data, kind)
        agreement.attachment_name = original
    session.add(agreement)
    session.flush()
    record(
        session,
        "alliance.agreement_add",
        actor.id,
        f"alliance_unit:{unit.id}",
        {"ends_on": values.ends_on.isoformat()},
    )
    forget_street(PANEL_KEY, unit.tenant_id)
    return agreement


def attachment_for(
    session: Session, viewer: User, agreement_id: int
) -> tuple[Path, str, str] | None:
    """The stored file, content type and original name of an agreement's attachment, for an
    office account that may see its unit, or one of the unit's own accounts.

    :raise NotFound: no such agreement for ``viewer`` (or no attachment)
    """
    stmt = (
        select(Agreement)
        .join(Organisation, Organisation.id == Agreement.organisation_id)
        .where(Agreement.id == agreement_id, Organisation.kind == OrgKind.alliance)
    )
    if viewer.is_office:
        stmt = stmt.where(_visible(viewer))
    elif viewer.role == Role.org:
        mine = select(OrgAccount.organisation_id).where(OrgAccount.user_id == viewer.id)
        stmt = stmt.where(Agreement.organisation_id.in_(mine))
    else:
        stmt = stmt.where(False)
    agreement = session.scalar(stmt)
    name = agreement.attachment if agreement is not None else ""
    if not name or not _STORED_ATTACHMENT.fullmatch(name):
        raise NotFound(_("附件不存在"))
    path = upload_dir(agreement.tenant_id) / name
    if not path.is_file():
        raise NotFound(_("附件不存在"))
    kind = name.rsplit(".", 1)[1]
    return path, ATTACHMENT_TYPES[kind], agreement.attachment_name or f"agreement.{kind}"


# --- a unit's page -----------------------------------------------------------------------------


@dataclass
class AgreementRow:
    agreement: Agreement
    status: str


@dataclass
class EventRow:
    event_id: int
    title: str
    starts_at: datetime
    account: str
    headcount: int
    status: str
    hours: Decimal | None


@dataclass
class UnitPage:
    unit: Organisation
    community: str
    status: str
    agreements: list[AgreementRow] = field(default_factory=list)
    accounts: list[User] = field(default_factory=list)
    events: list[EventRow] = field(default_factory=list)
    projects: list = field(default_factory=list)
    members: list = field(default_factory=list)
    reports: list = field(default_factory=list)
    #: confirmed hours of the unit's accounts and of the members it named
    hours: Decimal = Decimal(0)


def _confirmed(user_id_column):
    return and_(
        Attendance.event_id == Registration.event_id,
        Attendance.user_id == user_id_column,
        Attendance.confirmed_at.is_not(None),
    )


def unit_page(session: Session, viewer: User, unit: Organisation) -> UnitPage:
    """Everything the unit's page shows, in a fixed number of statements whatever its history."""
    today = street_today()
    community = ""
    if unit.community_id is not None:
        community = session.scalar(select(Community.name).where(Community.id == unit.community_id))
    agreements = [
        AgreementRow(a, agreement_status(a.starts_on, a.ends_on, today))
        for a in session.scalars(
            select(Agreement)
            .where(Agreement.organisation_id == unit.id)
            .order_by(Agreement.ends_on.desc(), Agreement.starts_on.desc(), Agreement.id.desc())
        )
    ]
    accounts = list(
        session.scalars(
            select(User)
            .join(OrgAccount, OrgAccount.user_id == User.id)
            .where(OrgAccount.organisation_id == unit.id)
            .order_by(OrgAccount.created_at, User.id)
        )
    )
    account_ids = select(OrgAccount.user_id).where(OrgAccount.organisation_id == unit.id)
    events = [
        EventRow(*row)
        for row in session.execute(
            select(
                Event.id,
                Event.title,
                Event.starts_at,
                User.name,
                Registration.headcount,
                Registration.status,
                Attendance.hours,
            )
            .join(Event, Event.id == Registration.event_id)
            .join(User, User.id == Registration.user_id)
            .outerjoin(Attendance, _confirmed(Registration.user_id))
            .where(Registration.user_id.in_(account_ids))
            .order_by(Event.starts_at.desc(), Registration.id.desc())
            .limit(HISTORY_MAX)
        )
    ]
    projects = session.execute(
        select(Project.id, Project.title, Project.status, Project.due_on, Project.people_served)
        .join(ProjectPartner, ProjectPartner.project_id == Project.id)
        .where(ProjectPartner.organisation_id == unit.id)
        .order_by(Project.created_at.desc(), Project.id.desc())
        .limit(HISTORY_MAX)
    ).all()
    members = session.execute(
        select(User.name, Event.title, Event.starts_at, Attendance.hours)
        .select_from(UnitMember)
        .join(User, User.id == UnitMember.user_id)
        .join(Registration, Registration.id == UnitMember.registration_id)
        .join(Event, Event.id == Registration.event_id)
        .outerjoin(Attendance, _confirmed(UnitMember.user_id))
        .where(UnitMember.organisation_id == unit.id)
        .order_by(Event.starts_at.desc(), UnitMember.id.desc())
        .limit(HISTORY_MAX)
    ).all()
    reports = session.execute(
        select(User.name, MemberReport.status, MemberReport.specialties, MemberReport.created_at)
        .join(User, User.id == MemberReport.user_id)
        .where(MemberReport.organisation_id == unit.id)
        .order_by(MemberReport.created_at.desc(), MemberReport.id.desc())
        .limit(HISTORY_MAX)
    ).all()
    hours = _unit_hours(session, unit.id, account_ids)
    status = agreements[0].status if agreements else AgreementStatus.none
    return UnitPage(
        unit, community or "", status, agreements, accounts, events, list(projects),
        list(members), list(reports), hours,
    )  # fmt: skip


def _unit_hours(session: Session, organisation_id: int, account_ids) -> Decimal:
    """Confirmed hours of the unit's accounts, and of the volunteers it named on its sign-ups."""
    own = (
        select(func.coalesce(func.sum(Attendance.hours), 0))
        .join(Registration, _confirmed(Registration.user_id))
        .where(
            Registration.user_id.in_(account_ids),
            Registration.status == RegistrationStatus.registered,
        )
        .scalar_subquery()
    )
    named = (
        select(func.coalesce(func.sum(Attendance.hours), 0))
        .select_from(UnitMember)
        .join(Registration, Registration.id == UnitMember.registration_id)
        .join(Attendance, _confirmed(UnitMember.user_id))
        .where(UnitMember.organisation_id == organisation_id)
        .scalar_subquery()
    )
    total = session.scalar(select(own + named))
    return Decimal(str(total or 0))


# --- unit accounts (the admin's side) -----------------------------------------------------------


def invite_account(
    session: Session,
    actor: User,
    tenant: Tenant,
    unit: Organisation,
    *,
    phone: str,
    name: str,
) -> User:
    """The admin gives the unit's contact an ``org`` account acting for ``unit``, and tells them
    by SMS where to log in (tenants.orgs.accounts.invite_contact); audit-logged.

    :raise Forbidden: not the street's admin
    :raise ServiceError: a malformed phone; the phone belongs to a volunteer or office account
        (never converted silently), or already acts for another unit, or for this one
    """
    if actor.role != Role.admin:
        raise Forbidden(_("只有街道管理员可以开设单位账号"))
    user = invite_contact(
        session, actor, tenant, unit, phone=phone, name=name,
        notification_kind="alliance.unit_invited",
    )  # fmt: skip
    record(session, "alliance.unit_invite", actor.id, f"alliance_unit:{unit.id}",
           {"user_id": user.id})  # fmt: skip
    return user


# --- the dashboard ------------------------------------------------------------------------------

PANEL_KEY = "alliance-units"


def quarter_start(today: date) -> date:
    return date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)


def panel_data(session: Session, viewer: User) -> dict:
    """Units by status and units active this quarter, as ``viewer`` may see them (cached)."""
    return remember(viewer_key(PANEL_KEY, viewer), lambda: _figures(session, viewer))


def _figures(session: Session, viewer: User) -> dict:
    """One grouped statement: units per status, and (the same on every row) the units whose
    accounts signed up for an event since the quarter began."""
    today = street_today()
    latest = _latest_agreements()
    status = status_column(latest.c.starts_on, latest.c.ends_on, latest.c.ends_on.is_(None), today)
    start = datetime.combine(quarter_start(today), datetime.min.time(), tzinfo=street_zone())
    active_units = (
        select(func.count(func.distinct(OrgAccount.organisation_id)))
        .join(Organisation, Organisation.id == OrgAccount.organisation_id)
        .join(Registration, Registration.user_id == OrgAccount.user_id)
        .where(
            _visible(viewer),
            Registration.created_at >= start,
            Registration.status != RegistrationStatus.cancelled,
        )
        .scalar_subquery()
    )
    rows = session.execute(
        select(status, func.count(), active_units)
        .select_from(Organisation)
        .outerjoin(latest, latest.c.organisation_id == Organisation.id)
        .where(_visible(viewer))
        .group_by(status)
    ).all()
    counts = {row[0]: row[1] for row in rows}
    return {
        "active": counts.get(AgreementStatus.active, 0),
        "expiring": counts.get(AgreementStatus.expiring, 0),
        "expired": counts.get(AgreementStatus.expired, 0),
        "none": counts.get(AgreementStatus.none, 0),
        "units": sum(counts.values()),
        "active_this_quarter": rows[0][2] if rows else 0,
    }


# --- a unit's service records out (志愿服务记录) --------------------------------------------------


def service_people(unit: Organisation):
    """The service records that are the unit's (for the passport's export in the national
    record's fields): what the people it named on its sign-ups served at those events, and
    everything its confirmed in-service party members (双报到) served. A WHERE clause on
    ``Attendance``."""
    named = (
        select(UnitMember.id)
        .join(Registration, Registration.id == UnitMember.registration_id)
        .where(
            UnitMember.organisation_id == unit.id,
            UnitMember.user_id == Attendance.user_id,
            Registration.event_id == Attendance.event_id,
        )
        .exists()
    )
    members = select(MemberReport.user_id).where(
        MemberReport.organisation_id == unit.id, MemberReport.status == ReportStatus.confirmed
    )
    return or_(named, Attendance.user_id.in_(members))
