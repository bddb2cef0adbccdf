"""Background jobs: enqueued only after the transaction commits, run inside the street's scope.

A service calls ``enqueue_after_commit("saas.notify.jobs:deliver", tenant_id, notification_id)``.
Nothing leaves the process until the request's transaction commits (a rollback drops it), so a
worker never looks for a row that does not exist yet. With ``REDIS_URL`` set the job goes on RQ;
without it (the embedded default) the same function runs in-process, synchronously, right after the
commit, in a fresh app context and session.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from saas import tenancy

log = logging.getLogger(__name__)

#: back-off between the tries of a failing job (seconds); rq's Retry needs a scheduler to honour it
RETRY_INTERVALS = [10, 60, 300]
#: the longest one run of a job may take before rq kills it (seconds)
JOB_TIMEOUT = 300
#: seconds an enqueue waits for Redis before giving up (the sweeper re-enqueues later)
ENQUEUE_TIMEOUT = 1.0
#: the longest one run of a long job (an import, a big export) may take under RQ (seconds)
LONG_JOB_TIMEOUT = 30 * 60

_PENDING = "after_commit_jobs"
#: committed, to run in-process once the session has given its connection back
_COMMITTED = "committed_jobs"


def init_app(app: Flask) -> None:
    if not event.contains(Session, "after_commit", _dispatch):
        event.listen(Session, "after_commit", _dispatch)
        event.listen(Session, "after_transaction_end", _transaction_end)


def enqueue_after_commit(
    func_path: str,
    tenant_id: int | None,
    *args: Any,
    job_id: str | None = None,
    long: bool = False,
) -> None:
    """Run ``func_path(*args)`` in the street's scope once the current transaction commits.

    ``long``: work a person waits for with a progress bar (a big export), started with
    :func:`start_long` so that without Redis it does not hold the request that asked for it.
    """
    from saas.extensions import db

    db.session().info.setdefault(_PENDING, []).append((func_path, tenant_id, args, job_id, long))


def _transaction_end(session: Session, transaction: SessionTransaction) -> None:
    """The outermost transaction is over and its connection is back in the pool.

    Jobs still pending were never committed (rollback, or ``close()`` without a commit): they are
    forgotten. Committed ones that run in-process run now, not in ``after_commit``, where the
    session still holds its connection: a job needing a second one could wait forever for a pool
    that concurrent requests have emptied the same way.
    """
    if transaction.parent is not None:
        return
    session.info.pop(_PENDING, None)
    committed = session.info.pop(_COMMITTED, None)
    if committed:
        _send(current_app._get_current_object(), committed)


def _dispatch(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    app = current_app._get_current_object()
    if queue(app) is None:
        session.info.setdefault(_COMMITTED, []).extend(pending)
        return
    _send(app, pending)


def _send(app: Flask, pending: list) -> None:
    for func_path, tenant_id, args, job_id, long in pending:
        try:
            enqueue_now(app, func_path, tenant_id, *args, job_id=job_id, long=long)
        except Exception:  # the sweeper picks up what could not be queued (Redis down)
            log.exception("could not enqueue %s; the sweeper will retry", func_path)


def queue(app: Flask | None = None):
    """The RQ queue, or None when jobs run in-process."""
    app = app or current_app
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    from redis import Redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry
    from rq import Queue

    cached = app.extensions.get("rq_queue")
    if cached is None:
        # A request enqueues after its commit: a frozen Redis must cost it a second, not five
        # or a hang (what could not be queued, the sweeper picks up). The worker listens on a
        # connection of its own (saas.scheduling.run_worker).
        connection = Redis.from_url(
            url,
            socket_connect_timeout=ENQUEUE_TIMEOUT,
            socket_timeout=ENQUEUE_TIMEOUT,
            retry=Retry(NoBackoff(), 0),
        )
        cached = Queue(app.config["RQ_QUEUE"], connection=connection)
        app.extensions["rq_queue"] = cached
    return cached


def enqueue_now(
    app: Flask,
    func_path: str,
    tenant_id: int | None,
    *args: Any,
    job_id: str | None = None,
    long: bool = False,
) -> None:
    """Queue the job on RQ now, or run it in-process without Redis.

    ``long`` (an import, a big export): on RQ with :data:`LONG_JOB_TIMEOUT` and no retry (a
    person watches its progress and starts it again); without Redis in a thread of the server
    process (``LONG_JOBS_IN_THREAD``, on outside tests), so the page that asked answers at once.

    :raise Exception: Redis refused the job
    """
    q = queue(app)
    if q is None:
        if long and app.config.get("LONG_JOBS_IN_THREAD", not app.testing):
            threading.Thread(
                target=_run_logged, args=(app, func_path, tenant_id, *args), daemon=True
            ).start()
        else:
            _run_logged(app, func_path, tenant_id, *args)
        return
    from rq import Retry

    if job_id is not None and _still_waiting(q, job_id):
        return  # the same job is already queued or scheduled: once is enough
    q.enqueue(
        run_job,
        func_path,
        tenant_id,
        *args,
        job_id=job_id,
        retry=None if long else Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS),
        job_timeout=LONG_JOB_TIMEOUT if long else JOB_TIMEOUT,
        result_ttl=3600,
        failure_ttl=7 * 24 * 3600,
    )


def start_long(app: Flask, func_path: str, tenant_id: int | None, *args: Any) -> None:
    """Start a long job off the current request (:func:`enqueue_now` with ``long``)."""
    enqueue_now(app, func_path, tenant_id, *args, long=True)


def _run_logged(app: Flask, func_path: str, tenant_id: int | None, *args: Any) -> None:
    with app.app_context():
        try:
            run_job(func_path, tenant_id, *args)
        except Exception:
            log.exception("in-process job %s%r failed", func_path, args)


def _still_waiting(q, job_id: str) -> bool:
    """Whether a job with this id is queued, scheduled or deferred (not yet started)."""
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    try:
        status = Job.fetch(job_id, connection=q.connection).get_status(refresh=False)
    except NoSuchJobError:
        return False
    return status in ("queued", "scheduled", "deferred")


def _resolve(func_path: str) -> Callable[..., Any]:
    module, _, name = func_path.partition(":")
    return getattr(importlib.import_module(module), name)


_worker_app: Flask | None = None


@contextmanager
def app_context() -> Iterator[None]:
    """The app's context for code run by a worker: ``flask worker`` forks its jobs with one in
    place; a bare ``rq worker`` has none, so an app is made from the environment (once a process).
    """
    global _worker_app
    if has_app_context():
        yield
        return
    if _worker_app is None:
        from saas import create_app

        _worker_app = create_app()
    with _worker_app.app_context():
        yield


def run_job(func_path: str, tenant_id: int | None, *args: Any) -> Any:
    """What RQ executes: re-enter the app and the street's scope, run, commit once."""
    if not has_app_context():
        with app_context():
            return run_job(func_path, tenant_id, *args)
    from saas.extensions import db

    func = _resolve(func_path)
    scope = tenancy.ALL_TENANTS if tenant_id is None else tenant_id
    with tenancy.tenant_scope(scope):
        try:
            result = func(*args)
            db.session.commit()
            return result
        except BaseException:
            db.session.rollback()
            raise
        finally:
            db.session.remove()
