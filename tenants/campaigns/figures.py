"""The seasonal campaigns' figures (saas.figures): activities held and relief given."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from saas.figures.declare import FLOW, Figure, per_day
from saas.ui import street_zone
from tenants.campaigns.models import CampaignEvent
from tenants.campaigns.relief_models import Assistance, Household
from tenants.events.models import Event
from tenants.events.services import TAKING_PLACE


def _activities(session, start, end):
    return per_day(
        session,
        Event.starts_at,
        Event.community_id,
        start,
        end,
        street_zone(),
        Event.status.in_(TAKING_PLACE),
        joins=((CampaignEvent, CampaignEvent.event_id == Event.id),),
    )


def _assistance(session, start, end):
    return per_day(
        session,
        Assistance.created_at,
        Household.community_id,
        start,
        end,
        street_zone(),
        joins=((Household, Household.id == Assistance.household_id),),
    )


FIGURES = (
    Figure(
        "campaigns.activities",
        _l("一季一品活动"),
        _l("场"),
        _l("本期开始且已发布或已结束的一季一品活动场次。"),
        FLOW,
        _activities,
        chart=True,
    ),
    Figure(
        "campaigns.assistance",
        _l("帮扶记录"),
        _l("次"),
        _l("本期登记的困难家庭帮扶次数。"),
        FLOW,
        _assistance,
    ),
)
