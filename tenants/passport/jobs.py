"""Scheduled jobs of the passport module."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select

from saas.extensions import db
from saas.streets.models import Tenant, TenantStatus
from saas.tenancy import tenant_scope
from tenants.passport.ledger import expire_due_lots

log = logging.getLogger(__name__)

#: lots expired per transaction: on 31 December a whole street's passports are due at once, and
#: each batch holds only its own passports' locks while redemptions and confirmations go on
BATCH = 200


def expire_points(now: datetime | None = None) -> int:
    """The daily expiry: in each active street, write the expire entries for lots past their date.

    Runs with every street in view (``run_job(…, None)``) and enters each street's scope in
    turn, committing per street, so one street's failure neither undoes nor blocks the others.
    Safe to run twice: a lot emptied by its expiry is no longer due, and its source key is paid.
    Returns how many expire entries were written.

    :param now: the moment to expire up to (tests); the current time by default
    """
    street_ids = db.session.scalars(
        select(Tenant.id).where(Tenant.status == TenantStatus.active).order_by(Tenant.id)
    ).all()
    db.session.commit()  # end the reading transaction before each street's own
    written = 0
    for street_id in street_ids:
        with tenant_scope(street_id):
            try:
                while True:
                    batch = expire_due_lots(db.session, now, limit=BATCH)
                    db.session.commit()
                    written += batch
                    # a short batch means nothing more was due (a lot spent meanwhile waits
                    # for tomorrow's run)
                    if batch < BATCH:
                        break
            except Exception:
                db.session.rollback()
                log.exception("points expiry failed for street %s", street_id)
    return written
