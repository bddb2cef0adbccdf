"""The year of campaigns (area "campaigns"): the office's year view (四季如花) and its two
one-click plans (the four-theme template, last year's copy), the residents' page of this year's
launched campaigns, and the dashboard's panel of the current season's campaign.

Every function takes the session (and the acting user where someone acts), changes rows and
flushes; the request or job commits once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from saas.audit.services import record
from saas.auth.models import User
from saas.cache import forget_street, remember, viewer_key
from saas.db import insert_ignoring_conflict, new_id, utcnow
from saas.errors import ServiceError
from saas.ui import street_today
from tenants.campaigns.campaigns import (
    PANEL_KEY,
    YEAR_MAX,
    YEAR_MIN,
    campaigns_of_year,
    parse_year,
    require_office,
)
from tenants.campaigns.models import (
    Campaign,
    CampaignEvent,
    CampaignStatus,
    Outline,
    Season,
    Target,
    TargetSource,
)
from tenants.campaigns.targets import Progress, format_number, progress_of, targets_with_actuals
from tenants.campaigns.template import SEASON_LABELS, SEASONS, TEMPLATE, season_dates
from tenants.events.models import Event, EventStatus

# --- the year view (四季如花) ---------------------------------------------------------------------


@dataclass
class SeasonCard:
    season: Season
    campaign: Campaign | None = None
    owner: str = ""
    progress: list[Progress] = field(default_factory=list)


def year_view(session: Session, year: int) -> list[SeasonCard]:
    """The four seasons of ``year``, each with its campaign (or none), owner and targets' progress:
    three statements whatever the data."""
    rows = session.execute(
        select(Campaign, User.name)
        .outerjoin(User, User.id == Campaign.owner_id)
        .where(Campaign.year == year)
    ).all()
    by_season = {c.season: (c, owner or "") for c, owner in rows}
    progress = targets_with_actuals(session, [c.id for c, _o in rows])
    cards = []
    for season in SEASONS:
        campaign, owner = by_season.get(season.value, (None, ""))
        cards.append(
            SeasonCard(season, campaign, owner, progress.get(campaign.id, []) if campaign else [])
        )
    return cards


def _add_plan_rows(session: Session, campaign_id: int, targets, outlines) -> None:
    for i, (name, unit, value, source, kpi) in enumerate(targets):
        session.add(
            Target(
                campaign_id=campaign_id, name=name, unit=unit, target_value=value,
                source=source, kpi=kpi, position=i,
            )
        )  # fmt: skip
    for i, (title, description, month) in enumerate(outlines):
        session.add(
            Outline(
                campaign_id=campaign_id, title=title, description=description, month=month,
                position=i,
            )
        )  # fmt: skip


def _insert_campaign(session: Session, actor: User, values: dict) -> int | None:
    """The campaign's row, unless its season of its year exists (the unique key decides, so two
    clicks at once make it once). Returns its id, or None."""
    return insert_ignoring_conflict(
        session,
        Campaign,
        {
            "tenant_id": actor.tenant_id,
            "id": new_id(),
            "status": CampaignStatus.draft.value,
            "created_by": actor.id,
            "created_at": utcnow(),
            **values,
        },
        ["tenant_id", "year", "season"],
    )


@dataclass
class PlanResult:
    created: list[str]
    skipped: list[str]


def _checked_year(year) -> int:
    value = parse_year(year)
    if value is None or not YEAR_MIN <= value <= YEAR_MAX:
        raise ServiceError(_("年份须在 %(a)d–%(b)d 之间", a=YEAR_MIN, b=YEAR_MAX), "year")
    return value


def create_from_template(session: Session, actor: User, year) -> PlanResult:
    """The year's missing seasons from the four-theme template, with their typical targets and
    outlines; seasons that have a campaign are skipped (and named).

    :raise ServiceError: the year out of range
    """
    require_office(actor)
    year = _checked_year(year)
    result = PlanResult([], [])
    for plan in TEMPLATE:
        starts_on, ends_on = season_dates(year, plan.season)
        campaign_id = _insert_campaign(
            session, actor,
            {"year": year, "season": plan.season.value, "theme": plan.theme.value,
             "custom_theme": "", "name": plan.name, "description": plan.description,
             "starts_on": starts_on, "ends_on": ends_on, "owner_id": None},
        )  # fmt: skip
        label = str(SEASON_LABELS[plan.season])
        if campaign_id is None:
            result.skipped.append(label)
            continue
        result.created.append(plan.name)
        _add_plan_rows(
            session,
            campaign_id,
            [
                (
                    t.name,
                    t.unit,
                    Decimal(t.value),
                    TargetSource.computed if t.kpi else TargetSource.entered,
                    t.kpi,
                )
                for t in plan.targets
            ],  # fmt: skip
            [(o.title, o.description, o.month) for o in plan.outlines],
        )
    session.flush()
    if result.created:
        record(
            session, "campaigns.template_create", actor.id, "",
            {"year": year, "created": len(result.created)},
        )  # fmt: skip
    forget_street(PANEL_KEY, actor.tenant_id)
    return result


def shift_year(day: date, years: int = 1) -> date:
    """The same day ``years`` later; Feb 29 becomes Feb 28 in a year without it."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def copy_previous_year(session: Session, actor: User, year) -> PlanResult:
    """Last year's campaigns into ``year``, with their targets (not yet reached) and outlines,
    dates a year later, as drafts; seasons ``year`` already has are skipped (and named).

    :raise ServiceError: the year out of range; last year has no campaigns
    """
    require_office(actor)
    year = _checked_year(year)
    if year - 1 < YEAR_MIN:
        raise ServiceError(_("%(year)d 年没有一季一品活动可以复制", year=year - 1), "year")
    previous = campaigns_of_year(session, year - 1)
    if not previous:
        raise ServiceError(_("%(year)d 年没有一季一品活动可以复制", year=year - 1), "year")
    ids = [c.id for c in previous]
    targets = session.scalars(
        select(Target).where(Target.campaign_id.in_(ids)).order_by(Target.position, Target.id)
    ).all()
    outlines = session.scalars(
        select(Outline).where(Outline.campaign_id.in_(ids)).order_by(Outline.position, Outline.id)
    ).all()
    result = PlanResult([], [])
    for old in previous:
        campaign_id = _insert_campaign(
            session, actor,
            {"year": year, "season": old.season, "theme": old.theme,
             "custom_theme": old.custom_theme, "name": old.name, "description": old.description,
             "starts_on": shift_year(old.starts_on), "ends_on": shift_year(old.ends_on),
             "owner_id": old.owner_id},
        )  # fmt: skip
        if campaign_id is None:
            result.skipped.append(str(SEASON_LABELS[Season(old.season)]))
            continue
        result.created.append(old.name)
        _add_plan_rows(
            session,
            campaign_id,
            [(t.name, t.unit, t.target_value, t.source, t.kpi)
             for t in targets if t.campaign_id == old.id],
            [(o.title, o.description, o.month) for o in outlines if o.campaign_id == old.id],
        )  # fmt: skip
    session.flush()
    if result.created:
        record(
            session, "campaigns.copy_year", actor.id, "",
            {"year": year, "created": len(result.created)},
        )  # fmt: skip
    forget_street(PANEL_KEY, actor.tenant_id)
    return result


# --- residents' page and the dashboard ---------------------------------------------------------------


@dataclass
class ResidentCampaign:
    campaign: Campaign
    progress: list[Progress]
    events: list[Event]


def residents_year(session: Session, year: int | None = None) -> list[ResidentCampaign]:
    """This year's launched campaigns with their published activities and progress (four
    statements whatever the data)."""
    year = year or street_today().year
    campaigns = campaigns_of_year(session, year)
    campaigns = [c for c in campaigns if c.status == CampaignStatus.launched]
    ids = [c.id for c in campaigns]
    progress = targets_with_actuals(session, ids)
    events: dict[int, list[Event]] = {}
    if ids:
        rows = session.execute(
            select(CampaignEvent.campaign_id, Event)
            .join(Event, Event.id == CampaignEvent.event_id)
            .where(CampaignEvent.campaign_id.in_(ids), Event.status == EventStatus.published)
            .order_by(Event.starts_at, Event.id)
        ).all()
        for campaign_id, event in rows:
            events.setdefault(campaign_id, []).append(event)
    return [ResidentCampaign(c, progress.get(c.id, []), events.get(c.id, [])) for c in campaigns]


def panel_data(session: Session, user) -> dict:
    """The current season's campaign (today inside its dates) with its targets' progress, as
    plain values (cached for the figures' interval; a change in this process drops it)."""

    def compute() -> dict:
        today = street_today()
        campaign = session.scalar(
            select(Campaign)
            .where(
                and_(Campaign.starts_on <= today, Campaign.ends_on >= today),
                Campaign.status != CampaignStatus.closed,
            )
            .order_by(Campaign.starts_on.desc())
            .limit(1)
        )
        if campaign is None:
            return {"campaign": None}
        return {
            "campaign": {
                "id": campaign.id,
                "name": campaign.name,
                "status": campaign.status,
                "starts_on": campaign.starts_on,
                "ends_on": campaign.ends_on,
            },
            "progress": [
                {
                    "name": p.target.name,
                    "unit": p.target.unit,
                    "actual": format_number(p.actual),
                    "value": format_number(p.target.target_value),
                    "percent": p.percent,
                }
                for p in progress_of(session, campaign)
            ],
        }

    return remember(viewer_key(PANEL_KEY, user), compute)
