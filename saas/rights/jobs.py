"""The daily retention job: each street's audit entries past its setting deleted and its idle
volunteers' accounts anonymised (saas.rights.services.apply_retention)."""

from __future__ import annotations

import logging

from sqlalchemy import select

from saas.extensions import db
from saas.rights.services import apply_retention
from saas.streets.models import Tenant
from saas.tenancy import tenant_scope

log = logging.getLogger(__name__)


def run_retention() -> tuple[int, int]:
    """Every street in its own scope, committed per street; one street's trouble does not stop
    the others. Returns (entries deleted, accounts erased) over all streets."""
    deleted = erased = 0
    for tenant_id in list(db.session.scalars(select(Tenant.id).order_by(Tenant.id))):
        with tenant_scope(tenant_id):
            try:
                tenant = db.session.scalar(select(Tenant).where(Tenant.id == tenant_id))
                d, e = apply_retention(db.session, tenant)
                db.session.commit()
            except Exception:
                db.session.rollback()
                log.exception("retention failed for street %s", tenant_id)
            else:
                deleted, erased = deleted + d, erased + e
    return deleted, erased
