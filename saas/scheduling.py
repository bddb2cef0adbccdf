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

from saas.jobs import queue, run_job

log = logging.getLogger(__name__)

#: name → (job function path, seconds between runs); later modules add theirs here
PERIODIC: dict[str, tuple[str, int]] = {
    "notify-sweep": ("saas.notify.jobs:sweep", 60),
}


def schedule_next(name: str, app: Flask | None = None) -> None:
    func_path, every = PERIODIC[name]
    q = queue(app or current_app)
    if q is None:
        return
    q.enqueue_in(
        timedelta(seconds=every),
        run_periodic,
        name,
        job_id=f"periodic-{name}",
        result_ttl=every * 2,
        failure_ttl=24 * 3600,
    )


def run_periodic(name: str) -> None:
    """What the scheduler runs: the job, then its next run (even if this one failed)."""
    func_path, _every = PERIODIC[name]
    try:
        run_job(func_path, None)
    finally:
        schedule_next(name)


def run_worker(app: Flask, burst: bool = False) -> None:
    from rq import Worker

    from saas.extensions import db

    q = queue(app)
    if q is None:
        raise SystemExit("REDIS_URL is not set: jobs run in-process and need no worker")
    if not burst:
        for name in PERIODIC:
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
