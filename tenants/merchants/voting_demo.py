"""Demo voting for the demo street: the open "2026年度最受欢迎商户评选" (open since yesterday until
a month ahead, three votes each, some already cast) and last year's closed round with its results.

Found by kind: the demo's merchants (organisation records of kind merchant with a profile, made by
the directory's seeder, which runs first); nothing is made when there are none. The demo
volunteer 13900000005 has not voted in the open round, so the demo can vote. Idempotent: a round
whose title exists is kept as it is.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from saas.auth.models import Role, User
from saas.db import utcnow
from saas.streets.models import Tenant
from saas.ui import street_zone
from tenants.merchants.models import Ballot, Candidate, Merchant, Vote, VotingRound
from tenants.orgs.models import Organisation, OrgKind

OPEN_TITLE = "2026年度最受欢迎商户评选"
CLOSED_TITLE = "2025年度最受欢迎商户评选"
DEMO_VOLUNTEER = "13900000005"
VOTES_EACH = 3


def load_demo(session: Session, tenant: Tenant) -> None:
    merchants = list(
        session.scalars(
            select(Organisation.id)
            .join(Merchant, Merchant.organisation_id == Organisation.id)
            .where(Organisation.kind == OrgKind.merchant, Organisation.is_active.is_(True))
            .order_by(Organisation.name)
        )
    )
    if not merchants:
        return
    admin_id = session.scalar(
        select(User.id).where(User.role == Role.admin).order_by(User.id).limit(1)
    )
    voters = list(
        session.scalars(
            select(User.id)
            .where(User.role == Role.volunteer, User.phone != DEMO_VOLUNTEER)
            .order_by(User.id)
            .limit(80)
        )
    )
    existing = set(session.scalars(select(VotingRound.title)))
    now = utcnow()
    if CLOSED_TITLE not in existing:
        zone = street_zone()
        starts = datetime(2025, 12, 1, 9, 0, tzinfo=zone).astimezone(UTC)
        ends = datetime(2025, 12, 31, 18, 0, tzinfo=zone).astimezone(UTC)
        if ends > now:  # a clock before 2026: keep it a year in the past
            starts, ends = now - timedelta(days=400), now - timedelta(days=370)
        _round(session, CLOSED_TITLE, starts, ends, admin_id, merchants, voters, every=1)
    if OPEN_TITLE not in existing:
        starts, ends = now - timedelta(days=1), now + timedelta(days=30)
        _round(session, OPEN_TITLE, starts, ends, admin_id, merchants, voters[:20], every=2)
    session.flush()


def _round(session, title, starts, ends, admin_id, merchants, voters, every: int) -> None:
    """A round of every merchant, and ``voters`` voting as the rules allow: the ballots, votes
    and counts agree as the vote's guards keep them."""
    vround = VotingRound(
        title=title,
        starts_at=starts,
        ends_at=ends,
        votes_per_person=VOTES_EACH,
        created_by=admin_id,
    )
    session.add(vround)
    session.flush()
    candidates = {}
    for organisation_id in merchants:
        candidate = Candidate(round_id=vround.id, organisation_id=organisation_id, votes=0)
        session.add(candidate)
        candidates[organisation_id] = candidate
    k = len(merchants)
    cast_at = starts + (min(ends, utcnow()) - starts) / 2
    for i, user_id in enumerate(voters):
        # a few merchants well ahead, the rest spread out; at most VOTES_EACH, once each
        picks = list(dict.fromkeys([i % min(k, 3), (i * 7 + 1) % k, (i * 3 + 2) % k]))
        picks = picks[: max(1, VOTES_EACH - (i % every))]
        session.add(Ballot(round_id=vround.id, user_id=user_id, used=len(picks)))
        for j in picks:
            organisation_id = merchants[j]
            session.add(
                Vote(
                    round_id=vround.id,
                    user_id=user_id,
                    organisation_id=organisation_id,
                    created_at=cast_at,
                )
            )
            candidates[organisation_id].votes += 1
