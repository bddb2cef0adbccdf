"""Rows of the campaigns module made inside a street's scope, for its tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tenants.campaigns.jobs_models import Employer, JobPosition, JobSeeker
from tenants.campaigns.models import Campaign, CampaignEvent, Target, TargetSource
from tenants.campaigns.template import season_dates


def make_campaign(scoped, street, season="spring", theme="jobs", year=None, **kw) -> int:
    year = year or date.today().year
    starts_on, ends_on = season_dates(year, season)
    with scoped(street) as session:
        campaign = Campaign(
            year=year,
            season=season,
            theme=theme,
            name=kw.pop("name", f"{season}·{theme}"),
            starts_on=kw.pop("starts_on", starts_on),
            ends_on=kw.pop("ends_on", ends_on),
            **kw,
        )
        session.add(campaign)
        session.commit()
        return campaign.id


def make_target(scoped, street, campaign_id, kpi=None, value=10, name=None) -> int:
    with scoped(street) as session:
        target = Target(
            campaign_id=campaign_id,
            name=name or (kpi or "手工指标"),
            unit="个",
            target_value=Decimal(value),
            source=TargetSource.computed if kpi else TargetSource.entered,
            kpi=kpi,
        )
        session.add(target)
        session.commit()
        return target.id


def link_event(scoped, street, campaign_id, event_id, job_fair=False) -> None:
    with scoped(street) as session:
        session.add(CampaignEvent(campaign_id=campaign_id, event_id=event_id, is_job_fair=job_fair))
        session.commit()


def make_employer(scoped, street, name="星海科技有限公司", **kw) -> int:
    with scoped(street) as session:
        employer = Employer(name=name, **kw)
        session.add(employer)
        session.commit()
        return employer.id


def make_position(scoped, street, campaign_id, employer_id, openings=5, **kw) -> int:
    with scoped(street) as session:
        position = JobPosition(
            campaign_id=campaign_id,
            employer_id=employer_id,
            title=kw.pop("title", "操作工"),
            openings=openings,
            **kw,
        )
        session.add(position)
        session.commit()
        return position.id


def make_seeker(scoped, street, campaign_id, phone="13700000001", **kw) -> int:
    with scoped(street) as session:
        seeker = JobSeeker(
            campaign_id=campaign_id,
            name=kw.pop("name", "求职者"),
            phone=phone,
            age_band=kw.pop("age_band", "25_34"),
            **kw,
        )
        session.add(seeker)
        session.commit()
        return seeker.id
