"""Rows the tests of area "home" seed directly (circles, profiles, member days, offers and voting
are other areas' to build; here they are only rows)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from saas.auth.models import User
from saas.db import utcnow
from saas.streets.models import Tenant
from tenants.events.models import Event, EventKind, EventStatus
from tenants.merchants.models import (
    Candidate,
    Circle,
    MemberDay,
    Merchant,
    Offer,
    OfferKind,
    VotingRound,
)
from tenants.orgs.models import OrgKind
from tenants.passport.ledger import post_entry
from tenants.passport.models import EntryKind, Reward
from tenants.passport.services import passport_for
from tests.tenants.alliance.factories import unit_with_account


def make_merchant(scoped, street, make_user, name="老街面馆", circle="老街商圈", model=True):
    """A merchant (organisation + profile in a circle) with one account: (org id, user id,
    phone)."""
    org_id, user_id, phone = unit_with_account(
        scoped, street, make_user, name, kind=OrgKind.merchant
    )
    with scoped(street) as session:
        circle_row = session.scalar(select(Circle).where(Circle.name == circle))
        if circle_row is None:
            circle_row = Circle(name=circle, area="老街一带")
            session.add(circle_row)
            session.flush()
        session.add(
            Merchant(organisation_id=org_id, circle_id=circle_row.id, category="餐饮",
                     is_model=model, pledge="诚信经营")
        )  # fmt: skip
        session.commit()
    return org_id, user_id, phone


def add_voucher(scoped, street, provider_id: int, name="面条兑换券", price=10, stock=5) -> int:
    with scoped(street) as session:
        reward = Reward(name=name, price=price, stock=stock, provider_id=provider_id)
        session.add(reward)
        session.commit()
        return reward.id


def add_offer(scoped, street, org_id: int, text="凭券免费面条一碗", reward_id=None, day=None):
    """An offer on the circle's member day ``day`` (made if missing)."""
    day = day or date.today() + timedelta(days=5)
    with scoped(street) as session:
        circle_id = session.scalar(
            select(Merchant.circle_id).where(Merchant.organisation_id == org_id)
        )
        member_day = session.scalar(
            select(MemberDay).where(MemberDay.circle_id == circle_id, MemberDay.day == day)
        )
        if member_day is None:
            start = utcnow() + timedelta(days=5)
            event = Event(title="会员日", kind=EventKind.merchant_day, starts_at=start,
                          ends_at=start + timedelta(hours=8), status=EventStatus.published)  # fmt: skip
            session.add(event)
            session.flush()
            member_day = MemberDay(circle_id=circle_id, day=day, event_id=event.id)
            session.add(member_day)
            session.flush()
        offer = Offer(
            member_day_id=member_day.id,
            organisation_id=org_id,
            kind=OfferKind.voucher if reward_id else OfferKind.discount,
            text=text,
            reward_id=reward_id,
        )
        session.add(offer)
        session.commit()
        return offer.id


def add_round(scoped, street, org_ids, votes=7, open_now=True, title="最受欢迎商户评选"):
    now = utcnow()
    starts, ends = (
        (now - timedelta(days=1), now + timedelta(days=6))
        if open_now
        else (now - timedelta(days=8), now - timedelta(days=1))
    )
    with scoped(street) as session:
        voting_round = VotingRound(title=title, starts_at=starts, ends_at=ends)
        session.add(voting_round)
        session.flush()
        for org_id in org_ids:
            session.add(Candidate(round_id=voting_round.id, organisation_id=org_id, votes=votes))
        session.commit()
        return voting_round.id


def give_points(scoped, street, user_id: int, points: int) -> int:
    with scoped(street) as session:
        user = session.scalar(select(User).where(User.id == user_id))
        passport = passport_for(session, user, session.get(Tenant, street.id))
        post_entry(session, passport.id, points, EntryKind.earn, f"seed:{user_id}")
        session.commit()
        return passport.id
