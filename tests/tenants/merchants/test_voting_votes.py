"""Residents voting on the phone: the rules the database holds, refusals in words, results only
after the close, the rate limit."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from saas.db import utcnow
from tenants.merchants.models import Ballot, Candidate, Vote
from tests.conftest import both_backends, login
from tests.tenants.alliance.factories import unit_with_account
from tests.tenants.merchants.voting_rows import make_merchant, make_round, set_times


def _resident(client, street, make_user):
    user_id, phone = make_user(street)
    assert login(client, street.slug, phone).status_code == 302
    return user_id


def _vote(client, street, round_id, organisation_id):
    return client.post(
        f"/{street.slug}/merchants/vote/{round_id}", data={"organisation_id": organisation_id}
    )


def _votes(scoped, street) -> int:
    with scoped(street) as session:
        return session.scalar(select(func.count(Vote.id)))


@both_backends
def test_a_resident_votes_up_to_n_merchants_once_each(app, client, make_street, make_user, scoped):
    street = make_street("alpha")
    shops = [make_merchant(scoped, street, f"商户{i}", is_model=i == 0) for i in range(3)]
    round_id = make_round(scoped, street, shops, n=2)
    user_id = _resident(client, street, make_user)

    page = client.get(f"/{street.slug}/merchants/vote/{round_id}").get_data(as_text=True)
    assert "商户0" in page and "党员示范商户" in page and "还可投 2 票" in page

    assert _vote(client, street, round_id, shops[0]).status_code == 302
    again = _vote(client, street, round_id, shops[0])
    assert again.status_code == 422 and "您已为该商户投过票" in again.get_data(as_text=True)
    assert _vote(client, street, round_id, shops[1]).status_code == 302
    full = _vote(client, street, round_id, shops[2])
    assert full.status_code == 422
    assert "每人最多投 2 个商户，您已投满" in full.get_data(as_text=True)
    # a vote for one already chosen, with the ballot full, says so
    assert "您已为该商户投过票" in _vote(client, street, round_id, shops[1]).get_data(as_text=True)

    with scoped(street) as session:
        assert session.scalar(select(Ballot.used).where(Ballot.user_id == user_id)) == 2
        counts = dict(session.execute(select(Candidate.organisation_id, Candidate.votes)).all())
    assert counts == {shops[0]: 1, shops[1]: 1, shops[2]: 0}
    page = client.get(f"/{street.slug}/merchants/vote/{round_id}").get_data(as_text=True)
    assert "还可投 0 票" in page


@both_backends
def test_a_vote_before_the_start_or_after_the_close_is_refused(
    app, client, make_street, make_user, scoped
):
    street = make_street("alpha")
    shop = make_merchant(scoped, street)
    round_id = make_round(scoped, street, [shop])
    _resident(client, street, make_user)
    now = utcnow()

    set_times(scoped, street, round_id, now + timedelta(hours=1), now + timedelta(days=1))
    early = _vote(client, street, round_id, shop)
    assert early.status_code == 422 and "尚未开始" in early.get_data(as_text=True)

    set_times(scoped, street, round_id, now - timedelta(days=2), now - timedelta(seconds=5))
    late = _vote(client, street, round_id, shop)
    assert late.status_code == 422 and "本轮评选已结束" in late.get_data(as_text=True)
    assert _votes(scoped, street) == 0
    with scoped(street) as session:  # the refused votes left no ballot behind
        assert session.scalar(select(func.count(Ballot.id))) == 0
        assert session.scalar(select(Candidate.votes)) == 0


@both_backends
def test_a_vote_for_a_merchant_not_on_the_list_is_refused(
    app, client, make_street, make_user, scoped
):
    street = make_street("alpha")
    shop = make_merchant(scoped, street, "候选商户")
    other = make_merchant(scoped, street, "未参选商户")
    round_id = make_round(scoped, street, [shop])
    _resident(client, street, make_user)
    refused = _vote(client, street, round_id, other)
    assert refused.status_code == 422
    assert "该商户不在本轮候选名单中" in refused.get_data(as_text=True)
    for odd in ("", "abc", "²", "9" * 25, "-1"):
        assert _vote(client, street, round_id, odd).status_code in (404, 422)
    assert _votes(scoped, street) == 0


@both_backends
def test_another_streets_round_or_merchant_is_not_found(
    app, client, make_street, make_user, scoped
):
    a, b = make_street("alpha"), make_street("bravo")
    shop_a = make_merchant(scoped, a, "甲街道商户")
    round_a = make_round(scoped, a, [shop_a])
    shop_b = make_merchant(scoped, b, "乙街道商户")
    round_b = make_round(scoped, b, [shop_b])
    _resident(client, b, make_user)
    assert client.get(f"/{b.slug}/merchants/vote/{round_a}").status_code == 404
    assert _vote(client, b, round_a, shop_a).status_code == 404
    assert _vote(client, b, round_b, shop_a).status_code == 404
    assert _votes(scoped, a) == 0 and _votes(scoped, b) == 0


@both_backends
def test_residents_see_results_only_after_the_close(app, client, make_street, make_user, scoped):
    street = make_street("alpha")
    shops = [
        make_merchant(scoped, street, "第一名面馆"),
        make_merchant(scoped, street, "第二名超市"),
    ]
    round_id = make_round(scoped, street, shops, n=2)
    with scoped(street) as session:
        session.execute(
            Candidate.__table__.update()
            .where(Candidate.organisation_id == shops[0])
            .values(votes=7)
        )
        session.commit()
    _resident(client, street, make_user)
    assert _vote(client, street, round_id, shops[1]).status_code == 302
    before = client.get(f"/{street.slug}/merchants/vote/{round_id}").get_data(as_text=True)
    assert "评选结果" not in before and "7 票" not in before and "第 1 名" not in before
    assert "已投票" in before and "还可投 1 票" in before

    now = utcnow()
    set_times(scoped, street, round_id, now - timedelta(days=3), now - timedelta(minutes=1))
    after = client.get(f"/{street.slug}/merchants/vote/{round_id}").get_data(as_text=True)
    assert "评选结果" in after and "第 1 名 · 第一名面馆" in after and "7 票" in after
    assert "我投过" in after
    listing = client.get(f"/{street.slug}/merchants/vote").get_data(as_text=True)
    assert "查看结果" in listing


def test_the_vote_endpoint_answers_429_past_its_limit(app, client, make_street, make_user, scoped):
    app.config["MERCHANT_VOTE_RATE_LIMIT"] = "5 per minute"
    try:
        street = make_street("alpha")
        shop = make_merchant(scoped, street)
        round_id = make_round(scoped, street, [shop])
        _resident(client, street, make_user)
        answers = [_vote(client, street, round_id, shop).status_code for _ in range(7)]
    finally:
        app.config.pop("MERCHANT_VOTE_RATE_LIMIT")
    assert answers[:5] == [302, 422, 422, 422, 422]
    assert answers[5:] == [429, 429]
    assert _votes(scoped, street) == 1


def test_only_residents_vote(app, client, make_street, make_user, scoped):
    street = make_street("alpha")
    shop = make_merchant(scoped, street)
    round_id = make_round(scoped, street, [shop])
    assert client.get(f"/{street.slug}/merchants/vote/{round_id}").status_code == 302  # login
    login(client, street.slug, street.admin_phone)
    assert _vote(client, street, round_id, shop).status_code == 403
    # a merchant's own account is no resident either
    merchant = app.test_client()
    _unit, _uid, phone = unit_with_account(scoped, street, make_user, "商户甲")
    login(merchant, street.slug, phone)
    assert _vote(merchant, street, round_id, shop).status_code == 403
    assert merchant.get(f"/{street.slug}/merchants/vote").status_code == 403
    assert _votes(scoped, street) == 0


def test_odd_query_strings_are_not_a_500(app, client, make_street, make_user, scoped):
    street = make_street("alpha")
    round_id = make_round(scoped, street, [make_merchant(scoped, street)])
    _resident(client, street, make_user)
    for url in (
        f"/{street.slug}/merchants/vote?page=²",
        f"/{street.slug}/merchants/vote/{'9' * 25}",
        f"/{street.slug}/merchants/vote/{round_id}?x=%00",
    ):
        assert client.get(url).status_code in (200, 400, 404), url
    client = app.test_client()
    login(client, street.slug, street.admin_phone)
    for url in (
        f"/{street.slug}/merchants/voting?page=²&state=%00",
        f"/{street.slug}/merchants/voting?page={'9' * 25}&state=open",
        f"/{street.slug}/merchants/voting.xlsx?state=²",
        f"/{street.slug}/merchants/voting/{'9' * 25}",
        f"/{street.slug}/merchants/voting/{round_id}/results.xlsx?x=²",
    ):
        assert client.get(url).status_code in (200, 400, 404), url
