"""Finding a street's campaigns: the lookups every area of the module shares. The rules for
creating and changing campaigns live beside these (area "campaigns")."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.exceptions import NotFound

from saas.ui import street_today
from tenants.campaigns.models import Campaign, CampaignStatus


def get_campaign_or_404(session: Session, campaign_id: int) -> Campaign:
    """The street's campaign ``campaign_id`` (the scoping keeps other streets' out)."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(_("一季一品活动不存在"))
    return campaign


def campaigns_of_year(session: Session, year: int) -> list[Campaign]:
    """The year's campaigns in the seasons' order (at most four)."""
    rows = session.scalars(select(Campaign).where(Campaign.year == year)).all()
    order = {"spring": 0, "summer": 1, "autumn": 2, "winter": 3}
    return sorted(rows, key=lambda c: order.get(c.season, 9))


def current_campaign(session: Session, theme: str) -> Campaign | None:
    """The campaign of ``theme`` residents can take part in now: launched, with today inside its
    dates; else the launched one of the theme that started last (a registry stays open between
    seasons until staff close its campaign)."""
    today = street_today()
    rows = session.scalars(
        select(Campaign)
        .where(Campaign.theme == theme, Campaign.status == CampaignStatus.launched)
        .order_by(Campaign.starts_on.desc())
    ).all()
    for campaign in rows:
        if campaign.starts_on <= today <= campaign.ends_on:
            return campaign
    return rows[0] if rows else None
