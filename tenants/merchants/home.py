"""Area "home": the merchant's own phone home (我的商户).

Its name, circle and model-merchant mark; the vouchers it honoured lately; its offers on member
days; its events (those its accounts signed up for and those it co-hosts); the voting rounds it
stands in; the meetings it is invited to; its party members and their hours; its notifications.
Read in a fixed number of statements whatever the data.

A merchant's account sees only its own merchant's rows: every query here starts from the
organisation the account acts for (``merchant_of``), never from an id in the request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import case, exists, func, or_, select
from sqlalchemy.orm import Session

from saas.auth.models import Role, User
from saas.errors import NotFound
from saas.notify.models import Notification
from tenants.alliance.models import Meeting, MeetingInvite
from tenants.events.models import Event, EventStatus, Registration, RegistrationStatus
from tenants.events.signups import open_to
from tenants.merchants.home_models import MerchantMember
from tenants.merchants.models import (
    Candidate,
    Circle,
    EventHost,
    MemberDay,
    Merchant,
    Offer,
    VotingRound,
)
from tenants.orgs.models import OrgAccount, Organisation, OrgKind
from tenants.orgs.records import organisation_of_kind
from tenants.passport.models import Passport, Redemption, RedemptionStatus, Reward

#: rows each section lists
VERIFIED, OFFERS, EVENTS, ROUNDS, MEETINGS, MEMBERS, NOTES, OPEN_EVENTS = (
    10, 10, 20, 10, 10, 50, 5, 5,
)  # fmt: skip
#: a finished round's result stays on the home this long
RESULTS_SHOWN = timedelta(days=30)
#: past events stay on the home this long
PAST_EVENTS_SHOWN = timedelta(days=30)


# --- whose merchant -------------------------------------------------------------------------------


def merchant_of(session: Session, user: User) -> Organisation | None:
    """The merchant (organisation record of kind merchant) ``user`` acts for; None for alliance
    units' accounts, unlinked org accounts and everyone else. Read once per request."""
    return organisation_of_kind(session, user, OrgKind.merchant)


def is_merchant(user) -> bool:
    """For the declaration's ``visible``: is this signed-in account a merchant's?"""
    if getattr(user, "role", None) != Role.org:
        return False
    from saas.extensions import db

    return merchant_of(db.session, user) is not None


def merchant_or_404(session: Session, user: User) -> Organisation:
    """:raise NotFound: ``user`` is not a merchant's account"""
    merchant = merchant_of(session, user)
    if merchant is None:
        raise NotFound(_("只有商户的账号可以使用此页面"))
    return merchant


# --- the home ------------------------------------------------------------------------------------


@dataclass
class Verified:
    code: str
    reward: str
    points: int
    volunteer: str
    verified_at: datetime


@dataclass
class OfferLine:
    offer: Offer
    day: date
    circle: str
    reward: Reward | None


@dataclass
class EventLine:
    event: Event
    #: it co-hosts the event (商居联合活动)
    hosted: bool
    #: one of its accounts signed up
    registered: bool


@dataclass
class RoundLine:
    round: VotingRound
    is_open: bool
    ended: bool
    #: its votes, only once the round has closed
    votes: int | None


@dataclass
class MemberLine:
    user_id: int
    name: str
    hours: Decimal
    points: int


@dataclass
class MerchantHome:
    merchant: Organisation
    profile: Merchant | None
    circle: str
    verified: list[Verified]
    offers: list[OfferLine]
    events: list[EventLine]
    rounds: list[RoundLine]
    meetings: list[tuple[Meeting, bool]]
    members: list[MemberLine]
    #: events still open to its accounts (the engine's list)
    open_events: list[Event] = field(default_factory=list)
    notes: list[Notification] = field(default_factory=list)

    @property
    def is_model(self) -> bool:
        return bool(self.profile and self.profile.is_model)


def _accounts_of(organisation_id: int):
    """The user ids of the organisation's accounts (its rewards' providers, its sign-ups)."""
    return select(OrgAccount.user_id).where(OrgAccount.organisation_id == organisation_id)


def recently_verified(session: Session, organisation_id: int) -> list[Verified]:
    """The vouchers of its rewards honoured lately, newest first (one statement)."""
    rows = session.execute(
        select(Redemption.code, Reward.name, Redemption.points, User.name, Redemption.verified_at)
        .join(Reward, Reward.id == Redemption.reward_id)
        .join(Passport, Passport.id == Redemption.passport_id)
        .join(User, User.id == Passport.user_id)
        .where(
            Reward.provider_id.in_(_accounts_of(organisation_id)),
            Redemption.status == RedemptionStatus.verified,
        )
        .order_by(Redemption.verified_at.desc(), Redemption.id.desc())
        .limit(VERIFIED)
    ).all()
    return [Verified(*row) for row in rows]


def offers_of(session: Session, organisation_id: int, today: date) -> list[OfferLine]:
    """Its offers on member days to come and of the last month, soonest first (one statement)."""
    rows = session.execute(
        select(Offer, MemberDay.day, Circle.name, Reward)
        .join(MemberDay, MemberDay.id == Offer.member_day_id)
        .join(Circle, Circle.id == MemberDay.circle_id)
        .outerjoin(Reward, Reward.id == Offer.reward_id)
        .where(Offer.organisation_id == organisation_id, MemberDay.day >= today - timedelta(31))
        .order_by(MemberDay.day.desc(), Offer.id)
        .limit(OFFERS)
    ).all()
    return [OfferLine(*row) for row in rows]


def events_of(session: Session, organisation_id: int, now: datetime) -> list[EventLine]:
    """Events it co-hosts or its accounts signed up for, not cancelled, not over more than a
    month ago; soonest first (one statement)."""
    hosted = exists().where(
        EventHost.event_id == Event.id, EventHost.organisation_id == organisation_id
    )
    registered = exists().where(
        Registration.event_id == Event.id,
        Registration.user_id.in_(_accounts_of(organisation_id)),
        Registration.status != RegistrationStatus.cancelled,
    )
    upcoming = Event.ends_at >= now
    rows = session.execute(
        select(Event, hosted.label("hosted"), registered.label("registered"))
        .where(
            or_(hosted, registered),
            Event.status.not_in((EventStatus.cancelled, EventStatus.draft)),
            Event.ends_at >= now - PAST_EVENTS_SHOWN,
        )
        .order_by(
            case((upcoming, 0), else_=1),
            case((upcoming, Event.starts_at), else_=None),
            Event.starts_at.desc(),
        )
        .limit(EVENTS)
    ).all()
    return [EventLine(e, bool(h), bool(r)) for e, h, r in rows]


def rounds_of(session: Session, organisation_id: int, now: datetime) -> list[RoundLine]:
    """The voting rounds it stands in that have not ended, and those that ended lately with its
    votes (a count shown only after the close, as residents see it). One statement."""
    rows = session.execute(
        select(VotingRound, Candidate.votes)
        .join(Candidate, Candidate.round_id == VotingRound.id)
        .where(
            Candidate.organisation_id == organisation_id,
            VotingRound.ends_at > now - RESULTS_SHOWN,
        )
        .order_by(VotingRound.ends_at.desc(), VotingRound.id)
        .limit(ROUNDS)
    ).all()
    lines = []
    for voting_round, votes in rows:
        ended = voting_round.ends_at <= now
        lines.append(
            RoundLine(
                voting_round,
                is_open=voting_round.starts_at <= now < voting_round.ends_at,
                ended=ended,
                votes=votes if ended else None,
            )
        )
    return lines


def meetings_of(
    session: Session, organisation_id: int, now: datetime
) -> list[tuple[Meeting, bool]]:
    """The joint meetings (商圈联席会议) it is invited to: upcoming first (soonest first), then
    the past ones (latest first); each with whether it is still to come. One statement."""
    upcoming = Meeting.starts_at >= now
    rows = session.scalars(
        select(Meeting)
        .join(MeetingInvite, MeetingInvite.meeting_id == Meeting.id)
        .where(MeetingInvite.organisation_id == organisation_id)
        .order_by(
            case((upcoming, 0), else_=1),
            case((upcoming, Meeting.starts_at), else_=None),
            Meeting.starts_at.desc(),
        )
        .limit(MEETINGS)
    ).all()
    return [(m, m.starts_at >= now) for m in rows]


def party_members_of(session: Session, organisation_id: int) -> list[MemberLine]:
    """Its party members with the hours and points on their passports, most hours first (one
    statement). Their hours come from the events they served at, paid by the passport."""
    rows = session.execute(
        select(
            User.id,
            User.name,
            func.coalesce(Passport.hours_total, 0),
            func.coalesce(Passport.balance, 0),
        )
        .select_from(MerchantMember)
        .join(User, User.id == MerchantMember.user_id)
        .outerjoin(Passport, Passport.user_id == User.id)
        .where(MerchantMember.organisation_id == organisation_id)
        .order_by(func.coalesce(Passport.hours_total, 0).desc(), User.name, User.id)
        .limit(MEMBERS)
    ).all()
    return [
        MemberLine(uid, name, Decimal(hours or 0), int(points or 0))
        for uid, name, hours, points in rows
    ]


def merchant_home(session: Session, user: User, now: datetime, today: date) -> MerchantHome:
    """Everything the merchant's home shows, for the merchant ``user`` acts for.

    :raise NotFound: ``user`` is not a merchant's account
    """
    merchant = merchant_or_404(session, user)
    row = session.execute(
        select(Merchant, Circle.name)
        .outerjoin(Circle, Circle.id == Merchant.circle_id)
        .where(Merchant.organisation_id == merchant.id)
    ).first()
    profile, circle = (row[0], row[1] or "") if row else (None, "")
    notes = session.scalars(
        select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.id.desc())
        .limit(NOTES)
    )
    return MerchantHome(
        merchant=merchant,
        profile=profile,
        circle=circle,
        verified=recently_verified(session, merchant.id),
        offers=offers_of(session, merchant.id, today),
        events=events_of(session, merchant.id, now),
        rounds=rounds_of(session, merchant.id, now),
        meetings=meetings_of(session, merchant.id, now),
        members=party_members_of(session, merchant.id),
        open_events=open_to(session, user, now, limit=OPEN_EVENTS),
        notes=list(notes),
    )
