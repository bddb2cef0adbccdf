"""Notifications end to end: the inbox a person sees, and the outbox behind SMS and e-mail.

A message is a row written in the same transaction as what it reports; after commit one job per row
delivers it (in-process without Redis, on RQ with it). These tests show what a user or an operator
would notice: the welcome in the inbox, nothing sent for a change that was rolled back, one SMS however
often (or however concurrently) the job runs, a broken gateway ending on the admin's "failed" page
with a resend button, and a worker killed mid-job not losing the message.

The tests with Redis use the database ``TEST_REDIS_URL`` (default db 15), flushed around each test;
without Redis they skip loudly, and fail under ``CI=true``.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from saas.auth.models import User
from saas.db import utcnow
from saas.extensions import db
from saas.jobs import queue, run_job
from saas.notify import kinds
from saas.notify.kinds import NotificationKind
from saas.notify.models import Notification
from saas.notify.senders import FileSink
from saas.notify.services import notify
from saas.tenancy import tenant_scope
from tenants.structure.models import Community
from tests.conftest import (
    PASSWORD,
    REDIS_TEST_URL,
    both_backends,
    login,
    missing_service,
    pg_only,
)

ROOT = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).with_name("flask"))
DELIVER = "saas.notify.jobs:deliver"

# ---------------------------------------------------------------------------------------------
# Senders plugged in through SMS_SENDER / EMAIL_SENDER ("module:factory"); a worker started as a
# subprocess imports them from here the same way.


class FailingSender:
    """An SMS gateway that is down."""

    def __init__(self, config, channel: str):
        self.channel = channel

    def send(self, key: str, to: str, subject: str, body: str) -> None:
        raise ConnectionError(f"{self.channel} gateway unreachable")


class CountingSink:
    """Writes every call to the sink, with no de-duplication of its own (unlike ``FileSink``), and
    slowly, so two deliveries overlap: only the outbox's own bookkeeping can keep it to one line."""

    def __init__(self, config, channel: str):
        self.path = Path(config["OUTBOX_DIR"]) / f"{channel}.jsonl"

    def send(self, key: str, to: str, subject: str, body: str) -> None:
        time.sleep(0.3)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            line = {"key": key, "to": to, "subject": subject, "body": body}
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")


class BlockingSender:
    """Writes its process id to ``<OUTBOX_DIR>/blocking.pid``, then hangs until killed."""

    def __init__(self, config, channel: str):
        self.marker = Path(config["OUTBOX_DIR"]) / "blocking.pid"

    def send(self, key: str, to: str, subject: str, body: str) -> None:
        self.marker.parent.mkdir(parents=True, exist_ok=True)
        self.marker.write_text(str(os.getpid()))
        time.sleep(60)
        raise RuntimeError("the test should have killed this worker")


FAILING = f"{__name__}:FailingSender"
COUNTING = f"{__name__}:CountingSink"
BLOCKING = f"{__name__}:BlockingSender"


# ---------------------------------------------------------------------------------------------
# Fixtures and helpers

#: what these tests write through ``notify``: a kind that goes by SMS too, one that stays in the
#: inbox. Rows written by ``outbox_row`` have the kind "test", registered nowhere: they go out on
#: the channels written in them.
TEST_KINDS = [
    NotificationKind("test.sms", "测试（短信）", ("sms",)),
    NotificationKind("test.inbox", "测试（站内）"),
]


@pytest.fixture(autouse=True)
def test_kinds(monkeypatch):
    for kind in TEST_KINDS:
        monkeypatch.setitem(kinds._KINDS, kind.name, kind)


@pytest.fixture
def redis(app):
    """The app with its jobs on a real RQ queue (``TEST_REDIS_URL``, flushed before and after)."""
    from redis import Redis
    from redis.exceptions import RedisError

    conn = Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=2)
    try:
        conn.ping()
    except RedisError as exc:
        conn.close()
        missing_service("Redis", f"{REDIS_TEST_URL}: {exc}")
    conn.flushdb()
    app.config["REDIS_URL"] = REDIS_TEST_URL
    app.extensions.pop("rq_queue", None)
    try:
        yield conn
    finally:
        cached = app.extensions.pop("rq_queue", None)
        if cached is not None:
            cached.connection.close()
        app.config["REDIS_URL"] = None
        conn.flushdb()
        conn.close()


def only_new_jobs(app) -> None:
    """Empty the queue of what setting up queued (the welcome of each street's admin)."""
    queue(app).empty()


def sms(app) -> list[dict]:
    """Every line in the SMS sink."""
    return FileSink(app.config["OUTBOX_DIR"], "sms").messages()


def emails(app) -> list[dict]:
    return FileSink(app.config["OUTBOX_DIR"], "email").messages()


def write_note(app, street, user_id: int, title: str, kind: str = "test.sms") -> int:
    """What a service does: ``notify`` in a transaction, then commit (which sends the job off)."""
    with app.app_context(), tenant_scope(street.id):
        user = db.session.scalar(select(User).where(User.id == user_id))
        note = notify(db.session, user, kind, title, "正文")
        db.session.commit()
        note_id = note.id
        db.session.remove()
    return note_id


def outbox_row(app, street, user_id: int, title: str, age=timedelta(0), **columns) -> int:
    """An outbox row whose job has not run (none is enqueued), ``age`` old."""
    with app.app_context(), tenant_scope(street.id):
        note = Notification(
            user_id=user_id,
            kind="test",
            title=title,
            channels=columns.pop("channels", "sms"),
            created_at=utcnow() - age,
            **columns,
        )
        db.session.add(note)
        db.session.commit()
        note_id = note.id
        db.session.remove()
    return note_id


def row(app, street, note_id: int) -> dict:
    with app.app_context(), tenant_scope(street.id):
        note = db.session.scalar(select(Notification).where(Notification.id == note_id))
        state = {
            "status": note.status,
            "attempts": note.attempts,
            "last_error": note.last_error,
            "sms_sent": note.sms_sent_at is not None,
            "read": note.read_at is not None,
        }
        db.session.remove()
    return state


def backdate(app, street, note_id: int, by: timedelta) -> None:
    """The row written ``by`` earlier than it was."""
    with app.app_context(), tenant_scope(street.id):
        note = db.session.scalar(select(Notification).where(Notification.id == note_id))
        note.created_at -= by
        db.session.commit()
        db.session.remove()


def badge(client, slug: str) -> str:
    """The number the header badge shows ("" when nothing is unread)."""
    response = client.get(f"/{slug}/inbox/badge", headers={"HX-Request": "true"})
    assert response.status_code == 200
    found = re.search(r'<span id="inbox-badge"[^>]*>(.*?)</span>', response.text, re.S)
    assert found, response.text
    return found.group(1).strip()


def sweep(app) -> str:
    """``flask notify sweep``, with the app's configuration."""
    result = app.test_cli_runner().invoke(args=["notify", "sweep"])
    assert result.exit_code == 0, result.output
    return result.output


def flask_env(app, tmp_path: Path, **extra: str) -> dict:
    """The environment of a separate ``flask`` process sharing the test's database, Redis and sinks."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SMS_", "EMAIL_", "RQ_", "DATABASE"))
    }
    env.update(
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        REDIS_URL=REDIS_TEST_URL,
        RQ_QUEUE=app.config["RQ_QUEUE"],
        OUTBOX_DIR=app.config["OUTBOX_DIR"],
        SECRET_KEY="test-secret",
        INSTANCE_PATH=str(tmp_path / "instance"),
        APP_ENV="development",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def burst_worker(app, tmp_path: Path, timeout: float = 30, **extra: str):
    """``flask worker --burst`` as its own process: works the queue empty, then exits."""
    result = subprocess.run(
        [FLASK, "--app", "wsgi:app", "worker", "--burst"],
        cwd=ROOT,
        env=flask_env(app, tmp_path, **extra),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def work_in_process(q, worker_class=None, **work) -> bool:
    """A burst worker in this process (rq's own signal handlers are put back afterwards).

    rq's SimpleWorker with the app's command thread (``saas.scheduling.Worker.subscribe``): rq's
    own polls every minute, and its stop now and then waited that minute out (60 s of the suite).
    """
    from rq import SimpleWorker

    from saas.scheduling import Worker

    class QuickStopWorker(SimpleWorker):
        subscribe = Worker.subscribe

    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        worker = (worker_class or QuickStopWorker)([q], connection=q.connection)
        return worker.work(burst=True, **work)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


def make_due(redis, registry) -> None:
    redis.zadd(registry.key, dict.fromkeys(registry.get_job_ids(), 0))


def wait_for(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"gave up after {seconds}s waiting for {what}")


# ---------------------------------------------------------------------------------------------
# The inbox


@both_backends
def test_signing_a_street_up_greets_its_admin_in_the_inbox(client):
    response = client.post(
        "/signup",
        data={
            "street_name": "示范街道",
            "slug": "shifan",
            "district": "测试区",
            "admin_name": "王主任",
            "phone": "13800009999",
            "password": PASSWORD,
            "password_confirm": PASSWORD,
            "agree_privacy": "y",
        },
    )
    assert response.status_code == 302, response.text

    inbox = client.get("/shifan/inbox")
    assert inbox.status_code == 200
    assert "欢迎使用联建通，示范街道已开通" in inbox.text
    assert badge(client, "shifan") == "1"


@both_backends
def test_a_volunteer_who_registers_is_greeted_in_the_inbox(app, client, make_street, scoped):
    street = make_street("alpha", name="阳光街道")
    with scoped(street) as session:
        community = Community(name="幸福社区")
        session.add(community)
        session.commit()
        community_id = community.id

    response = client.post(
        "/alpha/join",
        data={
            "phone": "13912345678",
            "name": "李志愿",
            "community": str(community_id),
            "password": PASSWORD,
            "password_confirm": PASSWORD,
            "party_member": "y",
            "agree_privacy": "y",
        },
    )
    assert response.status_code == 302, response.text

    inbox = client.get("/alpha/inbox")
    assert "欢迎加入阳光街道志愿服务" in inbox.text
    assert badge(client, "alpha") == "1"


@both_backends
def test_the_badge_counts_unread_messages_and_reading_them_clears_it(
    app, client, make_street, make_user
):
    street = make_street("alpha")
    user_id, phone = make_user(street)
    first = write_note(app, street, user_id, "第一条通知", kind="test.inbox")
    write_note(app, street, user_id, "第二条通知", kind="test.inbox")
    login(client, "alpha", phone)
    assert badge(client, "alpha") == "2"

    response = client.post(f"/alpha/inbox/{first}/read")
    assert response.status_code == 302
    assert badge(client, "alpha") == "1"
    assert row(app, street, first)["read"]
    inbox = client.get("/alpha/inbox").text
    assert inbox.count("inbox-item unread") == 1

    client.post("/alpha/inbox/read-all")
    assert badge(client, "alpha") == ""
    assert "inbox-item unread" not in client.get("/alpha/inbox").text


@both_backends
def test_another_persons_notification_cannot_be_read_or_marked(app, client, make_street, make_user):
    street = make_street("alpha")
    _me, my_phone = make_user(street)
    someone, _ = make_user(street)
    theirs = write_note(app, street, someone, "别人的通知", kind="test.inbox")
    login(client, "alpha", my_phone)

    assert "别人的通知" not in client.get("/alpha/inbox").text
    assert badge(client, "alpha") == ""
    assert client.post(f"/alpha/inbox/{theirs}/read").status_code == 404
    assert not row(app, street, theirs)["read"]


@both_backends
def test_the_inbox_pages_back_and_ignores_a_nonsense_page_marker(
    app, client, make_street, make_user
):
    street = make_street("alpha")
    user_id, phone = make_user(street)
    ids = [write_note(app, street, user_id, f"通知{n:02d}", kind="test.inbox") for n in range(22)]
    login(client, "alpha", phone)
    first = client.get("/alpha/inbox").text
    assert "通知21" in first and "通知02" in first and "通知01" not in first
    older = client.get("/alpha/inbox", query_string={"before": ids[2]}).text
    assert "通知01" in older and "通知00" in older and "通知02" not in older
    for odd in ("²", "9" * 40, "-1", "abc"):
        assert client.get("/alpha/inbox", query_string={"before": odd}).status_code == 200


# ---------------------------------------------------------------------------------------------
# After commit, and only then


@both_backends
def test_without_redis_the_message_is_sent_right_after_commit_never_before(
    app, make_street, make_user
):
    street = make_street("alpha")
    user_id, phone = make_user(street)
    with app.app_context(), tenant_scope(street.id):
        user = db.session.scalar(select(User).where(User.id == user_id))
        notify(db.session, user, "test.sms", "明早九点集合")
        db.session.flush()
        assert sms(app) == []
        db.session.commit()
        assert [(m["to"], m["subject"]) for m in sms(app)] == [(phone, "明早九点集合")]
        db.session.remove()


@both_backends
def test_without_redis_a_rolled_back_message_is_never_sent(app, make_street, make_user):
    street = make_street("alpha")
    user_id, _ = make_user(street)
    with app.app_context(), tenant_scope(street.id):
        user = db.session.scalar(select(User).where(User.id == user_id))
        notify(db.session, user, "test.sms", "撤回的通知")
        db.session.rollback()
        # a transaction ended by close() without commit is dropped just the same
        user = db.session.scalar(select(User).where(User.id == user_id))
        notify(db.session, user, "test.sms", "也撤回的通知")
        db.session.close()
        # the next commit of the same session carries nothing of them
        db.session.add(Community(name="后来的社区"))
        db.session.commit()
        assert (
            db.session.scalars(select(Notification).where(Notification.kind == "test.sms")).all()
            == []
        )
        db.session.remove()
    assert sms(app) == []


def test_with_redis_the_job_is_queued_at_commit_and_never_for_a_rollback(
    app, redis, make_street, make_user
):
    street = make_street("alpha")
    user_id, _ = make_user(street)
    only_new_jobs(app)
    q = queue(app)
    with app.app_context(), tenant_scope(street.id):
        user = db.session.scalar(select(User).where(User.id == user_id))
        note = notify(db.session, user, "test.sms", "明早九点集合")
        db.session.flush()
        assert q.count == 0
        db.session.commit()
        assert q.count == 1
        (job,) = q.get_jobs()
        assert job.args == (DELIVER, street.id, note.id)
        # failed tries come back after 10 s, 1 min, 5 min: three retries
        assert job.retries_left == 3
        assert job.retry_intervals == [10, 60, 300]

        user = db.session.scalar(select(User).where(User.id == user_id))
        notify(db.session, user, "test.sms", "撤回的通知")
        db.session.rollback()
        user = db.session.scalar(select(User).where(User.id == user_id))
        notify(db.session, user, "test.sms", "也撤回的通知")
        db.session.close()
        db.session.add(Community(name="后来的社区"))
        db.session.commit()
        assert q.count == 1
        db.session.remove()
    # the queue is the worker's to deliver: nothing went out in the web process
    assert sms(app) == []
    assert row(app, street, job.args[2])["status"] == "pending"


def test_a_street_signed_up_with_redis_queues_the_welcome_after_commit(client, app, redis):
    response = client.post(
        "/signup",
        data={
            "street_name": "示范街道",
            "slug": "shifan",
            "district": "测试区",
            "admin_name": "王主任",
            "phone": "13800009999",
            "password": PASSWORD,
            "password_confirm": PASSWORD,
            "agree_privacy": "y",
        },
    )
    assert response.status_code == 302
    assert queue(app).count == 1
    assert "欢迎使用联建通" in client.get("/shifan/inbox").text  # the row is the inbox message


# ---------------------------------------------------------------------------------------------
# Sends once


@both_backends
def test_running_the_delivery_job_twice_sends_one_sms(app, make_street, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "SMS_SENDER", COUNTING)
    street = make_street("alpha")
    user_id, phone = make_user(street)
    note_id = outbox_row(app, street, user_id, "停电通知")

    with app.app_context():
        assert run_job(DELIVER, street.id, note_id) == "sent"
        assert run_job(DELIVER, street.id, note_id) == "sent"
    assert [(m["to"], m["subject"]) for m in sms(app)] == [(phone, "停电通知")]
    assert row(app, street, note_id)["status"] == "sent"


@both_backends
def test_a_retry_after_the_sms_went_out_sends_only_the_email(
    app, make_street, make_user, monkeypatch
):
    monkeypatch.setitem(app.config, "SMS_SENDER", COUNTING)
    monkeypatch.setitem(app.config, "EMAIL_SENDER", FAILING)
    street = make_street("alpha")
    user_id, _ = make_user(street, email="li@example.com")
    note_id = outbox_row(app, street, user_id, "会议通知", channels="sms,email")

    with app.app_context(), pytest.raises(ConnectionError):
        run_job(DELIVER, street.id, note_id)
    assert len(sms(app)) == 1 and emails(app) == []
    assert row(app, street, note_id) | {"last_error": ""} == {
        "status": "pending",
        "attempts": 1,
        "last_error": "",
        "sms_sent": True,
        "read": False,
    }

    monkeypatch.setitem(app.config, "EMAIL_SENDER", "file")
    with app.app_context():
        assert run_job(DELIVER, street.id, note_id) == "sent"
    assert len(sms(app)) == 1
    assert [m["to"] for m in emails(app)] == ["li@example.com"]


def test_the_file_sink_writes_a_key_once_even_from_several_workers_at_once(tmp_path):
    def send(start: threading.Barrier):
        sink = FileSink(str(tmp_path), "sms")
        start.wait(5)
        sink.send("n1-1-sms", "13800000001", "同一条", "")

    for _round in range(3):
        start = threading.Barrier(8)
        threads = [threading.Thread(target=send, args=(start,)) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        assert len(FileSink(str(tmp_path), "sms").messages()) == 1


@pg_only
def test_two_deliveries_at_once_send_one_sms(app, make_street, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "SMS_SENDER", COUNTING)  # slow: the two runs overlap
    street = make_street("alpha")
    user_id, _ = make_user(street)
    note_id = outbox_row(app, street, user_id, "紧急通知")
    start = threading.Barrier(2)
    results: list[str] = []
    errors: list[BaseException] = []

    def deliver():
        try:
            with app.app_context():
                start.wait(5)
                results.append(run_job(DELIVER, street.id, note_id))
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert not errors, errors
    assert results == ["sent", "sent"]
    assert len(sms(app)) == 1
    assert row(app, street, note_id)["status"] == "sent"


# ---------------------------------------------------------------------------------------------
# A gateway that fails


@both_backends
def test_a_failing_gateway_is_tried_four_times_then_listed_for_the_admin_to_resend(
    app, client, make_street, make_user, monkeypatch
):
    monkeypatch.setitem(app.config, "SMS_SENDER", FAILING)
    street = make_street("alpha")
    user_id, phone = make_user(street)
    note_id = write_note(app, street, user_id, "停水通知")  # the first try, at commit
    state = row(app, street, note_id)
    assert (state["status"], state["attempts"]) == ("pending", 1)
    assert "ConnectionError" in state["last_error"]

    for tries in (2, 3):  # what rq's retries run
        with app.app_context(), pytest.raises(ConnectionError):
            run_job(DELIVER, street.id, note_id)
        assert (row(app, street, note_id)["status"], row(app, street, note_id)["attempts"]) == (
            "pending",
            tries,
        )
    with app.app_context():
        assert run_job(DELIVER, street.id, note_id) == "failed"  # the last: no retry after it
    assert row(app, street, note_id)["attempts"] == 4
    assert sms(app) == []

    login(client, "alpha", street.admin_phone)
    page = client.get("/alpha/notifications/failed")
    assert page.status_code == 200
    assert "停水通知" in page.text and "gateway unreachable" in page.text

    monkeypatch.setitem(app.config, "SMS_SENDER", "file")  # the gateway is back
    response = client.post(f"/alpha/notifications/{note_id}/resend")
    assert response.status_code == 302
    assert [(m["to"], m["subject"]) for m in sms(app)] == [(phone, "停水通知")]
    assert row(app, street, note_id)["status"] == "sent"
    assert "停水通知" not in client.get("/alpha/notifications/failed").text

    client.post(f"/alpha/notifications/{note_id}/resend")  # a second click changes nothing
    assert len(sms(app)) == 1
    assert row(app, street, note_id)["status"] == "sent"


def test_the_failed_page_is_the_admins_only(app, client, make_street, make_user):
    street = make_street("alpha")
    _user_id, phone = make_user(street)
    login(client, "alpha", phone)
    assert client.get("/alpha/notifications/failed").status_code == 403


def test_rq_retries_a_failing_delivery_then_gives_up(
    app, redis, make_street, make_user, monkeypatch
):
    import saas.jobs

    monkeypatch.setattr(saas.jobs, "RETRY_INTERVALS", [0, 0, 0])  # retry at once, not in minutes
    monkeypatch.setitem(app.config, "SMS_SENDER", FAILING)
    street = make_street("alpha")
    user_id, _ = make_user(street)
    note_id = write_note(app, street, user_id, "停水通知")
    q = queue(app)
    with app.app_context():
        work_in_process(q)
    state = row(app, street, note_id)
    assert (state["status"], state["attempts"]) == ("failed", 4)
    assert "gateway unreachable" in state["last_error"]
    assert q.count == 0


# ---------------------------------------------------------------------------------------------
# Real workers


@both_backends
def test_a_worker_process_delivers_the_sms_once(app, redis, make_street, make_user, tmp_path):
    street = make_street("alpha")
    user_id, phone = make_user(street)
    only_new_jobs(app)
    note_id = write_note(app, street, user_id, "志愿活动明天开始")
    assert sms(app) == [] and queue(app).count == 1

    burst_worker(app, tmp_path)
    assert [(m["to"], m["subject"]) for m in sms(app)] == [(phone, "志愿活动明天开始")]
    assert row(app, street, note_id)["status"] == "sent"
    assert queue(app).count == 0


@pg_only
def test_a_worker_killed_mid_job_loses_nothing_and_sends_once(
    app, redis, make_street, make_user, tmp_path
):
    from rq.registry import ScheduledJobRegistry, StartedJobRegistry

    street = make_street("alpha")
    user_id, phone = make_user(street)
    only_new_jobs(app)
    note_id = write_note(app, street, user_id, "明天停水")
    q = queue(app)
    marker = Path(app.config["OUTBOX_DIR"]) / "blocking.pid"
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [FLASK, "--app", "wsgi:app", "worker", "--burst"],
        cwd=ROOT,
        env=flask_env(app, tmp_path, SMS_SENDER=BLOCKING),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    horse = None
    try:
        horse = int(wait_for(lambda: marker.exists() and marker.read_text(), 30, "the job"))
    finally:  # the worker, and the work-horse it forked (rq gives it its own process group)
        for pid in filter(None, (horse, worker.pid)):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        worker.wait(10)
        log.close()
    assert worker.returncode == -signal.SIGKILL

    # nothing went out, nothing was marked; rq still thinks the job runs
    assert sms(app) == []
    assert row(app, street, note_id) | {"last_error": ""} == {
        "status": "pending",
        "attempts": 0,
        "last_error": "",
        "sms_sent": False,
        "read": False,
    }
    assert StartedJobRegistry(queue=q).count == 1 and q.count == 0

    assert sweep(app).strip() == "re-enqueued 0 notification(s)"  # not a minute yet
    backdate(app, street, note_id, timedelta(minutes=2))
    assert sweep(app).strip() == "re-enqueued 1 notification(s)"
    burst_worker(app, tmp_path)
    assert [(m["to"], m["subject"]) for m in sms(app)] == [(phone, "明天停水")]
    assert row(app, street, note_id)["status"] == "sent"

    # Later rq's maintenance looks for abandoned jobs: the re-queued job had the same id and has
    # finished, so there is nothing left to retry; whatever it finds, still one SMS.
    StartedJobRegistry(queue=q).cleanup(timestamp=time.time() + 3600)
    scheduled = ScheduledJobRegistry(queue=q)
    assert scheduled.count <= 1
    if scheduled.count:
        make_due(redis, scheduled)
        with app.app_context():
            work_in_process(q, with_scheduler=True)
    assert len(sms(app)) == 1


# ---------------------------------------------------------------------------------------------
# The sweeper


@both_backends
def test_the_sweeper_requeues_only_rows_pending_for_over_a_minute(
    app, redis, make_street, make_user
):
    street = make_street("alpha")
    user_id, _ = make_user(street)
    minutes = timedelta(minutes=1)
    lost = outbox_row(app, street, user_id, "丢失的", age=2 * minutes)
    outbox_row(app, street, user_id, "刚写的", age=timedelta(seconds=30))
    outbox_row(app, street, user_id, "已发送", age=2 * minutes, status="sent")
    outbox_row(app, street, user_id, "已失败", age=2 * minutes, status="failed", attempts=4)
    # a failed try: its retry waits in rq's scheduler, a second job would skip the back-off
    outbox_row(app, street, user_id, "重试中", age=2 * minutes, attempts=1)
    # still pending after every retry could have run: its job is gone too
    stuck = outbox_row(app, street, user_id, "重试丢失", age=30 * minutes, attempts=2)

    only_new_jobs(app)
    assert sweep(app).strip() == "re-enqueued 2 notification(s)"
    q = queue(app)
    assert sorted(job.args[2] for job in q.get_jobs()) == sorted([lost, stuck])
    assert {job.args[1] for job in q.get_jobs()} == {street.id}
    assert sms(app) == []  # queued for a worker, not sent here


@both_backends
def test_without_redis_the_sweeper_sends_stale_rows_itself(app, make_street, make_user):
    street = make_street("alpha")
    user_id, _ = make_user(street)
    lost = outbox_row(app, street, user_id, "丢失的", age=timedelta(minutes=2))
    failed_once = outbox_row(
        app, street, user_id, "失败过一次", age=timedelta(minutes=2), attempts=1
    )
    fresh = outbox_row(app, street, user_id, "刚写的")

    assert sweep(app).strip() == "re-enqueued 2 notification(s)"
    assert sorted(m["subject"] for m in sms(app)) == sorted(["丢失的", "失败过一次"])
    assert row(app, street, lost)["status"] == "sent"
    assert row(app, street, failed_once)["status"] == "sent"
    assert row(app, street, fresh)["status"] == "pending"
    assert sweep(app).strip() == "re-enqueued 0 notification(s)"


# ---------------------------------------------------------------------------------------------
# The periodic sweep on rq's scheduler


def test_the_periodic_sweep_runs_and_keeps_exactly_one_next_run(app, redis, make_street, make_user):
    from rq.job import Job
    from rq.registry import ScheduledJobRegistry

    from saas.scheduling import schedule_next

    street = make_street("alpha")
    user_id, phone = make_user(street)
    only_new_jobs(app)
    outbox_row(app, street, user_id, "丢失的", age=timedelta(minutes=2))
    q = queue(app)
    scheduled = ScheduledJobRegistry(queue=q)
    with app.app_context():
        schedule_next("notify-sweep")  # two workers start
        schedule_next("notify-sweep")
    assert scheduled.get_job_ids() == ["periodic-notify-sweep"]

    make_due(redis, scheduled)
    with app.app_context():
        work_in_process(q, with_scheduler=True)
    # the sweep found the lost message and its job delivered it
    assert [(m["to"], m["subject"]) for m in sms(app)] == [(phone, "丢失的")]
    # one next run is waiting, and rq keeps it however long the queue is busy before it is due
    assert scheduled.get_job_ids() == ["periodic-notify-sweep"]
    assert redis.ttl(Job.key_for("periodic-notify-sweep")) == -1

    # and when it comes due it runs, and places the one after it
    outbox_row(app, street, user_id, "又丢失的", age=timedelta(minutes=2))
    make_due(redis, scheduled)
    with app.app_context():
        work_in_process(q, with_scheduler=True)
    assert [m["subject"] for m in sms(app)] == ["丢失的", "又丢失的"]
    assert scheduled.get_job_ids() == ["periodic-notify-sweep"]


def test_the_periodic_sweep_also_runs_under_a_plain_rq_worker(app, redis, monkeypatch):
    """``rq worker`` has no app context in place: the job makes its own (here: the test app)."""
    from rq.registry import FailedJobRegistry, ScheduledJobRegistry

    import saas.jobs
    from saas.scheduling import schedule_next

    monkeypatch.setattr(saas.jobs, "_worker_app", app)
    q = queue(app)
    scheduled = ScheduledJobRegistry(queue=q)
    with app.app_context():
        schedule_next("notify-sweep")
    make_due(redis, scheduled)
    assert work_in_process(q, with_scheduler=True)  # no app context pushed here
    assert FailedJobRegistry(queue=q).count == 0
    assert scheduled.get_job_ids() == ["periodic-notify-sweep"]


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_worker_killed_during_the_periodic_sweep_does_not_end_the_series(app, redis, monkeypatch):
    from rq.registry import ScheduledJobRegistry

    import saas.scheduling
    from saas.scheduling import Worker  # rq's, which forks each job, with the quick command thread

    jobs = saas.scheduling.periodic(app) | {"notify-sweep": (f"{__name__}:_die", 60)}
    monkeypatch.setattr(saas.scheduling, "periodic", lambda app=None: jobs)
    q = queue(app)
    scheduled = ScheduledJobRegistry(queue=q)
    with app.app_context():
        saas.scheduling.schedule_next("notify-sweep")
        make_due(redis, scheduled)
        work_in_process(q, Worker, with_scheduler=True)  # forks the run, which is killed
    assert scheduled.get_job_ids() == ["periodic-notify-sweep"]


def test_flask_worker_needs_redis(app):
    with app.app_context():  # as the flask command line gives it
        result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code != 0
    assert "REDIS_URL is not set" in result.output


def test_sweeping_a_busy_queue_does_not_queue_copies(app, redis, make_street, make_user):
    """A row still waiting in a busy queue looks stale to the sweeper: it is not queued again."""
    street = make_street("alpha")
    user_id, _phone = make_user(street)
    only_new_jobs(app)
    note_id = write_note(app, street, user_id, "排队中")
    backdate(app, street, note_id, timedelta(minutes=2))
    waiting = queue(app).count
    for _ in range(3):
        sweep(app)
    assert queue(app).count == waiting
