"""The RQ worker and the periodic jobs it keeps scheduled.

``flask worker`` runs ``rq``'s worker with its scheduler (``with_scheduler``), so retries with
back-off and ``enqueue_in`` work, and a short maintenance interval, so a job whose worker was killed
is noticed within a minute or two instead of rq's default ten. Periodic jobs (the outbox sweeper,
later modules' reminders) live on that same scheduler: each run schedules the next, under a fixed
job id, so any number of workers keep exactly one pending run of each.
"""

from __future__ import annotations

import logging
import os
from datetime import timedelta

from flask import Flask, current_app

from saas.jobs import app_context, queue, run_job

log = logging.getLogger(__name__)

#: how long rq keeps a failed run of a periodic job (its hash is also the next run's)
_PERIODIC_FAILURE_TTL = 7 * 24 * 3600


def periodic(app: Flask | None = None) -> dict[str, tuple[str, int]]:
    """The platform's periodic jobs and every module's: name → (function path, seconds between
    runs), from their declarations (saas.modules)."""
    from saas.modules import periodic_jobs

    return periodic_jobs(app)


def schedule_next(name: str, app: Flask | None = None) -> None:
    """(Re)place the one pending run of ``name``, ``every`` seconds from now."""
    _func_path, every = periodic(app)[name]
    q = queue(app or current_app)
    if q is None:
        return
    q.enqueue_in(
        timedelta(seconds=every),
        run_periodic,
        name,
        job_id=f"periodic-{name}",
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


def run_worker(app: Flask, burst: bool = False) -> None:
    from rq import Worker

    from saas.extensions import db

    q = queue(app)
    if q is None:
        raise SystemExit("REDIS_URL is not set: jobs run in-process and need no worker")
    if not burst:
        for name in periodic(app):
            schedule_next(name, app)
    # The worker forks a child per job: no pooled connection may cross the fork.
    db.engine.dispose()
    os.register_at_fork(after_in_child=lambda: db.engine.dispose(close=False))
    worker = Worker(
        [q],
        connection=q.connection,
        maintenance_interval=app.config["RQ_MAINTENANCE_INTERVAL"],
    )
    worker.work(with_scheduler=True, burst=burst)
