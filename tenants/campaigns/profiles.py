"""相亲结缘 registrants' profiles (SignupProfile): a resident signed up for an event of a
matchmaking campaign tells the organisers about themselves; the street's staff read them, and
nobody else (not other residents, not org accounts, not the event's co-hosting merchants).

A profile belongs to one sign-up: the resident fills it in while signed up (registered or on the
waitlist); the office page lists those of people signed up now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from saas.audit.services import record
from saas.auth.models import User
from saas.errors import NotFound, ServiceError
from tenants.campaigns.models import Campaign, CampaignEvent, SignupProfile, Theme
from tenants.events.models import Event, EventStatus, Registration, RegistrationStatus
from tenants.events.services import get_managed_event_or_404

GENDER_LABELS = {"female": _l("女"), "male": _l("男")}
AGE_LABELS = {
    "18_24": _l("18–24岁"),
    "25_29": _l("25–29岁"),
    "30_34": _l("30–34岁"),
    "35_39": _l("35–39岁"),
    "40_plus": _l("40岁及以上"),
}
OCCUPATION_MAX = 40
ABOUT_MAX = 300
#: a sign-up that counts: the resident is on the list or waiting for a place
SIGNED_UP = (RegistrationStatus.registered, RegistrationStatus.waitlisted)


@dataclass
class ProfileData:
    gender: str
    age_band: str
    occupation: str
    about: str


def _matchmaking_event():
    """Events of a 相亲结缘 campaign (not drafts: residents never see those)."""
    return (
        select(Event)
        .join(CampaignEvent, CampaignEvent.event_id == Event.id)
        .join(Campaign, Campaign.id == CampaignEvent.campaign_id)
        .where(Campaign.theme == Theme.matchmaking, Event.status != EventStatus.draft)
    )


def get_matchmaking_event_or_404(session: Session, event_id: int) -> Event:
    """:raise NotFound: no such event, another street's, a draft, or not a matchmaking
    campaign's"""
    event = session.scalar(_matchmaking_event().where(Event.id == event_id))
    if event is None:
        raise NotFound(_("活动不存在"))
    return event


def get_registered_event_or_404(
    session: Session, user: User, event_id: int
) -> tuple[Event, SignupProfile | None]:
    """The 相亲结缘 event ``user`` is signed up for, with their profile if they wrote one.

    :raise NotFound: no such event, another street's, not a matchmaking campaign's, or
        ``user`` is not signed up for it (the same answer)
    """
    row = session.execute(
        _matchmaking_event()
        .add_columns(SignupProfile)
        .join(
            Registration,
            and_(
                Registration.event_id == Event.id,
                Registration.user_id == user.id,
                Registration.status.in_(SIGNED_UP),
            ),
        )
        .outerjoin(
            SignupProfile,
            and_(SignupProfile.event_id == Event.id, SignupProfile.user_id == user.id),
        )
        .where(Event.id == event_id)
    ).first()
    if row is None:
        raise NotFound(_("活动不存在"))
    return row[0], row[1]


def _clean(data: ProfileData) -> ProfileData:
    gender = (data.gender or "").strip()
    if gender not in GENDER_LABELS:
        raise ServiceError(_("请选择性别"), "gender")
    age_band = (data.age_band or "").strip()
    if age_band not in AGE_LABELS:
        raise ServiceError(_("请选择年龄段"), "age_band")
    occupation = (data.occupation or "").strip()
    if not occupation:
        raise ServiceError(_("请填写职业"), "occupation")
    if len(occupation) > OCCUPATION_MAX:
        raise ServiceError(_("职业最多 %(n)d 个字", n=OCCUPATION_MAX), "occupation")
    about = (data.about or "").strip()
    if len(about) > ABOUT_MAX:
        raise ServiceError(_("自我介绍最多 %(n)d 个字", n=ABOUT_MAX), "about")
    return ProfileData(gender, age_band, occupation, about)


def save_profile(session: Session, user: User, event: Event, data: ProfileData) -> SignupProfile:
    """Write ``user``'s profile for ``event`` (found by :func:`get_registered_event_or_404`)."""
    data = _clean(data)
    profile = session.scalar(
        select(SignupProfile).where(
            SignupProfile.event_id == event.id, SignupProfile.user_id == user.id
        )
    )
    if profile is None:
        profile = SignupProfile(event_id=event.id, user_id=user.id)
        session.add(profile)
    profile.gender = data.gender
    profile.age_band = data.age_band
    profile.occupation = data.occupation
    profile.about = data.about
    session.flush()
    return profile


@dataclass(frozen=True)
class MyEvent:
    event_id: int
    title: str
    starts_at: datetime
    status: str
    registration_status: str
    has_profile: bool


def my_events(session: Session, user: User) -> list[MyEvent]:
    """``user``'s sign-ups for 相亲结缘 events, the latest first: one statement."""
    rows = session.execute(
        select(
            Event.id,
            Event.title,
            Event.starts_at,
            Event.status,
            Registration.status,
            SignupProfile.id.is_not(None),
        )
        .join(CampaignEvent, CampaignEvent.event_id == Event.id)
        .join(Campaign, Campaign.id == CampaignEvent.campaign_id)
        .join(Registration, Registration.event_id == Event.id)
        .outerjoin(
            SignupProfile,
            and_(SignupProfile.event_id == Event.id, SignupProfile.user_id == user.id),
        )
        .where(
            Campaign.theme == Theme.matchmaking,
            Event.status != EventStatus.draft,
            Registration.user_id == user.id,
            Registration.status.in_(SIGNED_UP),
        )
        .order_by(Event.starts_at.desc(), Event.id)
        .limit(100)
    ).all()
    return [MyEvent(*row) for row in rows]


@dataclass(frozen=True)
class ProfileRow:
    """A registrant and what they wrote (plain values: the page commits the read's audit entry
    before it renders, and nothing is loaded again per row)."""

    name: str
    registration_status: str
    has_profile: bool
    gender: str | None
    age_band: str | None
    occupation: str | None
    about: str | None


def profiles_of_event(
    session: Session, viewer: User, event_id: int, limit: int | None = None, export: bool = False
) -> tuple[Event, list]:
    """The registrants of a 相亲结缘 event with their profiles (the first ``limit``, else all),
    for office staff (a staff member limited to a community: the events they manage); the read
    is audit-logged, as an export when ``export``.

    :raise NotFound: no such event, another street's or community's, or not a matchmaking
        campaign's
    """
    event = get_managed_event_or_404(session, viewer, event_id)
    is_matchmaking = session.scalar(
        select(Campaign.id)
        .join(CampaignEvent, CampaignEvent.campaign_id == Campaign.id)
        .where(CampaignEvent.event_id == event.id, Campaign.theme == Theme.matchmaking)
    )
    if is_matchmaking is None:
        raise NotFound(_("活动不存在"))
    rows = session.execute(
        select(
            User.name,
            Registration.status,
            SignupProfile.id.is_not(None),
            SignupProfile.gender,
            SignupProfile.age_band,
            SignupProfile.occupation,
            SignupProfile.about,
        )
        .join(User, User.id == Registration.user_id)
        .outerjoin(
            SignupProfile,
            and_(
                SignupProfile.event_id == Registration.event_id,
                SignupProfile.user_id == Registration.user_id,
            ),
        )
        .where(Registration.event_id == event.id, Registration.status.in_(SIGNED_UP))
        .order_by(Registration.status, Registration.created_at, Registration.id)
        .limit(limit)
    ).all()
    action = "campaigns.profiles_export" if export else "campaigns.profiles_view"
    record(session, action, viewer.id, f"event:{event.id}")
    return event, [ProfileRow(*row) for row in rows]
