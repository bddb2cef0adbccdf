"""A campaign's activities (area "campaigns"): its outlines (活动安排), the events on the events
engine linked to it with their registrations and attendance, an event made from an outline, and
linking and unlinking the street's existing events.

Every function takes the session (and the acting user where someone acts), changes rows and
flushes; the request or job commits once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from saas.audit.services import record
from saas.auth.models import User
from saas.cache import forget_street
from saas.db import insert_ignoring_conflict, new_id
from saas.errors import NotFound, ServiceError
from saas.forms import parse_id
from saas.ui import street_zone
from tenants.campaigns.campaigns import PANEL_KEY, clean_text, require_office, require_open
from tenants.campaigns.models import Campaign, CampaignEvent, Outline
from tenants.events.models import (
    Attendance,
    Audience,
    Event,
    EventKind,
    EventStatus,
    Registration,
    RegistrationStatus,
)

OUTLINE_TITLE_MAX = 120
OUTLINE_DESCRIPTION_MAX = 2000


# --- a campaign's page -----------------------------------------------------------------------------


@dataclass
class LinkedEvent:
    link: CampaignEvent
    event: Event
    outline_title: str
    registrations: int
    attended: int


def linked_events(session: Session, campaign: Campaign) -> list[LinkedEvent]:
    """The campaign's events with their registrations (headcount) and attendance, in one
    grouped statement."""
    registered = (
        select(func.coalesce(func.sum(Registration.headcount), 0))
        .where(
            Registration.event_id == Event.id,
            Registration.status == RegistrationStatus.registered,
        )
        .scalar_subquery()
    )
    attended = (
        select(func.count(Attendance.id))
        .where(
            Attendance.event_id == Event.id,
            (Attendance.checked_in_at.is_not(None)) | (Attendance.confirmed_at.is_not(None)),
        )
        .scalar_subquery()
    )
    rows = session.execute(
        select(CampaignEvent, Event, Outline.title, registered, attended)
        .join(Event, Event.id == CampaignEvent.event_id)
        .outerjoin(Outline, Outline.id == CampaignEvent.outline_id)
        .where(CampaignEvent.campaign_id == campaign.id)
        .order_by(Event.starts_at, Event.id)
    ).all()
    return [
        LinkedEvent(link, e, title or "", int(r or 0), int(a or 0)) for link, e, title, r, a in rows
    ]


def outlines_of(session: Session, campaign: Campaign) -> list[Outline]:
    return list(
        session.scalars(
            select(Outline)
            .where(Outline.campaign_id == campaign.id)
            .order_by(Outline.month.is_(None), Outline.month, Outline.position, Outline.id)
        )
    )


# --- outlines and activities -------------------------------------------------------------------------


@dataclass
class OutlineData:
    title: str | None
    description: str | None = ""
    month: str | int | None = None


def get_outline_or_404(session: Session, campaign: Campaign, outline_id) -> Outline:
    outline_id = parse_id(outline_id)
    outline = (
        session.scalar(
            select(Outline).where(Outline.id == outline_id, Outline.campaign_id == campaign.id)
        )
        if outline_id
        else None
    )
    if outline is None:
        raise NotFound(_("活动安排不存在"))
    return outline


def _checked_outline(data: OutlineData) -> dict:
    title = clean_text(data.title, OUTLINE_TITLE_MAX, "title",
                  _("活动名称不能超过 %(n)d 个字", n=OUTLINE_TITLE_MAX))  # fmt: skip
    if not title:
        raise ServiceError(_("请填写活动名称"), "title")
    description = clean_text(data.description, OUTLINE_DESCRIPTION_MAX, "description",
                        _("活动介绍不能超过 %(n)d 个字", n=OUTLINE_DESCRIPTION_MAX))  # fmt: skip
    month = None
    if data.month not in (None, ""):
        month = parse_id(data.month, 99)
        if month is None or not 1 <= month <= 12:
            raise ServiceError(_("月份须在 1–12 之间"), "month")
    return {"title": title, "description": description, "month": month}


def add_outline(session: Session, actor: User, campaign: Campaign, data: OutlineData) -> Outline:
    require_office(actor)
    require_open(campaign)
    values = _checked_outline(data)
    position = session.scalar(
        select(func.coalesce(func.max(Outline.position), -1)).where(
            Outline.campaign_id == campaign.id
        )
    )
    outline = Outline(campaign_id=campaign.id, position=(position or 0) + 1, **values)
    session.add(outline)
    session.flush()
    record(session, "campaigns.outline_create", actor.id, f"campaign:{campaign.id}",
           {"outline_id": outline.id})  # fmt: skip
    return outline


def update_outline(
    session: Session, actor: User, campaign: Campaign, outline: Outline, data: OutlineData
) -> None:
    require_office(actor)
    require_open(campaign)
    for key, value in _checked_outline(data).items():
        setattr(outline, key, value)
    session.flush()
    record(session, "campaigns.outline_update", actor.id, f"campaign:{campaign.id}",
           {"outline_id": outline.id})  # fmt: skip


def remove_outline(session: Session, actor: User, campaign: Campaign, outline: Outline) -> None:
    """The outline goes; events made from it stay linked to the campaign (without it)."""
    require_office(actor)
    require_open(campaign)
    session.execute(
        CampaignEvent.__table__.update()
        .where(CampaignEvent.tenant_id == outline.tenant_id, CampaignEvent.outline_id == outline.id)
        .values(outline_id=None)
    )
    session.delete(outline)
    session.flush()
    record(session, "campaigns.outline_remove", actor.id, f"campaign:{campaign.id}",
           {"outline_id": outline.id, "title": outline.title})  # fmt: skip


def outline_day(campaign: Campaign, outline: Outline) -> date:
    """The day an event made from ``outline`` is first put on: the 1st of the outline's month in
    the campaign's year (within the campaign's dates where that month overlaps them), else the
    campaign's start."""
    if outline.month:
        first = date(campaign.year, outline.month, 1)
        last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        if last < campaign.starts_on or first > campaign.ends_on:
            return first
        return max(first, campaign.starts_on)
    return campaign.starts_on


def create_event_from_outline(
    session: Session, actor: User, campaign: Campaign, outline: Outline
) -> Event:
    """A draft event on the events engine from the outline (kind campaign, title and description
    from it, 09:00–11:00 street time on :func:`outline_day`), linked to the campaign through the
    outline; staff finish it on the engine's own edit page."""
    from tenants.events.services import EventData, create_event

    require_office(actor)
    require_open(campaign)
    day = outline_day(campaign, outline)
    zone = street_zone()
    starts_at = datetime.combine(day, time(9, 0), zone)
    event = create_event(
        session,
        actor,
        EventData(
            title=outline.title,
            description=outline.description,
            kind=EventKind.campaign,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=2),
            audience=Audience.public,
        ),
    )
    session.add(CampaignEvent(campaign_id=campaign.id, event_id=event.id, outline_id=outline.id))
    session.flush()
    record(session, "campaigns.event_create", actor.id, f"campaign:{campaign.id}",
           {"event_id": event.id, "outline_id": outline.id})  # fmt: skip
    return event


def linkable_events(session: Session, limit: int = 200) -> list[Event]:
    """The street's events (not cancelled) that no campaign has linked yet, newest first."""
    linked = select(CampaignEvent.id).where(CampaignEvent.event_id == Event.id).exists()
    return list(
        session.scalars(
            select(Event)
            .where(Event.status != EventStatus.cancelled, ~linked)
            .order_by(Event.starts_at.desc(), Event.id.desc())
            .limit(limit)
        )
    )


def link_event(session: Session, actor: User, campaign: Campaign, event_id) -> CampaignEvent:
    """Make an existing event of the street one of the campaign's activities.

    :raise NotFound: no such event in this street (another street's id too)
    :raise ServiceError: no event chosen; the event is cancelled; it is linked to a campaign
    """
    require_office(actor)
    require_open(campaign)
    raw = event_id
    event_id = parse_id(event_id)
    if event_id is None:
        if raw in (None, ""):
            raise ServiceError(_("请选择要关联的活动"), "event")
        raise NotFound(_("活动不存在"))
    event = session.scalar(select(Event).where(Event.id == event_id))
    if event is None:
        raise NotFound(_("活动不存在"))
    if event.status == EventStatus.cancelled:
        raise ServiceError(_("已取消的活动不能关联"), "event")
    link_id = insert_ignoring_conflict(
        session,
        CampaignEvent,
        {"tenant_id": campaign.tenant_id, "id": new_id(), "campaign_id": campaign.id,
         "event_id": event.id, "is_job_fair": False},
        ["tenant_id", "event_id"],
    )  # fmt: skip
    if link_id is None:
        raise ServiceError(_("该活动已关联到一季一品活动"), "event")
    record(session, "campaigns.event_link", actor.id, f"campaign:{campaign.id}",
           {"event_id": event.id})  # fmt: skip
    forget_street(PANEL_KEY, actor.tenant_id)
    return session.scalar(select(CampaignEvent).where(CampaignEvent.id == link_id))


def unlink_event(session: Session, actor: User, campaign: Campaign, event_id) -> None:
    """:raise NotFound: the event is not one of this campaign's"""
    require_office(actor)
    require_open(campaign)
    event_id = parse_id(event_id)
    link = (
        session.scalar(
            select(CampaignEvent).where(
                CampaignEvent.campaign_id == campaign.id, CampaignEvent.event_id == event_id
            )
        )
        if event_id
        else None
    )
    if link is None:
        raise NotFound(_("活动不存在"))
    session.delete(link)
    session.flush()
    record(session, "campaigns.event_unlink", actor.id, f"campaign:{campaign.id}",
           {"event_id": event_id})  # fmt: skip
    forget_street(PANEL_KEY, actor.tenant_id)
