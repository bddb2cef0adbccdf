"""The periodic jobs keep running: a Redis that lost them gets them back from a running worker, and
without Redis ``flask run`` runs them itself; ``flask jobs`` lists them and runs one by hand.

The tests with Redis use ``TEST_REDIS_URL`` (default db 15), flushed around each test; without
Redis they skip loudly, and fail under ``CI=true``.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import threading
import time
from datetime import timedelta

import pytest
from redis import Redis

from saas import scheduling
from saas.jobs import queue
from saas.scheduling import periodic, schedule_next
from saas.tenancy import ALL_TENANTS, current_scope
from tests.conftest import REDIS_TEST_URL, missing_service
from tests.saas.test_notify import (
    COUNTING,
    FLASK,
    ROOT,
    flask_env,
    outbox_row,
    row,
    sms,
    wait_for,
)


@pytest.fixture
def redis(app):
    """The app with its jobs on a real RQ queue (``TEST_REDIS_URL``, flushed before and after)."""
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


def flask(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


@contextlib.contextmanager
def running(args: list[str], env: dict, log_path, stop=signal.SIGTERM):
    """A ``flask …`` process in its own process group, ended (all of it) by ``stop`` when the
    block ends."""
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [FLASK, "--app", "wsgi:app", *args],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, stop)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


# ---------------------------------------------------------------------------------------------
# With Redis: a worker puts back what Redis lost


def test_a_running_worker_puts_back_the_periodic_jobs_a_flushed_redis_lost(
    app, redis, make_street, make_user, tmp_path
):
    from rq.registry import ScheduledJobRegistry

    street = make_street("alpha")
    user_id, phone = make_user(street)
    q = queue(app)
    q.empty()  # the welcome messages of setting up
    scheduled = ScheduledJobRegistry(queue=q)
    ids = {f"periodic-{name}" for name in periodic(app)}

    def every_job_waits_its_interval() -> bool:
        """Each periodic job has run and placed its next run (at least 30 s away)."""
        later = time.time() + 30
        return all((redis.zscore(scheduled.key, i) or 0) > later for i in ids)

    env = flask_env(app, tmp_path, PERIODIC_CHECK_SECONDS="1", SMS_SENDER=COUNTING)
    log = tmp_path / "worker.log"
    # SIGKILL: rq's warm shutdown waits up to a minute for its pub/sub thread, for nothing here
    with running(["worker"], env, log, stop=signal.SIGKILL):
        wait_for(every_job_waits_its_interval, 60, "the worker's first runs")

        redis.flushdb()  # Redis restarted without persistence, evicted, failed over…
        flushed = time.monotonic()
        # a message whose job was lost with the rest (or whose enqueue failed)
        note_id = outbox_row(app, street, user_id, "停水通知", age=timedelta(minutes=2))

        wait_for(every_job_waits_its_interval, 30, "the periodic jobs to come back")
        healed = time.monotonic() - flushed
        wait_for(lambda: row(app, street, note_id)["status"] == "sent", 30, "the lost message")
        sent = time.monotonic() - flushed
        # nothing else is on its way: the queue is empty and only the periodic runs wait
        assert q.count == 0
        assert set(scheduled.get_job_ids()) == ids

    print(
        f"\nafter FLUSHDB (PERIODIC_CHECK_SECONDS=1): schedule back in {healed:.1f} s, "
        f"lost message sent in {sent:.1f} s"
    )
    # CountingSink writes every call: one line is one SMS sent, not one de-duplicated
    assert [(m["to"], m["subject"]) for m in sms(app)] == [(phone, "停水通知")]
    assert "re-created" in log.read_text()


def test_healing_recreates_only_what_was_lost_and_never_postpones_a_waiting_run(app, redis):
    from rq.job import Job
    from rq.registry import ScheduledJobRegistry

    from saas.scheduling import run_periodic

    q = queue(app)
    scheduled = ScheduledJobRegistry(queue=q)
    jobs = periodic(app)

    # an empty Redis (a first start, or after a flush): every job, due at once
    assert sorted(scheduling.heal(q, jobs)) == sorted(jobs)
    assert {
        name: run.state for name, run in scheduling.next_runs(q, jobs).items()
    } == dict.fromkeys(jobs, "scheduled")
    assert all(
        run.at.timestamp() <= time.time() + 1 for run in scheduling.next_runs(q, jobs).values()
    )

    # a run waiting its turn stays where it is (a worker restart must not push a daily job back)
    with app.app_context():
        schedule_next("audit-purge")
    due = redis.zscore(scheduled.key, scheduling.job_id("audit-purge"))
    assert due > time.time() + 23 * 3600
    assert scheduling.heal(q, jobs) == []
    assert redis.zscore(scheduled.key, scheduling.job_id("audit-purge")) == due

    # queued or taken by a worker: left alone
    redis.zrem(scheduled.key, scheduling.job_id("notify-sweep"))
    q.enqueue(run_periodic, "notify-sweep", job_id=scheduling.job_id("notify-sweep"))
    assert scheduling.next_runs(q, ["notify-sweep"])["notify-sweep"].state == "queued"
    assert scheduling.heal(q, jobs) == []
    q.empty()
    redis.hset(Job.key_for(scheduling.job_id("notify-sweep")), "status", "started")
    assert scheduling.next_runs(q, ["notify-sweep"])["notify-sweep"].state == "running"
    assert scheduling.heal(q, jobs) == []

    # evicted piecemeal: the registry entry, or the job's hash
    redis.zrem(scheduled.key, scheduling.job_id("audit-purge"))
    assert scheduling.heal(q, jobs) == ["audit-purge"]
    redis.delete(Job.key_for(scheduling.job_id("audit-purge")))
    assert scheduling.heal(q, jobs) == ["audit-purge"]
    assert scheduling.next_runs(q, ["audit-purge"])["audit-purge"].state == "scheduled"


def test_workers_healing_at_the_same_moment_recreate_each_job_once(app, redis):
    from rq import Queue

    jobs = periodic(app)
    name = queue(app).name
    start = threading.Barrier(6)
    results: list[list[str]] = []
    errors: list[BaseException] = []

    def worker_heals():
        conn = Redis.from_url(REDIS_TEST_URL)
        try:
            start.wait(5)
            results.append(scheduling.heal(Queue(name, connection=conn), jobs))
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=worker_heals) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert not errors, errors
    assert sorted(name for healed in results for name in healed) == sorted(jobs)


def test_a_stopping_worker_does_not_wait_a_minute_for_its_command_thread(app, redis):
    """Its pub/sub thread, idle between its unsubscribe and the join, used to sleep out a whole
    minute first (``flask worker --burst`` hung now and then; a deploy waited)."""
    q = queue(app)
    worker = scheduling.Worker([q], connection=q.connection)
    worker.subscribe()
    wait_for(lambda: worker.pubsub.subscribed, 10, "the subscription")
    worker.pubsub.unsubscribe()  # as rq's unsubscribe() does first; the thread reads the reply…
    wait_for(lambda: not worker.pubsub.subscribed, 10, "the unsubscription")
    started = time.monotonic()
    worker.unsubscribe()  # …and is idle when it is joined
    assert time.monotonic() - started < 5
    assert not worker.pubsub_thread.is_alive()


# ---------------------------------------------------------------------------------------------
# Without Redis: a thread of the process

CALLS: list[tuple[str, float, bool]] = []


def slow_job() -> str:
    """A job slower than its interval, noting when it starts and ends and in which scope."""
    CALLS.append(("start", time.monotonic(), current_scope() is ALL_TENANTS))
    time.sleep(0.05)
    CALLS.append(("end", time.monotonic(), current_scope() is ALL_TENANTS))
    return "slow"


def broken_job() -> None:
    raise RuntimeError("this job always fails")


def test_without_redis_the_thread_sends_a_lost_message_once(
    app, make_street, make_user, periodic_thread, monkeypatch
):
    monkeypatch.setitem(app.config, "SMS_SENDER", COUNTING)  # no de-duplication of its own
    street = make_street("alpha")
    user_id, phone = make_user(street)
    note_id = outbox_row(app, street, user_id, "丢失的", age=timedelta(minutes=2))

    scheduler = periodic_thread({"notify-sweep": ("saas.notify.jobs:sweep", 0.05)})
    wait_for(lambda: scheduler.runs["notify-sweep"] >= 3, 30, "three sweeps")
    assert [(m["to"], m["subject"]) for m in sms(app)] == [(phone, "丢失的")]
    assert row(app, street, note_id)["status"] == "sent"


def test_without_redis_a_job_never_overlaps_itself_and_a_failing_one_stops_nothing(
    app, periodic_thread
):
    CALLS.clear()
    scheduler = periodic_thread(
        {
            "slow": (f"{__name__}:slow_job", 0.01),
            "broken": (f"{__name__}:broken_job", 0.01),
        }
    )
    wait_for(lambda: scheduler.runs["slow"] >= 4 and scheduler.runs["broken"] >= 4, 30, "runs")
    scheduler.stop()
    kinds = [kind for kind, _at, _scope in CALLS]
    assert kinds == ["start", "end"] * (len(kinds) // 2)  # each run ends before the next starts
    assert all(scope for _kind, _at, scope in CALLS)  # every street in view, as on a worker


def test_flask_jobs_run_without_redis_only_where_flask_run_serves(
    app, make_street, make_user, tmp_path
):
    """``flask run`` runs them; with the reloader only its server process, not the watcher."""
    street = make_street("alpha")
    user_id, phone = make_user(street)
    env = flask_env(app, tmp_path)
    for key in ("REDIS_URL", "FLASK_DEBUG", "FLASK_RUN_PORT"):
        env.pop(key, None)

    started = re.compile(r"Periodic jobs run in this process \(pid (\d+)")
    # another command creates the app without starting anything
    listed = subprocess.run(
        [FLASK, "--app", "wsgi:app", "tenant", "list"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert listed.returncode == 0, listed.stderr
    assert not started.search(listed.stdout + listed.stderr)

    for reload in ("--no-reload", "--reload"):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        title = f"丢失的{reload}"
        outbox_row(app, street, user_id, title, age=timedelta(minutes=2))
        log = tmp_path / f"run{reload}.log"
        with running(["run", "--port", str(port), reload], env, log) as server:
            # the first sweep, at start, finds the lost message
            wait_for(
                lambda: title in {m["subject"] for m in sms(app)},  # noqa: B023 (waited for here)
                60,
                f"flask run {reload} to send the lost message",
            )
            pids = [int(pid) for pid in started.findall(log.read_text())]
        assert len(pids) == 1, log.read_text()
        # without the reloader the command is the server; with it, the watcher's child is
        assert (pids[0] == server.pid) is (reload == "--no-reload"), log.read_text()
    assert [(m["to"], m["subject"]) for m in sms(app)] == [
        (phone, "丢失的--no-reload"),
        (phone, "丢失的--reload"),
    ]


# ---------------------------------------------------------------------------------------------
# flask jobs list / flask jobs run


def test_jobs_list_shows_every_periodic_job_and_its_interval(app):
    result = flask(app, "jobs", "list")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["name", "function", "every"]
    table = {line.split()[0]: line.split()[1:] for line in lines[1 : len(periodic(app)) + 1]}
    assert table["notify-sweep"] == ["saas.notify.jobs:sweep", "1", "min"]
    assert table["audit-purge"] == ["saas.audit.services:purge_expired", "24", "h"]
    assert set(table) == set(periodic(app))
    assert "`flask run` runs these in its server process" in result.output


def test_jobs_list_with_redis_shows_the_next_runs_and_the_lost_ones(app, redis):
    q = queue(app)
    with app.app_context():
        schedule_next("audit-purge")
        schedule_next("notify-sweep", delay=90)
    lines = flask(app, "jobs", "list").output.splitlines()
    assert lines[0].split() == ["name", "function", "every", "next", "run"]
    by_name = {line.split()[0]: line for line in lines[1:]}
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(in (8\d|90) s\)$", by_name["notify-sweep"])
    assert re.search(r"\(in 2[34] h\)$", by_name["audit-purge"])
    assert by_name["points-expiry"].endswith("missing")
    assert "re-creates it within 60 s" in lines[-1]

    scheduling.heal(q, periodic(app))
    output = flask(app, "jobs", "list").output
    assert "missing" not in output


def test_jobs_run_runs_one_job_now_and_says_what_it_did(app, make_street, make_user):
    street = make_street("alpha")
    user_id, phone = make_user(street)
    note_id = outbox_row(app, street, user_id, "丢失的", age=timedelta(minutes=2))

    result = flask(app, "jobs", "run", "notify-sweep")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("notify-sweep (saas.notify.jobs:sweep): Re-enqueue")
    assert result.output.splitlines()[-1].endswith("result: 1")
    assert [(m["to"], m["subject"]) for m in sms(app)] == [(phone, "丢失的")]
    assert row(app, street, note_id)["status"] == "sent"


def test_jobs_run_refuses_an_unknown_name_and_lists_the_known_ones(app):
    result = flask(app, "jobs", "run", "notify-swep")
    assert result.exit_code != 0
    assert "no periodic job named 'notify-swep'" in result.output
    for name in periodic(app):
        assert name in result.output


def test_jobs_run_reports_a_failing_job(app, monkeypatch):
    import saas.scheduling

    jobs = saas.scheduling.periodic(app) | {"broken": (f"{__name__}:broken_job", 60)}
    monkeypatch.setattr(saas.scheduling, "periodic", lambda app=None: jobs)
    result = flask(app, "jobs", "run", "broken")
    assert result.exit_code != 0
    assert "broken failed: RuntimeError: this job always fails" in result.output
