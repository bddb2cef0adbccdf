"""What the merchant alliance holds about a resident: reminders asked for and votes cast."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from saas.modules import PersonalData
from saas.rights.services import delete_theirs
from tenants.merchants.models import Circle, Subscription, Vote, VotingRound
from tenants.orgs.models import Organisation


def subscription_rows(session, user) -> list[tuple]:
    rows = session.execute(
        select(Circle.name, Subscription.created_at)
        .join(Circle, Circle.id == Subscription.circle_id)
        .where(Subscription.user_id == user.id)
        .order_by(Subscription.created_at)
    )
    return [tuple(row) for row in rows]


def vote_rows(session, user) -> list[tuple]:
    rows = session.execute(
        select(VotingRound.title, Organisation.name, Vote.created_at)
        .join(VotingRound, VotingRound.id == Vote.round_id)
        .join(Organisation, Organisation.id == Vote.organisation_id)
        .where(Vote.user_id == user.id)
        .order_by(Vote.created_at)
    )
    return [tuple(row) for row in rows]


def erase(session, user) -> None:
    """Member-day reminders stop; votes stay (a round's results are counted from them) and
    belong to an erased account."""
    delete_theirs(session, Subscription, user)


PERSONAL = (
    PersonalData(
        "member_day_reminders",
        _l("会员日提醒"),
        (_l("商圈"), _l("订阅时间")),
        subscription_rows,
        erase,
    ),
    PersonalData(
        "votes",
        _l("商户评选投票"),
        (_l("评选"), _l("商户"), _l("投票时间")),
        vote_rows,
    ),
)
