"""Rows of the jobs registry the jobs tests share (beside ``factories.py``)."""

from __future__ import annotations

from sqlalchemy import select

from tenants.campaigns.jobs_models import JobMatch
from tenants.campaigns.models import Campaign
from tests.tenants.campaigns.factories import make_campaign


def one(session, model, row_id):
    """The row ``row_id`` of ``model`` (``Session.get`` wants the whole (tenant_id, id) key)."""
    return session.scalar(select(model).where(model.id == row_id))


def launched_jobs_campaign(scoped, street, **kw) -> int:
    """This year's spring jobs campaign, launched (the current one residents see)."""
    campaign_id = make_campaign(scoped, street, **kw)
    with scoped(street) as session:
        one(session, Campaign, campaign_id).status = "launched"
        session.commit()
    return campaign_id


def make_match(scoped, street, seeker_id, position_id, status="matched", **kw) -> int:
    with scoped(street) as session:
        match = JobMatch(seeker_id=seeker_id, position_id=position_id, status=status, **kw)
        session.add(match)
        session.commit()
        return match.id
