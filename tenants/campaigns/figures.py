"""The seasonal campaigns' figures (saas.figures): activities held and relief given."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from saas.figures.declare import FLOW, Figure, flow_of
from tenants.campaigns.models import CampaignEvent
from tenants.campaigns.relief_models import Assistance, Household
from tenants.events.models import Event
from tenants.events.services import TAKING_PLACE

_activities = flow_of(
    Event.starts_at,
    Event.community_id,
    Event.status.in_(TAKING_PLACE),
    joins=((CampaignEvent, CampaignEvent.event_id == Event.id),),
)
_assistance = flow_of(
    Assistance.created_at,
    Household.community_id,
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
