"""Job fairs (招聘会): one of a jobs campaign's events (``CampaignEvent``) marked as a fair, with
employers' booths (展位). The units registered to the event on the engine (org accounts'
registrations) whose organisation is an employer are offered as booths in one click. The fair's
public page lists the booths with each employer's open positions in the campaign."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from saas.audit.services import record
from saas.auth.models import User
from saas.db import utcnow
from saas.errors import NotFound, ServiceError
from tenants.campaigns.jobs.common import clean_text, require_office
from tenants.campaigns.jobs.employers import _visible as _employer_visible
from tenants.campaigns.jobs_models import Booth, Employer, JobPosition, PositionStatus
from tenants.campaigns.models import Campaign, CampaignEvent, CampaignStatus, Theme
from tenants.events.models import Event, EventStatus, Registration, RegistrationStatus
from tenants.orgs.models import OrgAccount

LABEL_MAX = 20
_LIVE = (EventStatus.published, EventStatus.finished)


@dataclass(frozen=True)
class FairRow:
    link: CampaignEvent
    event: Event
    campaign: Campaign
    booths: int


def campaign_events(session: Session, limit: int = 200) -> list[FairRow]:
    """The street's jobs campaigns' events (the newest ``limit``), newest first, fairs' booths
    counted (one statement)."""
    counts = (
        select(Booth.event_id, func.count().label("booths"))
        .group_by(Booth.event_id)
        .subquery("booth_counts")
    )
    rows = session.execute(
        select(CampaignEvent, Event, Campaign, counts.c.booths)
        .join(Event, Event.id == CampaignEvent.event_id)
        .join(Campaign, Campaign.id == CampaignEvent.campaign_id)
        .outerjoin(counts, counts.c.event_id == CampaignEvent.event_id)
        .where(Campaign.theme == Theme.jobs)
        .order_by(Event.starts_at.desc(), Event.id.desc())
        .limit(limit)
    )
    return [FairRow(link, event, campaign, n or 0) for link, event, campaign, n in rows]


def _link_or_404(session: Session, event_id: int, fair_only: bool) -> tuple:
    stmt = (
        select(CampaignEvent, Event, Campaign)
        .join(Event, Event.id == CampaignEvent.event_id)
        .join(Campaign, Campaign.id == CampaignEvent.campaign_id)
        .where(CampaignEvent.event_id == event_id, Campaign.theme == Theme.jobs)
    )
    if fair_only:
        stmt = stmt.where(CampaignEvent.is_job_fair.is_(True))
    row = session.execute(stmt).first()
    if row is None:
        raise NotFound(_("招聘会不存在"))
    return row[0], row[1], row[2]


def get_fair_or_404(session: Session, viewer: User, event_id: int) -> tuple:
    """(link, event, campaign) of a job fair, for the office.

    :raise NotFound: no such event in this street, not a jobs campaign's, or not a fair
    """
    if not viewer.is_office:
        raise NotFound(_("招聘会不存在"))
    return _link_or_404(session, event_id, fair_only=True)


def mark_fair(session: Session, actor: User, event_id: int, on: bool) -> CampaignEvent:
    """Mark a jobs campaign's event as a job fair (or no longer one: only while it has no
    booths). :raise NotFound: not a jobs campaign's event; :raise ServiceError: booths left"""
    require_office(actor)
    link, _event, _campaign = _link_or_404(session, event_id, fair_only=False)
    if link.is_job_fair == on:
        return link
    if not on and session.scalar(select(Booth.id).where(Booth.event_id == event_id).limit(1)):
        raise ServiceError(_("这场招聘会已有展位，请先移除展位"))
    link.is_job_fair = on
    session.flush()
    record(session, "campaigns.job_fair_mark", actor.id, f"event:{event_id}", {"to": int(on)})
    return link


@dataclass(frozen=True)
class BoothRow:
    booth: Booth
    employer: Employer


def booths(session: Session, event_id: int) -> list[BoothRow]:
    """A fair's booths with their employers, by label then name (one statement)."""
    rows = session.execute(
        select(Booth, Employer)
        .join(Employer, Employer.id == Booth.employer_id)
        .where(Booth.event_id == event_id)
        .order_by(Booth.label, Employer.name, Booth.id)
    )
    return [BoothRow(b, e) for b, e in rows]


def registered_employers(session: Session, event_id: int) -> list[Employer]:
    """Employers whose organisation's account is registered to the event and that have no booth
    yet: the booths offered in one click (one statement)."""
    has_booth = select(Booth.employer_id).where(Booth.event_id == event_id)
    return list(
        session.scalars(
            select(Employer)
            .join(OrgAccount, OrgAccount.organisation_id == Employer.organisation_id)
            .join(Registration, Registration.user_id == OrgAccount.user_id)
            .where(
                Registration.event_id == event_id,
                Registration.status == RegistrationStatus.registered,
                Employer.id.not_in(has_booth),
            )
            .distinct()
            .order_by(Employer.name)
        )
    )


def _taken(name: str) -> str:
    return _("%(name)s 已在这场招聘会设有展位", name=name)


def add_booth(
    session: Session, actor: User, event_id: int, employer_id: int | None, label: str = ""
) -> Booth:
    """An employer's booth at the fair; audit-logged.

    :raise ServiceError: no employer the actor may see; one that has a booth already (also under
        a race); a label over 20 characters
    """
    require_office(actor)
    _link_or_404(session, event_id, fair_only=True)
    employer = session.scalar(
        select(Employer).where(Employer.id == employer_id, _employer_visible(actor))
    ) if employer_id else None  # fmt: skip
    if employer is None:
        raise ServiceError(_("请选择用工企业"), "employer")
    label = clean_text(label, LABEL_MAX, "label")
    if session.scalar(
        select(Booth.id).where(Booth.event_id == event_id, Booth.employer_id == employer.id)
    ):
        raise ServiceError(_taken(employer.name), "employer")
    booth = Booth(event_id=event_id, employer_id=employer.id, label=label)
    try:
        with session.begin_nested():
            session.add(booth)
            session.flush()
    except IntegrityError as exc:
        raise ServiceError(_taken(employer.name), "employer") from exc
    record(session, "campaigns.job_booth_add", actor.id, f"job_employer:{employer.id}",
           {"event_id": event_id})  # fmt: skip
    return booth


def add_registered(session: Session, actor: User, event_id: int) -> int:
    """Booths for every registered employer without one (one click); how many were added."""
    require_office(actor)
    _link_or_404(session, event_id, fair_only=True)
    added = 0
    for employer in registered_employers(session, event_id):
        try:
            with session.begin_nested():
                session.add(Booth(event_id=event_id, employer_id=employer.id, label=""))
                session.flush()
        except IntegrityError:  # added by someone else at this moment
            continue
        added += 1
    if added:
        record(session, "campaigns.job_booth_add", actor.id, f"event:{event_id}",
               {"count": added})  # fmt: skip
    return added


def remove_booth(session: Session, actor: User, event_id: int, booth_id: int) -> None:
    """:raise NotFound: no such booth at this fair"""
    require_office(actor)
    booth = session.scalar(select(Booth).where(Booth.id == booth_id, Booth.event_id == event_id))
    if booth is None:
        raise NotFound(_("展位不存在"))
    session.delete(booth)
    session.flush()
    record(session, "campaigns.job_booth_remove", actor.id, f"job_employer:{booth.employer_id}",
           {"event_id": event_id})  # fmt: skip


# --- what residents see ---------------------------------------------------------------------------


@dataclass
class PublicBooth:
    label: str
    employer: str
    positions: list = field(default_factory=list)


def public_fair(session: Session, event_id: int) -> tuple[Event, Campaign, list[PublicBooth]]:
    """A fair as anyone reads it: the event, its campaign, the booths with each employer's open
    positions in the campaign (two statements after the fair's).

    :raise NotFound: not a fair, a draft or cancelled event, or a campaign not yet launched
    """
    _link, event, campaign = _link_or_404(session, event_id, fair_only=True)
    if event.status not in _LIVE or campaign.status == CampaignStatus.draft:
        raise NotFound(_("招聘会不存在"))
    rows = booths(session, event_id)
    found: dict[int, list] = {}
    if rows:
        for position in session.scalars(
            select(JobPosition)
            .where(
                JobPosition.campaign_id == campaign.id,
                JobPosition.status == PositionStatus.open,
                JobPosition.employer_id.in_([r.employer.id for r in rows]),
            )
            .order_by(JobPosition.title, JobPosition.id)
        ):
            found.setdefault(position.employer_id, []).append(position)
    return (
        event,
        campaign,
        [PublicBooth(r.booth.label, r.employer.name, found.get(r.employer.id, [])) for r in rows],
    )


def public_fairs(session: Session, campaign: Campaign) -> list[Event]:
    """The campaign's fairs residents can go to (published, not yet over), soonest first."""
    return list(
        session.scalars(
            select(Event)
            .join(CampaignEvent, CampaignEvent.event_id == Event.id)
            .where(
                CampaignEvent.campaign_id == campaign.id,
                CampaignEvent.is_job_fair.is_(True),
                Event.status == EventStatus.published,
                Event.ends_at >= utcnow(),
            )
            .order_by(Event.starts_at)
            .limit(10)
        )
    )
