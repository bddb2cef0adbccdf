"""Votes racing (PostgreSQL, threads released together): the database holds the rules."""

from __future__ import annotations

from sqlalchemy import func, select

from saas.auth.models import User
from saas.extensions import db
from tenants.merchants.models import Ballot, Candidate, Vote, VotingRound
from tenants.merchants.voting import cast_vote
from tests.conftest import pg_only
from tests.tenants.merchants.voting_rows import make_merchant, make_round
from tests.tenants.test_races import race


def _counts_agree(scoped, street, round_id: int) -> dict[int, int]:
    """Each candidate's count equals its votes, and each ballot its voter's votes."""
    with scoped(street) as session:
        counted = dict(
            session.execute(
                select(Candidate.organisation_id, Candidate.votes).where(
                    Candidate.round_id == round_id
                )
            ).all()
        )
        cast = dict(
            session.execute(
                select(Vote.organisation_id, func.count(Vote.id))
                .where(Vote.round_id == round_id)
                .group_by(Vote.organisation_id)
            ).all()
        )
        assert {k: v for k, v in counted.items() if v} == cast
        for ballot in session.scalars(select(Ballot).where(Ballot.round_id == round_id)):
            votes = session.scalar(
                select(func.count(Vote.id)).where(
                    Vote.round_id == round_id, Vote.user_id == ballot.user_id
                )
            )
            assert ballot.used == votes
    return counted


def _voter_and_round(session, user_id, round_id):
    user = session.scalar(select(User).where(User.id == user_id))
    vround = session.scalar(select(VotingRound).where(VotingRound.id == round_id))
    return user, vround


@pg_only
def test_concurrent_votes_of_one_resident_for_one_merchant_count_once(
    app, make_street, make_user, scoped
):
    street = make_street("alpha")
    shop = make_merchant(scoped, street, "老街面馆")
    round_id = make_round(scoped, street, [shop], n=3)
    user_id, _phone = make_user(street)

    def vote(_i):
        user, vround = _voter_and_round(db.session, user_id, round_id)
        cast_vote(db.session, user, vround, shop)
        return "ok"

    results = race(app, street, 12, vote)
    assert results.count("ok") == 1
    refused = {str(r) for r in results if r != "ok"}
    assert refused == {"您已为该商户投过票"}
    assert _counts_agree(scoped, street, round_id) == {shop: 1}


@pg_only
def test_concurrent_votes_for_n_plus_2_merchants_give_exactly_n(
    app, make_street, make_user, scoped
):
    street = make_street("alpha")
    n = 3
    shops = [make_merchant(scoped, street, f"商户{i}") for i in range(n + 2)]
    round_id = make_round(scoped, street, shops, n=n)
    user_id, _phone = make_user(street)

    def vote(i):
        user, vround = _voter_and_round(db.session, user_id, round_id)
        cast_vote(db.session, user, vround, shops[i])
        return "ok"

    results = race(app, street, n + 2, vote)
    assert results.count("ok") == n
    assert {str(r) for r in results if r != "ok"} == {"每人最多投 3 个商户，您已投满"}
    counted = _counts_agree(scoped, street, round_id)
    assert sum(counted.values()) == n
    with scoped(street) as session:
        assert session.scalar(select(Ballot.used).where(Ballot.user_id == user_id)) == n


@pg_only
def test_many_residents_racing_for_the_same_merchants(app, make_street, make_user, scoped):
    street = make_street("alpha")
    shops = [make_merchant(scoped, street, f"商户{i}") for i in range(3)]
    round_id = make_round(scoped, street, shops, n=2)
    voters = [make_user(street)[0] for _ in range(6)]

    def vote(i):
        user, vround = _voter_and_round(db.session, voters[i // 3], round_id)
        cast_vote(db.session, user, vround, shops[i % 3])
        return "ok"

    results = race(app, street, 18, vote)
    assert results.count("ok") == 12  # six residents, two votes each
    assert sum(_counts_agree(scoped, street, round_id).values()) == 12
