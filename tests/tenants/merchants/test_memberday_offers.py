"""Offers on a member day: a merchant joins with a discount or a catalogue voucher, bad input is
refused, staff see and withdraw, residents see and subscribe."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from tenants.merchants.models import Offer, Subscription
from tenants.passport.models import Reward
from tests.conftest import both_backends
from tests.tenants.factories import assert_statements_do_not_grow, signed_in
from tests.tenants.merchants.memberday_factories import (
    make_circle,
    make_days,
    make_merchant,
    next_day_id,
)


@pytest.fixture
def shop(app, street, scoped, make_user):
    """A circle with its member days and one merchant signed in on its phone."""
    circle = make_circle(scoped, street, "幸福商圈")
    org, user, phone = make_merchant(scoped, street, make_user, circle, "老街面馆")
    make_days(scoped, street)
    return {
        "circle": circle,
        "org": org,
        "user": user,
        "client": signed_in(app, "alpha", phone),
        "day": next_day_id(scoped, street, circle),
    }


def _join(shop, **data):
    form = {f"d{shop['day']}-{k}": v for k, v in data.items()}
    return shop["client"].post(f"/alpha/merchants/member-days/{shop['day']}/join", data=form)


def _offers(scoped, street):
    with scoped(street) as session:
        return session.scalars(select(Offer)).all()


@both_backends
def test_a_voucher_is_a_reward_of_the_catalogue_the_merchant_provides(shop, street, scoped):
    page = shop["client"].get("/alpha/merchants/offers").get_data(as_text=True)
    assert "幸福商圈会员日" in page and "参加会员日" in page
    response = _join(shop, kind="voucher", text="凭券免费加一份浇头", price="30", stock="20")
    assert response.status_code == 302
    (offer,) = _offers(scoped, street)
    with scoped(street) as session:
        reward = session.scalar(select(Reward).where(Reward.id == offer.reward_id))
        assert (reward.name, reward.price, reward.stock) == ("凭券免费加一份浇头", 30, 20)
        assert reward.provider_id == shop["user"] and reward.per_person_limit == 1
    page = shop["client"].get("/alpha/merchants/offers").get_data(as_text=True)
    assert "剩余 20 张" in page
    # one offer per merchant per member day
    again = _join(shop, kind="discount", text="全场九折")
    assert again.status_code == 422
    assert "每个会员日只能提供一项优惠" in again.get_data(as_text=True)
    assert len(_offers(scoped, street)) == 1


def test_a_discount_is_words_only(shop, street, scoped):
    assert _join(shop, kind="discount", text="  全场  九折 ").status_code == 302
    (offer,) = _offers(scoped, street)
    assert (offer.kind, offer.text, offer.reward_id) == ("discount", "全场 九折", None)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"kind": "voucher", "text": "券", "price": "-5", "stock": "10"},
            "所需积分须为 1–100000 的整数",
        ),
        (
            {"kind": "voucher", "text": "券", "price": "0", "stock": "10"},
            "所需积分须为 1–100000 的整数",
        ),
        (
            {"kind": "voucher", "text": "券", "price": "10", "stock": "-1"},
            "数量须为 1–100000 的整数",
        ),
        (
            {"kind": "voucher", "text": "券", "price": "10", "stock": "0"},
            "数量须为 1–100000 的整数",
        ),
        (
            {"kind": "voucher", "text": "券", "price": "abc", "stock": "3"},
            "所需积分须为 1–100000 的整数",
        ),
        (
            {"kind": "voucher", "text": "券", "price": "²", "stock": "3"},
            "所需积分须为 1–100000 的整数",
        ),
        ({"kind": "voucher", "text": "券", "price": "1" * 25, "stock": "3"}, "所需积分须为整数"),
        ({"kind": "discount", "text": "   "}, "请填写优惠内容"),
        ({"kind": "discount", "text": "折" * 100_000}, "优惠内容不能超过 200 个字"),
        (
            {"kind": "voucher", "text": "券" * 101, "price": "1", "stock": "1"},
            "优惠内容不能超过 100 个字",
        ),
        ({"kind": "gift", "text": "送"}, "请选择优惠方式"),
    ],
)
def test_bad_input_is_refused_and_kept(shop, street, scoped, data, message):
    response = _join(shop, **data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    if len(data.get("text", "")) < 300 and data.get("text", "").strip():
        assert data["text"] in page  # what was typed is still there
    assert _offers(scoped, street) == []
    with scoped(street) as session:
        assert session.scalar(select(func.count()).select_from(Reward)) == 0


def test_another_circles_day_and_another_streets_are_404(
    app, shop, street, make_street, scoped, make_user
):
    other_circle = make_circle(scoped, street, "滨河商圈")
    make_days(scoped, street)
    other_day = next_day_id(scoped, street, other_circle)
    response = shop["client"].post(
        f"/alpha/merchants/member-days/{other_day}/join",
        data={f"d{other_day}-kind": "discount", f"d{other_day}-text": "九折"},
    )
    assert response.status_code == 404
    # a merchant of street B asks for street A's member day and offers
    bravo = make_street("bravo")
    b_circle = make_circle(scoped, bravo, "乙商圈")
    _o, _u, b_phone = make_merchant(scoped, bravo, make_user, b_circle, "乙面馆")
    b = signed_in(app, "bravo", b_phone)
    assert b.post(f"/bravo/merchants/member-days/{shop['day']}/join",
                  data={f"d{shop['day']}-kind": "discount", f"d{shop['day']}-text": "x"}
                  ).status_code == 404  # fmt: skip
    assert _join(shop, kind="discount", text="九折").status_code == 302
    (offer,) = _offers(scoped, street)
    b_admin = signed_in(app, "bravo", bravo.admin_phone)
    assert b_admin.get(f"/bravo/merchants/member-days/{shop['day']}").status_code == 404
    assert b_admin.post(f"/bravo/merchants/offers/{offer.id}/withdraw").status_code == 404
    assert len(_offers(scoped, street)) == 1
    # a resident is not a merchant
    _v, v_phone = make_user(street, "volunteer")
    resident = signed_in(app, "alpha", v_phone)
    assert resident.get("/alpha/merchants/offers").status_code in (302, 403, 404)
    assert resident.post(f"/alpha/merchants/member-days/{shop['day']}/join",
                         data={f"d{shop['day']}-kind": "discount", f"d{shop['day']}-text": "x"}
                         ).status_code == 404  # fmt: skip


def test_staff_see_the_offers_and_withdraw_one(app, shop, street, scoped, admin):
    _join(shop, kind="voucher", text="凭券理发八折", price="10", stock="5")
    page = admin.get(f"/alpha/merchants/member-days/{shop['day']}").get_data(as_text=True)
    assert "凭券理发八折" in page and "老街面馆" in page
    listing = admin.get("/alpha/merchants/member-days").get_data(as_text=True)
    assert "幸福商圈" in listing
    export = admin.get(f"/alpha/merchants/member-days/{shop['day']}/offers.xlsx")
    rows = list(load_workbook(io.BytesIO(export.data)).active.values)
    assert rows[0][:3] == ("商户", "优惠方式", "优惠内容")
    assert rows[1][:5] == ("老街面馆", "积分兑换券", "凭券理发八折", 10, 5)
    (offer,) = _offers(scoped, street)
    assert admin.post(f"/alpha/merchants/offers/{offer.id}/withdraw").status_code == 302
    assert _offers(scoped, street) == []
    with scoped(street) as session:
        assert session.scalar(select(Reward.is_active)) is False
    inbox = shop["client"].get("/alpha/inbox").get_data(as_text=True)
    assert "会员日优惠已撤下" in inbox


def test_residents_see_the_next_day_and_subscribe(app, shop, street, scoped, make_user):
    _join(shop, kind="voucher", text="凭券送饮料", price="8", stock="3")
    (offer,) = _offers(scoped, street)
    _v, phone = make_user(street, "volunteer")
    resident = signed_in(app, "alpha", phone)
    page = resident.get("/alpha/merchants/member-day").get_data(as_text=True)
    assert "幸福商圈会员日" in page and "凭券送饮料" in page
    assert f"/alpha/rewards#reward-{offer.reward_id}" in page
    assert resident.post("/alpha/merchants/member-day/subscribe",
                         data={"circle": shop["circle"], "on": "1"}).status_code == 302  # fmt: skip
    resident.post(
        "/alpha/merchants/member-day/subscribe", data={"circle": shop["circle"], "on": "1"}
    )
    with scoped(street) as session:
        assert session.scalar(select(func.count()).select_from(Subscription)) == 1
    assert "取消提醒" in resident.get("/alpha/merchants/member-day").get_data(as_text=True)
    resident.post(
        "/alpha/merchants/member-day/subscribe", data={"circle": shop["circle"], "on": "0"}
    )
    with scoped(street) as session:
        assert session.scalar(select(func.count()).select_from(Subscription)) == 0
    for bad in ("999", "²", "1" * 25, ""):
        response = resident.post(
            "/alpha/merchants/member-day/subscribe", data={"circle": bad, "on": "1"}
        )
        assert response.status_code == 404


def test_the_member_days_list_runs_constant_statements(app, admin, street, scoped, make_user):
    made = []

    def grow(n):
        while len(made) < n:
            circle = make_circle(scoped, street, f"商圈{len(made)}")
            make_merchant(scoped, street, make_user, circle, f"商户{len(made)}")
            made.append(circle)
        make_days(scoped, street)

    assert_statements_do_not_grow(app, admin, "/alpha/merchants/member-days", grow, 10, 12)
    assert_statements_do_not_grow(app, admin, "/alpha/merchants/member-day", grow, 10, 12)


def test_an_org_account_adds_to_the_catalogue_only_what_it_provides(street, scoped, make_user):
    """The passport's small extension: an org account may create a reward it provides itself,
    nothing else (another provider, a community's 爱心超市)."""
    from saas.auth.models import User
    from saas.errors import Forbidden, ServiceError
    from tenants.passport.rewards import RewardInput, create_reward

    me, _p = make_user(street, "org", name="老街面馆")
    other, _p2 = make_user(street, "org", name="隔壁花店")
    with scoped(street) as session:
        actor = session.scalar(select(User).where(User.id == me))

        def data(provider_kind="merchant", provider_id=me):
            return RewardInput(name="券", description="", price=5, per_person_limit=None,
                               provider_kind=provider_kind, community_id=None,
                               provider_id=provider_id, is_active=True, stock=3)  # fmt: skip

        assert create_reward(session, actor, data()).provider_id == me
        with pytest.raises(Forbidden):
            create_reward(session, actor, data(provider_id=other))
        with pytest.raises(ServiceError):
            create_reward(session, actor, data(provider_kind="community"))


def test_a_member_days_offers_run_constant_statements(app, admin, street, scoped, make_user):
    """The office's page of one member day, and the merchant's own offers page, whatever the
    number of merchants and offers."""
    circle = make_circle(scoped, street, "幸福商圈")
    _org, _uid, phone = make_merchant(scoped, street, make_user, circle, "老街面馆")
    make_days(scoped, street)
    day_id = next_day_id(scoped, street, circle)
    merchant = signed_in(app, "alpha", phone)
    made = []

    def grow(n):
        while len(made) < n:
            org, _user, _phone = make_merchant(
                scoped, street, make_user, circle, f"商户{len(made)}"
            )
            with scoped(street) as session:
                session.add(
                    Offer(member_day_id=day_id, organisation_id=org, kind="discount", text="九折")
                )
                session.commit()
            made.append(org)

    assert_statements_do_not_grow(
        app, admin, f"/alpha/merchants/member-days/{day_id}", grow, 10, 12
    )
    assert_statements_do_not_grow(app, merchant, "/alpha/merchants/offers", grow, 10, 12)
