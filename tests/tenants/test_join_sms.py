"""SMS verification at /<slug>/join: a street setting; the code proves the phone is the joiner's.

Codes are read from the file sink (``OUTBOX_DIR/sms.jsonl``), as a phone would receive them. Time
moves with a fake clock shared by the code's expiry and the rate limiter's memory storage.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import limits.storage.memory
import pytest
from sqlalchemy import select

from saas.audit.models import AuditEntry
from saas.auth import codes
from saas.auth.models import User
from saas.extensions import db
from saas.notify.senders import FileSink
from saas.streets.models import Tenant
from saas.tenancy import all_tenants
from tenants.people import verification
from tests.conftest import PASSWORD, both_backends, login
from tests.tenants.factories import add_community

PHONE = "13600000001"
HTMX = {"HX-Request": "true", "HX-Target": "code-send"}


class Clock:
    def __init__(self, now: float):
        self.now = now

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """The code's expiry and the limiter's windows read this clock; ``clock.advance(61)``."""
    import time

    fake = Clock(time.time())
    monkeypatch.setattr(codes, "time", SimpleNamespace(time=fake.time))
    monkeypatch.setattr(limits.storage.memory, "time", SimpleNamespace(time=fake.time))
    return fake


def set_sms(app, street, on: bool) -> None:
    with app.app_context(), all_tenants():
        tenant = db.session.get(Tenant, street.id)
        tenant.settings = {**(tenant.settings or {}), verification.SETTING: on}
        db.session.commit()
        db.session.remove()


@pytest.fixture
def sms_on(app, street, clock):
    set_sms(app, street, True)
    return clock


def texts(app) -> list[dict]:
    return FileSink(app.config["OUTBOX_DIR"], "sms").messages()


def last_code(app, phone: str = PHONE) -> str:
    mine = [m for m in texts(app) if m["to"] == phone]
    assert mine, f"no SMS to {phone}"
    return re.search(r"\b(\d{6})\b", mine[-1]["body"]).group(1)


def send(client, phone: str = PHONE, slug: str = "alpha", htmx: bool = True, **environ):
    return client.post(
        f"/{slug}/join",
        data={"phone": phone, "send_code": "1"},
        headers=HTMX if htmx else {},
        environ_overrides=environ or None,
    )


def join(client, community_id, code: str | None, slug: str = "alpha", **changes):
    data = {
        "phone": PHONE,
        "name": "张志愿",
        "community": str(community_id),
        "password": "join-pass-1",
        "password_confirm": "join-pass-1",
        "agree_privacy": "y",
        **changes,
    }
    if code is not None:
        data["code"] = code
    return client.post(f"/{slug}/join", data=data)


def text(response) -> str:
    return response.get_data(as_text=True)


def volunteers(scoped, street) -> list[User]:
    with scoped(street) as session:
        rows = session.scalars(select(User).where(User.role == "volunteer")).all()
        session.expunge_all()
        return list(rows)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def session_data(app, client) -> dict:
    cookie = client.get_cookie("ljt_session")
    if cookie is None:
        return {}
    return app.session_interface.get_signing_serializer(app).loads(cookie.value)


# --- the happy path -----------------------------------------------------------------------------


@both_backends
def test_a_volunteer_proves_the_phone_and_joins(app, client, street, community, sms_on, scoped):
    page = text(client.get("/alpha/join"))
    assert "短信验证码" in page and "获取验证码" in page and 'id="code-send"' in page

    response = send(client, "+86 136-0000-0001")
    assert response.status_code == 200
    block = text(response)
    assert "<html" not in block and 'id="code-send"' in block  # htmx gets the block
    assert "验证码已发送至 136****0001，10 分钟内有效" in block
    assert "disabled" in block  # the button is off until the resend gap is over
    [message] = texts(app)
    assert message["to"] == PHONE and message["subject"] == "志愿者注册验证码"
    code = last_code(app)
    assert "10 分钟内有效" in message["body"]

    # what the browser holds is the code's HMAC, never the code
    pending = session_data(app, client)[verification.SESSION_KEY]
    assert code not in repr(pending) and re.fullmatch(r"[0-9a-f]{64}", pending["h"])

    response = join(client, community, code, party_member="y")
    assert response.status_code == 302 and response.headers["Location"] == "/alpha/inbox"
    [user] = volunteers(scoped, street)
    assert (user.phone, user.name, user.community_id) == (PHONE, "张志愿", community)
    assert verification.SESSION_KEY not in session_data(app, client)  # the code is spent
    client.post("/alpha/logout")
    assert login(client, "alpha", PHONE, "join-pass-1").status_code == 302


def test_the_whole_page_comes_back_without_htmx(app, client, street, community, sms_on):
    response = send(client, htmx=False)
    assert response.status_code == 200
    page = text(response)
    assert "<html" in page and "验证码已发送至 136****0001" in page
    assert f'value="{PHONE}"' in page
    assert len(texts(app)) == 1


def test_a_full_width_code_and_spaces_are_accepted(app, client, street, community, sms_on, scoped):
    send(client)
    typed = " ".join(last_code(app)).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert join(client, community, typed).status_code == 302
    assert len(volunteers(scoped, street)) == 1


# --- refusals at registration: nothing made, nothing the person typed lost ---------------------


def test_a_wrong_code_is_refused_and_the_form_is_kept(
    app, client, street, community, sms_on, scoped
):
    send(client)
    response = join(client, community, wrong(last_code(app)), name="李四", party_member="y")
    assert response.status_code == 422
    page = text(response)
    assert "验证码不正确，还可再试 4 次" in page
    assert f'value="{PHONE}"' in page and 'value="李四"' in page
    assert f'<option selected value="{community}">' in page or (
        f'value="{community}" selected' in page
    )
    assert re.search(r'<input[^>]*\bchecked\b[^>]*name="party_member"', page)
    assert volunteers(scoped, street) == []
    # the right code still works after a wrong one
    assert join(client, community, last_code(app)).status_code == 302


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (None, "请填写短信验证码"),
        ("", "请填写短信验证码"),
        ("12345", "验证码为 6 位数字"),
        ("12a456", "验证码为 6 位数字"),
        ("9" * 5000, "验证码为 6 位数字"),
    ],
)
def test_a_missing_or_malformed_code_is_refused(
    app, client, street, community, sms_on, scoped, code, message
):
    send(client)
    response = join(client, community, code)
    assert response.status_code == 422 and message in text(response)
    assert volunteers(scoped, street) == []


def test_a_code_never_asked_for_is_refused(client, street, community, sms_on, scoped):
    response = join(client, community, "123456")
    assert response.status_code == 422 and "请先获取短信验证码" in text(response)
    assert volunteers(scoped, street) == []


def test_a_code_for_another_phone_is_refused(app, client, street, community, sms_on, scoped):
    send(client, "13600000002")
    response = join(client, community, last_code(app, "13600000002"))
    assert response.status_code == 422
    assert "手机号与接收验证码的号码不一致，请重新获取" in text(response)
    assert volunteers(scoped, street) == []


def test_an_expired_code_is_refused(app, client, street, community, sms_on, scoped):
    send(client)
    code = last_code(app)
    sms_on.advance(verification.LIFETIME + 1)
    response = join(client, community, code)
    assert response.status_code == 422 and "验证码已过期，请重新获取" in text(response)
    assert volunteers(scoped, street) == []
    # and it stays gone: the page asks for a new one
    assert "请先获取短信验证码" in text(join(client, community, code))


def test_a_code_works_until_it_expires(app, client, street, community, sms_on, scoped):
    send(client)
    sms_on.advance(verification.LIFETIME - 5)
    assert join(client, community, last_code(app)).status_code == 302


def test_five_wrong_tries_use_the_code_up(app, client, street, community, sms_on, scoped):
    send(client)
    code = last_code(app)
    before = client.get_cookie("ljt_session").value  # a copy of the cookie with the code in it
    messages = [text(join(client, community, wrong(code))) for _ in range(verification.MAX_TRIES)]
    assert "还可再试 1 次" in messages[3]
    assert "验证码错误次数过多，请重新获取" in messages[4]
    # the right code no longer helps: the code is gone from the session…
    response = join(client, community, code)
    assert response.status_code == 422 and "请先获取短信验证码" in text(response)
    # …and the copied cookie cannot bring its tries back: they are counted on the server
    client.set_cookie("ljt_session", before)
    response = join(client, community, code)
    assert response.status_code == 422 and "验证码错误次数过多，请重新获取" in text(response)
    assert volunteers(scoped, street) == []

    # a new code is needed, and works
    sms_on.advance(verification.RESEND_AFTER + 1)
    assert send(client).status_code == 200
    assert join(client, community, last_code(app)).status_code == 302


def test_a_new_code_replaces_the_old_one(app, client, street, community, sms_on, scoped):
    send(client)
    first = last_code(app)
    sms_on.advance(verification.RESEND_AFTER + 1)
    send(client)
    second = last_code(app)
    if first != second:
        assert "验证码不正确" in text(join(client, community, first))
    assert join(client, community, second).status_code == 302


def test_a_used_code_is_worthless_in_a_copy_of_the_cookie(app, street, community, sms_on, scoped):
    client = app.test_client()
    send(client)
    code = last_code(app)
    copy = client.get_cookie("ljt_session").value
    assert join(client, community, code).status_code == 302
    other = app.test_client()
    other.set_cookie("ljt_session", copy)
    response = join(other, community, code, name="冒名者")
    assert response.status_code == 422 and "验证码错误次数过多" in text(response)
    assert [u.name for u in volunteers(scoped, street)] == ["张志愿"]


# --- sending: limits, and the same answer for every number ------------------------------------


def test_each_send_is_exactly_one_sms(app, client, street, sms_on):
    codes = []
    for _ in range(3):
        assert send(client).status_code == 200
        codes.append(last_code(app))
        sms_on.advance(verification.RESEND_AFTER + 1)
    sent = texts(app)
    assert len(sent) == 3 and {m["to"] for m in sent} == {PHONE}
    assert len({m["key"] for m in sent}) == 3


def test_a_resend_within_60_seconds_is_refused(app, client, street, sms_on):
    assert send(client).status_code == 200
    sms_on.advance(30)
    response = send(client)
    assert response.status_code == 422
    assert "请 30 秒后再重新获取" in text(response) and "disabled" in text(response)
    # not by the cookie: another browser asking for the same phone waits as well
    assert send(app.test_client()).status_code == 422
    assert len(texts(app)) == 1

    sms_on.advance(31)
    assert send(client).status_code == 200
    assert len(texts(app)) == 2


def test_the_button_comes_back_once_the_gap_is_over(app, client, street, sms_on):
    send(client)
    block = text(client.get("/alpha/join", headers=HTMX))
    assert "<html" not in block and "disabled" in block and 'hx-trigger="load delay:60s"' in block
    sms_on.advance(verification.RESEND_AFTER + 1)
    block = text(client.get("/alpha/join", headers=HTMX))
    assert "disabled" not in block and "验证码已发送至 136****0001" in block


def test_a_phone_gets_at_most_five_codes_an_hour(app, client, street, sms_on):
    for _ in range(5):
        assert send(client).status_code == 200
        sms_on.advance(verification.RESEND_AFTER + 1)
    response = send(app.test_client())  # a fresh browser changes nothing
    assert response.status_code == 422
    assert "该手机号获取验证码次数过多" in text(response)
    assert len(texts(app)) == 5
    assert send(client, "13600000002").status_code == 200  # another phone is not held up
    sms_on.advance(3600)
    assert send(client).status_code == 200
    assert len(texts(app)) == 7


def test_another_street_cannot_use_up_a_phones_codes_here(app, make_street, clock):
    alpha = make_street("alpha", name="甲街道")
    other = make_street("other", name="乙街道")
    set_sms(app, alpha, True)
    set_sms(app, other, True)
    attacker = app.test_client()
    for _ in range(5):
        assert send(attacker, PHONE, slug="other").status_code == 200
        clock.advance(verification.RESEND_AFTER + 1)
    assert send(attacker, PHONE, slug="other").status_code == 422  # that street's five are gone

    owner = app.test_client()  # …but the phone's owner still gets a code here
    assert send(owner, PHONE, slug="alpha", REMOTE_ADDR="10.9.9.9").status_code == 200


def test_every_street_together_sends_one_phone_at_most_twice_a_streets_share(
    app, make_street, clock
):
    streets = [make_street(slug, name=slug) for slug in ("alpha", "beta", "gamma")]
    for street in streets:
        set_sms(app, street, True)
    sent = 0
    for street in streets[:2]:
        for _ in range(5):
            assert send(app.test_client(), PHONE, slug=street.slug).status_code == 200
            sent += 1
            clock.advance(verification.RESEND_AFTER + 1)
    refused = send(app.test_client(), PHONE, slug="gamma", REMOTE_ADDR="10.9.9.9")
    assert refused.status_code == 422 and "该手机号获取验证码次数过多" in text(refused)
    assert len([m for m in texts(app) if m["to"] == PHONE]) == sent == 10


def test_a_streets_name_never_reaches_the_sms(app, client, clock):
    """Anyone can open a street and name it; the code's text is the platform's fixed words."""
    phishing = "【某银行】您的账户已冻结，请登录 bank-verify.example 解冻"
    signup = client.post(
        "/signup",
        data={
            "street_name": phishing,
            "slug": "named",
            "district": "某区",
            "city": "",
            "admin_name": "张三",
            "phone": "13900000009",
            "password": PASSWORD,
            "password_confirm": PASSWORD,
            "agree_privacy": "y",
        },
    )
    assert signup.status_code == 302
    set_sms(app, SimpleNamespace(id=_street_id(app, "named")), True)
    assert send(app.test_client(), "13712345678", slug="named").status_code == 200
    [sms] = [m for m in texts(app) if m["to"] == "13712345678"]
    assert "银行" not in sms["subject"] + sms["body"] and "bank" not in sms["subject"] + sms["body"]
    assert sms["subject"] == "志愿者注册验证码"


def _street_id(app, slug: str) -> int:
    with app.app_context(), all_tenants():
        street_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == slug))
        db.session.remove()
    return street_id


def test_one_address_gets_a_limited_number_of_codes(app, client, street, sms_on, monkeypatch):
    monkeypatch.setitem(app.config, "JOIN_CODES_PER_ADDRESS", "3 per hour")
    for n in range(3):
        assert send(client, f"1360000001{n}").status_code == 200
    response = send(client, "13600000019")
    assert response.status_code == 422 and "获取验证码过于频繁，请稍后再试" in text(response)
    assert len(texts(app)) == 3
    assert send(client, "13600000019", REMOTE_ADDR="10.1.2.3").status_code == 200


def test_sending_does_not_tell_whether_a_number_is_registered(
    app, street, community, sms_on, make_user, scoped
):
    make_user(street, phone="13600000009", name="老会员")
    registered = send(app.test_client(), "13600000009")
    unknown = send(app.test_client(), "13600000008")
    assert registered.status_code == unknown.status_code == 200
    assert text(registered).replace("136****0009", "X") == text(unknown).replace("136****0008", "X")
    assert len(texts(app)) == 2

    # a wrong code says nothing about the account either…
    client = app.test_client()
    sms_on.advance(verification.RESEND_AFTER + 1)
    send(client, "13600000009")
    code = last_code(app, "13600000009")
    page = text(join(client, community, wrong(code), phone="13600000009"))
    assert "验证码不正确" in page and "已在本街道注册" not in page
    # …only the right one does, to the phone's owner
    response = join(client, community, code, phone="13600000009")
    assert response.status_code == 422 and "该手机号已在本街道注册" in text(response)
    assert [u.name for u in volunteers(scoped, street)] == ["老会员"]


def test_a_failed_sms_sends_nothing_and_may_be_retried(app, client, street, sms_on, monkeypatch):
    working = codes.sms_sender

    class Down:
        def send(self, *args):
            raise OSError("gateway down")

    monkeypatch.setattr(codes, "sms_sender", Down)
    response = send(client)
    assert response.status_code == 422 and "短信发送失败，请稍后再试" in text(response)
    assert verification.SESSION_KEY not in session_data(app, client)
    assert texts(app) == []
    monkeypatch.setattr(codes, "sms_sender", working)
    assert send(client).status_code == 200  # at once: the failed try did not start the gap
    assert len(texts(app)) == 1


def test_codes_are_compared_in_constant_time(app, client, street, community, sms_on, monkeypatch):
    import hmac

    compared = []

    def spy(a, b):
        compared.append((a, b))
        return hmac.compare_digest(a, b)

    monkeypatch.setattr(codes, "hmac", SimpleNamespace(new=hmac.new, compare_digest=spy))
    send(client)
    join(client, community, wrong(last_code(app)))
    assert len(compared) == 1


# --- hostile input ----------------------------------------------------------------------------


def test_html_in_the_name_is_escaped_when_the_form_comes_back(
    app, client, street, community, sms_on, scoped
):
    send(client)
    hostile = '<script>alert("x")</script>'
    page = text(join(client, community, wrong(last_code(app)), name=hostile))
    assert hostile not in page and "&lt;script&gt;" in page
    assert join(client, community, last_code(app), name=hostile).status_code == 302
    [user] = volunteers(scoped, street)
    assert user.name == hostile  # kept as typed; the pages escape it
    admin = app.test_client()
    login(admin, "alpha", street.admin_phone)
    assert hostile not in text(admin.get("/alpha/people"))


def test_sql_looking_text_is_only_text(app, client, street, community, sms_on, scoped):
    response = send(client, "13600000001' OR '1'='1")
    assert response.status_code == 422 and "请输入 11 位中国大陆手机号" in text(response)
    assert texts(app) == []
    send(client)
    name = "x'); DROP TABLE users; --"
    assert join(client, community, last_code(app), name=name).status_code == 302
    assert [u.name for u in volunteers(scoped, street)] == [name]


def test_oversized_input_is_refused_without_an_sms(app, client, street, community, sms_on, scoped):
    response = send(client, "1" * 20_000)
    assert response.status_code == 422 and "请输入 11 位中国大陆手机号" in text(response)
    assert texts(app) == []
    send(client)
    response = join(client, community, last_code(app), name="名" * 5000)
    assert response.status_code == 422 and "不能超过50个字" in text(response)
    assert volunteers(scoped, street) == []


def test_a_code_from_another_street_is_refused(
    app, client, street, community, sms_on, make_street, scoped
):
    bravo = make_street("bravo", name="乙街道")
    set_sms(app, bravo, True)
    theirs = add_community(scoped, bravo, "乙社区")
    send(client)  # asked for on alpha
    response = join(client, theirs, last_code(app), slug="bravo")
    assert response.status_code == 422 and "请先获取短信验证码" in text(response)
    assert volunteers(scoped, bravo) == [] and volunteers(scoped, street) == []
    assert send(client, slug="nosuch").status_code == 404
    assert len(texts(app)) == 1


# --- the street's setting -----------------------------------------------------------------------


def test_with_the_setting_off_the_form_is_as_it_was(app, client, street, community, scoped):
    page = text(client.get("/alpha/join"))
    assert "短信验证码" not in page and "获取验证码" not in page
    response = send(client)  # nothing to send: it is an (incomplete) registration
    assert response.status_code == 422 and texts(app) == []
    assert join(client, community, None).status_code == 302
    assert len(volunteers(scoped, street)) == 1
    assert texts(app) == []


def test_an_explicit_off_is_off(app, client, street, community, scoped):
    set_sms(app, street, False)
    assert join(client, community, None).status_code == 302


POINT_SETTINGS = {
    "default_points": "10",
    "party_bonus_percent": "0",
    "points_expiry": "off",
    "points_expiry_months": "",
    "passport_prefix": "",
    "wish_points": "20",
}


def switched_on(page: str) -> bool:
    return re.search(r'<input[^>]*\bchecked\b[^>]*name="join_sms"', page) is not None


@both_backends
def test_the_admin_switches_it_on_and_off(app, street, community, admin, scoped):
    page = text(admin.get("/alpha/settings/points"))
    assert "志愿者自助注册须短信验证手机号" in page
    assert not switched_on(page)

    response = admin.post("/alpha/settings/points", data={**POINT_SETTINGS, "join_sms": "y"})
    assert response.status_code == 302
    assert "设置已保存" in text(admin.get("/alpha/settings/points"))
    with scoped(street) as session:
        assert session.get(Tenant, street.id).settings[verification.SETTING] is True
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "settings.change")
        ).one()
        assert entry.detail == {verification.SETTING: True}
    assert switched_on(text(admin.get("/alpha/settings/points")))
    assert "获取验证码" in text(app.test_client().get("/alpha/join"))

    admin.post("/alpha/settings/points", data=POINT_SETTINGS)
    with scoped(street) as session:
        assert session.get(Tenant, street.id).settings[verification.SETTING] is False
    assert "获取验证码" not in text(app.test_client().get("/alpha/join"))


def test_only_an_admin_may_switch_it(app, street, make_user, scoped):
    from saas.errors import Forbidden

    staff_id, _phone = make_user(street, role="staff")
    with scoped(street) as session:
        staff = session.scalar(select(User).where(User.id == staff_id))
        tenant = session.get(Tenant, street.id)
        with pytest.raises(Forbidden):
            verification.set_join_sms(session, staff, tenant, True)
