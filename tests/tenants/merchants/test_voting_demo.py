"""The voting demo: made from the demo's merchants, nothing without them, idempotent, and its
counts as the vote's guards would keep them."""

from __future__ import annotations

from sqlalchemy import func, select

from saas.streets.models import Tenant
from tenants.merchants.models import Ballot, Candidate, Vote, VotingRound
from tenants.merchants.voting import RoundState, state_of
from tenants.merchants.voting_demo import CLOSED_TITLE, OPEN_TITLE
from tenants.merchants.voting_demo import load_demo as load_voting_demo
from tests.tenants.merchants.voting_rows import make_merchant


def _load(scoped, street):
    with scoped(street) as session:
        load_voting_demo(session, session.get(Tenant, street.id))
        session.commit()


def test_the_demo_rounds(make_street, make_user, scoped):
    street = make_street("alpha")
    _load(scoped, street)
    with scoped(street) as session:
        assert session.scalar(select(func.count(VotingRound.id))) == 0
    shops = [make_merchant(scoped, street, f"演示商户{n}") for n in range(6)]
    for _ in range(10):
        make_user(street)
    demo_id, _phone = make_user(street, phone="13900000005")
    _load(scoped, street)
    _load(scoped, street)
    with scoped(street) as session:
        rounds = {r.title: r for r in session.scalars(select(VotingRound))}
        assert set(rounds) == {OPEN_TITLE, CLOSED_TITLE}
        assert state_of(rounds[OPEN_TITLE]) == RoundState.open
        assert state_of(rounds[CLOSED_TITLE]) == RoundState.closed
        assert rounds[OPEN_TITLE].votes_per_person == 3
        for vround in rounds.values():
            counts = dict(
                session.execute(
                    select(Candidate.organisation_id, Candidate.votes).where(
                        Candidate.round_id == vround.id
                    )
                ).all()
            )
            assert set(counts) == set(shops)
            cast = session.scalar(select(func.count(Vote.id)).where(Vote.round_id == vround.id))
            used = session.scalar(select(func.sum(Ballot.used)).where(Ballot.round_id == vround.id))
            assert sum(counts.values()) == cast == used > 0
            assert (
                max(session.scalars(select(Ballot.used).where(Ballot.round_id == vround.id))) <= 3
            )
        # the demo volunteer can still vote in the open round
        assert not session.scalar(select(Vote.id).where(Vote.user_id == demo_id))
