"""Numbers typed in full width (a Chinese keyboard's default) are the same numbers; digits of
other scripts, which NFKC does not fold, are refused with a message saying which to use."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from saas.auth.models import User
from saas.forms import parse_id, parse_page
from saas.streets.models import Tenant
from saas.text import ascii_digits
from tenants.events.models import Attendance, Event
from tenants.passport.models import Passport, Redemption, Reward
from tests.conftest import login
from tests.tenants.factories import add_community, signed_in
from tests.tenants.test_events import form_data as event_form
from tests.tenants.test_events import past_event_with_attendance
from tests.tenants.test_join_sms import last_code, send, set_sms, texts
from tests.tenants.test_passport import passport_of, settings_form
from tests.tenants.test_rewards import add_reward, give_points, reward_form

#: ASCII "!"…"~" and their full-width forms (U+FF01…U+FF5E)
FULL = {code: code + 0xFEE0 for code in range(0x21, 0x7F)}
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")
OTHER_DIGITS = "请用数字 0–9 填写"


def full(text: str) -> str:
    return text.translate(FULL)


@pytest.fixture
def street(make_street):
    return make_street("alpha", name="甲街道")


@pytest.fixture
def community(scoped, street):
    return add_community(scoped, street, "朝阳社区")


@pytest.fixture
def admin(app, street):
    return signed_in(app, "alpha", street.admin_phone)


def phones(scoped, street) -> list[str]:
    with scoped(street) as session:
        return sorted(session.scalars(select(User.phone)))


def join(client, community_id, phone: str, **extra):
    return client.post(
        "/alpha/join",
        data={
            "phone": phone,
            "name": "张志愿",
            "community": str(community_id),
            "password": "join-pass-1",
            "password_confirm": "join-pass-1",
            "agree_privacy": "y",
            **extra,
        },
    )


# --- phones -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", [full("13600000001"), "13６０００００００1", "＋８６ 136-0000-0001"]
)
def test_a_full_width_phone_joins_as_the_ascii_number(app, street, community, scoped, typed):
    response = join(app.test_client(), community, typed)
    assert response.status_code == 302
    assert phones(scoped, street) == ["13600000001", street.admin_phone]
    # the same number in either width is the same account: refused, not a look-alike
    for again in ("13600000001", full("13600000001"), "136０0000001"):
        response = join(app.test_client(), community, again, name="另一个人")
        assert response.status_code == 422
        assert "该手机号已在本街道注册" in response.get_data(as_text=True)
    assert phones(scoped, street) == ["13600000001", street.admin_phone]
    # and signs in typed in either width
    assert login(app.test_client(), "alpha", "13600000001", "join-pass-1").status_code == 302
    assert login(app.test_client(), "alpha", typed, "join-pass-1").status_code == 302


def test_a_full_width_login_finds_the_account(app, street):
    typed = full(street.admin_phone)
    client = app.test_client()
    response = login(client, "alpha", typed)
    assert response.status_code == 302 and response.headers["Location"] == "/alpha/dashboard"
    wrong = login(app.test_client(), "alpha", typed, "wrong-pass-1")
    assert wrong.status_code == 401 and "手机号或密码不正确" in wrong.get_data(as_text=True)


@pytest.mark.parametrize("table", [ARABIC_INDIC, DEVANAGARI])
def test_other_scripts_digits_are_refused_at_join_with_a_message(
    app, street, community, scoped, table
):
    typed = "13600000001".translate(table)
    response = join(app.test_client(), community, typed)
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and OTHER_DIGITS in body
    assert f'value="{typed}"' in body  # what was typed is kept
    assert phones(scoped, street) == [street.admin_phone]
    # nobody signs in with them either (the same answer as any unknown number)
    response = login(app.test_client(), "alpha", street.admin_phone.translate(table))
    assert response.status_code == 401


def test_the_admin_creates_an_account_with_a_full_width_phone(admin, street, scoped):
    data = {"name": "社区工作人员甲", "role": "staff", "community": "", "email": ""}
    data |= {"password": "staff-pass-1"}
    response = admin.post("/alpha/people/new", data={**data, "phone": full("13500000001")})
    assert response.status_code == 302
    assert phones(scoped, street) == ["13500000001", street.admin_phone]
    response = admin.post("/alpha/people/new", data={**data, "name": "乙", "phone": "13500000001"})
    assert response.status_code == 422
    assert "该手机号已在本街道注册" in response.get_data(as_text=True)
    response = admin.post("/alpha/people/new", data={**data, "phone": full(street.admin_phone)})
    assert response.status_code == 422
    arabic = admin.post(
        "/alpha/people/new", data={**data, "phone": "13500000002".translate(ARABIC_INDIC)}
    )
    assert arabic.status_code == 422 and OTHER_DIGITS in arabic.get_data(as_text=True)
    assert phones(scoped, street) == ["13500000001", street.admin_phone]


def test_signup_stores_a_full_width_admin_phone_as_ascii(app, unscoped):
    data = {
        "street_name": "示范街道",
        "slug": "shifan",
        "district": "示范区",
        "admin_name": "王晓明",
        "phone": "１３９-１２３４-５６７８",
        "password": "good-pass-1",
        "password_confirm": "good-pass-1",
        "agree_privacy": "y",
    }
    client = app.test_client()
    assert client.post("/signup", data=data).status_code == 302
    with unscoped() as session:
        tenant = session.scalar(select(Tenant).where(Tenant.slug == "shifan"))
        admin = session.scalar(select(User).where(User.tenant_id == tenant.id))
        assert admin.phone == "13912345678"
    assert login(app.test_client(), "shifan", "13912345678", "good-pass-1").status_code == 302
    arabic = app.test_client().post(
        "/signup", data={**data, "slug": "other", "phone": "13912345679".translate(ARABIC_INDIC)}
    )
    assert arabic.status_code == 422 and OTHER_DIGITS in arabic.get_data(as_text=True)


def test_the_sms_code_goes_to_the_ascii_number_of_a_full_width_phone(
    app, street, community, scoped
):
    set_sms(app, street, True)
    client = app.test_client()
    assert send(client, full("13600000001")).status_code == 200
    assert [m["to"] for m in texts(app)] == ["13600000001"]
    code = last_code(app, "13600000001")
    response = join(client, community, "13６00000001", code=full(code))
    assert response.status_code == 302
    assert phones(scoped, street) == ["13600000001", street.admin_phone]
    refused = join(app.test_client(), community, "13600000002", code=code.translate(ARABIC_INDIC))
    assert refused.status_code == 422 and OTHER_DIGITS in refused.get_data(as_text=True)


# --- numbers in forms ---------------------------------------------------------------------------


def test_full_width_capacity_and_points_of_an_event(admin, street, scoped):
    data = event_form(capacity="２０", points_mode="fixed", points_value="１５", publish="0")
    assert admin.post("/alpha/events/new", data=data).status_code == 302
    with scoped(street) as session:
        event = session.scalar(select(Event))
        assert (event.capacity, event.points_value) == (20, 15)


@pytest.mark.parametrize("table", [ARABIC_INDIC, DEVANAGARI])
def test_other_scripts_digits_in_an_event_are_refused(admin, street, scoped, table):
    typed = "20".translate(table)
    response = admin.post("/alpha/events/new", data=event_form(capacity=typed, publish="0"))
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and OTHER_DIGITS in body
    assert f'value="{typed}"' in body
    with scoped(street) as session:
        assert session.scalar(select(Event)) is None


def test_full_width_price_and_stock_of_a_reward_and_a_restock(admin, street, community, scoped):
    data = reward_form(community, price="８０", stock="１０", limit="２")
    assert admin.post("/alpha/rewards/new", data=data).status_code == 302
    with scoped(street) as session:
        reward = session.scalar(select(Reward))
        assert (reward.price, reward.stock, reward.per_person_limit) == (80, 10, 2)
    url = f"/alpha/rewards/{reward.id}/restock"
    assert admin.post(url, data={"amount": "７"}).status_code == 302
    response = admin.post(url, data={"amount": "7".translate(DEVANAGARI)})
    assert response.status_code == 422 and OTHER_DIGITS in response.get_data(as_text=True)
    with scoped(street) as session:
        assert session.scalar(select(Reward.stock)) == 17


def test_other_scripts_digits_in_a_reward_are_refused(admin, street, community, scoped):
    response = admin.post(
        "/alpha/rewards/new", data=reward_form(community, stock="10".translate(ARABIC_INDIC))
    )
    assert response.status_code == 422 and OTHER_DIGITS in response.get_data(as_text=True)
    with scoped(street) as session:
        assert session.scalar(select(Reward)) is None


def test_a_hand_over_code_typed_in_full_width_is_found(
    app, admin, street, community, make_user, scoped
):
    user_id, phone = make_user(street, name="张志愿", community_id=community)
    give_points(scoped, street, user_id, 50)
    reward_id = add_reward(scoped, street)
    signed_in(app, "alpha", phone).post(f"/alpha/rewards/{reward_id}/redeem")
    with scoped(street) as session:
        code = session.scalar(select(Redemption.code))
    looked = admin.post("/alpha/rewards/verify", data={"code": full(f"{code[:4]}-{code[4:]}")})
    assert looked.status_code == 200 and "确认发放" in looked.get_data(as_text=True)


def test_full_width_points_settings_and_adjustments(admin, street, make_user, scoped):
    response = admin.post(
        "/alpha/settings/points",
        data=settings_form(default_points="１２", party_bonus_percent="５", wish_points="３０"),
    )
    assert response.status_code == 302
    with scoped(street) as session:
        settings = session.scalar(select(Tenant.settings).where(Tenant.id == street.id))
        assert (settings["party_bonus_percent"], settings["wish_points"]) == (5, 30)
    user_id, _ = make_user(street)
    passport_id = passport_of(scoped, street, user_id)
    url = f"/alpha/passports/{passport_id}/adjust"
    assert admin.post(url, data={"delta": "＋３０", "reason": "表彰"}).status_code == 302
    assert admin.post(url, data={"delta": "－５", "reason": "更正"}).status_code == 302
    response = admin.post(url, data={"delta": "5".translate(ARABIC_INDIC), "reason": "更正"})
    assert response.status_code == 422 and OTHER_DIGITS in response.get_data(as_text=True)
    with scoped(street) as session:
        assert session.scalar(select(Passport.balance)) == 25


def test_full_width_hours_are_entered_and_other_digits_refused(admin, street, make_user, scoped):
    event_id, _, attendance_id = past_event_with_attendance(scoped, street, make_user)
    url = f"/alpha/events/{event_id}/attendance/{attendance_id}/hours"
    htmx = {"HX-Request": "true"}
    typed = "1.5".translate(ARABIC_INDIC)
    response = admin.post(url, data={"hours": typed, "reason": "更正"}, headers=htmx)
    assert response.status_code == 422 and OTHER_DIGITS in response.get_data(as_text=True)
    response = admin.post(url, data={"hours": full("2.5"), "reason": "更正"}, headers=htmx)
    assert response.status_code == 200 and "已修改服务时长" in response.get_data(as_text=True)
    with scoped(street) as session:
        assert session.scalar(select(Attendance.hours)) == Decimal("2.5")


def test_ids_and_page_numbers_in_full_width():
    assert ascii_digits("１２３") == "123" and ascii_digits(" 42 ") == "42"
    # superscripts are not folded: 10² is not 102
    for other in ("١٢٣", "१२३", "", "12a", "-1", "1.5", "²", "10²", "₂", None, 12):
        assert ascii_digits(other) is None
    assert parse_id("１２３") == 123 and parse_id("١٢٣") is None and parse_id(7) == 7
    assert parse_page("２") == 2 and parse_page("٢") == 1


def test_hours_read_as_people_write_them():
    from decimal import Decimal

    from saas.text import hours_text

    cases = {
        Decimal("4.00"): "4",
        Decimal("2.50"): "2.5",
        Decimal("0.25"): "0.25",
        Decimal("10"): "10",
        Decimal("10.00"): "10",
        Decimal("0.00"): "0",
        Decimal("1200.5"): "1200.5",
        3: "3",
        2.5: "2.5",
        None: "",
    }
    assert {value: hours_text(value) for value in cases} == cases
