"""Delivery holds no row lock during a send, and a request never waits on a lock for ever.

A delivery takes a lease on the channel it sends (``sending_until``, ``sending_by``) in a short
locked transaction, sends with no lock held, then marks the channel and ends the lease. So a
volunteer opening a message while its SMS is on its way is not kept waiting; a second run of the
same job leaves the row alone; a failed send ends the lease; a lease whose worker died does not
hold the message back. On PostgreSQL every connection has a ``lock_timeout`` (``LOCK_TIMEOUT_MS``):
a request blocked past it gets a 503 "系统繁忙，请稍后再试" page, not a 500.

The concurrent tests run real threads against PostgreSQL; the SMS/e-mail gateway is a local sender
plugged in through ``SMS_SENDER`` that blocks until the test lets it go.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, select, text

from saas.auth.models import User
from saas.db import utcnow
from saas.extensions import db
from saas.jobs import run_job
from saas.notify import jobs
from saas.notify.models import Notification
from saas.notify.senders import FileSink
from saas.notify.services import mark_all_read, mark_read
from saas.tenancy import tenant_scope
from tests.conftest import both_backends, login, pg_only
from tests.saas.test_notify import outbox_row

DELIVER = "saas.notify.jobs:deliver"


class Gate:
    """What the gated sender reports to the test, and what it waits for."""

    def __init__(self) -> None:
        self.sending = threading.Event()
        self.release = threading.Event()
        self.calls: list[tuple[str, str]] = []
        self.lock = threading.Lock()


_gate: Gate | None = None


class GatedSender:
    """A gateway that takes as long as the test wants: it says it is sending, then blocks until
    released, then writes to the file sink (no de-duplication of its own: every call counts)."""

    def __init__(self, config, channel: str):
        self.channel = channel
        self.sink = FileSink(config["OUTBOX_DIR"], f"gated-{channel}")

    def send(self, key: str, to: str, subject: str, body: str) -> None:
        gate = _gate
        with gate.lock:
            gate.calls.append((self.channel, key))
        gate.sending.set()
        if not gate.release.wait(20):
            raise RuntimeError("the test never released the send")
        self.sink.path.parent.mkdir(parents=True, exist_ok=True)
        line = {"key": key, "to": to, "subject": subject, "body": body}
        with self.sink.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")


class FailingSender:
    def __init__(self, config, channel: str):
        self.channel = channel

    def send(self, key: str, to: str, subject: str, body: str) -> None:
        raise ConnectionError(f"{self.channel} gateway timed out")


GATED = f"{__name__}:GatedSender"
FAILING = f"{__name__}:FailingSender"


# ---------------------------------------------------------------------------------------------
# Fixtures and helpers


@pytest.fixture
def gate(app, monkeypatch):
    """Sends go through ``GatedSender``; whatever a test does, the gate opens at its end."""
    made = Gate()
    monkeypatch.setattr(sys.modules[__name__], "_gate", made)
    monkeypatch.setitem(app.config, "SMS_SENDER", GATED)
    monkeypatch.setitem(app.config, "EMAIL_SENDER", GATED)
    try:
        yield made
    finally:
        made.release.set()


def row(app, street, note_id: int) -> dict:
    with app.app_context(), tenant_scope(street.id):
        note = db.session.scalar(select(Notification).where(Notification.id == note_id))
        state = {
            "status": note.status,
            "attempts": note.attempts,
            "last_error": note.last_error,
            "sms_sent": note.sms_sent_at is not None,
            "email_sent": note.email_sent_at is not None,
            "read": note.read_at is not None,
            "leased": note.sending_until is not None,
            "sending_until": note.sending_until,
            "sending_by": note.sending_by,
        }
        db.session.remove()
    return state


def sent(app, channel: str = "sms") -> list[dict]:
    """What reached the gated gateway (the file sink behind it)."""
    return FileSink(app.config["OUTBOX_DIR"], f"gated-{channel}").messages()


@contextmanager
def delivering(app, street, note_id: int, count: int = 1, start: threading.Barrier | None = None):
    """``count`` runs of the delivery job, each in a thread of its own; yields their results,
    filled in once the block has ended and the threads have finished."""
    results: list[str] = []
    errors: list[BaseException] = []

    def deliver():
        try:
            with app.app_context():
                if start is not None:
                    start.wait(5)
                results.append(run_job(DELIVER, street.id, note_id))
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=deliver) for _ in range(count)]
    for thread in threads:
        thread.start()
    try:
        yield results
    finally:
        if _gate is not None:
            _gate.release.set()
        for thread in threads:
            thread.join(30)
    assert not any(thread.is_alive() for thread in threads)
    assert not errors, errors


def timed(func, *args):
    began = time.monotonic()
    result = func(*args)
    return result, time.monotonic() - began


@pytest.fixture
def log(caplog, monkeypatch):
    """The app's log as a test sees it (the migrations' logging setup disabled its loggers)."""
    from saas import security

    monkeypatch.setattr(security.log, "disabled", False)
    caplog.set_level(logging.WARNING)
    return caplog


@contextmanager
def owner_connection(app):
    """A connection of its own, as the database owner (Row-Level Security does not hide rows)."""
    engine = create_engine(app.config["TEST_OWNER_URL"])
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


# ---------------------------------------------------------------------------------------------
# Reading while it is being sent


@pg_only
def test_opening_a_message_while_its_sms_is_being_sent_does_not_wait(
    app, client, gate, make_street, make_user
):
    street = make_street("alpha")
    user_id, phone = make_user(street)
    note_id = outbox_row(app, street, user_id, "明天停水")
    login(client, "alpha", phone)

    with delivering(app, street, note_id) as results:
        assert gate.sending.wait(10), "the send never started"
        during = row(app, street, note_id)
        assert during["leased"] and not during["sms_sent"]  # the lease, not a lock, says so
        assert during["sending_until"] > utcnow() + timedelta(seconds=60)

        # the volunteer opens it: the row is not locked, so this is at once (with a lock it would
        # wait for the gateway, and fail after lock_timeout)
        response, took = timed(lambda: client.post(f"/alpha/inbox/{note_id}/read"))
        assert response.status_code == 302
        assert took < 1.0, f"marking it read took {took:.2f}s"
        assert row(app, street, note_id)["read"]
        assert gate.calls and not sent(app)  # still sending

    assert results == ["sent"]
    after = row(app, street, note_id)
    assert (after["status"], after["sms_sent"], after["read"]) == ("sent", True, True)
    assert (after["sending_until"], after["sending_by"]) == (None, None)
    assert [m["to"] for m in sent(app)] == [phone]


@pg_only
def test_the_services_mark_read_and_mark_all_read_go_through_during_a_send(
    app, gate, make_street, make_user
):
    street = make_street("alpha")
    user_id, _phone = make_user(street)
    sending = outbox_row(app, street, user_id, "发送中的通知")
    other = outbox_row(app, street, user_id, "另一条", channels="")

    def read_one():
        with app.app_context(), tenant_scope(street.id):
            user = db.session.scalar(select(User).where(User.id == user_id))
            mark_read(db.session, user, sending)
            db.session.commit()
            db.session.remove()

    def read_all():
        with app.app_context(), tenant_scope(street.id):
            user = db.session.scalar(select(User).where(User.id == user_id))
            mark_all_read(db.session, user)
            db.session.commit()
            db.session.remove()

    with delivering(app, street, sending) as results:
        assert gate.sending.wait(10)
        for func in (read_one, read_all):
            _, took = timed(func)
            assert took < 1.0, f"{func.__name__} took {took:.2f}s"
        assert row(app, street, sending)["read"] and row(app, street, other)["read"]
    assert results == ["sent"]
    assert len(sent(app)) == 1


# ---------------------------------------------------------------------------------------------
# Sends once


@pg_only
def test_a_second_run_while_the_first_is_sending_leaves_the_row_alone(
    app, gate, make_street, make_user, monkeypatch
):
    monkeypatch.setattr(jobs, "WAIT_FOR_LEASE", 0.3)
    street = make_street("alpha")
    user_id, phone = make_user(street)
    note_id = outbox_row(app, street, user_id, "紧急通知")

    with delivering(app, street, note_id) as results:
        assert gate.sending.wait(10)
        before = row(app, street, note_id)
        with app.app_context():
            assert run_job(DELIVER, street.id, note_id) == jobs.SENDING
        assert row(app, street, note_id) == before  # no try counted, the lease is the first's
        assert len(gate.calls) == 1

    assert results == ["sent"]
    with app.app_context():
        assert run_job(DELIVER, street.id, note_id) == "sent"  # and later: nothing left to do
    assert len(gate.calls) == 1
    assert [m["to"] for m in sent(app)] == [phone]


@pg_only
@pytest.mark.parametrize("channels", ["sms", "sms,email"])
def test_two_deliveries_at_once_send_each_channel_once(app, gate, make_street, make_user, channels):
    street = make_street("alpha")
    user_id, _phone = make_user(street, email="li@example.com")
    note_id = outbox_row(app, street, user_id, "同时投递", channels=channels)

    with delivering(app, street, note_id, count=2, start=threading.Barrier(2)) as results:
        assert gate.sending.wait(10)
        time.sleep(0.5)  # the other run has found the lease and is waiting
        assert len(gate.calls) == 1

    # the run that waited found every channel marked when the lease ended
    assert results == ["sent", "sent"]
    assert sorted(channel for channel, _key in gate.calls) == sorted(channels.split(","))
    assert len(sent(app, "sms")) == 1
    assert len(sent(app, "email")) == ("email" in channels)
    after = row(app, street, note_id)
    assert (after["status"], after["leased"], after["attempts"]) == ("sent", False, 0)


# ---------------------------------------------------------------------------------------------
# Failures, and leases left behind


@both_backends
def test_a_send_that_fails_ends_the_lease_and_counts_a_try(
    app, make_street, make_user, monkeypatch
):
    monkeypatch.setitem(app.config, "SMS_SENDER", FAILING)
    street = make_street("alpha")
    user_id, phone = make_user(street)
    note_id = outbox_row(app, street, user_id, "停电通知")

    with app.app_context(), pytest.raises(ConnectionError):
        run_job(DELIVER, street.id, note_id)  # re-raised: rq retries it after its back-off
    state = row(app, street, note_id)
    assert (state["status"], state["attempts"], state["leased"], state["sending_by"]) == (
        "pending",
        1,
        False,
        None,
    )
    assert "gateway timed out" in state["last_error"]

    # the next try is not held back by a lease: the gateway is back, it goes out
    monkeypatch.setitem(app.config, "SMS_SENDER", "file")
    with app.app_context():
        assert run_job(DELIVER, street.id, note_id) == "sent"
    assert [m["to"] for m in FileSink(app.config["OUTBOX_DIR"], "sms").messages()] == [phone]
    assert row(app, street, note_id)["leased"] is False


@both_backends
def test_after_the_last_try_fails_the_row_is_failed_with_no_lease(
    app, make_street, make_user, monkeypatch
):
    monkeypatch.setitem(app.config, "SMS_SENDER", FAILING)
    street = make_street("alpha")
    user_id, _ = make_user(street)
    note_id = outbox_row(app, street, user_id, "停水通知", attempts=jobs.MAX_ATTEMPTS - 1)
    with app.app_context():
        assert run_job(DELIVER, street.id, note_id) == "failed"
    state = row(app, street, note_id)
    assert (state["status"], state["attempts"], state["leased"]) == (
        "failed",
        jobs.MAX_ATTEMPTS,
        False,
    )


@both_backends
def test_a_lease_run_out_does_not_block_the_next_delivery(app, make_street, make_user):
    """The worker that took it died (on another machine: its process cannot be looked at)."""
    street = make_street("alpha")
    user_id, phone = make_user(street)
    note_id = outbox_row(
        app,
        street,
        user_id,
        "无人送达",
        sending_until=utcnow() - timedelta(seconds=1),
        sending_by="another-machine:1/4242/dead",
    )
    with app.app_context():
        assert run_job(DELIVER, street.id, note_id) == "sent"
    assert [m["to"] for m in FileSink(app.config["OUTBOX_DIR"], "sms").messages()] == [phone]
    state = row(app, street, note_id)
    assert (state["status"], state["leased"], state["sending_by"]) == ("sent", False, None)


@both_backends
def test_a_live_lease_of_another_machine_is_left_alone(app, make_street, make_user, monkeypatch):
    monkeypatch.setattr(jobs, "WAIT_FOR_LEASE", 0.2)
    street = make_street("alpha")
    user_id, _ = make_user(street)
    until = utcnow() + timedelta(minutes=4)
    note_id = outbox_row(
        app, street, user_id, "别处在发", sending_until=until, sending_by="elsewhere:1/4242/abcd"
    )
    with app.app_context():
        assert run_job(DELIVER, street.id, note_id) == jobs.SENDING
    state = row(app, street, note_id)
    assert (state["status"], state["attempts"], state["sms_sent"]) == ("pending", 0, False)
    assert (state["sending_until"], state["sending_by"]) == (until, "elsewhere:1/4242/abcd")
    assert FileSink(app.config["OUTBOX_DIR"], "sms").messages() == []


@both_backends
@pytest.mark.parametrize("reaped", [True, False], ids=["exited", "zombie"])
def test_a_live_lease_of_a_process_of_this_machine_that_is_gone_is_taken_over(
    app, make_street, make_user, reaped
):
    """A worker killed mid-send on this machine: its message goes out on the next run, not when
    the lease runs out minutes later (a killed process nobody reaps is a zombie: gone as well)."""
    if not jobs._MACHINE:
        pytest.skip("no /proc: a lease is only taken over when it runs out")
    street = make_street("alpha")
    user_id, phone = make_user(street)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    if reaped:
        dead.wait(10)
    else:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not jobs._holder_gone(
            f"{jobs._MACHINE}/{dead.pid}/x"
        ):
            time.sleep(0.02)
    try:
        note_id = outbox_row(
            app,
            street,
            user_id,
            "被杀的工作进程",
            sending_until=utcnow() + timedelta(minutes=4),
            sending_by=f"{jobs._MACHINE}/{dead.pid}/dead",
        )
        with app.app_context():
            assert run_job(DELIVER, street.id, note_id) == "sent"
    finally:
        dead.wait(10)
    assert [m["to"] for m in FileSink(app.config["OUTBOX_DIR"], "sms").messages()] == [phone]
    assert row(app, street, note_id)["leased"] is False


def test_a_process_that_runs_is_not_taken_for_dead():
    if not jobs._MACHINE:
        pytest.skip("no /proc")
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert not jobs._holder_gone(f"{jobs._MACHINE}/{alive.pid}/x")
        assert not jobs._holder_gone(jobs._holder())  # this process: another thread sends
        assert not jobs._holder_gone(f"elsewhere:1/{alive.pid + 1}/x")
        assert not jobs._holder_gone("")
    finally:
        alive.kill()
        alive.wait(10)
    assert jobs._holder_gone(f"{jobs._MACHINE}/{alive.pid}/x")


# ---------------------------------------------------------------------------------------------
# lock_timeout


@pg_only
def test_every_connection_has_the_lock_timeout_of_its_setting(app, app_variant):
    shown = text("SELECT setting FROM pg_settings WHERE name = 'lock_timeout'")  # milliseconds
    with app.app_context():
        assert app.config["LOCK_TIMEOUT_MS"] == 5000  # the default
        assert db.session.scalar(shown) == "5000"
        db.session.remove()
    for setting in (250, 0):
        variant = app_variant(LOCK_TIMEOUT_MS=setting)
        with variant.app_context():
            for _ in range(2):  # a connection back from the pool keeps it
                assert db.session.scalar(shown) == str(setting)
                db.session.rollback()
            db.session.remove()


@pg_only
def test_a_request_blocked_on_a_row_lock_past_the_timeout_gets_the_busy_page(
    app, app_variant, make_street, make_user, log
):
    variant = app_variant(LOCK_TIMEOUT_MS=300)
    street = make_street("alpha")
    user_id, phone = make_user(street)
    note_id = outbox_row(app, street, user_id, "被锁住的通知", channels="")
    client = variant.test_client()
    login(client, "alpha", phone)

    with owner_connection(app) as conn, conn.begin():
        conn.execute(
            text("SELECT id FROM notifications WHERE id = :id FOR UPDATE"), {"id": note_id}
        )
        response, took = timed(lambda: client.post(f"/alpha/inbox/{note_id}/read"))
        assert response.status_code == 503
        assert took < 3.0, f"the request waited {took:.2f}s"
        assert "系统繁忙，请稍后再试" in response.text
        assert 'class="card error-page"' in response.text  # the app's error layout
        assert response.headers["Retry-After"] == "5"

        htmx = client.post(f"/alpha/inbox/{note_id}/read", headers={"HX-Request": "true"})
        assert htmx.status_code == 503
        assert "系统繁忙，请稍后再试" in htmx.text

        assert client.get("/alpha/inbox").status_code == 200  # reading never waits on a lock

    # a warning in the log, no 500 and no traceback
    errors = [r for r in log.records if r.levelno >= logging.ERROR]
    assert errors == []
    warnings = [r.getMessage() for r in log.records if "lock timeout" in r.getMessage()]
    assert len(warnings) == 2 and f"/alpha/inbox/{note_id}/read" in warnings[0]

    # the lock gone, the same click works
    assert client.post(f"/alpha/inbox/{note_id}/read").status_code == 302
    assert row(app, street, note_id)["read"]


def test_other_database_errors_are_still_a_500(app, log):
    from sqlalchemy.exc import OperationalError

    from saas import security

    error = OperationalError("SELECT 1", {}, RuntimeError("server closed the connection"))
    with app.test_request_context("/"):
        try:
            raise error
        except OperationalError:
            body, status = security._database_error(error)
    assert status == 500
    assert "系统繁忙" not in body
    assert any(r.levelno == logging.ERROR and r.exc_info for r in log.records)
