"""Business circles (商圈), merchants (商户) as the street office keeps them, their accounts, and
the public merchant directory residents read on their phones without signing in.

A merchant is an organisation record of kind ``merchant`` (tenants.orgs) with its profile beside
it (:class:`~tenants.merchants.models.Merchant`, 1:1): category, circle, opening hours, status and
the model-merchant flag (党员示范商户) with its public pledge (承诺). A record made elsewhere
without a profile (a test, an import) reads as an open merchant with no category.

The directory shows what a merchant wants residents to know (name, category, circle, address,
opening hours, the pledge) and never its contact or phone. It is read anonymously at the rate of a
public page, so it is cached per street and filter for :data:`DIRECTORY_SECONDS`, as plain values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from saas.audit.services import record
from saas.auth.models import User
from saas.auth.phone import normalise_phone
from saas.cache import forget_street, remember, viewer_key
from saas.db import utcnow
from saas.errors import Forbidden, NotFound, ServiceError
from saas.forms import parse_id
from saas.listing import contains_pattern, count_rows, one_page
from saas.streets.models import Tenant
from saas.text import fold
from saas.ui import street_zone
from tenants.events.models import Event
from tenants.merchants.models import (
    DEFAULT_MEMBER_DAY,
    Candidate,
    Circle,
    EventHost,
    MemberDay,
    Merchant,
    MerchantStatus,
    Offer,
    VotingRound,
)
from tenants.orgs.accounts import invite_contact
from tenants.orgs.models import OrgAccount, Organisation, OrgKind
from tenants.orgs.records import check_unique, clean_credit_code, clean_tags
from tenants.passport.models import Redemption, RedemptionStatus, Reward
from tenants.structure.models import Community

#: rows a page of the office's merchant list holds; cards a page of the public directory holds
PAGE, DIRECTORY_PAGE = 30, 30
NAME_MAX, CIRCLE_NAME_MAX, AREA_MAX, ADDRESS_MAX, CONTACT_MAX, HOURS_MAX = 100, 60, 200, 200, 50, 60
#: the longest pledge (承诺) a model merchant makes public
PLEDGE_MAX = 500
#: seconds the public directory's pages are kept per street and filter
DIRECTORY_SECONDS = 60
DIRECTORY_KEY, PANEL_KEY = "merchant-directory", "merchants-by-circle"
#: rows of each part of a merchant's history its page shows; months of vouchers counted
HISTORY_MAX, VOUCHER_MONTHS = 50, 12

#: the fixed list of categories (行业), in the order the forms and filters offer them
CATEGORIES = {
    "food": _l("餐饮"),
    "grocery": _l("超市便利"),
    "beauty": _l("理发美容"),
    "repair": _l("维修服务"),
    "pharmacy": _l("药店诊所"),
    "education": _l("教育培训"),
    "services": _l("生活服务"),
    "other": _l("其他"),
}
STATUS_LABELS = {
    MerchantStatus.open: _l("营业中"),
    MerchantStatus.paused: _l("暂停营业"),
    MerchantStatus.left: _l("已退出商盟"),
}


def _text(raw: str | None, limit: int, field_name: str) -> str:
    """One line as typed, blanks collapsed. :raise ServiceError: longer than ``limit``."""
    text = " ".join((raw or "").split())
    if len(text) > limit:
        raise ServiceError(_("不能超过 %(n)d 个字", n=limit), field_name)
    return text


def _community(session: Session, actor: User, community_id: int | None, what: str) -> int | None:
    """The community a record of ``actor``'s goes in: a community's staff, theirs."""
    limited = actor.limited_to_community
    if limited is not None:
        if community_id not in (None, limited):
            raise ServiceError(_("只能登记本社区的%(what)s", what=what), "community")
        return limited
    if community_id is None:
        return None
    found = session.scalar(
        select(Community.id).where(Community.id == community_id, Community.archived_at.is_(None))
    )
    if found is None:
        raise ServiceError(_("请选择本街道的社区"), "community")
    return found


def _office(actor: User, message: str) -> None:
    if not actor.is_office:
        raise Forbidden(message)


# --- business circles ---------------------------------------------------------------------------


def _circles_visible(viewer: User):
    """A community's staff see their community's circles and the street's own; others all."""
    limited = viewer.limited_to_community
    if limited is None:
        return True
    return or_(Circle.community_id == limited, Circle.community_id.is_(None))


@dataclass(frozen=True)
class CircleRow:
    circle: Circle
    community: str | None
    merchants: int
    models: int


def list_circles(session: Session, viewer: User, limit: int | None = None) -> list[CircleRow]:
    """The circles ``viewer`` may see (the first ``limit``, else all), by name, with their
    merchants counted (one statement)."""
    counts = (
        select(
            Merchant.circle_id,
            func.count().label("merchants"),
            func.sum(case((Merchant.is_model, 1), else_=0)).label("models"),
        )
        .join(Organisation, Organisation.id == Merchant.organisation_id)
        .where(Organisation.kind == OrgKind.merchant, Merchant.status != MerchantStatus.left)
        .group_by(Merchant.circle_id)
        .subquery("counts")
    )
    rows = session.execute(
        select(Circle, Community.name, counts.c.merchants, counts.c.models)
        .outerjoin(Community, Community.id == Circle.community_id)
        .outerjoin(counts, counts.c.circle_id == Circle.id)
        .where(_circles_visible(viewer))
        .order_by(Circle.name, Circle.id)
        .limit(limit)
    )
    return [CircleRow(c, name, merchants or 0, models or 0) for c, name, merchants, models in rows]


def circle_choices(session: Session) -> list[tuple[int, str]]:
    """Every circle of the street as (id, name), by name: the forms' and filters' choices."""
    return list(session.execute(select(Circle.id, Circle.name).order_by(Circle.name, Circle.id)))


def get_circle_or_404(session: Session, viewer: User, circle_id: int) -> Circle:
    """The circle ``circle_id`` for an office account that may edit it.

    :raise NotFound: no such circle in this street, or (for a community's staff) another
        community's or the street's own
    """
    circle = None
    if viewer.is_office:
        stmt = select(Circle).where(Circle.id == circle_id)
        if viewer.limited_to_community is not None:
            stmt = stmt.where(Circle.community_id == viewer.limited_to_community)
        circle = session.scalar(stmt)
    if circle is None:
        raise NotFound(_("商圈不存在"))
    return circle


@dataclass
class CircleInput:
    name: str = ""
    area: str = ""
    community_id: int | None = None
    member_day: str | int | None = ""


def _member_day(raw) -> int:
    text = fold(str(raw)).strip() if raw is not None else ""
    if text == "":
        return DEFAULT_MEMBER_DAY
    if not text.isdecimal() or len(text) > 2 or not 1 <= int(text) <= 31:
        raise ServiceError(_("会员日应为 1 到 31 之间的整数"), "member_day")
    return int(text)


def save_circle(
    session: Session, actor: User, values: CircleInput, circle: Circle | None = None
) -> Circle:
    """Create a circle (``circle`` None) or change one; audit-logged.

    :raise Forbidden: not an office account
    :raise ServiceError: with its field: no name, a name another circle of the street has (also
        when two saves race), an area too long, a member day outside 1–31, another community
    """
    _office(actor, _("只有街道工作人员可以编辑商圈"))
    name = _text(values.name, CIRCLE_NAME_MAX, "name")
    if not name:
        raise ServiceError(_("请填写商圈名称"), "name")
    cleaned = {
        "name": name,
        "area": _text(values.area, AREA_MAX, "area"),
        "community_id": _community(session, actor, values.community_id, _("商圈")),
        "member_day": _member_day(values.member_day),
    }
    taken = _("已有同名的商圈：%(name)s", name=name)
    others = Circle.id != circle.id if circle else True
    if session.scalar(select(Circle.id).where(Circle.name == name, others)) is not None:
        raise ServiceError(taken, "name")
    creating = circle is None
    changed = sorted(k for k, v in cleaned.items() if creating or getattr(circle, k) != v)
    if creating:
        circle = Circle(**cleaned)
        session.add(circle)
    else:
        for key, value in cleaned.items():
            setattr(circle, key, value)
    try:
        session.flush()
    except IntegrityError as exc:  # the same name saved by someone else at this moment
        session.rollback()
        raise ServiceError(taken, "name") from exc
    if creating or changed:
        action = "merchants.circle_create" if creating else "merchants.circle_update"
        record(session, action, actor.id, f"merchant_circle:{circle.id}",
               {} if creating else {"fields": ",".join(changed)})  # fmt: skip
    _forget(circle.tenant_id)
    return circle


def circle_names(session: Session, ids: list[int]) -> dict[int, str]:
    """The audit log's names of its circle targets, in one statement."""
    return dict(session.execute(select(Circle.id, Circle.name).where(Circle.id.in_(ids))).all())


# --- who sees which merchant --------------------------------------------------------------------


def _visible(viewer: User):
    """The merchants ``viewer`` may see: the street's; a community's staff, their community's."""
    conditions = [Organisation.kind == OrgKind.merchant]
    if viewer.limited_to_community is not None:
        conditions.append(Organisation.community_id == viewer.limited_to_community)
    return and_(*conditions)


@dataclass(frozen=True)
class MerchantRecord:
    """A merchant's organisation record and its profile (a fresh one, unsaved, if it has none)."""

    organisation: Organisation
    profile: Merchant


def _profile(organisation: Organisation, profile: Merchant | None) -> Merchant:
    if profile is not None:
        return profile
    return Merchant(organisation_id=organisation.id, category="", opening_hours="",
                    is_model=False, pledge="", status=MerchantStatus.open)  # fmt: skip


def get_merchant_or_404(session: Session, viewer: User, organisation_id: int) -> MerchantRecord:
    """The merchant ``organisation_id`` as ``viewer`` (an office account) may see it.

    :raise NotFound: no such organisation in this street, not a merchant, or another
        community's (for staff limited to one)
    """
    row = None
    if viewer.is_office:
        row = session.execute(
            select(Organisation, Merchant)
            .outerjoin(Merchant, Merchant.organisation_id == Organisation.id)
            .where(Organisation.id == organisation_id, _visible(viewer))
        ).first()
    if row is None:
        raise NotFound(_("商户不存在"))
    return MerchantRecord(row[0], _profile(row[0], row[1]))


# --- the office's list --------------------------------------------------------------------------


@dataclass(frozen=True)
class MerchantFilters:
    #: a circle's id as text, "none" for merchants in no circle, "" for all
    circle: str = ""
    category: str = ""
    #: "1": model merchants only
    model: str = ""
    status: str = ""
    q: str = ""

    def args(self) -> dict[str, str]:
        return {"circle": self.circle, "category": self.category, "model": self.model,
                "status": self.status, "q": self.q}  # fmt: skip


@dataclass(frozen=True)
class MerchantRow:
    organisation: Organisation
    profile: Merchant
    circle: str | None
    community: str | None
    accounts: int


def _list_statement(viewer: User, filters: MerchantFilters) -> Select:
    accounts = (
        select(func.count())
        .where(OrgAccount.organisation_id == Organisation.id)
        .correlate(Organisation)
        .scalar_subquery()
    )
    stmt = (
        select(Organisation, Merchant, Circle.name, Community.name, accounts)
        .outerjoin(Merchant, Merchant.organisation_id == Organisation.id)
        .outerjoin(Circle, Circle.id == Merchant.circle_id)
        .outerjoin(Community, Community.id == Organisation.community_id)
        .where(_visible(viewer))
    )
    if filters.circle == "none":
        stmt = stmt.where(Merchant.circle_id.is_(None))
    elif (circle_id := parse_id(filters.circle)) is not None:
        stmt = stmt.where(Merchant.circle_id == circle_id)
    if filters.category in CATEGORIES:
        stmt = stmt.where(Merchant.category == filters.category)
    if filters.model == "1":
        stmt = stmt.where(Merchant.is_model.is_(True))
    if filters.status in MerchantStatus.__members__:
        status = func.coalesce(Merchant.status, MerchantStatus.open.value)
        stmt = stmt.where(status == filters.status)
    pattern = contains_pattern(filters.q)
    if pattern:
        stmt = stmt.where(Organisation.name.like(pattern))
    return stmt


def list_merchants(
    session: Session, viewer: User, filters: MerchantFilters, page: int = 1, size: int = PAGE
) -> tuple[list[MerchantRow], int]:
    """One page of the merchants ``viewer`` may see, by name, and how many match (two
    statements). :param size: rows a page holds (the export asks for all it may write)"""
    stmt = _list_statement(viewer, filters)
    total = count_rows(session, stmt)
    rows = session.execute(one_page(stmt.order_by(Organisation.name, Organisation.id), page, size))
    return [MerchantRow(o, _profile(o, m), circle, community, n)
            for o, m, circle, community, n in rows], total  # fmt: skip


# --- creating and editing a merchant ------------------------------------------------------------


@dataclass
class MerchantInput:
    """A merchant's record as typed in the form."""

    name: str = ""
    category: str = ""
    address: str = ""
    circle_id: int | None = None
    community_id: int | None = None
    contact_name: str = ""
    contact_phone: str = ""
    is_model: bool = False
    pledge: str = ""
    opening_hours: str = ""
    status: str = MerchantStatus.open
    credit_code: str = ""
    tags: str = ""


def _pledge(raw: str | None, is_model: bool) -> str:
    """The pledge as typed (lines kept, each trimmed). :raise ServiceError: over 500 characters,
    or missing for a model merchant."""
    pledge = "\n".join(line.strip() for line in (raw or "").strip().splitlines()).strip()
    if len(pledge) > PLEDGE_MAX:
        raise ServiceError(
            _("承诺不能超过 %(n)d 个字（现在 %(count)d 个字）", n=PLEDGE_MAX, count=len(pledge)),
            "pledge",
        )
    if is_model and not pledge:
        raise ServiceError(_("党员示范商户须填写公开承诺"), "pledge")
    return pledge


def _clean(session: Session, actor: User, values: MerchantInput) -> tuple[dict, dict]:
    """(the organisation's columns, the profile's columns) from what was typed."""
    name = _text(values.name, NAME_MAX, "name")
    if not name:
        raise ServiceError(_("请填写店名"), "name")
    if values.category not in CATEGORIES:
        raise ServiceError(_("请选择行业类别"), "category")
    if values.status not in MerchantStatus.__members__:
        raise ServiceError(_("请选择经营状态"), "status")
    phone = ""
    if (values.contact_phone or "").strip():
        phone = normalise_phone(values.contact_phone) or ""
        if not phone:
            raise ServiceError(_("请输入 11 位中国大陆手机号"), "contact_phone")
    circle_id = None
    if values.circle_id is not None:
        circle_id = session.scalar(select(Circle.id).where(Circle.id == values.circle_id))
        if circle_id is None:
            raise ServiceError(_("请选择本街道的商圈"), "circle")
    is_model = bool(values.is_model)
    organisation = {
        "name": name,
        "credit_code": clean_credit_code(values.credit_code),
        "contact_name": _text(values.contact_name, CONTACT_MAX, "contact_name"),
        "contact_phone": phone,
        "address": _text(values.address, ADDRESS_MAX, "address"),
        "community_id": _community(session, actor, values.community_id, _("商户")),
        "tags": clean_tags(values.tags),
        "is_active": values.status != MerchantStatus.left,
    }
    profile = {
        "category": values.category,
        "circle_id": circle_id,
        "opening_hours": _text(values.opening_hours, HOURS_MAX, "opening_hours"),
        "is_model": is_model,
        "pledge": _pledge(values.pledge, is_model),
        "status": values.status,
    }
    return organisation, profile


def _check_unique(session: Session, cleaned: dict, organisation_id: int | None) -> None:
    check_unique(
        session,
        OrgKind.merchant,
        cleaned["name"],
        cleaned["credit_code"],
        organisation_id,
        _("已有同名的商户：%(name)s", name=cleaned["name"]),
    )


def save_merchant(
    session: Session, actor: User, values: MerchantInput, merchant: MerchantRecord | None = None
) -> MerchantRecord:
    """Create a merchant (``merchant`` None: its organisation record and profile) or change one;
    audit-logged.

    :raise Forbidden: not an office account
    :raise ServiceError: with the field it belongs to: no name, a duplicate name (also when two
        saves race), no category or status from the lists, a malformed or taken credit code, a
        phone that is not a mainland mobile, a pledge over 500 characters or missing for a model
        merchant, a circle or community not of the street (or of the staff's community)
    """
    _office(actor, _("只有街道工作人员可以编辑商户"))
    org_values, profile_values = _clean(session, actor, values)
    organisation_id = merchant.organisation.id if merchant else None
    _check_unique(session, org_values, organisation_id)
    creating = merchant is None
    if creating:
        organisation = Organisation(kind=OrgKind.merchant, **org_values)
        session.add(organisation)
        session.flush()
        profile = Merchant(organisation_id=organisation.id, **profile_values)
        session.add(profile)
        changed = []
    else:
        organisation, profile = merchant.organisation, merchant.profile
        changed = sorted(
            [k for k, v in org_values.items() if getattr(organisation, k) != v]
            + [k for k, v in profile_values.items() if getattr(profile, k) != v]
        )
        for key, value in org_values.items():
            setattr(organisation, key, value)
        if profile.id is None:  # a record made without its profile gets one now
            session.add(profile)
        for key, value in profile_values.items():
            setattr(profile, key, value)
    try:
        session.flush()
    except IntegrityError as exc:  # the same name or code saved by someone else at this moment
        session.rollback()
        _check_unique(session, org_values, organisation_id)
        raise ServiceError(_("已有同名的商户：%(name)s", name=org_values["name"]), "name") from exc
    if creating or changed:
        action = "merchants.merchant_create" if creating else "merchants.merchant_update"
        record(session, action, actor.id, f"merchant:{organisation.id}",
               {} if creating else {"fields": ",".join(changed)})  # fmt: skip
    _forget(organisation.tenant_id)
    return MerchantRecord(organisation, profile)


def merchant_input(merchant: MerchantRecord) -> MerchantInput:
    """A merchant's record as the edit form starts with it."""
    o, p = merchant.organisation, merchant.profile
    return MerchantInput(
        name=o.name, category=p.category, address=o.address, circle_id=p.circle_id,
        community_id=o.community_id, contact_name=o.contact_name, contact_phone=o.contact_phone,
        is_model=p.is_model, pledge=p.pledge, opening_hours=p.opening_hours, status=p.status,
        credit_code=o.credit_code or "", tags=o.tags,
    )  # fmt: skip


def merchant_names(session: Session, ids: list[int]) -> dict[int, str]:
    """The audit log's names of its merchant targets, in one statement."""
    return dict(
        session.execute(
            select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))
        ).all()
    )


# --- a merchant's page --------------------------------------------------------------------------


@dataclass
class MerchantPage:
    merchant: MerchantRecord
    circle: str | None
    community: str | None
    accounts: list[User] = field(default_factory=list)
    #: (month "2026-05", vouchers honoured), newest first, over the last VOUCHER_MONTHS months
    vouchers: list[tuple[str, int]] = field(default_factory=list)
    offers: list = field(default_factory=list)
    events: list = field(default_factory=list)
    rounds: list = field(default_factory=list)


def _month_start(months_back: int, today: date) -> date:
    month = today.year * 12 + today.month - 1 - months_back
    return date(month // 12, month % 12 + 1, 1)


def merchant_page(session: Session, merchant: MerchantRecord) -> MerchantPage:
    """Everything the merchant's page shows, in a fixed number of statements."""
    o, p = merchant.organisation, merchant.profile
    names = session.execute(
        select(
            select(Circle.name).where(Circle.id == p.circle_id).scalar_subquery(),
            select(Community.name).where(Community.id == o.community_id).scalar_subquery(),
        )
    ).one()
    accounts = list(
        session.scalars(
            select(User)
            .join(OrgAccount, OrgAccount.user_id == User.id)
            .where(OrgAccount.organisation_id == o.id)
            .order_by(OrgAccount.created_at, User.id)
        )
    )
    account_ids = select(OrgAccount.user_id).where(OrgAccount.organisation_id == o.id)
    zone = street_zone()
    since = datetime.combine(
        _month_start(VOUCHER_MONTHS - 1, utcnow().astimezone(zone).date()),
        datetime.min.time(),
        tzinfo=zone,
    )
    # one timestamp per voucher honoured in the last year, counted by the street's month here:
    # the same on SQLite and PostgreSQL, and a merchant honours hundreds a year, not millions
    verified = session.scalars(
        select(Redemption.verified_at)
        .join(Reward, Reward.id == Redemption.reward_id)
        .where(
            Reward.provider_id.in_(account_ids),
            Redemption.status == RedemptionStatus.verified,
            Redemption.verified_at >= since,
        )
    )
    by_month: dict[str, int] = {}
    for at in verified:
        key = at.astimezone(zone).strftime("%Y-%m")
        by_month[key] = by_month.get(key, 0) + 1
    offers = session.execute(
        select(MemberDay.day, Circle.name, Offer.kind, Offer.text)
        .join(MemberDay, MemberDay.id == Offer.member_day_id)
        .join(Circle, Circle.id == MemberDay.circle_id)
        .where(Offer.organisation_id == o.id)
        .order_by(MemberDay.day.desc(), Offer.id.desc())
        .limit(HISTORY_MAX)
    ).all()
    events = session.execute(
        select(Event.id, Event.title, Event.starts_at, Event.status)
        .join(EventHost, EventHost.event_id == Event.id)
        .where(EventHost.organisation_id == o.id)
        .order_by(Event.starts_at.desc(), Event.id.desc())
        .limit(HISTORY_MAX)
    ).all()
    rounds = session.execute(
        select(VotingRound.title, VotingRound.starts_at, VotingRound.ends_at, Candidate.votes)
        .join(Candidate, Candidate.round_id == VotingRound.id)
        .where(Candidate.organisation_id == o.id)
        .order_by(VotingRound.starts_at.desc(), VotingRound.id.desc())
        .limit(HISTORY_MAX)
    ).all()
    return MerchantPage(
        merchant, names[0], names[1], accounts, sorted(by_month.items(), reverse=True),
        list(offers), list(events), list(rounds),
    )  # fmt: skip


# --- merchant accounts (the office's side) ------------------------------------------------------


def invite_account(
    session: Session,
    actor: User,
    tenant: Tenant,
    merchant: MerchantRecord,
    *,
    phone: str,
    name: str,
) -> User:
    """Staff give the merchant's contact an ``org`` account acting for it, told by SMS to log in
    at /<slug>/login and set a password with 忘记密码 (tenants.orgs.accounts); audit-logged.

    :raise Forbidden: not an office account
    :raise ServiceError: a malformed phone; a volunteer's or office account's phone; a phone
        already acting for another organisation, or for this one
    """
    _office(actor, _("只有街道工作人员可以开设商户账号"))
    organisation = merchant.organisation
    user = invite_contact(
        session, actor, tenant, organisation, phone=phone, name=name,
        notification_kind="merchants.account_invited",
    )  # fmt: skip
    record(session, "merchants.account_invite", actor.id, f"merchant:{organisation.id}",
           {"user_id": user.id})  # fmt: skip
    return user


# --- the public directory -----------------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    """A merchant as residents see it: nothing of its contact."""

    id: int
    name: str
    category: str
    circle: str | None
    address: str
    opening_hours: str
    is_model: bool
    pledge: str
    status: str
    tags: tuple[str, ...]


@dataclass(frozen=True)
class Directory:
    cards: tuple[Card, ...]
    total: int
    circles: tuple[tuple[int, str], ...]


def _public():
    """Merchants residents may find: of kind merchant, not gone from the alliance."""
    return and_(
        Organisation.kind == OrgKind.merchant,
        func.coalesce(Merchant.status, MerchantStatus.open.value) != MerchantStatus.left.value,
    )


def _card(o: Organisation, m: Merchant | None, circle: str | None) -> Card:
    return Card(
        id=o.id, name=o.name, category=m.category if m else "", circle=circle,
        address=o.address, opening_hours=m.opening_hours if m else "",
        is_model=bool(m and m.is_model), pledge=m.pledge if m and m.is_model else "",
        status=m.status if m else MerchantStatus.open, tags=tuple(o.tag_list),
    )  # fmt: skip


def _cached(key: tuple, compute):
    seconds = current_app.config.get("MERCHANT_DIRECTORY_SECONDS", DIRECTORY_SECONDS)
    return remember(key, compute, seconds)


def directory(
    session: Session, tenant_id: int, circle: str = "", category: str = "", page: int = 1
) -> Directory:
    """One page of the street's directory, model merchants first, then by name, with the
    street's circles for the filter (two statements on a miss, none on a hit: cached per
    street, filter and page for ``DIRECTORY_SECONDS``).

    :param circle: a circle's id as text; anything else is no filter
    :param category: a key of :data:`CATEGORIES`; anything else is no filter
    """
    circle_id = parse_id(circle)
    category = category if category in CATEGORIES else ""
    key = (DIRECTORY_KEY, tenant_id, circle_id, category, page)
    return _cached(key, lambda: _directory(session, circle_id, category, page))


def _directory(session: Session, circle_id: int | None, category: str, page: int) -> Directory:
    total = func.count().over()
    stmt = (
        select(Organisation, Merchant, Circle.name, total)
        .outerjoin(Merchant, Merchant.organisation_id == Organisation.id)
        .outerjoin(Circle, Circle.id == Merchant.circle_id)
        .where(_public())
    )
    if circle_id is not None:
        stmt = stmt.where(Merchant.circle_id == circle_id)
    if category:
        stmt = stmt.where(Merchant.category == category)
    model_first = case((Merchant.is_model.is_(True), 0), else_=1)
    rows = session.execute(
        one_page(
            stmt.order_by(model_first, Organisation.name, Organisation.id), page, DIRECTORY_PAGE
        )  # fmt: skip
    ).all()
    circles = tuple(circle_choices(session))
    return Directory(
        tuple(_card(o, m, name) for o, m, name, _n in rows),
        rows[0][3] if rows else 0,
        tuple((cid, name) for cid, name in circles),
    )


def public_merchant(session: Session, tenant_id: int, organisation_id: int) -> Card:
    """A merchant's public page (cached as the directory is).

    :raise NotFound: no such merchant in this street, or gone from the alliance
    """

    def compute() -> Card | None:
        row = session.execute(
            select(Organisation, Merchant, Circle.name)
            .outerjoin(Merchant, Merchant.organisation_id == Organisation.id)
            .outerjoin(Circle, Circle.id == Merchant.circle_id)
            .where(Organisation.id == organisation_id, _public())
        ).first()
        return _card(*row) if row else None

    card = _cached((DIRECTORY_KEY, tenant_id, "merchant", organisation_id), compute)
    if card is None:
        raise NotFound(_("商户不存在"))
    return card


def _forget(tenant_id: int) -> None:
    """A change made here is seen at once by this process (others within the interval)."""
    forget_street(DIRECTORY_KEY, tenant_id)
    forget_street(PANEL_KEY, tenant_id)


# --- the dashboard ------------------------------------------------------------------------------


def panel_data(session: Session, viewer: User) -> dict:
    """Merchants and model merchants per circle, as ``viewer`` may see them (cached)."""
    return remember(viewer_key(PANEL_KEY, viewer), lambda: _figures(session, viewer))


def _figures(session: Session, viewer: User) -> dict:
    """One grouped statement over the merchants still in the alliance."""
    rows = session.execute(
        select(
            Circle.id,
            Circle.name,
            func.count(),
            func.sum(case((Merchant.is_model.is_(True), 1), else_=0)),
        )
        .select_from(Organisation)
        .outerjoin(Merchant, Merchant.organisation_id == Organisation.id)
        .outerjoin(Circle, Circle.id == Merchant.circle_id)
        .where(_visible(viewer), _public())
        .group_by(Circle.id, Circle.name)
        .order_by(Circle.name)
    ).all()
    circles = [
        {"id": cid, "name": name, "merchants": n, "models": int(models or 0)}
        for cid, name, n, models in rows
    ]
    return {
        "circles": circles,
        "merchants": sum(c["merchants"] for c in circles),
        "models": sum(c["models"] for c in circles),
    }
