"""The periodic jobs, and what keeps them running: on RQ with Redis, in-process without it.

``flask worker`` runs ``rq``'s worker with its scheduler (``with_scheduler``), so retries with
back-off and ``enqueue_in`` work, and a short maintenance interval, so a job whose worker was killed
is noticed within a minute or two instead of rq's default ten. Periodic jobs (the outbox sweeper,
the modules' reminders) live on that same scheduler: each run schedules the next, under a fixed
job id (``periodic-<name>``), so any number of workers keep exactly one pending run of each.

That pending run lives only in Redis. When Redis loses it (a restart without persistence, eviction,
a failover, ``FLUSHDB``) nothing would ever schedule it again, so every worker also runs a watchdog
thread that looks every ``PERIODIC_CHECK_SECONDS`` and re-creates, due at once, every run that is
no longer scheduled, queued or running (``heal``).

Without Redis (the embedded default) ``flask run`` starts one thread in the process that serves
requests, which runs the same jobs at the same intervals (``InProcessScheduler``).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import click
import rq
from flask import Flask, current_app

from saas.jobs import app_context, queue, run_job

log = logging.getLogger(__name__)

#: how long rq keeps a failed run of a periodic job (its hash is also the next run's)
_PERIODIC_FAILURE_TTL = 7 * 24 * 3600
#: the longest one heal may hold its lock (seconds); it takes a few Redis round trips
_HEAL_LOCK_SECONDS = 30


def periodic(app: Flask | None = None) -> dict[str, tuple[str, int]]:
    """The platform's periodic jobs and every module's: name → (function path, seconds between
    runs), from their declarations (saas.modules)."""
    from saas.modules import periodic_jobs

    return periodic_jobs(app)


def job_id(name: str) -> str:
    """The one RQ job id every run of periodic job ``name`` shares."""
    return f"periodic-{name}"


def schedule_next(
    name: str, app: Flask | None = None, *, q=None, delay: float | None = None
) -> None:
    """(Re)place the one pending run of ``name``, its interval from now (or ``delay`` seconds).

    With ``q`` and ``delay`` given it needs no app (the watchdog thread has none)."""
    if delay is None:
        _func_path, delay = periodic(app)[name]
    q = q if q is not None else queue(app or current_app)
    if q is None:
        return
    q.enqueue_in(
        timedelta(seconds=delay),
        run_periodic,
        name,
        job_id=job_id(name),
        # The run that schedules its successor is that same job id: when the run ends, rq marks
        # the shared hash finished (or failed) and lets it expire after result_ttl (failure_ttl).
        # A short TTL lost the pending run whenever the queue was busier than that, and the
        # periodic job stopped until a worker restarted; so the hash is kept.
        result_ttl=-1,
        failure_ttl=_PERIODIC_FAILURE_TTL,
    )


def run_periodic(name: str) -> None:
    """What the scheduler runs: the next run is placed first (so a worker killed mid-run does not
    end the series), then the job itself."""
    with app_context():
        func_path, _every = periodic()[name]
        try:
            schedule_next(name)
            scheduled = True
        except Exception:  # Redis hiccup: try again once the job has run
            log.exception("could not schedule the next %s run", name)
            scheduled = False
        try:
            run_job(func_path, None)
        finally:
            if not scheduled:
                schedule_next(name)


# ---------------------------------------------------------------------------------------------
# Where each pending run is, and re-creating the lost ones


@dataclass(frozen=True)
class NextRun:
    #: "scheduled", "queued", "running" or "missing" (Redis lost it; ``heal`` re-creates it)
    state: str
    #: when a scheduled run comes due
    at: datetime | None = None


def next_runs(q, names: Iterable[str]) -> dict[str, NextRun]:
    """Where the pending run of each periodic job is, read in one MULTI (a consistent snapshot)."""
    from rq.job import Job
    from rq.registry import ScheduledJobRegistry

    names = list(names)
    scheduled_key = ScheduledJobRegistry(queue=q).key
    with q.connection.pipeline(transaction=True) as pipe:
        for name in names:
            pipe.hget(Job.key_for(job_id(name)), "status")
            pipe.zscore(scheduled_key, job_id(name))
            pipe.lpos(q.key, job_id(name))
            pipe.lpos(q.intermediate_queue.key, job_id(name))
        replies = pipe.execute()
    runs = {}
    for i, name in enumerate(names):
        status, due, queued, taken = replies[4 * i : 4 * i + 4]
        if isinstance(status, bytes):
            status = status.decode()
        # The hash is the job: without it rq's scheduler drops the id, and a worker skips it.
        if status is None:
            runs[name] = NextRun("missing")
        # A run that has ended is still "finished" in the hash while its successor waits here.
        elif due is not None:
            runs[name] = NextRun("scheduled", datetime.fromtimestamp(due, UTC))
        elif queued is not None:
            runs[name] = NextRun("queued")
        # Taken off the queue by a worker (the intermediate list), or running: it schedules its
        # successor first thing, or, if its worker dies, rq's maintenance marks it failed.
        elif taken is not None or status == "started":
            runs[name] = NextRun("running")
        else:
            runs[name] = NextRun("missing")
    return runs


def heal(q, jobs: dict[str, tuple[str, int]] | None = None) -> list[str]:
    """Re-create, due at once, the pending run of every periodic job Redis has lost.

    Returns the names re-created. Every worker calls this (at start, then every
    ``PERIODIC_CHECK_SECONDS``); a short Redis lock makes look-and-create one step among them, so
    a lost run is re-created once: two creations could each be moved to the queue by rq's
    scheduler, and the job would run twice. A worker that finds the lock taken skips this turn.
    """
    from redis.exceptions import LockError

    jobs = periodic() if jobs is None else jobs
    lock = q.connection.lock(
        f"ljt:periodic-heal:{q.name}", timeout=_HEAL_LOCK_SECONDS, blocking=False
    )
    if not lock.acquire():
        return []
    try:
        lost = [name for name, run in next_runs(q, jobs).items() if run.state == "missing"]
        for name in lost:
            schedule_next(name, q=q, delay=0)
        return lost
    finally:
        with suppress(LockError):  # expired, or flushed with everything else
            lock.release()


def _watch(url: str, queue_name: str, jobs: dict, seconds: float, stop: threading.Event) -> None:
    """The worker's watchdog thread: ``heal`` every ``seconds`` until ``stop`` is set.

    It has its own connection, with timeouts, so a frozen Redis holds up only this thread; and it
    touches nothing but Redis (no database session, only modules already loaded), being a thread
    of a process that forks a child per job.
    """
    from redis import Redis
    from rq import Queue

    connection = Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5)
    q = Queue(queue_name, connection=connection)
    try:
        while not stop.wait(seconds):
            try:
                lost = heal(q, jobs)
            except Exception:  # Redis down: the next turn tries again
                log.exception("could not check the periodic jobs; trying again in %ss", seconds)
                continue
            if lost:
                log.warning("Redis had lost periodic job(s) %s: re-created", ", ".join(lost))
    finally:
        connection.close()


class Worker(rq.Worker):
    """rq's worker, but its command thread (pub/sub: shutdown, stop-job, kill-horse) polls every
    second instead of every minute. A stopping worker joins that thread and redis-py 8 waits out
    the poll, so a stop (a burst worker done, a deploy) took a minute now and then."""

    def subscribe(self) -> None:
        # rq's own subscribe, with sleep_time=1 instead of 60
        self.log.info("Worker %s: subscribing to channel %s", self.name, self.pubsub_channel_name)
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(
            sleep_time=1, daemon=True, exception_handler=self._pubsub_exception_handler
        )


def run_worker(app: Flask, burst: bool = False) -> None:
    from redis import Redis
    from rq import Queue

    from saas.extensions import db

    q = queue(app)
    if q is None:
        raise SystemExit("REDIS_URL is not set: jobs run in-process and need no worker")
    stop = threading.Event()
    if not burst:
        jobs = periodic(app)
        # Only what is missing: re-placing every run at each start would push a daily job a day
        # further at every deploy.
        heal(q, jobs)
        threading.Thread(
            target=_watch,
            args=(
                app.config["REDIS_URL"],
                q.name,
                jobs,
                app.config["PERIODIC_CHECK_SECONDS"],
                stop,
            ),
            name="periodic-watchdog",
            daemon=True,
        ).start()
    # The worker forks a child per job: no pooled connection may cross the fork.
    db.engine.dispose()
    os.register_at_fork(after_in_child=lambda: db.engine.dispose(close=False))
    # Its own connection: the queue's has the short timeouts a request wants, and rq's blocking
    # wait for jobs needs a long one (rq raises the socket timeout to fit it).
    connection = Redis.from_url(app.config["REDIS_URL"])
    worker = Worker(
        [Queue(q.name, connection=connection)],
        connection=connection,
        maintenance_interval=app.config["RQ_MAINTENANCE_INTERVAL"],
    )
    try:
        worker.work(with_scheduler=True, burst=burst)
    finally:
        stop.set()


# ---------------------------------------------------------------------------------------------
# Without Redis: a thread of the process


class InProcessScheduler:
    """The periodic jobs run by one daemon thread of this process (the embedded default).

    The thread runs one job at a time, so no job overlaps itself. Each run is ``run_job(path,
    None)`` in a fresh app context: its own session and scope, committed once, as on a worker. All
    are due at start, then each every its interval from its previous start; a failing run is
    logged and the series goes on.
    """

    def __init__(self, app: Flask, jobs: dict[str, tuple[str, float]] | None = None):
        self.app = app
        self.jobs = dict(periodic(app) if jobs is None else jobs)
        #: completed runs (successful or not) per job name
        self.runs: dict[str, int] = dict.fromkeys(self.jobs, 0)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> InProcessScheduler:
        self._thread = threading.Thread(target=self._loop, name="periodic-jobs", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 30) -> None:
        """Ask the thread to end; it finishes the run in hand first."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        due = dict.fromkeys(self.jobs, time.monotonic())
        while due and not self._stop.is_set():
            name = min(due, key=due.__getitem__)
            wait = due[name] - time.monotonic()
            if wait > 0:
                self._stop.wait(wait)
                continue
            started = time.monotonic()
            self._run(name)
            due[name] = started + self.jobs[name][1]

    def _run(self, name: str) -> None:
        func_path = self.jobs[name][0]
        try:
            with self.app.app_context():
                run_job(func_path, None)
        except Exception:
            log.exception("periodic job %s failed; it runs again in %ss", name, self.jobs[name][1])
        self.runs[name] += 1


_in_process: InProcessScheduler | None = None
_in_process_lock = threading.Lock()


def start_in_process(app: Flask) -> InProcessScheduler:
    """This process's one in-process scheduler, started on the first call."""
    global _in_process
    with _in_process_lock:
        if _in_process is None:
            _in_process = InProcessScheduler(app).start()
        return _in_process


def _serving_flask_run() -> bool:
    """Whether this process is the one ``flask run`` serves requests from.

    With the reloader (``--debug``) ``flask run`` is two processes that both create the app: a
    watcher, which serves nothing and restarts the other on a code change, and the server, which
    the watcher starts with ``WERKZEUG_RUN_MAIN`` set. Only the server may run the jobs, or each
    would run twice.
    """
    from flask.cli import get_debug_flag, run_command
    from werkzeug.serving import is_running_from_reloader

    ctx = click.get_current_context(silent=True)
    if ctx is None or ctx.command is not run_command:
        return False
    if is_running_from_reloader():
        return True
    reload = ctx.params.get("reload")
    return not (get_debug_flag() if reload is None else reload)


def start_with_dev_server(app: Flask) -> None:
    """Without Redis, ``flask run`` runs the periodic jobs in-process (``SCHEDULER_IN_PROCESS``)."""
    if app.config.get("REDIS_URL") or not app.config.get("SCHEDULER_IN_PROCESS"):
        return
    if not _serving_flask_run():
        return
    scheduler = start_in_process(app)
    click.echo(
        f" * Periodic jobs run in this process (pid {os.getpid()}, no REDIS_URL): "
        + ", ".join(scheduler.jobs)
    )
