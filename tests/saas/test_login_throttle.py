"""Login throttling that stops guessing without handing anyone a cheap way to lock the admin out.

Tries are counted per (phone, address) strictly, per phone alone only at a much higher ceiling,
and per address; the change-password form of a signed-in account has a counter of its own.
"""

from __future__ import annotations

from tests.conftest import PASSWORD

ATTACKER = "203.0.113.7"
ADMIN_DESK = "198.51.100.20"
NEW_PASSWORD = "new-pass-99"


def attempt(client, slug: str, phone: str, address: str, password: str = "wrong-pass"):
    return client.post(
        f"/{slug}/login",
        data={"phone": phone, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def change_password(client, current: str, address: str = ADMIN_DESK):
    return client.post(
        "/alpha/password",
        data={
            "current_password": current,
            "password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD,
        },
        environ_base={"REMOTE_ADDR": address},
    )


def test_wrong_tries_from_one_address_do_not_lock_the_admin_out_elsewhere(app, make_street):
    street = make_street("alpha")
    attacker, admin = app.test_client(), app.test_client()
    for _ in range(5):
        assert attempt(attacker, "alpha", street.admin_phone, ATTACKER).status_code == 401
    assert attempt(attacker, "alpha", street.admin_phone, ATTACKER, PASSWORD).status_code == 429

    signed_in = attempt(admin, "alpha", street.admin_phone, ADMIN_DESK, PASSWORD)
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/alpha/dashboard"
    # and the admin's login forgives nothing at the attacker's address
    assert attempt(attacker, "alpha", street.admin_phone, ATTACKER).status_code == 429


def test_the_per_phone_ceiling_stops_a_distributed_attack(app, make_street):
    street = make_street("alpha")
    client = app.test_client()
    for n in range(10):  # ten addresses, five tries each: the phone's 50
        for _ in range(5):
            answer = attempt(client, "alpha", street.admin_phone, f"203.0.113.{n + 1}")
            assert answer.status_code == 401
    # the eleventh address is refused at once, even with the right password
    assert attempt(client, "alpha", street.admin_phone, "192.0.2.1", PASSWORD).status_code == 429
    # other accounts are not affected
    other = make_street("bravo")
    assert attempt(client, "bravo", other.admin_phone, "192.0.2.1", PASSWORD).status_code == 302


def test_the_addresses_of_one_ipv6_network_count_as_one(app, make_street, make_user):
    street = make_street("alpha")
    client = app.test_client()
    for n in range(5):
        answer = attempt(client, "alpha", street.admin_phone, f"2001:db8:1:2::{n + 1:x}")
        assert answer.status_code == 401
    assert attempt(client, "alpha", street.admin_phone, "2001:db8:1:2::ff").status_code == 429
    # another /64 is another address
    assert attempt(client, "alpha", street.admin_phone, "2001:db8:1:3::1").status_code == 401


def test_wrong_current_passwords_do_not_lock_the_login(app, make_street):
    street = make_street("alpha")
    desk = app.test_client()
    assert attempt(desk, "alpha", street.admin_phone, ADMIN_DESK, PASSWORD).status_code == 302
    codes = [change_password(desk, "guess-123").status_code for _ in range(6)]
    assert codes == [422] * 5 + [429]
    # the same person on another browser at the same desk can still log in
    other = app.test_client()
    assert attempt(other, "alpha", street.admin_phone, ADMIN_DESK, PASSWORD).status_code == 302


def test_wrong_logins_do_not_lock_the_password_form(app, make_street):
    street = make_street("alpha")
    desk = app.test_client()
    assert attempt(desk, "alpha", street.admin_phone, ADMIN_DESK, PASSWORD).status_code == 302
    guesser = app.test_client()
    for _ in range(5):
        assert attempt(guesser, "alpha", street.admin_phone, ADMIN_DESK).status_code == 401
    assert attempt(guesser, "alpha", street.admin_phone, ADMIN_DESK).status_code == 429
    # the signed-in admin changes the password all the same
    changed = change_password(desk, PASSWORD)
    assert changed.status_code == 302


def test_the_right_current_password_clears_the_forms_count(app, make_street):
    street = make_street("alpha")
    desk = app.test_client()
    assert attempt(desk, "alpha", street.admin_phone, ADMIN_DESK, PASSWORD).status_code == 302
    for _ in range(4):
        assert change_password(desk, "guess-123").status_code == 422
    assert change_password(desk, PASSWORD).status_code == 302
    wrong = {"current_password": "guess-123", "password": "other-pass-1"}
    codes = [
        desk.post("/alpha/password", data={**wrong, "password_confirm": "other-pass-1"}).status_code
        for _ in range(5)
    ]
    assert codes == [422] * 5


def test_the_lock_follows_the_account_not_the_session(app, make_street):
    """Two sessions of one account share the form's count: a new login does not reset it."""
    street = make_street("alpha")
    first, second = app.test_client(), app.test_client()
    for client in (first, second):
        assert attempt(client, "alpha", street.admin_phone, ADMIN_DESK, PASSWORD).status_code == 302
    for _ in range(5):
        assert change_password(first, "guess-123").status_code == 422
    assert change_password(second, "guess-123").status_code == 429
