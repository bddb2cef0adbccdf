"""A forgotten password: /<slug>/password/forgot texts a code to the account's phone, then the code
and a new password set it; every other session of the account ends.

Codes are read from the file sink (``OUTBOX_DIR/sms.jsonl``), as a phone would receive them. Time
moves with a fake clock shared by the codes' expiry and the rate limiter's memory storage.
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
from saas.notify.senders import FileSink
from tests.conftest import PASSWORD, both_backends, login

PHONE = "13600000001"
NEW = "brand-new-pass-9"
HTMX = {"HX-Request": "true", "HX-Target": "code-send"}
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


class Clock:
    def __init__(self, now: float):
        self.now = now

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch) -> Clock:
    import time

    fake = Clock(time.time())
    monkeypatch.setattr(codes, "time", SimpleNamespace(time=fake.time))
    monkeypatch.setattr(limits.storage.memory, "time", SimpleNamespace(time=fake.time))
    return fake


@pytest.fixture
def street(make_street):
    return make_street("alpha", name="甲街道")


@pytest.fixture
def volunteer(street, make_user, clock) -> int:
    user_id, _phone = make_user(street, phone=PHONE, name="张志愿")
    return user_id


def texts(app) -> list[dict]:
    return FileSink(app.config["OUTBOX_DIR"], "sms").messages()


def last_code(app, phone: str = PHONE) -> str:
    mine = [m for m in texts(app) if m["to"] == phone]
    assert mine, f"no SMS to {phone}"
    return re.search(r"\b(\d{6})\b", mine[-1]["body"]).group(1)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def send(client, phone: str = PHONE, slug: str = "alpha", htmx: bool = True, **environ):
    return client.post(
        f"/{slug}/password/forgot",
        data={"phone": phone, "send_code": "1"},
        headers=HTMX if htmx else {},
        environ_overrides=environ or None,
    )


def reset(client, code: str | None, phone: str = PHONE, slug: str = "alpha", **changes):
    data = {"phone": phone, "password": NEW, "password_confirm": NEW, **changes}
    if code is not None:
        data["code"] = code
    return client.post(f"/{slug}/password/forgot", data=data)


def text(response) -> str:
    return response.get_data(as_text=True)


def password_works(app, phone: str, password: str, slug: str = "alpha") -> bool:
    return login(app.test_client(), slug, phone, password).status_code == 302


# --- the happy path -----------------------------------------------------------------------------


def test_the_login_page_links_to_it(client, street):
    page = text(client.get("/alpha/login"))
    assert 'href="/alpha/password/forgot"' in page and "忘记密码" in page
    page = text(client.get("/alpha/password/forgot"))
    assert "忘记密码" in page and "获取验证码" in page and 'id="code-send"' in page


@both_backends
def test_a_code_and_a_new_password_set_it(app, client, street, volunteer, scoped):
    response = send(client, "+86 136-0000-0001")
    assert response.status_code == 200
    block = text(response)
    assert "<html" not in block and 'id="code-send"' in block
    assert "验证码已发送至 136****0001，10 分钟内有效" in block and "disabled" in block
    [message] = texts(app)
    assert message["to"] == PHONE and message["subject"] == "重置密码验证码"
    assert "10 分钟内有效" in message["body"]

    response = reset(client, last_code(app))
    assert response.status_code == 302 and response.headers["Location"] == "/alpha/login"
    assert "密码已重置" in text(client.get("/alpha/login"))
    assert password_works(app, PHONE, NEW)
    assert not password_works(app, PHONE, PASSWORD)
    with scoped(street) as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "password.reset")
        ).one()
        assert (entry.actor_id, entry.target) == (volunteer, f"user:{volunteer}")


@pytest.mark.parametrize("role", ["staff", "org", "admin"])
def test_office_and_unit_accounts_reset_theirs_too(app, client, street, make_user, clock, role):
    _user_id, phone = make_user(street, role=role, phone="13700000077")
    send(client, phone)
    assert reset(client, last_code(app, phone), phone=phone).status_code == 302
    assert password_works(app, phone, NEW)


def test_the_street_admin_resets_theirs(app, client, street, clock):
    send(client, street.admin_phone)
    code = last_code(app, street.admin_phone)
    assert reset(client, code, phone=street.admin_phone).status_code == 302
    assert password_works(app, street.admin_phone, NEW)


def test_every_other_session_of_the_account_ends(app, street, volunteer):
    phone_a, phone_b = app.test_client(), app.test_client()
    assert login(phone_a, "alpha", PHONE, PASSWORD, remember="y").status_code == 302
    assert login(phone_b, "alpha", PHONE, PASSWORD).status_code == 302
    assert phone_a.get("/alpha/inbox").status_code == 200

    visitor = app.test_client()
    send(visitor)
    assert reset(visitor, last_code(app)).status_code == 302
    for client in (phone_a, phone_b):
        response = client.get("/alpha/inbox")
        assert response.status_code == 302 and "/alpha/login" in response.headers["Location"]


def test_a_full_width_phone_and_code_are_accepted(app, client, street, volunteer):
    typed_phone = PHONE.translate(FULL_WIDTH)
    assert send(client, typed_phone).status_code == 200
    assert [m["to"] for m in texts(app)] == [PHONE]
    typed_code = " ".join(last_code(app)).translate(FULL_WIDTH)
    assert reset(client, typed_code, phone=typed_phone).status_code == 302
    assert password_works(app, PHONE, NEW)


def test_digits_of_other_scripts_are_not_a_phone(app, client, street, volunteer):
    arabic_indic = PHONE.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    response = send(client, arabic_indic)
    assert response.status_code == 422 and "请用数字 0–9 填写" in text(response)
    assert texts(app) == []


# --- the code: tries, expiry, single use --------------------------------------------------------


def test_a_code_tried_ten_times_is_dead_after_five_wrong(app, client, street, volunteer):
    send(client)
    code = last_code(app)
    answers = [text(reset(client, wrong(code))) for _ in range(codes.MAX_TRIES)]
    assert "验证码不正确，还可再试 4 次" in answers[0]
    assert "验证码不正确，还可再试 1 次" in answers[3]
    assert "验证码错误次数过多，请重新获取" in answers[4]
    # the next five, the right code among them, are refused as well
    for attempt in (code, wrong(code), code, code, code):
        response = reset(client, attempt)
        assert response.status_code == 422 and "已在本街道注册" not in text(response)
    assert not password_works(app, PHONE, NEW)
    assert password_works(app, PHONE, PASSWORD)


def test_a_copy_of_the_cookie_does_not_bring_the_tries_back(app, client, street, volunteer):
    send(client)
    code = last_code(app)
    before = client.get_cookie("ljt_session").value
    for _ in range(codes.MAX_TRIES):
        reset(client, wrong(code))
    other = app.test_client()
    other.set_cookie("ljt_session", before)
    response = reset(other, code)
    assert response.status_code == 422 and "验证码错误次数过多" in text(response)
    assert password_works(app, PHONE, PASSWORD)


def test_an_expired_code_is_refused(app, client, street, volunteer, clock):
    send(client)
    code = last_code(app)
    clock.advance(codes.LIFETIME + 1)
    response = reset(client, code)
    assert response.status_code == 422 and "验证码已过期，请重新获取" in text(response)
    assert "请先获取短信验证码" in text(reset(client, code))
    assert password_works(app, PHONE, PASSWORD)


def test_a_code_works_until_it_expires(app, client, street, volunteer, clock):
    send(client)
    clock.advance(codes.LIFETIME - 5)
    assert reset(client, last_code(app)).status_code == 302


def test_a_used_code_cannot_be_used_again(app, street, volunteer):
    client = app.test_client()
    send(client)
    code = last_code(app)
    copy = client.get_cookie("ljt_session").value
    assert reset(client, code).status_code == 302

    # again in the same browser: the code is gone from the session
    response = reset(client, code, password="second-pass-2", password_confirm="second-pass-2")
    assert response.status_code == 422 and "请先获取短信验证码" in text(response)
    # with a copy of the cookie from before: spent on the server
    other = app.test_client()
    other.set_cookie("ljt_session", copy)
    response = reset(other, code, password="second-pass-2", password_confirm="second-pass-2")
    assert response.status_code == 422 and "验证码错误次数过多" in text(response)
    assert password_works(app, PHONE, NEW)
    assert not password_works(app, PHONE, "second-pass-2")


def test_a_weak_password_is_refused_before_the_code_is_tried(app, client, street, volunteer):
    send(client)
    response = reset(client, last_code(app), password="short", password_confirm="short")
    assert response.status_code == 422 and "密码至少需要 8 个字符" in text(response)
    assert f'value="{PHONE}"' in text(response)  # what was typed is kept
    response = reset(client, last_code(app), password_confirm="something-else")
    assert response.status_code == 422 and "两次输入的密码不一致" in text(response)
    assert reset(client, last_code(app)).status_code == 302  # no try was used up


def test_a_join_code_does_not_reset_a_password(app, client, street, volunteer, scoped):
    from saas.streets.models import Tenant
    from tenants.people import verification

    with scoped(street) as session:
        tenant = session.get(Tenant, street.id)
        tenant.settings = {verification.SETTING: True}
        session.commit()
    client.post("/alpha/join", data={"phone": PHONE, "send_code": "1"}, headers=HTMX)
    join_code = last_code(app)
    response = reset(client, join_code)
    assert response.status_code == 422 and "请先获取短信验证码" in text(response)
    assert password_works(app, PHONE, PASSWORD)


# --- the same answer for every number -----------------------------------------------------------


def test_an_unknown_phone_gets_the_same_page_and_no_sms(app, street, volunteer):
    known = send(app.test_client(), PHONE)
    unknown = send(app.test_client(), "13600000008")
    assert known.status_code == unknown.status_code == 200
    assert text(known).replace("136****0001", "X") == text(unknown).replace("136****0008", "X")
    whole_known = send(app.test_client(), "13600000002", htmx=False)
    whole_unknown = send(app.test_client(), "13600000009", htmx=False)
    assert whole_known.status_code == whole_unknown.status_code == 200
    assert [m["to"] for m in texts(app)] == [PHONE]

    # nothing typed matches the pending code of a number that was never texted
    client = app.test_client()
    send(client, "13600000007")
    response = reset(client, "123456", phone="13600000007")
    assert response.status_code == 422 and "验证码不正确，还可再试 4 次" in text(response)
    assert [m["to"] for m in texts(app)] == [PHONE]


def test_an_unknown_phone_meets_the_same_limits(app, street, volunteer, clock):
    answers = {}
    for phone in (PHONE, "13600000008"):
        client = app.test_client()
        for _ in range(5):
            assert send(client, phone).status_code == 200
            clock.advance(codes.RESEND_AFTER + 1)
        refused = send(client, phone)
        assert refused.status_code == 422
        answers[phone] = text(refused)
    assert answers[PHONE] == answers["13600000008"]
    assert "该手机号获取验证码次数过多" in answers[PHONE]
    assert len(texts(app)) == 5


def test_another_streets_phone_gets_the_same_page_and_no_sms(
    app, street, make_street, make_user, clock
):
    bravo = make_street("bravo", name="乙街道")
    make_user(bravo, phone="13600000005", name="乙的志愿者")
    client = app.test_client()
    response = send(client, "13600000005")
    assert response.status_code == 200 and "验证码已发送至 136****0005" in text(response)
    assert texts(app) == []
    assert "验证码不正确" in text(reset(client, "123456", phone="13600000005"))
    assert password_works(app, "13600000005", PASSWORD, slug="bravo")
    # and bravo's own page texts it (once the phone's resend gap is over: it is every street's)
    clock.advance(codes.RESEND_AFTER + 1)
    assert send(app.test_client(), "13600000005", slug="bravo").status_code == 200
    assert [m["to"] for m in texts(app)] == ["13600000005"]


def test_a_disabled_account_is_not_texted(app, street, volunteer, scoped):
    with scoped(street) as session:
        session.scalar(select(User).where(User.id == volunteer)).is_enabled = False
        session.commit()
    response = send(app.test_client())
    assert response.status_code == 200 and "验证码已发送至 136****0001" in text(response)
    assert texts(app) == []


def test_an_account_disabled_after_the_code_was_sent_is_not_reset(
    app, client, street, volunteer, scoped
):
    send(client)
    with scoped(street) as session:
        session.scalar(select(User).where(User.id == volunteer)).is_enabled = False
        session.commit()
    response = reset(client, last_code(app))
    assert response.status_code == 422 and "验证码已失效，请重新获取" in text(response)
    with scoped(street) as session:
        session.scalar(select(User).where(User.id == volunteer)).is_enabled = True
        session.commit()
    assert password_works(app, PHONE, PASSWORD)


# --- hostile input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phone",
    [
        '<script>alert("x")</script>',
        "13600000001' OR '1'='1",
        "1" * 20_000,
        "13600000001; DROP TABLE users; --",
    ],
)
def test_hostile_phones_are_refused_without_an_sms(app, client, street, volunteer, phone):
    response = send(client, phone, htmx=False)
    page = text(response)
    assert response.status_code == 422 and "请输入 11 位中国大陆手机号" in page
    assert "<script>alert" not in page
    assert texts(app) == []
    response = reset(client, "123456", phone=phone)
    assert response.status_code == 422 and "<script>alert" not in text(response)
    assert password_works(app, PHONE, PASSWORD)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (None, "请填写短信验证码"),
        ("", "请填写短信验证码"),
        ("12a456", "验证码为 6 位数字"),
        ("1' OR 1=1", "验证码为 6 位数字"),
        ("<b>123456</b>", "验证码为 6 位数字"),
        ("9" * 5000, "验证码为 6 位数字"),
    ],
)
def test_malformed_codes_are_refused(app, client, street, volunteer, code, message):
    send(client)
    response = reset(client, code)
    assert response.status_code == 422 and message in text(response)
    assert "<b>123456" not in text(response)
    assert reset(client, last_code(app)).status_code == 302  # none of them used a try


def test_a_password_with_markup_is_only_a_password(app, client, street, volunteer):
    hostile = '<img src=x onerror=alert(1)>"'
    send(client)
    response = reset(client, last_code(app), password=hostile, password_confirm=hostile + "x")
    assert response.status_code == 422 and "onerror" not in text(response)
    assert (
        reset(client, last_code(app), password=hostile, password_confirm=hostile).status_code == 302
    )
    assert password_works(app, PHONE, hostile)
