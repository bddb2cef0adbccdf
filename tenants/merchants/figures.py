"""The merchant alliance's figures (saas.figures): merchants and member-day vouchers."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from saas.figures.declare import FLOW, LEVEL, Figure, flow_of, level_of
from tenants.merchants.models import Merchant, Offer
from tenants.orgs.models import Organisation
from tenants.passport.models import Passport, Redemption

_merchants = level_of(
    Merchant.created_at,
    Organisation.community_id,
    Organisation.is_active.is_(True),
    joins=((Organisation, Organisation.id == Merchant.organisation_id),),
)
_vouchers = flow_of(
    Redemption.created_at,
    Passport.community_id,
    joins=(
        (Offer, Offer.reward_id == Redemption.reward_id),
        (Passport, Passport.id == Redemption.passport_id),
    ),
)


FIGURES = (
    Figure(
        "merchants.merchants",
        _l("联盟商户"),
        _l("家"),
        _l("期末在册的商圈联盟商户数（按加入日期累计）。"),
        LEVEL,
        _merchants,
    ),
    Figure(
        "merchants.vouchers",
        _l("会员日兑换券"),
        _l("张"),
        _l("本期居民用积分兑换的会员日商户优惠券张数。"),
        FLOW,
        _vouchers,
        chart=True,
    ),
)
