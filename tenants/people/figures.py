"""The people module's figures (saas.figures): volunteers registered and joining."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from saas.auth.models import Role, User
from saas.figures.declare import FLOW, LEVEL, Figure, flow_of, level_of

_ENABLED_VOLUNTEERS = (User.role == Role.volunteer, User.is_enabled.is_(True))
_volunteers = level_of(User.created_at, User.community_id, *_ENABLED_VOLUNTEERS)
_new_volunteers = flow_of(User.created_at, User.community_id, User.role == Role.volunteer)
_party_members = level_of(
    User.created_at, User.community_id, *_ENABLED_VOLUNTEERS, User.is_party_member.is_(True)
)


FIGURES = (
    Figure(
        "people.volunteers",
        _l("注册志愿者"),
        _l("人"),
        _l("期末已注册且账号启用的志愿者人数（按注册日期累计）。"),
        LEVEL,
        _volunteers,
        chart=True,
    ),
    Figure(
        "people.new_volunteers",
        _l("新增志愿者"),
        _l("人"),
        _l("本期注册的志愿者人数。"),
        FLOW,
        _new_volunteers,
        chart=True,
    ),
    Figure(
        "people.party_members",
        _l("党员志愿者"),
        _l("人"),
        _l("期末已注册、账号启用且标记为党员的志愿者人数。"),
        LEVEL,
        _party_members,
    ),
)
