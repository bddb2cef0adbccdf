"""The platform operator's dashboard (平台概览): streets by status, sign-ups per week and usage
counts per street — counts only, never a resident's name, phone or e-mail.

Every figure is one grouped statement over all streets (``all_tenants``), so the page runs the
same number of statements for three streets or three thousand:

- streets by status: ``tenants`` grouped by status;
- sign-ups per week, the last 26 weeks: streets opened and accounts created, each grouped by a
  ``CASE`` over the weeks' first instants (:func:`saas.charts.last_weeks`);
- usage per street: accounts, volunteers and accounts signed in within 30 days (``users`` grouped
  by street), then every module's declared :class:`saas.modules.UsageCount` in one ``UNION ALL``
  grouped by street.

Nothing is cached: the operator opens the page now and then, and each count is one index scan
per table (every tenant table's key starts with ``tenant_id``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, literal, select, union_all
from sqlalchemy.orm import Session

from saas.auth.models import Role, User
from saas.charts import last_weeks
from saas.db import utcnow
from saas.modules import usage_counts
from saas.streets.models import Tenant, TenantStatus
from saas.tenancy import all_tenants

WEEKS = 26
ACTIVE_DAYS = 30
STATUS_LABELS = {TenantStatus.active: _l("正常"), TenantStatus.suspended: _l("已暂停")}


@dataclass
class StreetUsage:
    """One street's row of the usage table."""

    tenant: Tenant
    #: accounts by role (admin, staff, org, volunteer)
    roles: dict[str, int] = field(default_factory=dict)
    #: accounts signed in within the last ACTIVE_DAYS days
    active: int = 0
    #: UsageCount.key → count
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def accounts(self) -> int:
        return sum(self.roles.values())

    @property
    def volunteers(self) -> int:
        return self.roles.get(Role.volunteer, 0)


@dataclass
class Overview:
    #: (status, label, number of streets), every known status, in a fixed order
    statuses: list[tuple[str, str, int]]
    #: the weeks' Mondays, oldest first, with streets opened and accounts created in each
    weeks: list[str]
    streets_opened: list[int]
    accounts_created: list[int]
    #: the modules' declared counts: (key, label), in order
    columns: list[tuple[str, str]]
    streets: list[StreetUsage]

    @property
    def status_chart(self) -> str:
        return json.dumps(
            {
                "labels": [label for _key, label, _n in self.statuses],
                "values": [n for _key, _label, n in self.statuses],
            },
            ensure_ascii=False,
        )

    @property
    def weekly_chart(self) -> str:
        return json.dumps(
            {
                "labels": [w[5:] for w in self.weeks],
                "series": [
                    {"name": _("新开通街道"), "type": "line", "values": self.streets_opened},
                    {
                        "name": _("新注册账号"),
                        "type": "line",
                        "values": self.accounts_created,
                        "axis": 1,
                    },
                ],
            },
            ensure_ascii=False,
        )

    @property
    def weekly_rows(self) -> list[tuple[str, int, int]]:
        """The table beside the chart, newest week first."""
        return list(zip(self.weeks, self.streets_opened, self.accounts_created, strict=True))[::-1]


def _statuses(session: Session) -> list[tuple[str, str, int]]:
    counts = dict(
        session.execute(select(Tenant.status, func.count()).group_by(Tenant.status)).all()
    )
    known = [(s.value, str(STATUS_LABELS[s]), counts.pop(s.value, 0)) for s in TenantStatus]
    return known + [(s, s, n) for s, n in sorted(counts.items())]


def _weekly(session: Session, now: datetime) -> tuple[list[str], list[int], list[int]]:
    weeks = last_weeks(now, WEEKS)
    opened = weeks.bucket(Tenant.created_at)
    streets = session.execute(
        select(opened, func.count())
        .where(Tenant.created_at >= weeks.start, Tenant.created_at < weeks.end)
        .group_by(opened)
    ).all()
    created = weeks.bucket(User.created_at)
    accounts = session.execute(
        select(created, func.count())
        .where(User.created_at >= weeks.start, User.created_at < weeks.end)
        .group_by(created)
    ).all()
    return list(weeks.labels), weeks.series(streets), weeks.series(accounts)


def _usage(session: Session, now: datetime) -> tuple[list[tuple[str, str]], list[StreetUsage]]:
    tenants = session.scalars(select(Tenant).order_by(Tenant.created_at.desc(), Tenant.id)).all()
    rows = {t.id: StreetUsage(t) for t in tenants}
    since = now - timedelta(days=ACTIVE_DAYS)
    people = session.execute(
        select(
            User.tenant_id,
            User.role,
            func.count(),
            func.count().filter(User.last_login_at >= since),
        ).group_by(User.tenant_id, User.role)
    ).all()
    for tenant_id, role, accounts, active in people:
        if tenant_id in rows:
            rows[tenant_id].roles[role] = accounts
            rows[tenant_id].active += active
    declared = usage_counts()
    if declared:
        parts = []
        for usage, model in declared:
            part = select(literal(usage.key).label("key"), model.tenant_id, func.count())
            if usage.where is not None:
                part = part.where(usage.where(model))
            parts.append(part.group_by(model.tenant_id))
        for key, tenant_id, n in session.execute(union_all(*parts)).all():
            if tenant_id in rows:
                rows[tenant_id].counts[key] = n
    columns = [(usage.key, str(usage.label)) for usage, _model in declared]
    return columns, list(rows.values())


def overview(session: Session, now: datetime | None = None) -> Overview:
    """Everything the dashboard shows; a constant number of statements (five)."""
    now = now or utcnow()
    with all_tenants():
        statuses = _statuses(session)
        weeks, opened, created = _weekly(session, now)
        columns, streets = _usage(session, now)
    return Overview(statuses, weeks, opened, created, columns, streets)
