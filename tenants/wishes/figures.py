"""The wishes' figures (saas.figures): wishes posted and fulfilled."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from saas.figures.declare import FLOW, Figure, flow_of
from tenants.wishes.models import Wish

_posted = flow_of(Wish.created_at, Wish.community_id)
_confirmed = flow_of(Wish.confirmed_at, Wish.community_id)


FIGURES = (
    Figure(
        "wishes.posted",
        _l("收到微心愿"),
        _l("个"),
        _l("本期居民提交的微心愿个数。"),
        FLOW,
        _posted,
        chart=True,
    ),
    Figure(
        "wishes.fulfilled",
        _l("圆梦微心愿"),
        _l("个"),
        _l("本期经工作人员确认已实现的微心愿个数。"),
        FLOW,
        _confirmed,
        chart=True,
    ),
)
