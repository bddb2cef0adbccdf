"""What the seasonal campaigns hold about a person: their 相亲结缘 sign-up profiles."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from saas.modules import PersonalData
from saas.rights.services import delete_theirs
from tenants.campaigns.models import SignupProfile
from tenants.events.models import Event


def profile_rows(session, user) -> list[tuple]:
    rows = session.execute(
        select(Event.title, SignupProfile)
        .join(Event, Event.id == SignupProfile.event_id)
        .where(SignupProfile.user_id == user.id)
        .order_by(SignupProfile.created_at)
    )
    return [(t, p.gender, p.age_band, p.occupation, p.about, p.created_at) for t, p in rows]


def erase(session, user) -> None:
    """The profiles go whole: they describe the person and nothing is counted from them."""
    delete_theirs(session, SignupProfile, user)


PERSONAL = (
    PersonalData(
        "signup_profiles",
        _l("活动报名资料"),
        (_l("活动"), _l("性别"), _l("年龄段"), _l("职业"), _l("自我介绍"), _l("填写时间")),
        profile_rows,
        erase,
    ),
)
