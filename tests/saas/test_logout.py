"""Logging out ends the session it is sent from, for every role: a copy of that cookie is
worthless afterwards. A volunteer's (or unit's) other phones stay signed in; office accounts end
every session, as before."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from saas.auth import services
from saas.auth.models import User
from saas.extensions import db
from tests.conftest import PASSWORD, both_backends, login, pg_only

COOKIE = "ljt_session"


def signed_in(app, slug: str, phone: str, remember: bool = True):
    client = app.test_client()
    response = login(client, slug, phone, **({"remember": "y"} if remember else {}))
    assert response.status_code == 302
    return client


def copy_of(app, client):
    """Another browser holding a copy of ``client``'s session cookie (a stolen cookie)."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, client.get_cookie(COOKIE).value)
    return thief


def home(client, slug: str = "alpha") -> int:
    """A page every signed-in role opens (a unit's /me sends it to its own home)."""
    return client.get(f"/{slug}/inbox").status_code


@both_backends
@pytest.mark.parametrize("role", ["volunteer", "org"])
def test_a_copied_cookie_is_worthless_after_its_logout_other_phones_stay_in(
    app, make_street, make_user, role
):
    street = make_street("alpha")
    _uid, phone = make_user(street, role)
    first, second = signed_in(app, "alpha", phone), signed_in(app, "alpha", phone)
    thief = copy_of(app, first)
    assert home(thief) == 200

    first.post("/alpha/logout")

    answer = thief.get("/alpha/me")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/alpha/login")
    assert home(second) == 200
    # the account is not locked: logging in again on the first phone works
    again = login(first, "alpha", phone)
    assert again.status_code == 302 and home(first) == 200


def test_a_session_that_was_not_remembered_is_ended_too(app, make_street, make_user):
    street = make_street("alpha")
    _uid, phone = make_user(street, "volunteer")
    first = signed_in(app, "alpha", phone, remember=False)
    second = signed_in(app, "alpha", phone)
    thief = copy_of(app, first)
    first.post("/alpha/logout")
    assert home(thief) == 302
    assert home(second) == 200


def test_an_office_logout_still_ends_every_session(app, make_street):
    street = make_street("alpha")
    desk = signed_in(app, "alpha", street.admin_phone)
    laptop = signed_in(app, "alpha", street.admin_phone)
    thief = copy_of(app, desk)
    desk.post("/alpha/logout")
    assert thief.get("/alpha/dashboard").status_code == 302
    assert laptop.get("/alpha/dashboard").status_code == 302


def test_an_operators_copied_cookie_is_worthless_after_logout(app, unscoped):
    from saas.auth.passwords import hash_password
    from saas.platform.models import Operator

    with unscoped() as session:
        session.add(
            Operator(phone="13900000009", name="运营", password_hash=hash_password(PASSWORD))
        )
        session.commit()
    client = app.test_client()
    answer = client.post("/platform/login", data={"phone": "13900000009", "password": PASSWORD})
    assert answer.status_code == 302
    thief = copy_of(app, client)
    assert thief.get("/platform/").status_code == 200
    client.post("/platform/logout")
    assert thief.get("/platform/").status_code == 302


def test_a_cookie_from_before_session_ids_ends_every_session_at_logout(app, make_street, make_user):
    """A cookie made before logins carried a session id cannot be ended alone: all are."""
    street = make_street("alpha")
    _uid, phone = make_user(street, "volunteer")
    old, other = signed_in(app, "alpha", phone), signed_in(app, "alpha", phone)
    with old.session_transaction() as session:
        del session["sid"]
    thief = copy_of(app, old)
    assert home(thief) == 200
    old.post("/alpha/logout")
    assert home(thief) == 302
    assert home(other) == 302


def revoked(scoped, street, user_id) -> dict:
    with scoped(street) as session:
        user = session.scalar(select(User).where(User.id == user_id))
        return dict(user.revoked_sessions or {})


def test_the_list_of_ended_sessions_forgets_those_that_expired(app, make_street, make_user, scoped):
    street = make_street("alpha")
    user_id, _phone = make_user(street, "volunteer")
    with scoped(street) as session:
        user = session.scalar(select(User).where(User.id == user_id))
        services.end_session(session, user, "old", ends_at=1_000, now=500)
        services.end_session(session, user, "newer", ends_at=3_000, now=600)
        session.commit()
    assert revoked(scoped, street, user_id) == {"old": 1_000, "newer": 3_000}
    with scoped(street) as session:
        user = session.scalar(select(User).where(User.id == user_id))
        services.end_session(session, user, "last", ends_at=5_000, now=2_000)
        session.commit()
    assert revoked(scoped, street, user_id) == {"newer": 3_000, "last": 5_000}


def test_when_the_list_is_full_a_logout_ends_every_session(
    app, make_street, make_user, scoped, monkeypatch
):
    monkeypatch.setattr(services, "MAX_REVOKED_SESSIONS", 2)
    street = make_street("alpha")
    user_id, phone = make_user(street, "volunteer")
    stays = signed_in(app, "alpha", phone)
    for _ in range(2):
        signed_in(app, "alpha", phone).post("/alpha/logout")
    assert len(revoked(scoped, street, user_id)) == 2
    assert home(stays) == 200

    last = signed_in(app, "alpha", phone)
    thief = copy_of(app, last)
    last.post("/alpha/logout")
    assert home(thief) == 302
    assert home(stays) == 302  # the price of a bounded list: everyone signs in again
    assert revoked(scoped, street, user_id) == {}


def test_the_check_costs_no_statement(app, make_street, make_user):
    """The list comes with the account's row, which the user loader reads anyway."""
    from sqlalchemy import event

    street = make_street("alpha")
    _uid, phone = make_user(street, "volunteer")
    for _ in range(3):
        signed_in(app, "alpha", phone).post("/alpha/logout")
    client = signed_in(app, "alpha", phone)
    client.get("/alpha/inbox")
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        if "users" in statement and not statement.lstrip().upper().startswith("BEGIN"):
            seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get("/alpha/inbox").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(seen) == 1, seen


@pg_only
def test_phones_logging_out_at_the_same_moment_are_all_ended(app, make_street, make_user):
    import threading

    street = make_street("alpha")
    _uid, phone = make_user(street, "volunteer")
    phones = [signed_in(app, "alpha", phone) for _ in range(8)]
    copies = [copy_of(app, client) for client in phones]
    stays = signed_in(app, "alpha", phone)
    barrier = threading.Barrier(len(phones))

    def log_out(client):
        barrier.wait()
        client.post("/alpha/logout")

    threads = [threading.Thread(target=log_out, args=(client,)) for client in phones]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [home(copy) for copy in copies] == [302] * len(copies)
    assert home(stays) == 200
