"""Jobs of the campaigns area: a launch told to the street's residents and units (after the
launch commits, in batches: a big street has tens of thousands of accounts), and the hourly
"target reached" check of launched campaigns.

Both are safe to run twice: a launch skips the accounts already told (their message exists), a
target's ``reached_at`` is set by a guarded UPDATE once.
"""

from __future__ import annotations

import logging

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from saas.extensions import db
from saas.notify.services import notify
from saas.streets.models import Tenant, TenantStatus
from saas.tenancy import tenant_scope
from tenants.campaigns.campaigns import launch_recipients
from tenants.campaigns.models import Campaign, CampaignStatus, Target
from tenants.campaigns.targets import check_reached

log = logging.getLogger(__name__)

#: accounts told per transaction: each batch commits, so a retried job starts where it stopped
BATCH = 500


def launch_link(slug: str, campaign_id: int) -> str:
    return f"/{slug}/seasons#campaign-{campaign_id}"


def announce_launch(campaign_id: int) -> int:
    """Tell every enabled volunteer and org account of the street (inbox, and SMS or e-mail as
    each account chose for "campaigns.launched") that the campaign has started. Runs in the
    street's scope (``run_job``); commits per batch. Returns how many were told."""
    campaign = db.session.scalar(select(Campaign).where(Campaign.id == campaign_id))
    if campaign is None or campaign.status != CampaignStatus.launched:
        return 0
    tenant = db.session.get(Tenant, campaign.tenant_id)
    link = launch_link(tenant.slug, campaign.id)
    title = _l("一季一品活动启动：%(name)s", name=campaign.name)
    body = _l(
        "%(name)s（%(start)s 至 %(end)s）已启动，欢迎关注和参加。",
        name=campaign.name,
        start=campaign.starts_on.isoformat(),
        end=campaign.ends_on.isoformat(),
    )
    told, after = 0, 0
    while True:
        people = launch_recipients(db.session, campaign, link, after, BATCH)
        for person in people:
            notify(db.session, person, "campaigns.launched", title, body, link=link)
        told += len(people)
        db.session.commit()
        if len(people) < BATCH:
            return told
        after = people[-1].id


def check_targets() -> int:
    """Every street with launched campaigns' targets not yet reached: set ``reached_at`` where
    the actual has come up to the target and tell the owner (one statement of actuals per
    street). Commits per street; one street's trouble does not stop the others'."""
    waiting = (
        select(Campaign.tenant_id)
        .join(Target, Target.campaign_id == Campaign.id)
        .where(Campaign.status == CampaignStatus.launched, Target.reached_at.is_(None))
        .distinct()
    )
    streets = db.session.scalars(
        select(Tenant)
        .where(Tenant.status == TenantStatus.active, Tenant.id.in_(waiting))
        .order_by(Tenant.id)
    ).all()
    done = 0
    for tenant in streets:
        with tenant_scope(tenant.id):
            try:
                done += check_reached(db.session)
                db.session.commit()
            except Exception:  # one street's trouble must not stop the others'
                db.session.rollback()
                log.exception("campaign targets failed for street %s", tenant.slug)
    return done
