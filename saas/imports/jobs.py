"""Starting an import's jobs off the request, whichever way jobs run.

``saas.jobs`` runs a job in-process right after the commit when there is no Redis (the embedded
default): right for a notification, wrong for checking 100,000 rows, which would hold the upload
request for the whole check. So an import's jobs start here, called by the view after its
commit: on RQ (``REDIS_URL``) as RQ jobs with a timeout that fits the largest file; without it,
in a thread of the server process (``saas.jobs.start_long``, ``LONG_JOBS_IN_THREAD``, on by
default outside tests), which runs them as ``saas.jobs.run_job`` does (its own app context,
session and street scope);
the tests run them in the request, as the other jobs run there. A big export starts the same way.
"""

from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import select

from saas import jobs
from saas.extensions import db
from saas.streets.models import Tenant
from saas.tenancy import tenant_scope

log = logging.getLogger(__name__)

VALIDATE = "saas.imports.services:validate_job"
COMMIT = "saas.imports.services:commit_job"


def start(func_path: str, tenant_id: int, batch_id: int) -> None:
    """Run ``func_path(batch_id)`` in the street's scope, off this request. Call it after the
    request has committed the batch. Returns at once (except in tests, see the module doc).

    :raise Exception: Redis refused the job (the caller marks the batch)
    """
    jobs.start_long(current_app._get_current_object(), func_path, tenant_id, batch_id)


def expire_all() -> int:
    """The periodic job (``imports-expire``): every street in its own scope, committed per
    street, its uploaded files left unconfirmed deleted and its old batches forgotten
    (``saas.imports.services.expire``); one street's trouble does not stop the others. Returns
    how many files were deleted over all streets."""
    from saas.imports.services import expire

    deleted = 0
    for tenant_id in list(db.session.scalars(select(Tenant.id).order_by(Tenant.id))):
        with tenant_scope(tenant_id):
            try:
                count = expire(db.session)
                db.session.commit()
            except Exception:
                db.session.rollback()
                log.exception("import expiry failed for street %s", tenant_id)
            else:
                deleted += count
    return deleted
