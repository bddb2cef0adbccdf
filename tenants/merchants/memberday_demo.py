"""The demo street's member days: this month's and next month's of each circle (made by the
job's own function) and offers on each circle's next one — 阳光便利店's voucher paid in points,
made through the merchant's own service as its login would, and discounts of merchants without a
login. Idempotent: a merchant's offer on a day is made once. Runs after the directory's seeder
(it finds the demo merchants by name)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from saas.auth.models import User
from saas.streets.models import Tenant
from saas.ui import street_today
from tenants.merchants.memberday import (
    OfferInput,
    ensure_member_days,
    join_member_day,
)
from tenants.merchants.models import MemberDay, Merchant, Offer, OfferKind
from tenants.orgs.models import OrgAccount, Organisation, OrgKind
from tenants.passport.demo_pictures import draw
from tenants.passport.models import Reward
from tenants.passport.rewards import store_picture

#: merchant → its offer: (kind, words, points, stock); vouchers need the merchant's login
OFFERS = {
    "阳光便利店": (OfferKind.voucher, "会员日 5 元抵用券", "30", "50"),
    "老街坊面馆": (OfferKind.discount, "会员日全天面食八折，老人加送小菜", "", ""),
    "惠民大药房": (OfferKind.discount, "会员日常用药品九五折，免费测血压", "", ""),
    "靓丽美发工作室": (OfferKind.discount, "会员日 60 岁以上老人理发半价", "", ""),
}


def load_demo(session: Session, tenant: Tenant) -> None:
    today = street_today()
    ensure_member_days(session, today)
    shops = session.execute(
        select(Organisation, Merchant)
        .join(Merchant, Merchant.organisation_id == Organisation.id)
        .where(Organisation.kind == OrgKind.merchant, Organisation.name.in_(list(OFFERS)))
    ).all()
    for organisation, merchant in shops:
        day = session.scalar(
            select(MemberDay)
            .where(MemberDay.circle_id == merchant.circle_id, MemberDay.day >= today)
            .order_by(MemberDay.day)
            .limit(1)
        )
        if day is None or session.scalar(
            select(Offer.id).where(
                Offer.member_day_id == day.id, Offer.organisation_id == organisation.id
            )
        ):
            continue
        kind, text, price, stock = OFFERS[organisation.name]
        login = session.scalar(
            select(User)
            .join(OrgAccount, OrgAccount.user_id == User.id)
            .where(OrgAccount.organisation_id == organisation.id)
            .order_by(User.id)
            .limit(1)
        )
        if login is not None:
            offer = join_member_day(
                session, login, day.id, OfferInput(kind, text, price, stock), today
            )
            if offer.reward_id is not None:  # a picture of its own, as every demo reward has
                reward = session.scalar(select(Reward).where(Reward.id == offer.reward_id))
                reward.picture = store_picture(tenant.id, (draw("ticket", reward.name), "png"))
        elif kind == OfferKind.discount:
            session.add(
                Offer(member_day_id=day.id, organisation_id=organisation.id, kind=kind, text=text)
            )
    session.flush()
