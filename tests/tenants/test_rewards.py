"""Rewards (爱心超市): the catalogue, redeeming on the phone, cancelling, hand-over."""

from __future__ import annotations

import re
from functools import partial

import pytest
from sqlalchemy import func, select

from saas.auth.models import User
from saas.notify.models import Notification
from saas.streets.models import Tenant
from tenants.passport.ledger import ledger_sum, post_entry
from tenants.passport.models import EntryKind, Passport, PointEntry, Redemption, Reward
from tenants.passport.rewards import new_code
from tenants.passport.services import passport_for
from tests.conftest import both_backends
from tests.tenants.factories import (
    add_community,
    assert_statements_do_not_grow,
    png_bytes,
    signed_in,
)

pytestmark = pytest.mark.usefixtures("uploads")
HX = {"HX-Request": "true"}


def give_points(scoped, street, user_id, points, key="seed") -> int:
    with scoped(street) as session:
        tenant = session.get(Tenant, street.id)
        user = session.scalar(select(User).where(User.id == user_id))
        passport = passport_for(session, user, tenant)
        if points:
            post_entry(session, passport.id, points, EntryKind.earn, f"{key}:{user_id}")
        session.commit()
        return passport.id


@pytest.fixture
def volunteer(app, street, community, make_user, scoped):
    """A volunteer with 50 points, signed in: (client, user id, passport id)."""
    user_id, phone = make_user(street, "volunteer", name="张志愿", community_id=community)
    passport_id = give_points(scoped, street, user_id, 50)
    return signed_in(app, "alpha", phone), user_id, passport_id


def add_reward(scoped, street, community_id=None, **kw) -> int:
    values = {"name": "环保袋", "price": 20, "stock": 3, "community_id": community_id, **kw}
    with scoped(street) as session:
        reward = Reward(**values)
        session.add(reward)
        session.commit()
        return reward.id


def state(scoped, street, passport_id, reward_id):
    """(balance, stock, redemptions held, ledger sum)."""
    with scoped(street) as session:
        balance = session.scalar(select(Passport.balance).where(Passport.id == passport_id))
        stock = session.scalar(select(Reward.stock).where(Reward.id == reward_id))
        held = session.scalar(
            select(func.count())
            .select_from(Redemption)
            .where(Redemption.passport_id == passport_id, Redemption.status != "cancelled")
        )
        return balance, stock, held, ledger_sum(session, passport_id)


def the_redemption(scoped, street, passport_id) -> Redemption:
    with scoped(street) as session:
        row = session.scalar(
            select(Redemption)
            .where(Redemption.passport_id == passport_id)
            .order_by(Redemption.id.desc())
        )
        session.expunge(row)
        return row


# --- redeeming on the phone -------------------------------------------------------------------


@both_backends
def test_a_volunteer_redeems_and_gets_a_code_with_a_qr(volunteer, street, community, scoped):
    client, _user_id, passport_id = volunteer
    reward_id = add_reward(scoped, street, community)
    page = client.get("/alpha/rewards").get_data(as_text=True)
    assert "环保袋" in page and "朝阳社区爱心超市" in page and 'id="balance">50<' in page

    response = client.post(f"/alpha/rewards/{reward_id}/redeem")
    redemption = the_redemption(scoped, street, passport_id)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/alpha/redemptions/{redemption.id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert redemption.code in page and "<svg" in page and "兑换成功" in page
    assert redemption.status == "issued" and redemption.points == 20
    assert state(scoped, street, passport_id, reward_id) == (30, 2, 1, 30)
    assert redemption.code in client.get("/alpha/redemptions").get_data(as_text=True)
    assert f"兑换码：{redemption.code}" in client.get("/alpha/inbox").get_data(as_text=True)


@pytest.mark.parametrize(
    ("reward", "points", "message"),
    [
        ({"price": 60}, 50, "积分不足"),
        ({"stock": 0}, 50, "该奖品已兑完"),
        ({"is_active": False}, 50, "该奖品已下架"),
    ],
)
def test_refused_redemptions_write_nothing(volunteer, street, scoped, reward, points, message):
    client, _user_id, passport_id = volunteer
    reward_id = add_reward(scoped, street, **reward)
    before = state(scoped, street, passport_id, reward_id)
    response = client.post(f"/alpha/rewards/{reward_id}/redeem")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert state(scoped, street, passport_id, reward_id) == before


def test_an_account_without_a_passport_has_too_few_points(app, street, scoped, make_user):
    _user_id, phone = make_user(street, "volunteer")
    reward_id = add_reward(scoped, street)
    client = signed_in(app, "alpha", phone)
    response = client.post(f"/alpha/rewards/{reward_id}/redeem")
    assert response.status_code == 422 and "积分不足" in response.get_data(as_text=True)
    with scoped(street) as session:
        assert session.scalar(select(func.count()).select_from(Redemption)) == 0


def test_the_per_person_limit_holds(volunteer, street, scoped):
    client, _user_id, passport_id = volunteer
    reward_id = add_reward(scoped, street, price=10, per_person_limit=2)
    assert client.post(f"/alpha/rewards/{reward_id}/redeem").status_code == 302
    assert client.post(f"/alpha/rewards/{reward_id}/redeem").status_code == 302
    response = client.post(f"/alpha/rewards/{reward_id}/redeem")
    assert response.status_code == 422 and "每人限兑 2 件" in response.get_data(as_text=True)
    assert state(scoped, street, passport_id, reward_id) == (30, 1, 2, 30)


def test_cancelling_refunds_points_and_stock(volunteer, street, scoped, make_user, app):
    client, _user_id, passport_id = volunteer
    reward_id = add_reward(scoped, street, per_person_limit=1)
    client.post(f"/alpha/rewards/{reward_id}/redeem")
    redemption = the_redemption(scoped, street, passport_id)
    assert state(scoped, street, passport_id, reward_id) == (30, 2, 1, 30)

    # nobody else sees or cancels it
    _other_id, phone = make_user(street, "volunteer")
    other = signed_in(app, "alpha", phone)
    assert other.get(f"/alpha/redemptions/{redemption.id}").status_code == 404
    assert other.post(f"/alpha/redemptions/{redemption.id}/cancel").status_code == 404

    response = client.post(f"/alpha/redemptions/{redemption.id}/cancel")
    assert response.status_code == 302
    assert "20 积分已退回" in client.get("/alpha/redemptions").get_data(as_text=True)
    assert state(scoped, street, passport_id, reward_id) == (50, 3, 0, 50)
    with scoped(street) as session:
        kinds = session.scalars(select(PointEntry.kind).order_by(PointEntry.id)).all()
    assert kinds == ["earn", "redeem", "refund"]

    again = client.post(f"/alpha/redemptions/{redemption.id}/cancel")
    assert again.status_code == 422 and "该兑换已处理" in again.get_data(as_text=True)
    assert state(scoped, street, passport_id, reward_id) == (50, 3, 0, 50)
    # the limit counts what is held, so it can be redeemed again
    assert client.post(f"/alpha/rewards/{reward_id}/redeem").status_code == 302


# --- hand-over -----------------------------------------------------------------------------------


def test_staff_verify_a_code_once(volunteer, street, scoped, admin):
    client, user_id, passport_id = volunteer
    reward_id = add_reward(scoped, street)
    client.post(f"/alpha/rewards/{reward_id}/redeem")
    code = the_redemption(scoped, street, passport_id).code

    looked = admin.post("/alpha/rewards/verify", data={"code": f" {code[:4].lower()}-{code[4:]} "})
    page = looked.get_data(as_text=True)
    assert looked.status_code == 200
    assert "环保袋" in page and "张志愿" in page and "确认发放" in page
    with scoped(street) as session:
        phone = session.scalar(select(User.phone).where(User.id == user_id))
    assert phone not in page and f"{phone[:3]}****{phone[-4:]}" in page

    done = admin.post("/alpha/rewards/verify", data={"code": code, "confirm": "1"})
    assert done.status_code == 302
    assert "已核销：环保袋（张志愿）" in admin.get("/alpha/rewards/verify").get_data(as_text=True)
    again = admin.post("/alpha/rewards/verify", data={"code": code, "confirm": "1"})
    assert again.status_code == 422 and "已核销" in again.get_data(as_text=True)

    redemption = the_redemption(scoped, street, passport_id)
    assert redemption.status == "verified" and redemption.verified_by == street.admin_id
    with scoped(street) as session:
        titles = session.scalars(
            select(Notification.title).where(Notification.user_id == user_id)
        ).all()
    assert titles.count("兑换已核销") == 1
    # handed over: it can no longer be cancelled for a refund
    refused = client.post(f"/alpha/redemptions/{redemption.id}/cancel")
    assert refused.status_code == 422
    assert state(scoped, street, passport_id, reward_id)[0] == 30
    assert "已领取" in client.get(f"/alpha/redemptions/{redemption.id}").get_data(as_text=True)


def test_a_merchant_verifies_only_their_own_rewards(
    app, volunteer, street, community, scoped, make_user
):
    client, _user_id, passport_id = volunteer
    merchant_id, merchant_phone = make_user(street, "org", name="阳光便利店")
    rival_id, _ = make_user(street, "org", name="隔壁商店")
    own = add_reward(scoped, street, provider_id=merchant_id, name="洗衣液", price=10)
    theirs = add_reward(scoped, street, provider_id=rival_id, name="酱油", price=10)
    supermarket = add_reward(scoped, street, community, name="大米", price=10)
    codes = {}
    for reward_id in (own, theirs, supermarket):
        client.post(f"/alpha/rewards/{reward_id}/redeem")
        codes[reward_id] = the_redemption(scoped, street, passport_id).code

    merchant = signed_in(app, "alpha", merchant_phone)
    for reward_id in (theirs, supermarket):
        response = merchant.post("/alpha/rewards/verify", data={"code": codes[reward_id]})
        body = response.get_data(as_text=True)
        assert response.status_code == 422 and "兑换码无效" in body and "张志愿" not in body
        response = merchant.post(
            "/alpha/rewards/verify", data={"code": codes[reward_id], "confirm": "1"}
        )
        assert response.status_code == 422
    assert (
        merchant.post(
            "/alpha/rewards/verify", data={"code": codes[own], "confirm": "1"}
        ).status_code
        == 302
    )
    with scoped(street) as session:
        verified = session.scalars(
            select(Redemption.reward_id).where(Redemption.status == "verified")
        ).all()
    assert verified == [own]
    # a volunteer does not verify at all
    assert client.get("/alpha/rewards/verify").status_code == 403


def test_another_streets_code_is_invalid(volunteer, street, scoped, make_street, app):
    client, _user_id, passport_id = volunteer
    client.post(f"/alpha/rewards/{add_reward(scoped, street)}/redeem")
    code = the_redemption(scoped, street, passport_id).code
    bravo = make_street("bravo")
    other = signed_in(app, "bravo", bravo.admin_phone)
    for data in ({"code": code}, {"code": code, "confirm": "1"}):
        response = other.post("/bravo/rewards/verify", data=data)
        assert response.status_code == 422 and "兑换码无效" in response.get_data(as_text=True)
    assert the_redemption(scoped, street, passport_id).status == "issued"


@pytest.mark.parametrize("code", ["", "<script>", "²²²²²²²²", "9" * 40, "ABC"])
def test_odd_codes_are_refused_politely(admin, code):
    response = admin.post("/alpha/rewards/verify", data={"code": code})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "兑换码无效" in body or "请输入兑换码" in body
    assert "<script>" not in body.split('name="code"')[0][-200:]


# --- the catalogue -------------------------------------------------------------------------------


def reward_form(community_id, **changes):
    return {
        "name": "保温杯",
        "description": "容量 500 毫升",
        "price": "80",
        "stock": "10",
        "limit": "",
        "provider_kind": "community",
        "community": str(community_id),
        "merchant": "",
        "is_active": "y",
        **changes,
    }


def rewards(scoped, street) -> list[Reward]:
    with scoped(street) as session:
        rows = session.scalars(select(Reward).order_by(Reward.id)).all()
        session.expunge_all()
        return list(rows)


def test_admin_adds_a_reward_with_a_picture(admin, street, community, scoped, uploads, app):
    data = reward_form(community, picture_file=(__import__("io").BytesIO(png_bytes()), "a.png"))
    response = admin.post("/alpha/rewards/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302 and response.headers["Location"] == "/alpha/rewards/manage"
    [reward] = rewards(scoped, street)
    assert (reward.name, reward.price, reward.stock, reward.community_id) == (
        "保温杯",
        80,
        10,
        community,
    )
    # stored under a random name, never the uploader's
    assert re.fullmatch(r"[0-9a-f]{16,}\.png", reward.picture), reward.picture
    assert (uploads / str(street.id) / reward.picture).read_bytes() == png_bytes()
    assert "保温杯" in admin.get("/alpha/rewards/manage").get_data(as_text=True)

    picture = admin.get(f"/alpha/rewards/{reward.id}/picture")
    assert picture.status_code == 200 and picture.mimetype == "image/png"
    assert picture.data == png_bytes()
    # signed-in people of the street only
    assert app.test_client().get(f"/alpha/rewards/{reward.id}/picture").status_code == 302


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"<?php echo 1; ?>", "evil.png", "请上传 PNG、JPEG 或 WebP 格式的图片"),
        (b"GIF89a" + b"\0" * 20, "anim.gif", "请上传 PNG、JPEG 或 WebP 格式的图片"),
        (png_bytes(2 * 1024 * 1024), "big.png", "图片不能超过 2 MB"),
    ],
)
def test_pictures_are_checked_by_content_and_size(
    admin, street, community, scoped, uploads, content, name, message
):
    import io

    data = reward_form(community, picture_file=(io.BytesIO(content), name))
    response = admin.post("/alpha/rewards/new", data=data, content_type="multipart/form-data")
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and message in body
    assert 'value="保温杯"' in body  # nothing typed is lost
    assert rewards(scoped, street) == []
    assert not uploads.exists() or not any(uploads.rglob("*.*"))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ""}, "请填写名称"),
        ({"name": "奖" * 101}, "名称不能超过100个字"),
        ({"price": "0"}, "所需积分须为 1–100000 的整数"),
        ({"price": "²"}, "所需积分须为 1–100000 的整数"),
        ({"price": "100001"}, "所需积分须为 1–100000 的整数"),
        ({"price": "9" * 40}, "所需积分须为 1–100000 的整数"),
        ({"stock": "-1"}, "库存须为 0–100000 的整数"),
        ({"limit": "0"}, "每人限兑须为 1–100000 的整数"),
        ({"community": ""}, "请选择本街道的社区"),
        ({"community": "123456789"}, "请选择本街道的社区"),
        ({"provider_kind": "merchant"}, "请选择本街道的商户或单位账号"),
        ({"provider_kind": "other"}, "请选择提供方"),
    ],
)
def test_reward_form_refusals(admin, street, community, scoped, changes, message):
    response = admin.post("/alpha/rewards/new", data=reward_form(community, **changes))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert rewards(scoped, street) == []


def test_a_merchant_provider_must_be_an_org_account_of_the_street(
    admin, street, community, scoped, make_user, make_street
):
    volunteer_id, _ = make_user(street, "volunteer")
    bravo = make_street("bravo")
    foreign_org, _ = make_user(bravo, "org")
    for bad in (volunteer_id, foreign_org):
        data = reward_form(community, provider_kind="merchant", merchant=str(bad))
        assert admin.post("/alpha/rewards/new", data=data).status_code == 422
    merchant_id, _ = make_user(street, "org", name="阳光便利店")
    data = reward_form(community, provider_kind="merchant", merchant=str(merchant_id))
    assert admin.post("/alpha/rewards/new", data=data).status_code == 302
    [reward] = rewards(scoped, street)
    assert (reward.provider_id, reward.community_id) == (merchant_id, None)
    assert "阳光便利店" in admin.get("/alpha/rewards/manage").get_data(as_text=True)


def test_edit_and_restock(admin, street, community, scoped):
    reward_id = add_reward(scoped, street, community, stock=5)
    page = admin.get(f"/alpha/rewards/{reward_id}/edit").get_data(as_text=True)
    assert 'value="环保袋"' in page and "当前库存 5" in page
    data = reward_form(community, name="<b>新袋子</b>", price="15", stock="999", is_active="")
    assert admin.post(f"/alpha/rewards/{reward_id}/edit", data=data).status_code == 302
    [reward] = rewards(scoped, street)
    # the edit form never sets the stock: only restocking adds to it
    assert (reward.name, reward.price, reward.stock, reward.is_active) == (
        "<b>新袋子</b>",
        15,
        5,
        False,
    )
    assert "&lt;b&gt;新袋子" in admin.get("/alpha/rewards/manage").get_data(as_text=True)

    assert (
        admin.post(f"/alpha/rewards/{reward_id}/restock", data={"amount": "7"}).status_code == 302
    )
    assert rewards(scoped, street)[0].stock == 12
    for amount, message in [
        ("0", "补货数量须为"),
        ("²", "补货数量须为"),
        ("99999", "库存不能超过"),
    ]:
        response = admin.post(f"/alpha/rewards/{reward_id}/restock", data={"amount": amount})
        assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert rewards(scoped, street)[0].stock == 12


def test_staff_of_one_community_manage_only_its_items(app, street, community, scoped, make_user):
    other = add_community(scoped, street, "清泉社区")
    mine = add_reward(scoped, street, community, name="朝阳大米")
    theirs = add_reward(scoped, street, other, name="清泉面粉")
    _staff_id, phone = make_user(street, "staff", community_id=community)
    staff = signed_in(app, "alpha", phone)
    page = staff.get("/alpha/rewards/manage").get_data(as_text=True)
    assert "朝阳大米" in page and "清泉面粉" not in page
    assert staff.get(f"/alpha/rewards/{theirs}/edit").status_code == 403
    assert staff.post(f"/alpha/rewards/{theirs}/restock", data={"amount": "5"}).status_code == 403
    assert staff.get(f"/alpha/rewards/{mine}/edit").status_code == 200
    response = staff.post("/alpha/rewards/new", data=reward_form(other))
    assert response.status_code == 422 and "只能管理本社区" in response.get_data(as_text=True)
    assert staff.post("/alpha/rewards/new", data=reward_form(community)).status_code == 302


def test_volunteers_do_not_manage(volunteer, street, scoped):
    client, _user_id, _passport_id = volunteer
    reward_id = add_reward(scoped, street)
    assert client.get("/alpha/rewards/manage").status_code == 403
    assert client.get("/alpha/rewards/new").status_code == 403
    assert (
        client.post(f"/alpha/rewards/{reward_id}/restock", data={"amount": "5"}).status_code == 403
    )


def test_pages_need_a_signed_in_account(app, street, scoped):
    reward_id = add_reward(scoped, street)
    client = app.test_client()
    for url in ("/alpha/rewards", "/alpha/redemptions", "/alpha/rewards/verify"):
        response = client.get(url)
        assert response.status_code == 302 and "/alpha/login" in response.headers["Location"]
    assert client.post(f"/alpha/rewards/{reward_id}/redeem").status_code == 302


# --- statements per page -------------------------------------------------------------------------


def _grow(scoped, street, passport_id, community_id, n):
    with scoped(street) as session:
        for i in range(n):
            reward = Reward(name=f"奖品{i}", price=1, stock=5, community_id=community_id)
            session.add(reward)
            session.flush()
            session.add(
                Redemption(reward_id=reward.id, passport_id=passport_id, code=new_code(), points=1)
            )
        session.commit()


@both_backends
@pytest.mark.parametrize(
    "page", ["/rewards", "/redemptions", "/rewards/manage", "/rewards/redemptions"]
)
def test_statements_per_page_do_not_grow(app, volunteer, street, community, scoped, admin, page):
    client, _user_id, passport_id = volunteer
    viewer = admin if page.startswith("/rewards/") else client
    url = f"/alpha{page}"
    grow = partial(_grow, scoped, street, passport_id, community)
    assert_statements_do_not_grow(app, viewer, url, grow, more=10, most=10)


def test_demo_rewards_load_twice_without_doubling(app, scoped, unscoped):
    from saas.demo import load_demo as load_street
    from tenants.passport.reward_demo import REWARDS, load_demo
    from tenants.wishes.demo import load_demo as load_wishes

    with unscoped() as session:
        load_street(session)
        session.commit()
        tenant_id = session.scalar(select(Tenant.id).where(Tenant.slug == "demo"))
    for _ in range(2):
        with scoped(tenant_id) as session:
            tenant = session.get(Tenant, tenant_id)
            load_wishes(session, tenant)  # the volunteer's points come first
            load_demo(session, tenant)
            session.commit()
    with scoped(tenant_id) as session:
        # the passport's own demo rewards, made once (modules built on it add their vouchers)
        names = [reward[0] for reward in REWARDS]
        mine = select(func.count()).select_from(Reward).where(Reward.name.in_(names))
        assert session.scalar(mine) == len(REWARDS)
        volunteer = session.scalar(select(User).where(User.phone == "13900000005"))
        passport = session.scalar(select(Passport).where(Passport.user_id == volunteer.id))
        states = session.scalars(
            select(Redemption.status).where(Redemption.passport_id == passport.id)
        ).all()
        assert sorted(states) == ["issued", "verified"]
        assert passport.balance == ledger_sum(session, passport.id) >= 0
        merchant = session.scalar(select(User).where(User.phone == "13900000301"))
        assert merchant.role == "org"


def test_replacing_a_picture_removes_the_old_file(admin, street, community, scoped, uploads):
    import io

    reward_id = add_reward(scoped, street, community)
    folder = uploads / str(street.id)
    for _ in range(2):
        data = reward_form(community, picture_file=(io.BytesIO(png_bytes()), "p.png"))
        response = admin.post(
            f"/alpha/rewards/{reward_id}/edit", data=data, content_type="multipart/form-data"
        )
        assert response.status_code == 302
    [reward] = rewards(scoped, street)
    assert [p.name for p in folder.iterdir()] == [reward.picture]
    data = reward_form(community, remove_picture="y")
    assert admin.post(f"/alpha/rewards/{reward_id}/edit", data=data).status_code == 302
    assert rewards(scoped, street)[0].picture == "" and list(folder.iterdir()) == []
    assert admin.get(f"/alpha/rewards/{reward_id}/picture").status_code == 404


def test_the_manage_filters_answer_htmx_with_the_rows(admin, street, community, scoped):
    add_reward(scoped, street, community, name="上架的")
    add_reward(scoped, street, community, name="下架的", is_active=False)
    response = admin.get(
        "/alpha/rewards/manage", query_string={"status": "inactive"}, headers={"HX-Request": "true"}
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert "下架的" in body and "上架的" not in body
    # volunteers see only what is on the shelf
    assert "下架的" not in admin.get("/alpha/rewards").get_data(as_text=True)


# --- the office's list of redemptions ------------------------------------------------------------


@both_backends
def test_the_office_lists_every_redemption_by_status(
    app, volunteer, street, community, scoped, admin, make_user
):
    client, _user_id, passport_id = volunteer
    rice = add_reward(scoped, street, community, name="朝阳大米", price=10, stock=5)
    for _ in range(3):
        assert client.post(f"/alpha/rewards/{rice}/redeem").status_code in (200, 302)
    first = the_redemption(scoped, street, passport_id)
    client.post(f"/alpha/redemptions/{first.id}/cancel")
    page = admin.get("/alpha/rewards/redemptions").get_data(as_text=True)
    assert "共 3 条兑换记录" in page and page.count("朝阳大米") == 3 and "张志愿" in page
    assert "兑换记录" in admin.get("/alpha/rewards/manage").get_data(as_text=True)

    response = admin.get("/alpha/rewards/redemptions?status=cancelled", headers=HX)
    body = response.get_data(as_text=True)
    assert "<html" not in body and "共 1 条兑换记录" in body and "已取消" in body
    issued = admin.get("/alpha/rewards/redemptions?status=issued").get_data(as_text=True)
    assert "共 2 条兑换记录" in issued
    # a status that does not exist shows all rather than failing
    odd = admin.get("/alpha/rewards/redemptions?status=<b>").get_data(as_text=True)
    assert "共 3 条兑换记录" in odd
    # staff of another community see none of this 爱心超市's; volunteers none at all
    other = add_community(scoped, street, "清泉社区")
    _staff_id, phone = make_user(street, "staff", community_id=other)
    staff = signed_in(app, "alpha", phone)
    assert "没有符合条件的兑换记录" in staff.get("/alpha/rewards/redemptions").get_data(
        as_text=True
    )
    assert client.get("/alpha/rewards/redemptions").status_code == 403
