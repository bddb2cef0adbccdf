"""Starting an import's jobs off the request, whichever way jobs run.

``saas.jobs`` runs a job in-process right after the commit when there is no Redis (the embedded
default): right for a notification, wrong for checking 100,000 rows, which would hold the upload
request for the whole check. So an import's jobs start here, called by the view after its
commit: on RQ (``REDIS_URL``) as RQ jobs with a timeout that fits the largest file; without it,
in a thread of the server process (``IMPORT_JOBS_IN_THREAD``, on by default outside tests),
which runs them as ``saas.jobs.run_job`` does (its own app context, session and street scope);
the tests run them in the request, as the other jobs run there. Other jobs are not changed.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask, current_app

from saas import jobs

log = logging.getLogger(__name__)

#: the longest an import job may run under RQ (seconds): the bench writes 100,000 rows in well
#: under a minute on a small machine; this leaves room for a busy one
IMPORT_JOB_TIMEOUT = 30 * 60

VALIDATE = "saas.imports.services:validate_job"
COMMIT = "saas.imports.services:commit_job"


def _in_thread(app: Flask) -> bool:
    return bool(app.config.get("IMPORT_JOBS_IN_THREAD", not app.testing))


def start(func_path: str, tenant_id: int, batch_id: int) -> None:
    """Run ``func_path(batch_id)`` in the street's scope, off this request. Call it after the
    request has committed the batch. Returns at once (except in tests, see the module doc).

    :raise Exception: Redis refused the job (the caller marks the batch)
    """
    app = current_app._get_current_object()
    queue = jobs.queue(app)
    if queue is not None:
        queue.enqueue(
            jobs.run_job,
            func_path,
            tenant_id,
            batch_id,
            job_timeout=IMPORT_JOB_TIMEOUT,
            result_ttl=3600,
            failure_ttl=7 * 24 * 3600,
        )
    elif _in_thread(app):
        thread = threading.Thread(
            target=_run, args=(app, func_path, tenant_id, batch_id), daemon=True
        )
        thread.start()
    else:
        _run(app, func_path, tenant_id, batch_id)


def _run(app: Flask, func_path: str, tenant_id: int, batch_id: int) -> None:
    with app.app_context():
        try:
            jobs.run_job(func_path, tenant_id, batch_id)
        except Exception:
            log.exception("import job %s(%s) failed", func_path, batch_id)
