"""The passport's figures (saas.figures): points issued and spent, rewards redeemed; per the
passport's community, as the dashboard's trend counts them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func

from saas.figures.declare import FLOW, Figure, flow_of
from tenants.passport.models import EntryKind, Passport, PointEntry, Redemption

_BY_PASSPORT = ((Passport, Passport.id == PointEntry.passport_id),)


_issued = flow_of(
    PointEntry.created_at,
    Passport.community_id,
    PointEntry.kind == EntryKind.earn,
    value=func.sum(PointEntry.delta),
    joins=_BY_PASSPORT,
)
_spent = flow_of(
    PointEntry.created_at,
    Passport.community_id,
    PointEntry.kind == EntryKind.redeem,
    value=func.sum(func.abs(PointEntry.delta)),
    joins=_BY_PASSPORT,
)
_redemptions = flow_of(
    Redemption.created_at,
    Passport.community_id,
    joins=((Passport, Passport.id == Redemption.passport_id),),
)


FIGURES = (
    Figure(
        "passport.points_issued",
        _l("发放积分"),
        _l("分"),
        _l("本期因服务、心愿等获得的积分合计（不含调整）。"),
        FLOW,
        _issued,
        chart=True,
    ),
    Figure(
        "passport.points_spent",
        _l("兑换积分"),
        _l("分"),
        _l("本期兑换奖品花费的积分合计（退回的不抵扣）。"),
        FLOW,
        _spent,
        chart=True,
    ),
    Figure(
        "passport.redemptions",
        _l("奖品兑换"),
        _l("份"),
        _l("本期在爱心超市和商户兑换的奖品份数（含之后取消的）。"),
        FLOW,
        _redemptions,
    ),
)
