"""The merchant's own home (area "home"): where a merchant's account lands, what it shows (only
its own items), the verification of vouchers at the counter, constant statements."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from saas.db import utcnow
from tenants.alliance.models import Meeting, MeetingInvite
from tenants.events.models import Registration
from tenants.merchants.home_models import MerchantMember
from tenants.merchants.models import EventHost
from tenants.passport.models import Passport, Redemption
from tests.conftest import both_backends, login
from tests.tenants.alliance.factories import link_account, unit_with_account
from tests.tenants.factories import assert_statements_do_not_grow, make_event, signed_in
from tests.tenants.merchants.home_factories import (
    add_offer,
    add_round,
    add_voucher,
    give_points,
    make_merchant,
)

HOME = "/alpha/merchants/home"


@pytest.fixture
def resident(app, street, make_user, scoped):
    """A volunteer with 100 points, signed in: (client, user id, passport id)."""
    user_id, phone = make_user(street, name="张居民")
    passport_id = give_points(scoped, street, user_id, 100)
    return signed_in(app, "alpha", phone), user_id, passport_id


def redeem(client, scoped, street, passport_id, reward_id) -> str:
    assert client.post(f"/alpha/rewards/{reward_id}/redeem").status_code == 302
    with scoped(street) as session:
        return session.scalar(
            select(Redemption.code)
            .where(Redemption.passport_id == passport_id, Redemption.reward_id == reward_id)
            .order_by(Redemption.id.desc())
        )


def test_a_merchant_lands_on_its_home_and_a_unit_on_its_own(app, street, make_user, scoped):
    _org, _user, phone = make_merchant(scoped, street, make_user)
    client = app.test_client()
    response = login(client, "alpha", phone)
    assert response.headers["Location"].endswith(HOME)
    page = client.get(HOME).get_data(as_text=True)
    assert "老街面馆" in page and "老街商圈" in page and "党员示范商户" in page
    assert "/alpha/rewards/verify" in page  # the passport's own page, linked
    assert "我的商户" in page  # the menu entry
    _unit, _uid, unit_phone = unit_with_account(scoped, street, make_user, "共建单位甲")
    other = app.test_client()
    assert login(other, "alpha", unit_phone).headers["Location"].endswith("/alpha/alliance/unit")
    assert other.get(HOME).status_code == 404
    assert "我的商户" not in other.get("/alpha/alliance/unit").get_data(as_text=True)


def test_others_cannot_open_the_merchant_home(app, street, make_user, admin):
    _id, phone = make_user(street)
    assert signed_in(app, "alpha", phone).get(HOME).status_code == 403
    assert admin.get(HOME).status_code == 403
    assert app.test_client().get(HOME).status_code == 302  # to the login page


@both_backends
def test_the_home_shows_only_its_own_items(app, street, make_user, scoped, resident):
    client, user_id, passport_id = resident
    org, merchant_user, phone = make_merchant(scoped, street, make_user)
    rival, rival_user, _ = make_merchant(scoped, street, make_user, "隔壁茶铺", model=False)
    mine = add_voucher(scoped, street, merchant_user, "面条兑换券")
    theirs = add_voucher(scoped, street, rival_user, "奶茶兑换券")
    add_offer(scoped, street, org, "会员日面条八折")
    add_offer(scoped, street, rival, "奶茶第二杯半价")
    add_offer(scoped, street, org, "凭券免费面条", reward_id=mine, day=utcnow().date())
    hosted = make_event(scoped, street, title="老街义剪")
    their_event = make_event(scoped, street, title="茶艺体验")
    signed = make_event(scoped, street, title="消防演练")
    add_round(scoped, street, [org, rival], votes=9, title="本届评选")
    add_round(scoped, street, [org], votes=42, open_now=False, title="上届评选")
    add_round(scoped, street, [rival], title="别家评选")
    member_id, _ = make_user(street, name="王党员", is_party_member=True)
    give_points(scoped, street, member_id, 30)
    with scoped(street) as session:
        session.add_all([
            EventHost(event_id=hosted, organisation_id=org),
            EventHost(event_id=their_event, organisation_id=rival),
            Registration(event_id=signed, user_id=merchant_user),
            MerchantMember(organisation_id=org, user_id=member_id),
        ])  # fmt: skip
        meeting = Meeting(
            title="商圈联席会议", kind="joint", starts_at=utcnow() + timedelta(days=3)
        )
        other_meeting = Meeting(title="别家会议", kind="joint", starts_at=utcnow())
        session.add_all([meeting, other_meeting])
        session.flush()
        session.add(MeetingInvite(meeting_id=meeting.id, organisation_id=org))
        session.add(MeetingInvite(meeting_id=other_meeting.id, organisation_id=rival))
        session.execute(
            Passport.__table__.update()
            .where(Passport.user_id == member_id)
            .values(hours_total=12.5)
        )
        session.commit()
    own_code = redeem(client, scoped, street, passport_id, mine)
    their_code = redeem(client, scoped, street, passport_id, theirs)
    merchant = signed_in(app, "alpha", phone)
    assert (
        merchant.post("/alpha/rewards/verify", data={"code": own_code, "confirm": "1"}).status_code
        == 302
    )
    rival_client = signed_in(app, "alpha", _phone_of(scoped, street, rival_user))
    assert (
        rival_client.post(
            "/alpha/rewards/verify", data={"code": their_code, "confirm": "1"}
        ).status_code
        == 302
    )

    page = merchant.get(HOME).get_data(as_text=True)
    for own in ("面条兑换券", own_code, "会员日面条八折", "凭券免费面条", "老街义剪", "联合主办",
                "消防演练", "本届评选", "投票中", "上届评选", "得票 42", "商圈联席会议", "王党员",
                "12.50"):  # fmt: skip
        assert own in page, own
    for other in ("奶茶兑换券", their_code, "奶茶第二杯半价", "茶艺体验", "别家评选", "别家会议",
                  "得票 9"):  # fmt: skip
        assert other not in page, other


def _phone_of(scoped, street, user_id):
    from saas.auth.models import User

    with scoped(street) as session:
        return session.scalar(select(User.phone).where(User.id == user_id))


def test_the_home_runs_the_same_statements_whatever_the_data(
    app, street, make_user, scoped, monkeypatch
):
    monkeypatch.setitem(app.config, "TENANT_CACHE_SECONDS", 0)  # growing takes seconds
    org, merchant_user, phone = make_merchant(scoped, street, make_user)
    counter = {"n": 0}

    def grow(n):
        for _ in range(n):
            counter["n"] += 1
            i = counter["n"]
            reward = add_voucher(scoped, street, merchant_user, f"券{i}")
            add_offer(
                scoped, street, org, f"优惠{i}", reward_id=reward,
                day=utcnow().date() + timedelta(days=i),
            )  # fmt: skip
            event = make_event(scoped, street, title=f"活动{i}")
            add_round(scoped, street, [org], open_now=bool(i % 2), title=f"评选{i}")
            member_id, _ = make_user(street, name=f"党员{i}", is_party_member=True)
            with scoped(street) as session:
                session.add(EventHost(event_id=event, organisation_id=org))
                session.add(MerchantMember(organisation_id=org, user_id=member_id))
                meeting = Meeting(title=f"会议{i}", kind="joint", starts_at=utcnow())
                session.add(meeting)
                session.flush()
                session.add(MeetingInvite(meeting_id=meeting.id, organisation_id=org))
                session.commit()

    page = assert_statements_do_not_grow(
        app, signed_in(app, "alpha", phone), HOME, grow, more=10, most=24
    )
    assert "活动10" in page or "活动12" in page


# --- verification at the counter (through the passport's own route) ---------------------------


@both_backends
def test_a_voucher_verified_twice_at_the_counter_is_refused_the_second_time(
    app, street, make_user, scoped, resident
):
    client, _user_id, passport_id = resident
    _org, merchant_user, phone = make_merchant(scoped, street, make_user)
    code = redeem(client, scoped, street, passport_id, add_voucher(scoped, street, merchant_user))
    merchant = signed_in(app, "alpha", phone)
    looked = merchant.post("/alpha/rewards/verify", data={"code": code})
    assert looked.status_code == 200 and "确认发放" in looked.get_data(as_text=True)
    assert (
        merchant.post("/alpha/rewards/verify", data={"code": code, "confirm": "1"}).status_code
        == 302
    )
    again = merchant.post("/alpha/rewards/verify", data={"code": code, "confirm": "1"})
    assert again.status_code == 422
    assert "该兑换码已核销，不能重复领取" in again.get_data(as_text=True)
    # scanned again, it shows as handed over, with no button to hand it over again
    rescanned = merchant.post("/alpha/rewards/verify", data={"code": code}).get_data(as_text=True)
    assert "已领取" in rescanned and "确认发放" not in rescanned
    with scoped(street) as session:
        assert session.scalars(select(Redemption.status)).all() == ["verified"]


def test_a_merchant_cannot_verify_another_merchants_vouchers(
    app, street, make_user, scoped, resident
):
    client, _user_id, passport_id = resident
    _org, merchant_user, phone = make_merchant(scoped, street, make_user)
    _rival, rival_user, _ = make_merchant(scoped, street, make_user, "隔壁茶铺")
    code = redeem(client, scoped, street, passport_id, add_voucher(scoped, street, rival_user))
    merchant = signed_in(app, "alpha", phone)
    for data in ({"code": code}, {"code": code, "confirm": "1"}):
        response = merchant.post("/alpha/rewards/verify", data=data)
        body = response.get_data(as_text=True)
        assert response.status_code == 422 and "兑换码无效" in body and "张居民" not in body
    with scoped(street) as session:
        assert session.scalars(select(Redemption.status)).all() == ["issued"]
    assert "隔壁茶铺" not in merchant.get(HOME).get_data(as_text=True)


def test_a_merchants_deputy_account_hands_over_its_vouchers(
    app, street, make_user, scoped, resident
):
    """The voucher names the contact's account; the deputy at the counter acts for the same shop
    (the passport asks tenants/orgs through acts_for_provider). Another shop's account still
    cannot."""
    client, _user_id, passport_id = resident
    organisation_id, contact, _phone = make_merchant(scoped, street, make_user)
    deputy, deputy_phone = make_user(street, "org", name="店员")
    link_account(scoped, street, deputy, organisation_id)
    code = redeem(client, scoped, street, passport_id, add_voucher(scoped, street, contact))
    counter = signed_in(app, "alpha", deputy_phone)
    assert counter.post("/alpha/rewards/verify", data={"code": code}).status_code == 200
    done = counter.post("/alpha/rewards/verify", data={"code": code, "confirm": "1"})
    assert done.status_code == 302
    with scoped(street) as session:
        assert session.scalars(select(Redemption.status)).all() == ["verified"]
