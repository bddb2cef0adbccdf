"""Login, /join and /signup while the Redis that holds the rate-limit counters is down or frozen.

"Down" is a port where nothing listens (refused at once); "frozen" is a listener that accepts and
never answers (a hung Redis, a dead network path). Either way the counting goes on in the web
process's memory, and the log says once that the shared counters are unavailable.
"""

from __future__ import annotations

import logging
import re
import socket
import threading
import time
from contextlib import contextmanager

import pytest

from saas import ratelimit
from saas.extensions import limiter
from saas.jobs import ENQUEUE_TIMEOUT, queue
from tests.conftest import REDIS_TEST_URL, login, missing_service
from tests.tenants.factories import add_community

#: generous: a frozen Redis without a socket timeout held the request for ever; with one, 0.5 s
QUICK = 3.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def _listener(handle):
    """A local TCP server whose accepted connections go to ``handle(conn)`` in its thread."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    server.settimeout(0.05)
    stop = threading.Event()
    accepted: list[socket.socket] = []

    def serve():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            accepted.append(conn)
            handle(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn in accepted:
            conn.close()
        server.close()


@pytest.fixture(params=["down", "frozen"])
def redis_url(request):
    if request.param == "down":
        yield f"redis://127.0.0.1:{_free_port()}/0"
        return
    with _listener(lambda conn: None) as port:  # accepted, held, never answered
        yield f"redis://127.0.0.1:{port}/0"


@pytest.fixture
def log(caplog, monkeypatch):
    # the migrations' logging setup disabled the loggers that existed before it ran
    monkeypatch.setattr(ratelimit.log, "disabled", False)
    caplog.set_level(logging.INFO, logger=ratelimit.log.name)
    return caplog


def _unavailable(log) -> list[logging.LogRecord]:
    return [
        r
        for r in log.records
        if r.name == ratelimit.log.name
        and r.levelno == logging.WARNING
        and "counters are unavailable" in r.getMessage()
    ]


@pytest.fixture
def counters_at(app, app_variant):
    """``counters_at(url)``: an app (same test database) whose rate-limit counters are there."""

    def make(url: str, **overrides):
        return app_variant(RATELIMIT_STORAGE_URI=url, **overrides)

    yield make
    limiter.init_app(app)  # the limiter is one object: give it back its memory storage


def _timed(call):
    began = time.monotonic()
    response = call()
    return response, time.monotonic() - began


def test_login_join_and_signup_work_while_redis_is_away(
    counters_at, redis_url, make_street, scoped, log
):
    street = make_street("alpha")
    community = add_community(scoped, street, "朝阳社区")
    # the jobs' queue is there too: join and sign-up queue their welcome after the commit
    app = counters_at(redis_url, REDIS_URL=redis_url)
    client = app.test_client()
    # the socket timeout is what keeps a frozen Redis from holding the request
    connection = limiter.storage.storage.connection_pool.connection_kwargs
    assert connection["socket_timeout"] == connection["socket_connect_timeout"] == 0.5
    queued = queue(app).connection.connection_pool.connection_kwargs
    assert queued["socket_timeout"] == queued["socket_connect_timeout"] == ENQUEUE_TIMEOUT

    response, took = _timed(lambda: login(client, "alpha", street.admin_phone, "wrong-pass"))
    assert response.status_code == 401 and took < QUICK
    response, took = _timed(lambda: login(client, "alpha", street.admin_phone))
    assert response.status_code == 302 and took < QUICK
    assert response.headers["Location"] == "/alpha/dashboard"
    client.post("/alpha/logout")

    joined, took = _timed(
        lambda: client.post(
            "/alpha/join",
            data={
                "phone": "13600000001",
                "name": "张志愿",
                "community": str(community),
                "password": "join-pass-1",
                "password_confirm": "join-pass-1",
                "agree_privacy": "y",
            },
        )
    )
    assert joined.status_code == 302 and took < QUICK
    assert joined.headers["Location"] == "/alpha/inbox"
    client.post("/alpha/logout")

    opened, took = _timed(
        lambda: client.post(
            "/signup",
            data={
                "street_name": "示范街道",
                "slug": "shifan",
                "district": "示范区",
                "admin_name": "王晓明",
                "phone": "13912345678",
                "password": "good-pass-1",
                "password_confirm": "good-pass-1",
                "agree_privacy": "y",
            },
        )
    )
    assert opened.status_code == 302 and took < QUICK
    assert opened.headers["Location"] == "/shifan/"

    # said once for the outage, not once per request
    assert len(_unavailable(log)) == 1


def test_the_throttle_still_counts_while_redis_is_down(counters_at, make_street, log):
    street = make_street("alpha")
    client = counters_at(f"redis://127.0.0.1:{_free_port()}/0").test_client()
    for _ in range(5):
        assert login(client, "alpha", street.admin_phone, "wrong-pass").status_code == 401
    refused = login(client, "alpha", street.admin_phone)
    assert refused.status_code == 429
    assert "密码错误次数过多" in refused.get_data(as_text=True)
    assert len(_unavailable(log)) == 1


def test_signup_is_still_limited_per_address_while_redis_is_down(counters_at):
    client = counters_at(f"redis://127.0.0.1:{_free_port()}/0").test_client()
    codes = [client.post("/signup", data={"slug": "x"}).status_code for _ in range(21)]
    assert codes == [422] * 20 + [429]


def test_join_codes_are_sent_and_checked_while_redis_is_down(counters_at, make_street, scoped):
    from saas.notify.senders import FileSink
    from saas.streets.models import Tenant
    from saas.tenancy import all_tenants
    from tenants.people import verification

    street = make_street("alpha")
    community = add_community(scoped, street, "朝阳社区")
    variant = counters_at(f"redis://127.0.0.1:{_free_port()}/0")
    with variant.app_context(), all_tenants():
        from saas.extensions import db

        tenant = db.session.get(Tenant, street.id)
        tenant.settings = {**(tenant.settings or {}), verification.SETTING: True}
        db.session.commit()
        db.session.remove()
    client = variant.test_client()
    sent = client.post("/alpha/join", data={"phone": "13600000001", "send_code": "1"})
    assert sent.status_code == 200
    [message] = FileSink(variant.config["OUTBOX_DIR"], "sms").messages()
    code = re.search(r"\b(\d{6})\b", message["body"]).group(1)
    joined = client.post(
        "/alpha/join",
        data={
            "phone": "13600000001",
            "name": "张志愿",
            "community": str(community),
            "password": "join-pass-1",
            "password_confirm": "join-pass-1",
            "agree_privacy": "y",
            "code": code,
        },
    )
    assert joined.status_code == 302 and joined.headers["Location"] == "/alpha/inbox"
    # the 60-second gap between two codes to one phone is still kept, in memory
    again = variant.test_client().post(
        "/alpha/join", data={"phone": "13600000001", "send_code": "1"}
    )
    assert "秒后再重新获取" in again.get_data(as_text=True)


class FlakyRedis:
    """A TCP relay to the test Redis that can be frozen: while frozen it forwards nothing, in
    either direction, on old connections and new ones."""

    def __init__(self, upstream: tuple[str, int]):
        self.upstream = upstream
        self.frozen = False

    def handle(self, conn: socket.socket) -> None:
        def pump(source: socket.socket, target: socket.socket) -> None:
            try:
                while data := source.recv(65536):
                    if not self.frozen:
                        target.sendall(data)
            except OSError:
                pass
            finally:
                target.close()

        try:
            upstream = socket.create_connection(self.upstream, timeout=2)
        except OSError:
            conn.close()
            return
        upstream.settimeout(None)
        threading.Thread(target=pump, args=(conn, upstream), daemon=True).start()
        threading.Thread(target=pump, args=(upstream, conn), daemon=True).start()


def _redis_address() -> tuple[str, int, int]:
    from redis import Redis

    try:
        Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=2).ping()
    except Exception as exc:  # any failure to connect means: not available
        missing_service("Redis", f"{type(exc).__name__}: {exc}")
    kwargs = Redis.from_url(REDIS_TEST_URL).connection_pool.connection_kwargs
    return kwargs.get("host", "127.0.0.1"), kwargs.get("port", 6379), kwargs.get("db", 0)


def test_the_shared_counters_are_used_again_when_redis_answers(counters_at, make_street, log):
    host, port, db_number = _redis_address()
    street = make_street("alpha")
    relay = FlakyRedis((host, port))
    with _listener(relay.handle) as relay_port:
        client = counters_at(f"redis://127.0.0.1:{relay_port}/{db_number}").test_client()
        limiter.reset()
        counters = limiter.limiter
        assert login(client, "alpha", street.admin_phone, "wrong-pass").status_code == 401
        assert not counters.using_fallback

        relay.frozen = True
        for _ in range(2):
            assert login(client, "alpha", street.admin_phone, "wrong-pass").status_code == 401
        assert counters.using_fallback and len(_unavailable(log)) == 1

        relay.frozen = False
        counters.retry_seconds = 0  # try the shared storage at the next count, not in 30 s
        assert login(client, "alpha", street.admin_phone, "wrong-pass").status_code == 401
        assert not counters.using_fallback
        assert any("answer again" in r.getMessage() for r in log.records)
        # Redis holds the two tries made while it answered (the two counted in memory meanwhile
        # are not copied back): three more, and the next is refused
        for _ in range(3):
            assert login(client, "alpha", street.admin_phone, "wrong-pass").status_code == 401
        assert login(client, "alpha", street.admin_phone).status_code == 429
        assert len(_unavailable(log)) == 1
        limiter.reset()
