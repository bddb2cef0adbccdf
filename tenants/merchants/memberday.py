"""Area "memberday": each circle's monthly member day (会员日), the merchants' offers on it, the
residents' subscriptions and the day-before reminder's recipients.

A member day is a ``MemberDay`` row and a published event of kind ``merchant_day`` on the events
engine, made ahead by a scheduled job (``memberday_jobs.create_member_days``). Decisions:

- the event is the whole street-local day (00:00 to the next day's 00:00): a circle has no
  opening hours of its own, and each shop keeps its own; attending earns no points (fixed, 0);
- a circle's ``member_day`` counts for the months not yet created: days already made (this month
  and next) keep their date, so offers made for them and the reminder stay true. A month that
  has a member day never gets a second one, whatever the setting says now.

A voucher is a reward of the passport's catalogue (``tenants.passport.rewards.create_reward``),
provided by the merchant's account; residents redeem it there with their points.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, func, or_, select, true, update
from sqlalchemy.orm import Session

from saas.audit.services import record
from saas.auth.models import Role, User
from saas.db import insert_ignoring_conflict
from saas.errors import NotFound, ServiceError
from saas.notify.services import notify
from saas.ui import street_zone
from tenants.events.models import Audience, EventKind, PointsMode
from tenants.events.services import EventData, create_scheduled_event
from tenants.merchants.models import (
    Circle,
    MemberDay,
    Merchant,
    MerchantStatus,
    Offer,
    OfferKind,
    Subscription,
)
from tenants.orgs.models import OrgAccount, Organisation, OrgKind
from tenants.passport.models import Redemption, RedemptionStatus, Reward
from tenants.passport.rewards import PRICE_MAX, STOCK_MAX, RewardInput, create_reward

#: an offer's words; a voucher's words are also its name in the catalogue (at most 100)
TEXT_MAX = 200
VOUCHER_TEXT_MAX = 100
#: member days on one page of the office's list; offers on one page of a member day
PAGE = 30
OFFERS_PAGE = 100
#: each resident may redeem one voucher of an offer
VOUCHERS_PER_PERSON = 1

KIND_LABELS = {OfferKind.discount: _l("优惠折扣"), OfferKind.voucher: _l("积分兑换券")}


# --- dates ---------------------------------------------------------------------------------------


def member_day_in(year: int, month: int, day_of_month: int) -> date:
    """The date of a member day on ``day_of_month`` in ``year``-``month``: a day past the
    month's end is the month's last day (31 → 28 or 29 February, 30 April)."""
    last = calendar.monthrange(year, month)[1]
    return date(year, month, max(1, min(day_of_month, last)))


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    """The first day of the month after ``day``'s."""
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The street-local day as UTC-aware start and end."""
    zone = street_zone()
    start = datetime.combine(day, time(), zone)
    end = datetime.combine(day + timedelta(days=1), time(), zone)
    return start, end


# --- creating member days ------------------------------------------------------------------------


def ensure_member_days(session: Session, today: date) -> int:
    """Make the member days of this month and the next for every circle of the street in scope,
    with their events; returns how many were made. Idempotent: a month that has a circle's
    member day gets no other (the circle's row is locked while it is checked, the unique key
    (circle, day) is the last word), and a day already past this month is not made."""
    first, after = month_start(today), next_month(next_month(today))
    made = 0
    for circle_id in session.scalars(select(Circle.id).order_by(Circle.id)).all():
        # one run at a time per circle: the check below and the insert are one step
        circle = session.scalar(select(Circle).where(Circle.id == circle_id).with_for_update())
        have = {
            month_start(day)
            for day in session.scalars(
                select(MemberDay.day).where(
                    MemberDay.circle_id == circle.id,
                    MemberDay.day >= first,
                    MemberDay.day < after,
                )
            )
        }
        for month in (first, next_month(first)):
            day = member_day_in(month.year, month.month, circle.member_day)
            if month in have or day < today:
                continue
            if _create_member_day(session, circle, day):
                made += 1
    return made


def _create_member_day(session: Session, circle: Circle, day: date) -> bool:
    starts_at, ends_at = day_bounds(day)
    step = session.begin_nested()  # the event goes too if the day turns out to exist
    event = create_scheduled_event(
        session,
        EventData(
            title=_("%(circle)s会员日", circle=circle.name),
            description=_(
                "%(circle)s每月会员日：商户推出优惠和积分兑换券，欢迎居民到店。", circle=circle.name
            ),  # fmt: skip
            kind=EventKind.merchant_day,
            community_id=circle.community_id,
            place=circle.area,
            starts_at=starts_at,
            ends_at=ends_at,
            audience=Audience.public,
            points_mode=PointsMode.fixed,
            points_value=0,
        ),
    )
    made = insert_ignoring_conflict(
        session,
        MemberDay,
        {"tenant_id": circle.tenant_id, "circle_id": circle.id, "day": day, "event_id": event.id},
        ["tenant_id", "circle_id", "day"],
    )
    if made is None:  # made by another run a moment ago
        step.rollback()
        return False
    step.commit()
    return True


# --- who is who ----------------------------------------------------------------------------------


@dataclass
class MerchantOf:
    organisation: Organisation
    merchant: Merchant


def profile_of(session: Session, user: User) -> MerchantOf | None:
    """The merchant an org account acts for, with its profile (its circle, its status); None for
    anyone else. (tenants.merchants.home.merchant_of gives the record alone, cached per request.)"""
    if getattr(user, "role", None) != Role.org:
        return None
    row = session.execute(
        select(Organisation, Merchant)
        .join(OrgAccount, OrgAccount.organisation_id == Organisation.id)
        .join(Merchant, Merchant.organisation_id == Organisation.id)
        .where(OrgAccount.user_id == user.id, Organisation.kind == OrgKind.merchant)
    ).first()
    return MerchantOf(*row) if row is not None else None


def profile_or_404(session: Session, user: User) -> MerchantOf:
    found = profile_of(session, user)
    if found is None:
        raise NotFound(_("只有商户的账号可以使用此页面"))
    return found


def _circles_visible(actor: User):
    """Circles staff see: a community's staff, their community's and the street-wide ones."""
    limited = actor.limited_to_community
    if limited is None:
        return true()
    return or_(Circle.community_id.is_(None), Circle.community_id == limited)


def circles(session: Session, actor: User) -> list[Circle]:
    return list(
        session.scalars(select(Circle).where(_circles_visible(actor)).order_by(Circle.name))
    )


# --- the office's pages --------------------------------------------------------------------------


@dataclass
class MemberDayFilters:
    circle: int | None = None
    #: "YYYY-MM" or ""
    month: str = ""

    def args(self) -> dict:
        return {k: v for k, v in (("circle", self.circle), ("month", self.month)) if v}


def parse_month(raw: str | None) -> date | None:
    """ "2026-05" → 2026-05-01; None for anything else."""
    raw = (raw or "").strip()
    if len(raw) != 7 or raw[4] != "-" or not (raw[:4] + raw[5:]).isdecimal():
        return None
    if not raw.isascii():
        return None
    year, month = int(raw[:4]), int(raw[5:])
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return date(year, month, 1)


@dataclass
class MemberDayRow:
    member_day: MemberDay
    circle: str
    offers: int
    vouchers: int


def list_member_days(
    session: Session, actor: User, filters: MemberDayFilters, page: int = 1, size: int = PAGE
) -> tuple[list[MemberDayRow], int]:
    """Member days, the latest first, with their circle and offer counts: two statements."""
    counts = (
        select(
            Offer.member_day_id.label("md"),
            func.count().label("offers"),
            func.count(Offer.reward_id).label("vouchers"),
        )
        .group_by(Offer.member_day_id)
        .subquery()
    )
    stmt = (
        select(
            MemberDay,
            Circle.name,
            func.coalesce(counts.c.offers, 0),
            func.coalesce(counts.c.vouchers, 0),
        )
        .join(Circle, Circle.id == MemberDay.circle_id)
        .outerjoin(counts, counts.c.md == MemberDay.id)
        .where(_circles_visible(actor))
    )
    if filters.circle is not None:
        stmt = stmt.where(MemberDay.circle_id == filters.circle)
    month = parse_month(filters.month)
    if month is not None:
        stmt = stmt.where(MemberDay.day >= month, MemberDay.day < next_month(month))
    total = session.scalar(stmt.with_only_columns(func.count()).order_by(None)) or 0
    rows = session.execute(
        stmt.order_by(MemberDay.day.desc(), Circle.name).offset((page - 1) * size).limit(size)
    ).all()
    return [MemberDayRow(*row) for row in rows], total


def get_member_day_or_404(
    session: Session, actor: User, member_day_id: int
) -> tuple[MemberDay, Circle]:
    """A member day staff may see, with its circle.

    :raise NotFound: no such member day, another street's, or another community's circle
    """
    row = session.execute(
        select(MemberDay, Circle)
        .join(Circle, Circle.id == MemberDay.circle_id)
        .where(MemberDay.id == member_day_id, _circles_visible(actor))
    ).first()
    if row is None:
        raise NotFound(_("会员日不存在"))
    return row[0], row[1]


@dataclass
class OfferRow:
    offer: Offer
    merchant: str
    price: int | None
    stock: int | None
    #: vouchers redeemed and not cancelled (issued or handed over)
    redeemed: int
    handed_over: int


def _offer_rows(session: Session, stmt) -> list[OfferRow]:
    issued = (
        select(
            Redemption.reward_id.label("rid"),
            func.count().label("redeemed"),
            func.count().filter(Redemption.status == RedemptionStatus.verified).label("verified"),
        )
        .where(Redemption.status != RedemptionStatus.cancelled)
        .group_by(Redemption.reward_id)
        .subquery()
    )
    stmt = (
        stmt.add_columns(
            Organisation.name,
            Reward.price,
            Reward.stock,
            func.coalesce(issued.c.redeemed, 0),
            func.coalesce(issued.c.verified, 0),
        )
        .join(Organisation, Organisation.id == Offer.organisation_id)
        .outerjoin(Reward, Reward.id == Offer.reward_id)
        .outerjoin(issued, issued.c.rid == Offer.reward_id)
    )
    return [OfferRow(*row) for row in session.execute(stmt).all()]


def offers_of(
    session: Session, member_day: MemberDay, page: int = 1, size: int = OFFERS_PAGE
) -> tuple[list[OfferRow], int]:
    """A member day's offers, by merchant name, one page, and how many there are."""
    base = select(Offer).where(Offer.member_day_id == member_day.id)
    total = session.scalar(base.with_only_columns(func.count())) or 0
    rows = _offer_rows(
        session,
        base.order_by(Offer.created_at, Offer.id).offset((page - 1) * size).limit(size),
    )
    return rows, total


def withdraw_offer(session: Session, actor: User, offer_id: int, slug: str = "") -> Offer:
    """Staff take an offer off its member day: the row goes, a voucher leaves the catalogue
    (vouchers already redeemed stay valid and are honoured at the counter as usual), the
    merchant's accounts are told, and the log keeps it.

    :raise NotFound: no such offer, another street's, or of a circle the actor does not see
    """
    if not actor.is_office:
        raise NotFound(_("优惠不存在"))
    row = session.execute(
        select(Offer, MemberDay, Circle)
        .join(MemberDay, MemberDay.id == Offer.member_day_id)
        .join(Circle, Circle.id == MemberDay.circle_id)
        .where(Offer.id == offer_id, _circles_visible(actor))
    ).first()
    if row is None:
        raise NotFound(_("优惠不存在"))
    offer, member_day, circle = row
    if offer.reward_id is not None:
        session.execute(
            update(Reward)
            .where(Reward.id == offer.reward_id)
            .values(is_active=False)
            .execution_options(synchronize_session=False)
        )
    session.execute(delete(Offer).where(Offer.id == offer.id))
    record(
        session,
        "merchants.offer_withdraw",
        actor.id,
        f"merchant_member_day:{member_day.id}",
        {"offer": offer.id, "organisation": offer.organisation_id},
    )
    for person in _accounts_of(session, [offer.organisation_id]).get(offer.organisation_id, []):
        notify(
            session,
            person,
            "merchants.offer_withdrawn",
            _l("会员日优惠已撤下"),
            _l(
                "贵店在%(circle)s %(day)s 会员日的优惠“%(text)s”已由街道撤下。",
                circle=circle.name,
                day=member_day.day.isoformat(),
                text=offer.text,
            ),
            link=f"/{slug}/merchants/offers" if slug else "",
        )
    return offer


def _accounts_of(session: Session, organisation_ids: list[int]) -> dict[int, list[User]]:
    found: dict[int, list[User]] = {}
    if not organisation_ids:
        return found
    for organisation_id, user in session.execute(
        select(OrgAccount.organisation_id, User)
        .join(User, User.id == OrgAccount.user_id)
        .where(OrgAccount.organisation_id.in_(organisation_ids), User.is_enabled.is_(True))
        .order_by(User.id)
    ):
        found.setdefault(organisation_id, []).append(user)
    return found


# --- the merchant's offers -----------------------------------------------------------------------


@dataclass
class OfferInput:
    """What the merchant typed: prices and stocks as typed (the service reads the numbers)."""

    kind: str
    text: str
    price: str = ""
    stock: str = ""


def _whole_number(raw: str | None, low: int, high: int, field: str, message: str) -> int:
    text = (raw or "").strip()
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("-")
    if not digits or not digits.isascii() or not digits.isdecimal() or len(digits) > 9:
        raise ServiceError(message, field)
    value = sign * int(digits)
    if not low <= value <= high:
        raise ServiceError(message, field)
    return value


@dataclass
class UpcomingDay:
    member_day: MemberDay
    circle: Circle
    #: the merchant's offer on it, if it joined
    offer: OfferRow | None


def merchant_days(session: Session, merchant: MerchantOf, today: date) -> list[UpcomingDay]:
    """The member days of the merchant's circle from today on, each with its offer (3 statements)."""
    if merchant.merchant.circle_id is None:
        return []
    rows = session.execute(
        select(MemberDay, Circle)
        .join(Circle, Circle.id == MemberDay.circle_id)
        .where(MemberDay.circle_id == merchant.merchant.circle_id, MemberDay.day >= today)
        .order_by(MemberDay.day)
        .limit(3)
    ).all()
    offers = {}
    if rows:
        offers = {
            r.offer.member_day_id: r
            for r in _offer_rows(
                session,
                select(Offer).where(
                    Offer.organisation_id == merchant.organisation.id,
                    Offer.member_day_id.in_([md.id for md, _c in rows]),
                ),
            )
        }
    return [UpcomingDay(md, circle, offers.get(md.id)) for md, circle in rows]


def merchant_day_or_404(
    session: Session, actor: User, member_day_id: int, lock: bool = False
) -> tuple[MerchantOf, MemberDay]:
    """A member day of the circle of the merchant ``actor`` acts for.

    :raise NotFound: not a merchant's account; no such member day, another street's, another
        circle's (the same answer)
    """
    merchant = profile_or_404(session, actor)
    stmt = select(MemberDay).where(
        MemberDay.id == member_day_id, MemberDay.circle_id == merchant.merchant.circle_id
    )
    if lock:  # one offer per merchant: the caller's check and insert are one step
        stmt = stmt.with_for_update()
    member_day = session.scalar(stmt)
    if member_day is None or merchant.merchant.circle_id is None:
        raise NotFound(_("会员日不存在"))
    return merchant, member_day


def join_member_day(
    session: Session, actor: User, member_day_id: int, data: OfferInput, today: date
) -> Offer:
    """The merchant joins an upcoming member day of its circle with one offer: words only, or a
    voucher of the catalogue priced in points with its stock (one per resident).

    :raise NotFound: not a merchant's account; no such member day, another street's, another
        circle's (the same answer)
    :raise ServiceError: the day has passed, the merchant has left or paused, it already has an
        offer on that day, or a field is refused (``field`` names it)
    """
    merchant, member_day = merchant_day_or_404(session, actor, member_day_id, lock=True)
    if member_day.day < today:
        raise ServiceError(_("这个会员日已经过去了"))
    if merchant.merchant.status != MerchantStatus.open or not merchant.organisation.is_active:
        raise ServiceError(_("商户暂停营业或已退出商盟，不能参加会员日"))
    kind = data.kind if data.kind in OfferKind.__members__.values() else ""
    if not kind:
        raise ServiceError(_("请选择优惠方式"), "kind")
    text = " ".join((data.text or "").split())
    if not text:
        raise ServiceError(_("请填写优惠内容"), "text")
    limit = VOUCHER_TEXT_MAX if kind == OfferKind.voucher else TEXT_MAX
    if len(text) > limit:
        raise ServiceError(_("优惠内容不能超过 %(n)d 个字", n=limit), "text")
    had = session.scalar(
        select(Offer.id).where(
            Offer.member_day_id == member_day.id,
            Offer.organisation_id == merchant.organisation.id,
        )
    )
    if had is not None:
        raise ServiceError(_("贵店已参加这个会员日，每个会员日只能提供一项优惠"))
    reward_id = None
    if kind == OfferKind.voucher:
        price = _whole_number(data.price, 1, PRICE_MAX, "price",
                              _("所需积分须为 1–%(n)d 的整数", n=PRICE_MAX))  # fmt: skip
        stock = _whole_number(data.stock, 1, STOCK_MAX, "stock",
                              _("数量须为 1–%(n)d 的整数", n=STOCK_MAX))  # fmt: skip
        circle_name = session.scalar(select(Circle.name).where(Circle.id == member_day.circle_id))
        reward = create_reward(
            session,
            actor,
            RewardInput(
                name=text,
                description=_(
                    "%(circle)s会员日（%(day)s）%(merchant)s的兑换券，凭兑换码到店使用。",
                    circle=circle_name,
                    day=member_day.day.isoformat(),
                    merchant=merchant.organisation.name,
                ),
                price=price,
                per_person_limit=VOUCHERS_PER_PERSON,
                provider_kind="merchant",
                community_id=None,
                provider_id=actor.id,
                is_active=True,
                stock=stock,
            ),
        )
        reward_id = reward.id
    offer = Offer(
        member_day_id=member_day.id,
        organisation_id=merchant.organisation.id,
        kind=kind,
        text=text,
        reward_id=reward_id,
    )
    session.add(offer)
    session.flush()
    return offer


# --- the residents' page -------------------------------------------------------------------------


@dataclass
class CircleDay:
    circle: Circle
    member_day: MemberDay | None
    offers: list[OfferRow]
    subscribed: bool


def next_member_days(session: Session, user: User, today: date) -> list[CircleDay]:
    """Each circle with its next member day (today or later), the offers on it and whether the
    viewer is subscribed: three statements whatever the number of circles and offers."""
    upcoming = (
        select(MemberDay.circle_id.label("cid"), func.min(MemberDay.day).label("day"))
        .where(MemberDay.day >= today)
        .group_by(MemberDay.circle_id)
        .subquery()
    )
    rows = session.execute(
        select(Circle, MemberDay)
        .outerjoin(upcoming, upcoming.c.cid == Circle.id)
        .outerjoin(
            MemberDay,
            and_(MemberDay.circle_id == Circle.id, MemberDay.day == upcoming.c.day),
        )
        .order_by(upcoming.c.day.is_(None), upcoming.c.day, Circle.name)
        .limit(100)
    ).all()
    day_ids = [md.id for _c, md in rows if md is not None]
    offers: dict[int, list[OfferRow]] = {}
    if day_ids:
        for row in _offer_rows(
            session,
            select(Offer)
            .where(Offer.member_day_id.in_(day_ids))
            .order_by(Offer.kind.desc(), Offer.created_at, Offer.id),
        ):
            offers.setdefault(row.offer.member_day_id, []).append(row)
    subscribed = set(
        session.scalars(select(Subscription.circle_id).where(Subscription.user_id == user.id))
    )
    return [
        CircleDay(c, md, offers.get(md.id, []) if md else [], c.id in subscribed) for c, md in rows
    ]


def set_subscription(session: Session, user: User, circle_id: int | None, on: bool) -> bool:
    """Subscribe to (or leave) a circle's member-day reminder; returns whether anything changed.

    :raise NotFound: no such circle in this street
    """
    circle = None
    if circle_id is not None:
        circle = session.scalar(select(Circle.id).where(Circle.id == circle_id))
    if circle is None:
        raise NotFound(_("商圈不存在"))
    if on:
        made = insert_ignoring_conflict(
            session,
            Subscription,
            {"tenant_id": user.tenant_id, "circle_id": circle, "user_id": user.id},
            ["tenant_id", "circle_id", "user_id"],
        )
        return made is not None
    gone = session.execute(
        delete(Subscription).where(
            Subscription.circle_id == circle, Subscription.user_id == user.id
        )
    ).rowcount
    return bool(gone)


# --- the day-before reminder ---------------------------------------------------------------------


def reminder_recipients(session: Session, member_day: MemberDay) -> list[User]:
    """The circle's merchants' accounts (merchants still open) and its subscribers, each once."""
    merchants = session.scalars(
        select(User)
        .join(OrgAccount, OrgAccount.user_id == User.id)
        .join(Organisation, Organisation.id == OrgAccount.organisation_id)
        .join(Merchant, Merchant.organisation_id == Organisation.id)
        .where(
            Merchant.circle_id == member_day.circle_id,
            Merchant.status == MerchantStatus.open,
            Organisation.kind == OrgKind.merchant,
            Organisation.is_active.is_(True),
            User.is_enabled.is_(True),
        )
    ).all()
    residents = session.scalars(
        select(User)
        .join(Subscription, Subscription.user_id == User.id)
        .where(Subscription.circle_id == member_day.circle_id, User.is_enabled.is_(True))
    ).all()
    seen: dict[int, User] = {}
    for user in [*merchants, *residents]:
        seen.setdefault(user.id, user)
    return list(seen.values())
