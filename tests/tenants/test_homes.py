"""Every role lands on its own home, and a volunteer sees the next thing to do: the org account's
home, no passports for the office or units, the next sign-up first on /me, an event's own page
with its link, and what an event earns on its card."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from saas.auth.models import User
from saas.db import utcnow
from saas.notify.services import notify
from tenants.events.models import Registration
from tenants.events.registration import cancel_registration, register
from tenants.passport.models import Passport, PointRule
from tests.conftest import both_backends, login
from tests.tenants.factories import make_event, signed_in


def text(response) -> str:
    return response.get_data(as_text=True)


def passports(scoped, street) -> int:
    with scoped(street) as session:
        return session.scalar(select(func.count()).select_from(Passport))


def sign_up(scoped, street, event_id: int, user_id: int, headcount: int = 1) -> None:
    """Through the engine's own service, as the sign-up button does."""
    from tenants.events.models import Event

    with scoped(street) as session:
        user = session.scalar(select(User).where(User.id == user_id))
        event = session.scalar(select(Event).where(Event.id == event_id))
        register(session, user, event, headcount=headcount)
        session.commit()


def leave(scoped, street, event_id: int, user_id: int) -> None:
    with scoped(street) as session:
        user = session.scalar(select(User).where(User.id == user_id))
        registration = session.scalar(
            select(Registration).where(
                Registration.event_id == event_id, Registration.user_id == user_id
            )
        )
        cancel_registration(session, user, registration)
        session.commit()


# --- every role's home ----------------------------------------------------------------------------


@both_backends
def test_an_org_account_lands_on_its_home_not_a_passport(app, client, street, make_user, scoped):
    org_id, phone = make_user(street, "org", name="幸福里便民超市")
    mine = make_event(scoped, street, title="商户会员日", audience="merchants", capacity=30)
    make_event(scoped, street, title="联盟共建日", audience="alliance")
    make_event(scoped, street, title="志愿者专场")
    sign_up(scoped, street, mine, org_id, headcount=4)
    with scoped(street) as session:
        notify(
            session,
            session.scalar(select(User).where(User.id == org_id)),
            "welcome",
            "欢迎加入商圈联盟",
        )
        session.commit()

    response = login(client, "alpha", phone)
    assert response.headers["Location"] == "/alpha/org"
    assert client.get("/alpha/").headers["Location"] == "/alpha/org"
    page = text(client.get("/alpha/org"))
    assert "幸福里便民超市" in page
    assert "商户会员日" in page and "已报名（4 人）" in page  # signed up
    assert "联盟共建日" in page and "志愿者专场" not in page  # open to units, not volunteers'
    assert 'href="/alpha/rewards/verify"' in page  # voucher verification
    assert "欢迎加入商圈联盟" in page  # its notifications
    assert "护照编号" not in page and "我的护照码" not in page  # not a passport

    # /me is a volunteer's: the unit is sent home and is issued no passport
    assert client.get("/alpha/me").headers["Location"] == "/alpha/org"
    assert client.get("/alpha/me/qr.svg").status_code == 404
    assert passports(scoped, street) == 0


@both_backends
@pytest.mark.parametrize("role", ["admin", "staff"])
def test_the_office_opening_me_is_sent_to_the_dashboard_without_a_passport(
    app, street, community, make_user, scoped, role
):
    phone = street.admin_phone if role == "admin" else make_user(street, "staff")[1]
    client = signed_in(app, "alpha", phone)
    response = client.get("/alpha/me")
    assert response.status_code == 302 and response.headers["Location"] == "/alpha/dashboard"
    assert passports(scoped, street) == 0
    assert client.get("/alpha/org").status_code == 403  # a unit's page


def test_a_volunteer_lands_on_the_passport(client, street, make_user):
    _uid, phone = make_user(street, "volunteer")
    assert login(client, "alpha", phone).headers["Location"] == "/alpha/me"
    assert client.get("/alpha/").headers["Location"] == "/alpha/me"


# --- /me: the next thing to do --------------------------------------------------------------------


@both_backends
def test_me_shows_the_next_signup_first_with_check_in_when_open(client, street, make_user, scoped):
    user_id, phone = make_user(street, "volunteer")
    soon = make_event(
        scoped,
        street,
        title="社区义诊",
        place="幸福里社区卫生站",
        starts_at=utcnow() + timedelta(hours=1),
    )
    later = make_event(scoped, street, title="河道清理", starts_at=utcnow() + timedelta(days=5))
    sign_up(scoped, street, soon, user_id)
    sign_up(scoped, street, later, user_id)
    login(client, "alpha", phone)

    page = text(client.get("/alpha/me"))
    first = page.index("下一场活动")
    assert first < page.index("社区义诊") < page.index("我的护照码") < page.index("河道清理")
    assert page.index("passport-points") < first  # right under the balance
    assert "幸福里社区卫生站" in page
    assert f'href="/alpha/activities/{soon}"' in page
    assert ">签到</summary>" in page  # check-in opens two hours before the start
    assert '<details class="card passport-qr">' in page  # the QR is behind a tap


@both_backends
def test_no_check_in_button_before_it_opens_and_go_sign_up_when_none(
    client, street, make_user, scoped
):
    user_id, phone = make_user(street, "volunteer")
    login(client, "alpha", phone)
    page = text(client.get("/alpha/me"))
    assert "暂无报名的活动" in page and "去报名" in page
    assert page.index("去报名") < page.index("我的护照码")

    later = make_event(scoped, street, title="河道清理", starts_at=utcnow() + timedelta(days=2))
    sign_up(scoped, street, later, user_id)
    page = text(client.get("/alpha/me"))
    assert "河道清理" in page and ">签到</summary>" not in page and "去报名" not in page


@both_backends
def test_the_waitlist_place_on_me_is_current_after_a_promotion(client, street, make_user, scoped):
    people = [make_user(street, "volunteer", name=f"志愿者{i}") for i in range(4)]
    event_id = make_event(scoped, street, title="敬老院探访", capacity=1)
    for user_id, _phone in people:
        sign_up(scoped, street, event_id, user_id)
    last_id, last_phone = people[3]
    login(client, "alpha", last_phone)
    assert "候补第 3 位" in text(client.get("/alpha/me"))

    leave(scoped, street, event_id, people[0][0])  # the first waiting is promoted
    with scoped(street) as session:
        stored = session.scalar(
            select(Registration.waitlist_position).where(Registration.user_id == last_id)
        )
    assert stored == 3  # the stored position is stale …
    page = text(client.get("/alpha/me"))
    assert "候补第 2 位" in page and "候补第 3 位" not in page  # … the page is not
    assert ">签到</summary>" not in page  # waiting holds no seat


# --- an event's own page --------------------------------------------------------------------------


@both_backends
def test_an_event_has_its_own_page_to_share_and_sign_up_on(
    app, client, street, make_user, scoped, make_street
):
    user_id, phone = make_user(street, "volunteer")
    event_id = make_event(scoped, street, title="周末义诊", description="带上身份证")
    draft = make_event(scoped, street, title="草稿", status="draft")
    url = f"/alpha/activities/{event_id}"

    signed_out = client.get(url)  # from the WeChat group, not signed in yet: back here after
    assert signed_out.status_code == 302 and "/alpha/login" in signed_out.headers["Location"]
    assert "next=" in signed_out.headers["Location"]

    login(client, "alpha", phone)
    page = text(client.get(url))
    assert "<h1" in page and "周末义诊" in page and "带上身份证" in page
    assert f"http://localhost/alpha/activities/{event_id}" in page  # the link to paste
    assert f'action="/alpha/events/{event_id}/register"' in page
    assert client.get(f"/alpha/activities/{draft}").status_code == 404

    response = client.post(f"/alpha/events/{event_id}/register", headers={"HX-Request": "true"})
    assert response.status_code == 200 and "报名成功" in text(response)
    with scoped(street) as session:
        assert session.scalar(select(Registration.user_id)) == user_id

    # another street's volunteer: the same id is nothing there
    _other, other_phone = make_user(make_street("bravo"), "volunteer")
    other = signed_in(app, "bravo", other_phone)
    assert other.get(f"/bravo/activities/{event_id}").status_code == 404


def test_staff_see_the_event_page_with_its_link_and_no_sign_up(app, street, scoped):
    event_id = make_event(scoped, street, title="周末义诊")
    page = text(signed_in(app, "alpha", street.admin_phone).get(f"/alpha/activities/{event_id}"))
    assert f"http://localhost/alpha/activities/{event_id}" in page
    assert f'href="/alpha/events/{event_id}"' in page  # manage it
    assert "/register" not in page


# --- what an event earns -------------------------------------------------------------------------


@both_backends
def test_the_card_says_what_the_event_earns(client, street, make_user, scoped):
    _uid, phone = make_user(street, "volunteer")
    make_event(scoped, street, title="固定积分", points_mode="fixed", points_value=30)
    make_event(scoped, street, title="自定每小时", points_value=20)  # 3 hours
    make_event(scoped, street, title="街道规则", kind="campaign")
    make_event(scoped, street, title="默认规则")
    with scoped(street) as session:
        session.add(PointRule(event_kind="campaign", points_per_hour=15))
        session.commit()
    login(client, "alpha", phone)
    page = text(client.get("/alpha/activities"))

    def card(title: str) -> str:
        start = page.index(title)
        return page[start : page.index("</article>", start)]

    assert "参加可得 30 积分" in card("固定积分")
    assert "每小时 20 积分（全程约 60 积分）" in card("自定每小时")
    assert "每小时 15 积分（全程约 45 积分）" in card("街道规则")
    assert "每小时 10 积分（全程约 30 积分）" in card("默认规则")


def test_passports_issued_to_the_office_before_are_not_listed(app, street, make_user, scoped):
    from saas.streets.models import Tenant
    from tenants.passport.services import passport_for

    _vid, _vphone = make_user(street, "volunteer", name="张志愿")
    with scoped(street) as session:
        tenant = session.get(Tenant, street.id)
        for user in session.scalars(select(User).order_by(User.id)):
            passport_for(session, user, tenant)  # as /me did for everyone
        session.commit()
    page = text(signed_in(app, "alpha", street.admin_phone).get("/alpha/passports"))
    assert "张志愿" in page and "ALPHA-000002" in page
    assert "ALPHA-000001" not in page  # the admin's, issued first


def test_signing_up_on_the_event_page_comes_back_to_it(client, street, make_user, scoped):
    _uid, phone = make_user(street, "volunteer")
    event_id = make_event(scoped, street, title="周末义诊")
    login(client, "alpha", phone)
    assert 'name="single" value="1"' in text(client.get(f"/alpha/activities/{event_id}"))
    response = client.post(f"/alpha/events/{event_id}/register", data={"single": "1"})
    assert response.headers["Location"] == f"/alpha/activities/{event_id}"
    assert "报名成功" in text(client.get(response.headers["Location"]))
    swapped = client.post(
        f"/alpha/events/{event_id}/cancel-registration",
        data={"single": "1"},
        headers={"HX-Request": "true"},
    )
    assert "已取消报名" in text(swapped) and '<h1 class="activity-title">' in text(swapped)
