"""Duty visits' daily job: at the start of each period (the first run on or after the first day
of the week, month or quarter, in the street's time zone) each grid worker is told how many
subjects of their grids are due in that period.

One notice per worker and period: the VisitReminder row ("2026-12", "2026-W49", "2026-Q4") is
inserted with ON CONFLICT DO NOTHING in the same transaction as the notice, so a second run, or
two at once, tell nobody twice. A worker with nothing due is not told, and no row is kept, so
a subject attached later in the period brings the reminder on the next run.
"""

from __future__ import annotations

import logging

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from saas.auth.models import User
from saas.db import insert_ignoring_conflict, new_id, utcnow
from saas.extensions import db
from saas.notify.services import notify
from saas.streets.models import Tenant, TenantStatus
from saas.tenancy import tenant_scope
from saas.ui import street_today
from tenants.grid.models import VisitGroup, VisitReminder, VisitSubject
from tenants.grid.visits import due_clause, period_key
from tenants.structure.models import Grid

log = logging.getLogger(__name__)

KIND = "grid.visit_due"
_TITLES = {
    "weekly": lambda n: _l("本周有 %(n)d 位走访对象待走访", n=n),
    "monthly": lambda n: _l("本月有 %(n)d 位走访对象待走访", n=n),
    "quarterly": lambda n: _l("本季度有 %(n)d 位走访对象待走访", n=n),
}


def remind_visits_due(today=None) -> int:
    """Every active street's grid workers with subjects due in a period they were not reminded
    of: one notice each. Each street in its own scope, committed on its own. Returns how many
    notices went out."""
    today = today or street_today()
    streets = db.session.scalars(
        select(Tenant)
        .where(
            Tenant.status == TenantStatus.active,
            Tenant.id.in_(select(VisitSubject.tenant_id).distinct()),
        )
        .order_by(Tenant.id)
    ).all()
    sent = 0
    for tenant in streets:
        with tenant_scope(tenant.id):
            try:
                sent += remind_street(tenant, today)
                db.session.commit()
            except Exception:  # one street's trouble must not stop the others'
                db.session.rollback()
                log.exception("visit reminders failed for street %s", tenant.slug)
    return sent


def remind_street(tenant: Tenant, today) -> int:
    session = db.session
    rows = session.execute(
        select(Grid.worker_id, VisitGroup.frequency, func.count())
        .select_from(VisitSubject)
        .join(VisitGroup, VisitGroup.id == VisitSubject.group_id)
        .join(Grid, Grid.id == VisitSubject.grid_id)
        .where(
            Grid.worker_id.is_not(None),
            VisitSubject.archived_at.is_(None),
            VisitGroup.archived_at.is_(None),
            due_clause(today),
        )
        .group_by(Grid.worker_id, VisitGroup.frequency)
    ).all()
    counts = {(worker_id, frequency): n for worker_id, frequency, n in rows}
    if not counts:
        return 0
    workers = {
        u.id: u
        for u in session.scalars(
            select(User).where(User.id.in_({w for w, _f in counts}), User.is_enabled.is_(True))
        )
    }
    sent = 0
    for (worker_id, frequency), n in sorted(counts.items()):
        worker = workers.get(worker_id)
        if worker is None:
            continue
        written = insert_ignoring_conflict(
            session,
            VisitReminder,
            {
                "tenant_id": tenant.id,
                "id": new_id(),
                "user_id": worker_id,
                "period": period_key(frequency, today),
                "created_at": utcnow(),
            },
            ["tenant_id", "user_id", "period"],
        )
        if written is None:  # reminded of this period already
            continue
        notify(
            session,
            worker,
            KIND,
            _TITLES[frequency](n),
            _l("请按时走访您所负责网格中的重点人群，并在手机上登记走访情况。"),
            link=f"/{tenant.slug}/grid/visits",
        )
        sent += 1
    return sent
