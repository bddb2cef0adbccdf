"""Logging in to a street, throttling, sessions and their limits, changing passwords."""

from __future__ import annotations

import time

from sqlalchemy import select

from saas.audit.models import AuditEntry
from saas.auth.models import User
from tests.conftest import PASSWORD, both_backends, login

NEW_PASSWORD = "brand-new-pass-2"


def actions(scoped, street) -> list[str]:
    with scoped(street) as session:
        return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def session_cookie(client) -> str | None:
    cookie = client.get_cookie("ljt_session")
    return cookie.value if cookie else None


def test_login_page_renders(client, make_street):
    make_street("alpha", name="甲街道")
    response = client.get("/alpha/login")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "登录甲街道" in body and 'name="phone"' in body and 'name="password"' in body


@both_backends
def test_admin_logs_in_and_lands_on_the_dashboard(client, make_street, scoped):
    street = make_street("alpha")
    response = login(client, "alpha", street.admin_phone)
    assert response.status_code == 302
    assert response.headers["Location"] == "/alpha/dashboard"
    assert client.get("/alpha/dashboard").status_code == 200
    assert actions(scoped, street)[-1] == "login.success"
    with scoped(street) as session:
        assert session.get(User, (street.id, street.admin_id)).last_login_at is not None


def test_volunteer_lands_on_the_passport(client, make_street, make_user):
    street = make_street("alpha")
    _, phone = make_user(street, "volunteer")
    response = login(client, "alpha", phone)
    assert response.headers["Location"] == "/alpha/me"


def test_login_accepts_a_phone_written_with_spaces_and_plus_86(client, make_street):
    make_street("alpha", phone="13800000001")
    assert login(client, "alpha", "+86 138 0000 0001").status_code == 302


def test_login_follows_next_only_inside_the_street(client, make_street):
    street = make_street("alpha")
    response = login(client, "alpha", street.admin_phone, next="/alpha/people")
    assert response.headers["Location"] == "/alpha/people"
    client.post("/alpha/logout")
    for target in ("https://evil.example/", "//evil.example/alpha/", "/bravo/people"):
        response = login(client, "alpha", street.admin_phone, next=target)
        assert response.headers["Location"] == "/alpha/dashboard", target
        client.post("/alpha/logout")


def test_wrong_password_is_refused_with_a_message(client, make_street, scoped):
    street = make_street("alpha")
    response = login(client, "alpha", street.admin_phone, "wrong-password")
    assert response.status_code == 401
    assert "手机号或密码不正确" in response.get_data(as_text=True)
    assert client.get("/alpha/dashboard").status_code == 302
    assert actions(scoped, street)[-1] == "login.failure"
    with scoped(street) as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "login.failure"))
        assert entry.actor_id == street.admin_id


def test_unknown_phone_gets_the_same_answer(client, make_street, scoped):
    street = make_street("alpha")
    response = login(client, "alpha", "13700000000", "wrong-password")
    assert response.status_code == 401
    assert "手机号或密码不正确" in response.get_data(as_text=True)
    with scoped(street) as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "login.failure"))
        assert entry.actor_id is None


def test_an_account_of_another_street_cannot_log_in_here(client, make_street):
    make_street("alpha")
    bravo = make_street("bravo")
    response = login(client, "alpha", bravo.admin_phone)
    assert response.status_code == 401


def test_empty_form_is_refused_with_messages(client, make_street):
    make_street("alpha")
    response = client.post("/alpha/login", data={"phone": "", "password": ""})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "请填写手机号" in body and "请填写密码" in body


def test_disabled_account_is_refused(client, make_street, make_user, scoped):
    street = make_street("alpha")
    user_id, phone = make_user(street, "staff")
    with scoped(street) as session:
        session.get(User, (street.id, user_id)).is_enabled = False
        session.commit()
    response = login(client, "alpha", phone)
    assert response.status_code == 403
    assert "账号已停用" in response.get_data(as_text=True)
    assert client.get("/alpha/dashboard").status_code == 302
    # with a wrong password it says nothing about the account
    response = login(client, "alpha", phone, "wrong-password")
    assert response.status_code == 401 and "停用" not in response.get_data(as_text=True)


@both_backends
def test_five_wrong_passwords_lock_the_phone_for_a_while(client, make_street, make_user, scoped):
    street = make_street("alpha")
    _, other = make_user(street, "staff")
    for _ in range(5):
        assert login(client, "alpha", street.admin_phone, "wrong-password").status_code == 401
    response = login(client, "alpha", street.admin_phone)  # the right password, too late
    assert response.status_code == 429
    assert "密码错误次数过多" in response.get_data(as_text=True)
    assert client.get("/alpha/dashboard").status_code == 302
    assert "login.throttled" in actions(scoped, street)
    # the same phone written differently is the same phone
    assert login(client, "alpha", "+86 " + street.admin_phone).status_code == 429
    # another account from the same address may still log in
    assert login(client, "alpha", other).status_code == 302


def test_the_lock_is_per_street(client, make_street, make_user):
    alpha = make_street("alpha", phone="13800000001")
    bravo = make_street("bravo", phone="13800000001")
    for _ in range(5):
        login(client, "alpha", alpha.admin_phone, "wrong-password")
    assert login(client, "alpha", alpha.admin_phone).status_code == 429
    assert login(client, "bravo", bravo.admin_phone).status_code == 302


def test_session_is_renewed_at_login(app, client, make_street):
    street = make_street("alpha")
    client.get("/alpha/login")
    before = session_cookie(client)
    assert before
    login(client, "alpha", street.admin_phone)
    after = session_cookie(client)
    assert after and after != before
    # the cookie from before the login is still nobody
    other = app.test_client()
    other.set_cookie("ljt_session", before)
    assert other.get("/alpha/dashboard").status_code == 302


def test_session_cookie_is_httponly_and_samesite_lax(client, make_street):
    street = make_street("alpha")
    response = login(client, "alpha", street.admin_phone)
    header = next(h for h in response.headers.getlist("Set-Cookie") if "ljt_session=" in h)
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header


@both_backends
def test_tampered_session_cookie_is_an_anonymous_visitor(app, client, make_street):
    street = make_street("alpha")
    login(client, "alpha", street.admin_phone)
    value = session_cookie(client)
    for tampered in (value[:-3] + ("AAA" if value[-3:] != "AAA" else "BBB"), "garbage", "", "."):
        other = app.test_client()
        other.set_cookie("ljt_session", tampered)
        response = other.get("/alpha/dashboard")
        assert response.status_code == 302, tampered
        assert response.headers["Location"].startswith("/alpha/login")


def test_a_signed_session_with_odd_contents_is_anonymous(client, make_street):
    street = make_street("alpha")
    login(client, "alpha", street.admin_phone)
    with client.session_transaction() as sess:
        good = sess["_user_id"]
    odd_values = [
        12345,
        None,
        ["u", "1"],
        "u:x:y:z",
        good.replace(":", "::"),
        f"u:{street.id}:{'9' * 30}:abc",
        "o:1:abc",
    ]
    for odd in odd_values:
        with client.session_transaction() as sess:
            sess["_user_id"] = odd
        response = client.get("/alpha/dashboard")
        assert response.status_code == 302, odd
    with client.session_transaction() as sess:
        sess["_user_id"] = good
        sess["seen_at"] = "yesterday"
    assert client.get("/alpha/dashboard").status_code == 302


def test_logout_ends_the_session(client, make_street, scoped):
    street = make_street("alpha")
    login(client, "alpha", street.admin_phone)
    response = client.post("/alpha/logout")
    assert response.headers["Location"] == "/alpha/login"
    assert "您已退出登录" in client.get("/alpha/login").get_data(as_text=True)
    assert client.get("/alpha/dashboard").status_code == 302
    assert actions(scoped, street)[-1] == "logout"


@both_backends
def test_change_password_ends_other_sessions_but_keeps_this_one(app, make_street, scoped):
    street = make_street("alpha")
    laptop, phone = app.test_client(), app.test_client()
    login(phone, "alpha", street.admin_phone)
    login(laptop, "alpha", street.admin_phone)
    response = laptop.post(
        "/alpha/password",
        data={
            "current_password": PASSWORD,
            "password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert "密码已修改" in laptop.get("/alpha/dashboard").get_data(as_text=True)
    assert laptop.get("/alpha/people").status_code == 200
    assert phone.get("/alpha/dashboard").status_code == 302
    assert "password.change" in actions(scoped, street)
    # the old password no longer works, the new one does
    fresh = app.test_client()
    assert login(fresh, "alpha", street.admin_phone).status_code == 401
    assert login(fresh, "alpha", street.admin_phone, NEW_PASSWORD).status_code == 302


def test_change_password_refusals(client, make_street):
    street = make_street("alpha")
    login(client, "alpha", street.admin_phone)
    cases = [
        ({"current_password": "wrong-pass-9"}, "当前密码不正确"),
        ({"password": "short", "password_confirm": "short"}, "密码至少需要 8 个字符"),
        ({"password_confirm": "something-else"}, "两次输入的密码不一致"),
        ({"password": PASSWORD, "password_confirm": PASSWORD}, "新密码不能与当前密码相同"),
        ({"current_password": ""}, "请填写密码"),
    ]
    for change, message in cases:
        data = {
            "current_password": PASSWORD,
            "password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD,
            **change,
        }
        response = client.post("/alpha/password", data=data)
        assert response.status_code == 422, change
        assert message in response.get_data(as_text=True), change
    # nothing changed: still signed in, the old password still works
    assert client.get("/alpha/dashboard").status_code == 200
    assert login(client.application.test_client(), "alpha", street.admin_phone).status_code == 302


def test_password_page_needs_a_login(client, make_street):
    make_street("alpha")
    response = client.get("/alpha/password")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/alpha/login")


@both_backends
def test_disabling_an_account_ends_its_sessions(app, make_street, make_user):
    street = make_street("alpha")
    user_id, phone = make_user(street, "staff")
    staff, admin = app.test_client(), app.test_client()
    login(staff, "alpha", phone)
    assert staff.get("/alpha/dashboard").status_code == 200
    login(admin, "alpha", street.admin_phone)
    assert admin.post(f"/alpha/people/{user_id}/disable").status_code == 302
    assert staff.get("/alpha/dashboard").status_code == 302
    assert login(staff, "alpha", phone).status_code == 403
    # enabled again, the person can log in again
    admin.post(f"/alpha/people/{user_id}/enable")
    assert login(staff, "alpha", phone).status_code == 302


def test_changing_a_role_ends_the_sessions_of_that_account(app, make_street, make_user):
    street = make_street("alpha")
    user_id, phone = make_user(street, "staff")
    staff, admin = app.test_client(), app.test_client()
    login(staff, "alpha", phone)
    login(admin, "alpha", street.admin_phone)
    admin.post(f"/alpha/people/{user_id}/role", data={"role": "volunteer"})
    assert staff.get("/alpha/dashboard").status_code == 302


def _age(client, seconds: int) -> None:
    with client.session_transaction() as sess:
        sess["seen_at"] = int(time.time()) - seconds


def test_admin_idle_for_over_30_minutes_is_logged_out(client, make_street):
    street = make_street("alpha")
    login(client, "alpha", street.admin_phone)
    _age(client, 29 * 60)
    assert client.get("/alpha/dashboard").status_code == 200
    _age(client, 31 * 60)
    response = client.get("/alpha/dashboard")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/alpha/login")
    assert "登录已超时" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert client.get("/alpha/dashboard").status_code == 302


def test_admin_session_ends_after_12_hours_even_when_busy(client, make_street):
    street = make_street("alpha")
    login(client, "alpha", street.admin_phone)
    with client.session_transaction() as sess:
        sess["auth_at"] = int(time.time()) - 13 * 3600
    assert client.get("/alpha/dashboard").status_code == 302


def test_remembered_volunteer_survives_two_hours_idle(client, make_street, make_user):
    street = make_street("alpha")
    _, phone = make_user(street, "volunteer")
    login(client, "alpha", phone, remember="y")
    _age(client, 2 * 3600 + 60)
    assert client.get("/alpha/inbox").status_code == 200
    # a remembered volunteer's cookie outlives the browser
    with client.session_transaction() as sess:
        assert sess.permanent


def test_volunteer_without_remember_is_logged_out_after_two_hours_idle(
    client, make_street, make_user
):
    street = make_street("alpha")
    _, phone = make_user(street, "volunteer")
    login(client, "alpha", phone)
    _age(client, 2 * 3600 + 60)
    assert client.get("/alpha/inbox").status_code == 302


def test_remember_is_ignored_for_office_roles(client, make_street):
    street = make_street("alpha")
    login(client, "alpha", street.admin_phone, remember="y")
    _age(client, 31 * 60)
    assert client.get("/alpha/dashboard").status_code == 302


def test_activity_keeps_the_session_alive(client, make_street):
    street = make_street("alpha")
    login(client, "alpha", street.admin_phone)
    _age(client, 20 * 60)
    assert client.get("/alpha/dashboard").status_code == 200
    with client.session_transaction() as sess:
        assert int(time.time()) - sess["seen_at"] < 60


def test_htmx_request_after_timeout_is_redirected_by_header(client, make_street):
    street = make_street("alpha")
    login(client, "alpha", street.admin_phone)
    _age(client, 31 * 60)
    response = client.get("/alpha/people", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/alpha/login")


def test_a_successful_login_forgives_earlier_mistakes(app, make_street):
    street = make_street("alpha")
    client = app.test_client()
    for _ in range(4):
        login(client, "alpha", street.admin_phone, "wrong-password")
    assert login(client, "alpha", street.admin_phone).status_code == 302
    client.post("/alpha/logout")
    for _ in range(4):
        assert login(client, "alpha", street.admin_phone, "wrong-password").status_code == 401
    assert login(client, "alpha", street.admin_phone).status_code == 302


def test_the_chosen_language_survives_login_and_logout(client, make_street):
    street = make_street("alpha")
    client.get("/lang/en")
    login(client, "alpha", street.admin_phone)
    assert '<html lang="en">' in client.get("/alpha/dashboard").get_data(as_text=True)
    client.post("/alpha/logout")
    assert '<html lang="en">' in client.get("/alpha/login").get_data(as_text=True)


def test_parallel_wrong_passwords_get_only_five_checks(app, make_street):
    import threading

    street = make_street("alpha")
    barrier = threading.Barrier(20)
    codes: list[int] = []

    def attempt():
        client = app.test_client()
        barrier.wait()
        response = client.post(
            f"/{street.slug}/login", data={"phone": street.admin_phone, "password": "wrong-guess"}
        )
        codes.append(response.status_code)

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(codes) == [401] * 5 + [429] * 15


def test_an_office_cookie_copied_before_logout_is_worthless_after(app, make_street, make_user):
    street = make_street("alpha")
    desk = app.test_client()
    login(desk, "alpha", street.admin_phone)
    stolen = desk.get_cookie("ljt_session").value
    desk.post("/alpha/logout")
    thief = app.test_client()
    thief.set_cookie("ljt_session", stolen)
    assert thief.get("/alpha/people").status_code == 302


def test_a_volunteer_logging_out_on_one_phone_stays_in_on_another(app, make_street, make_user):
    street = make_street("alpha")
    _uid, phone_number = make_user(street, "volunteer")
    phone, tablet = app.test_client(), app.test_client()
    login(phone, "alpha", phone_number)
    login(tablet, "alpha", phone_number)
    phone.post("/alpha/logout")
    assert tablet.get("/alpha/inbox").status_code == 200


def test_guessing_the_current_password_is_throttled_like_a_login(client, make_street):
    street = make_street("alpha")
    login(client, "alpha", street.admin_phone)
    wrong = {
        "current_password": "guess-123",
        "password": "new-pass-99",
        "password_confirm": "new-pass-99",
    }
    codes = [client.post("/alpha/password", data=wrong).status_code for _ in range(6)]
    assert codes == [422] * 5 + [429]
