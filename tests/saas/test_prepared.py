"""Prepared statements kept across read-only transactions (saas.prepared), PostgreSQL only.

A transaction that only read ends with COMMIT, so its connection keeps what psycopg prepared; one
that wrote, or failed, must still be really rolled back: nothing written survives, no lock is held,
the connection is usable afterwards.
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from psycopg.pq import TransactionStatus
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.exc import DataError, IntegrityError, OperationalError

from saas.auth.models import User
from saas.extensions import db
from saas.streets.models import Tenant
from tenants.structure.models import Community
from tests.conftest import login, pg_only

pytestmark = pg_only

#: psycopg prepares a statement the fifth time a connection runs it
PREPARE_THRESHOLD = 5


@contextmanager
def connections_used(app):
    """The app's psycopg connections that ran a statement inside the block."""
    used: list = []

    def note(conn, cursor, statement, parameters, context, executemany):
        raw = conn.connection.dbapi_connection
        if not any(raw is seen for seen in used):
            used.append(raw)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield used
    finally:
        event.remove(engine, "before_cursor_execute", note)


def prepared_on_server(raw) -> list[str]:
    """What PostgreSQL holds prepared for this (idle, pooled) connection; it stays idle after."""
    assert raw.info.transaction_status == TransactionStatus.IDLE
    rows = raw.execute("SELECT statement FROM pg_prepared_statements").fetchall()
    raw.commit()
    return [statement for (statement,) in rows]


@contextmanager
def owner_engine(app):
    """A connection of its own, as the database owner: sees what is really committed."""
    engine = create_engine(app.config["TEST_OWNER_URL"])
    try:
        yield engine
    finally:
        engine.dispose()


def communities_named(app, name: str) -> int:
    with owner_engine(app) as engine, engine.connect() as conn:
        return conn.scalar(text("SELECT count(*) FROM communities WHERE name = :n"), {"n": name})


def can_lock_now(app, tenant_id: int) -> bool:
    """Whether another connection can lock the street's row this instant (NOWAIT: no waiting)."""
    with owner_engine(app) as engine, engine.connect() as conn:
        try:
            conn.execute(
                text("SELECT id FROM tenants WHERE id = :id FOR UPDATE NOWAIT"), {"id": tenant_id}
            )
        except OperationalError as error:
            assert "could not obtain lock" in str(error)
            return False
        finally:
            conn.rollback()
    return True


def warm(client, url: str, times: int = PREPARE_THRESHOLD + 3) -> None:
    for _ in range(times):
        assert client.get(url).status_code == 200


# --- read-only requests keep their prepared statements -----------------------------------------


def test_prepared_statements_survive_read_only_requests(app, client, make_street, monkeypatch):
    # the dashboard's figures computed on every view, as they are once per interval (saas.cache)
    monkeypatch.setitem(app.config, "FIGURES_CACHE_SECONDS", 0)
    with app.app_context():
        # one pooled connection, as a sync worker has: earlier tests' threads may have left several,
        # and requests spread over them would not run a statement often enough to prepare it
        db.engine.dispose()
    street = make_street("alpha")
    login(client, "alpha", street.admin_phone)

    with connections_used(app) as used:
        warm(client, "/alpha/dashboard")

    assert used, "the page ran no statement"
    for raw in used:
        # each request ends its transaction (the connection is idle in the pool)…
        assert raw.info.transaction_status == TransactionStatus.IDLE
        # …and no statement runs five times within one request: only statements that outlived
        # the end of several requests can have been prepared
        assert raw._prepared._names, "psycopg forgot its prepared statements"
        on_server = prepared_on_server(raw)
        assert any("FROM grids" in statement for statement in on_server), on_server

    # and they are used, not prepared again: the same names after more of the same requests
    before = {id(raw): prepared_on_server(raw) for raw in used}
    with connections_used(app) as again:
        warm(client, "/alpha/dashboard", times=3)
    for raw in again:
        if id(raw) in before:
            assert set(before[id(raw)]) <= set(prepared_on_server(raw))


# --- what wrote is really rolled back -----------------------------------------------------------


@pytest.mark.parametrize("end", ["rollback", "close"])
def test_a_write_that_is_rolled_back_leaves_nothing(app, client, make_street, scoped, end):
    street = make_street("alpha")
    login(client, "alpha", street.admin_phone)
    warm(client, "/alpha/dashboard")  # the pooled connection holds prepared statements

    with connections_used(app) as used, scoped(street) as session:
        session.add(Community(name="撤回的社区"))
        session.flush()
        assert session.scalar(select(Community.id).where(Community.name == "撤回的社区"))
        getattr(session, end)()

    assert communities_named(app, "撤回的社区") == 0
    assert all(raw.info.transaction_status == TransactionStatus.IDLE for raw in used)
    assert client.get("/alpha/structure").status_code == 200
    assert "撤回的社区" not in client.get("/alpha/structure").get_data(as_text=True)


@pytest.mark.parametrize(
    "statement",
    [
        "update tenants set name = 'x' where id = :id",  # lower case
        "\n   UPDATE tenants SET name = 'x' WHERE id = :id",  # leading white space
        "/* a comment */ UPDATE tenants SET name = 'x' WHERE id = :id",
        "WITH changed AS (UPDATE tenants SET name = 'x' WHERE id = :id RETURNING id)"
        " SELECT id FROM changed",
    ],
)
def test_raw_writes_in_any_spelling_are_rolled_back(app, make_street, unscoped, statement):
    street = make_street("alpha", name="甲街道")
    with unscoped() as session:
        for _ in range(PREPARE_THRESHOLD + 1):  # reads first: the transaction began read-only
            session.scalar(select(Tenant.name).where(Tenant.id == street.id))
        assert session.execute(text(statement), {"id": street.id}).rowcount == 1
        session.rollback()

    with owner_engine(app) as engine, engine.connect() as conn:
        name = conn.scalar(text("SELECT name FROM tenants WHERE id = :id"), {"id": street.id})
    assert name == "甲街道"


def test_a_failed_write_is_rolled_back_and_the_connection_still_works(
    app, client, make_street, scoped
):
    street = make_street("alpha")
    login(client, "alpha", street.admin_phone)
    warm(client, "/alpha/dashboard")

    with connections_used(app) as used, scoped(street) as session:
        session.add(Community(name="半途的社区"))
        session.flush()
        session.add(User(phone=street.admin_phone, name="重复", password_hash="x", role="staff"))
        with pytest.raises(IntegrityError):
            session.flush()  # the phone is taken: the transaction is aborted
        session.rollback()
        # the same session (and pooled connection) goes on working
        assert session.scalar(select(User.name).where(User.id == street.admin_id))
        session.rollback()

    assert communities_named(app, "半途的社区") == 0
    assert all(raw.info.transaction_status == TransactionStatus.IDLE for raw in used)
    warm(client, "/alpha/dashboard", times=2)
    assert client.get("/alpha/structure").status_code == 200


def test_a_failed_read_only_transaction_ends_with_a_real_rollback(app, client, make_street, scoped):
    street = make_street("alpha")
    login(client, "alpha", street.admin_phone)
    warm(client, "/alpha/dashboard")

    with scoped(street) as session:
        assert session.scalar(select(User.name).where(User.id == street.admin_id))
        raw = session.connection().connection.dbapi_connection
        assert raw._prepared._names  # warmed: a COMMIT would keep these, a ROLLBACK drops them
        with pytest.raises(DataError):
            session.execute(text("SELECT 1 / 0"))  # only SELECTs, but the transaction failed
        assert raw.info.transaction_status == TransactionStatus.INERROR
        session.rollback()
        # PostgreSQL turns a COMMIT of an aborted transaction into a rollback anyway; that a real
        # ROLLBACK was sent shows in what psycopg forgets on one
        assert raw.info.transaction_status == TransactionStatus.IDLE
        assert not raw._prepared._names
        # and the same session (and connection) goes on working
        assert session.scalar(select(User.name).where(User.id == street.admin_id))
        session.rollback()

    warm(client, "/alpha/dashboard", times=2)


# --- locks taken by a read-only transaction are released ---------------------------------------


def test_a_select_for_update_that_is_rolled_back_releases_its_lock(app, make_street, unscoped):
    street = make_street("alpha")
    assert can_lock_now(app, street.id)

    with connections_used(app) as used, unscoped() as session:
        locked = session.scalar(select(Tenant).where(Tenant.id == street.id).with_for_update())
        assert locked is not None
        assert not can_lock_now(app, street.id)  # held while the transaction runs
        session.rollback()  # only SELECTs ran: this ends with COMMIT, which releases it too
        assert can_lock_now(app, street.id)

    assert all(raw.info.transaction_status == TransactionStatus.IDLE for raw in used)


def test_a_lock_taken_by_a_request_is_released_when_it_ends(app, client, make_street):
    street = make_street("alpha")
    login(client, "alpha", street.admin_phone)
    response = client.post(
        "/alpha/settings/points",
        data={
            "default_points": "10",
            "party_bonus_percent": "0",
            "points_expiry": "off",
            "passport_prefix": "",
            "wish_points": "20",
        },
    )
    assert response.status_code == 302  # save_point_settings locked the row (FOR UPDATE)
    assert can_lock_now(app, street.id)
