"""Scheduled jobs of the meetings area: overdue resolutions told to their owners once a day, and
each unit's monthly report of its members' service put in its accounts' inboxes once a month.

Each runs with every street in view, finds the streets with something to do, and works through
them one by one in that street's scope, committing per street (as tenants.events.jobs does).
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update

from saas.auth.models import User
from saas.db import insert_ignoring_conflict, new_id, utcnow
from saas.extensions import db
from saas.notify.services import notify
from saas.streets.models import Tenant, TenantStatus
from saas.tenancy import tenant_scope
from saas.ui import street_zone
from tenants.alliance.meetings import overdue_condition, owner_accounts
from tenants.alliance.models import ReportDelivery, Resolution
from tenants.alliance.unit_report import bounds, month_key, previous_month
from tenants.orgs.models import OrgAccount, Organisation, OrgKind

log = logging.getLogger(__name__)


def _active_streets(*where) -> list[Tenant]:
    stmt = select(Tenant).where(Tenant.status == TenantStatus.active, *where).order_by(Tenant.id)
    return list(db.session.scalars(stmt))


def notify_overdue(now: datetime | None = None) -> int:
    """Tell each overdue resolution's owner (the unit's accounts or the staff member) that it is
    overdue, at most once a street-local day: the resolution is claimed by ``UPDATE … SET
    overdue_notified_on = today WHERE it is not today`` in the same transaction as the messages,
    so two runs (or a retried job) tell once. Returns the resolutions told about."""
    now = now or utcnow()
    today = now.astimezone(street_zone()).date()
    due = (
        overdue_condition(today),
        or_(Resolution.overdue_notified_on.is_(None), Resolution.overdue_notified_on < today),
    )
    told = 0
    ids = select(Resolution.tenant_id).where(*due).distinct()
    for tenant in _active_streets(Tenant.id.in_(ids)):
        with tenant_scope(tenant.id):
            try:
                told += _overdue_street(tenant.slug, due, today)
                db.session.commit()
            except Exception:  # one street's trouble must not stop the others'
                db.session.rollback()
                log.exception("overdue resolutions failed for street %s", tenant.slug)
    return told


def _overdue_street(slug: str, due: tuple, today: date) -> int:
    claimed = db.session.scalars(
        update(Resolution)
        .where(*due)
        .values(overdue_notified_on=today)
        .returning(Resolution)
        .execution_options(synchronize_session=False)
    ).all()
    if not claimed:
        return 0
    accounts = owner_accounts(db.session, claimed)
    for resolution in claimed:
        for account in accounts.get(resolution.id, []):
            link = (
                f"/{slug}/alliance/unit/meetings"
                if resolution.owner_organisation_id
                else f"/{slug}/alliance/resolutions?overdue=1"
            )
            notify(
                db.session,
                account,
                "alliance.resolution_overdue",
                _l("会议决议已逾期"),
                _l(
                    "“%(text)s”的截止日期是 %(due)s，请尽快落实并更新状态。",
                    text=resolution.text,
                    due=resolution.due_on.isoformat(),
                ),
                link=link,
            )
    return len(claimed)


def send_monthly_reports(now: datetime | None = None) -> int:
    """Put last month's report in the inbox of each alliance unit's accounts, once per unit and
    month: a ``ReportDelivery`` row with a unique (unit, month) key is written first, and only the
    run that wrote it sends. It runs hourly, so it goes out early on the 1st (local time) and
    catches up after an outage. Units created this month wait for next month. Returns units sent."""
    now = now or utcnow()
    zone = street_zone()
    this_month = now.astimezone(zone).date().replace(day=1)
    month = previous_month(this_month)
    key = month_key(month)
    month_start, _end = bounds(this_month, this_month, zone)
    sent = 0
    waiting = (
        select(Organisation.tenant_id)
        .where(
            Organisation.kind == OrgKind.alliance,
            Organisation.is_active.is_(True),
            Organisation.created_at < month_start,
            ~select(ReportDelivery.id)
            .where(
                ReportDelivery.tenant_id == Organisation.tenant_id,
                ReportDelivery.organisation_id == Organisation.id,
                ReportDelivery.month == key,
            )
            .exists(),
        )
        .distinct()
    )
    for tenant in _active_streets(Tenant.id.in_(waiting)):
        with tenant_scope(tenant.id):
            try:
                sent += _reports_street(tenant, key, month_start)
                db.session.commit()
            except Exception:
                db.session.rollback()
                log.exception("monthly unit reports failed for street %s", tenant.slug)
    return sent


def _reports_street(tenant: Tenant, key: str, month_start: datetime) -> int:
    units = db.session.scalars(
        select(Organisation.id).where(
            Organisation.kind == OrgKind.alliance,
            Organisation.is_active.is_(True),
            Organisation.created_at < month_start,
        )
    ).all()
    sent = 0
    for unit_id in units:
        written = insert_ignoring_conflict(
            db.session,
            ReportDelivery,
            {
                "tenant_id": tenant.id,
                "id": new_id(),
                "organisation_id": unit_id,
                "month": key,
                "created_at": utcnow(),
            },
            ["tenant_id", "organisation_id", "month"],
        )
        if written is None:  # another run sent it
            continue
        sent += 1
        accounts = db.session.scalars(
            select(User)
            .join(OrgAccount, OrgAccount.user_id == User.id)
            .where(OrgAccount.organisation_id == unit_id, User.is_enabled.is_(True))
            .order_by(User.id)
        ).all()
        for account in accounts:
            notify(
                db.session,
                account,
                "alliance.monthly_report",
                _l("%(month)s 在职党员服务月报", month=key),
                _l(
                    "本单位党员 %(month)s 的服务时长和参加的活动已汇总，可下载 Excel 报表。",
                    month=key,
                ),
                link=f"/{tenant.slug}/alliance/unit/report/{key}.xlsx",
            )
    return sent
