"""The database or Redis out of reach: the 503 page with Retry-After instead of a 500, one line in
the log, and /healthz naming what is down.

Outages are real here: the app is pointed at a port where nothing listens, at a SQLite file in a
directory that does not exist, at a socket that accepts and never answers (a frozen server), or
at PostgreSQL through a relay the test pulls out and plugs back in.
"""

from __future__ import annotations

import logging
import socket
import sqlite3
import threading
import time
from contextlib import contextmanager, suppress
from urllib.parse import urlsplit, urlunsplit

import pytest
from sqlalchemy.exc import OperationalError

from saas import health
from tests.conftest import login, pg_only
from tests.saas.test_security import assert_safe_page
from tests.saas.test_signup import GOOD as SIGNUP

HTMX = {"HX-Request": "true"}


@pytest.fixture
def log(caplog, monkeypatch):
    """The app's log as a test sees it (the migrations' logging setup disabled its loggers)."""
    from saas import security

    monkeypatch.setattr(security.log, "disabled", False)
    caplog.set_level(logging.WARNING)
    return caplog


def closed_port() -> int:
    """A port on which nothing listens (bound for a moment, then given back)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def on_port(url: str, port: int) -> str:
    parts = urlsplit(url)
    netloc = f"{parts.netloc.rsplit('@', 1)[0]}@127.0.0.1:{port}"
    return urlunsplit(parts._replace(netloc=netloc))


@pytest.fixture
def unreachable(request, app_variant, tmp_path):
    """The app pointed at a database it cannot reach: PostgreSQL on a closed port, or a SQLite
    file in a directory that does not exist."""
    if request.param == "postgres":
        url = f"postgresql+psycopg://ljt_app_test:app@127.0.0.1:{closed_port()}/ljt"
    else:
        url = f"sqlite:///{tmp_path / 'no-such-directory' / 'saas.db'}"
    return app_variant(SQLALCHEMY_DATABASE_URI=url)


def assert_busy(response, layout: bool = True) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)[:300]
    assert response.headers["Retry-After"] == str(health.RETRY_AFTER)
    body = response.get_data(as_text=True)
    assert "系统繁忙，请稍后再试" in body
    if layout:
        assert 'class="card error-page"' in body and 'class="topbar"' in body


def outage_lines(log) -> list[logging.LogRecord]:
    return [r for r in log.records if "database unavailable" in r.getMessage()]


@pytest.mark.parametrize("unreachable", ["postgres", "sqlite"], indirect=True)
def test_a_database_out_of_reach_answers_the_busy_page(unreachable, make_street, log):
    make_street("alpha")  # in the test database; the variant cannot see it
    client = unreachable.test_client()
    requests = [
        ("GET", "/alpha/", {}),
        ("GET", "/alpha/login", {}),
        ("POST", "/alpha/login", {"data": {"phone": "13800000001", "password": "x"}}),
        ("GET", "/alpha/events", {"headers": HTMX}),
        ("POST", "/signup", {"data": SIGNUP}),
        ("POST", "/platform/login", {"data": {"phone": "13900000009", "password": "x"}}),
    ]
    for method, path, extra in requests:
        log.clear()
        response = client.open(path, method=method, **extra)
        assert_busy(response)
        assert_safe_page(response)
        # once in the log, at ERROR, with the reason and without a traceback per request
        [line] = outage_lines(log)
        assert line.levelno == logging.ERROR and line.exc_info is None
        assert f"{method} {path}" in line.getMessage()
        assert [r for r in log.records if r.levelno >= logging.ERROR] == [line]


@pytest.mark.parametrize(
    ("unreachable", "reason"),
    [("postgres", "connection refused"), ("sqlite", "cannot open the database file")],
    indirect=["unreachable"],
)
def test_healthz_says_the_database_is_down(unreachable, reason):
    began = time.monotonic()
    response = unreachable.test_client().get("/healthz")
    assert time.monotonic() - began < 2
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(health.RETRY_AFTER)
    state = response.get_json()
    assert state["status"] == "down"
    assert state["database"] == f"down: {reason}"
    assert state["redis"] == "not configured"
    assert "127.0.0.1" not in response.get_data(as_text=True)  # nothing of the network inside


def test_healthz_names_redis_when_it_is_down_and_still_serves(app_variant, make_street):
    make_street("alpha")
    variant = app_variant(REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0")
    client = variant.test_client()
    began = time.monotonic()
    response = client.get("/healthz")
    assert time.monotonic() - began < 2
    # the web process serves without Redis: degraded, not down, so it is not taken out
    assert response.status_code == 200
    state = response.get_json()
    assert (state["status"], state["database"]) == ("degraded", "ok")
    assert state["redis"] == "down: connection refused"
    assert client.get("/alpha/login").status_code == 200


def test_healthz_counts_the_queued_jobs_when_redis_is_up(app_variant):
    from redis import Redis
    from redis.exceptions import RedisError

    from tests.conftest import REDIS_TEST_URL, missing_service

    conn = Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=2)
    try:
        conn.ping()
    except RedisError as exc:
        missing_service("Redis", f"{REDIS_TEST_URL}: {exc}")
    finally:
        conn.close()
    state = app_variant(REDIS_URL=REDIS_TEST_URL).test_client().get("/healthz").get_json()
    assert (state["status"], state["redis"]) == ("ok", "ok")
    assert isinstance(state["queued_jobs"], int)


def test_programming_errors_raised_as_operational_are_still_a_500(app, log):
    from saas import security

    error = OperationalError("SELECT * FROM nothing", {}, sqlite3.OperationalError("no such table"))
    with app.test_request_context("/"):
        try:
            raise error
        except OperationalError:
            body, status = security._database_error(error)
    assert status == 500 and "系统繁忙" not in body
    assert any(r.levelno == logging.ERROR and r.exc_info for r in log.records)


# --- PostgreSQL going away under a running app ----------------------------------------------------


class Relay:
    """A TCP relay to PostgreSQL that a test pulls out (every connection dropped, new ones closed
    at once: the server gone) and plugs back in."""

    def __init__(self, host: str, port: int):
        self.target = (host, port)
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.plugged = True
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                downstream, _ = self.server.accept()
            except OSError:
                return
            if not self.plugged:
                downstream.close()
                continue
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.sockets += [downstream, upstream]
            for src, dst in ((downstream, upstream), (upstream, downstream)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        for sock in (src, dst):
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def pull(self) -> None:
        self.plugged = False
        with self.lock:
            for sock in self.sockets:
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self.sockets.clear()

    def plug(self) -> None:
        self.plugged = True

    def close(self) -> None:
        self.pull()
        self.server.close()


@contextmanager
def relayed(app):
    parts = urlsplit(app.config["SQLALCHEMY_DATABASE_URI"])
    relay = Relay(parts.hostname, parts.port or 5432)
    try:
        yield relay, on_port(app.config["SQLALCHEMY_DATABASE_URI"], relay.port)
    finally:
        relay.close()


@pg_only
def test_a_signed_in_person_gets_the_busy_page_and_then_the_page_again(
    app, app_variant, make_street, log
):
    street = make_street("alpha", name="甲街道")
    with relayed(app) as (relay, url):
        variant = app_variant(SQLALCHEMY_DATABASE_URI=url)
        client = variant.test_client()
        assert login(client, "alpha", street.admin_phone).status_code == 302
        assert client.get("/alpha/dashboard").status_code == 200

        relay.pull()  # the server goes away: pooled connections die, new ones are cut
        log.clear()
        for headers in ({}, HTMX):
            response = client.get("/alpha/dashboard", headers=headers)
            assert_busy(response)
            assert "甲街道" in response.get_data(as_text=True)  # the street's own layout
        assert len(outage_lines(log)) == 2
        assert all(r.levelno == logging.ERROR and r.exc_info is None for r in outage_lines(log))
        assert [r for r in log.records if r.levelno >= logging.ERROR] == outage_lines(log)
        health_state = client.get("/healthz")
        assert health_state.status_code == 503
        assert health_state.get_json()["database"].startswith("down: ")

        relay.plug()  # back: the same cookie, the same page, no restart
        assert client.get("/alpha/dashboard").status_code == 200
        assert client.get("/healthz").get_json()["status"] == "ok"


@pg_only
def test_a_frozen_server_costs_a_request_its_connect_timeout_not_its_worker(app, app_variant):
    # a socket that accepts connections and never answers: a frozen (SIGSTOPped) server
    frozen = socket.create_server(("127.0.0.1", 0))
    try:
        url = on_port(app.config["SQLALCHEMY_DATABASE_URI"], frozen.getsockname()[1])
        variant = app_variant(SQLALCHEMY_DATABASE_URI=url, DATABASE_CONNECT_TIMEOUT=2)
        client = variant.test_client()
        began = time.monotonic()
        assert_busy(client.get("/alpha/login"))
        assert time.monotonic() - began < 4
        began = time.monotonic()
        response = client.get("/healthz")
        assert time.monotonic() - began < 3
        assert response.status_code == 503
        assert response.get_json()["database"] == "down: timeout"
    finally:
        frozen.close()


def test_postgres_connections_get_the_connect_timeout(app_variant):
    options = app_variant(
        SQLALCHEMY_DATABASE_URI=f"postgresql+psycopg://x:y@127.0.0.1:{closed_port()}/z",
        DATABASE_CONNECT_TIMEOUT=3,
    ).config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["connect_args"]["connect_timeout"] == 3
    assert options["pool_pre_ping"] is True
