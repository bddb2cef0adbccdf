"""Scheduled jobs of the member-day area: member days made ahead, the day-before reminder, and
last month's statements.

Each runs with every street in view, works through the streets one by one in that street's
scope and commits per street (as tenants.alliance.units_jobs does); one street's trouble does not
stop the others'. Each is safe to run twice: unique keys and guarded updates decide.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from saas.db import utcnow
from saas.extensions import db
from saas.notify.services import notify
from saas.streets.models import Tenant, TenantStatus
from saas.tenancy import tenant_scope
from saas.ui import street_today
from tenants.merchants.memberday import ensure_member_days, reminder_recipients
from tenants.merchants.models import Circle, MemberDay
from tenants.merchants.settlement import make_statements, previous_month
from tenants.orgs.models import Organisation, OrgKind

log = logging.getLogger(__name__)


def _streets(*where) -> list[Tenant]:
    stmt = select(Tenant).where(Tenant.status == TenantStatus.active, *where).order_by(Tenant.id)
    return list(db.session.scalars(stmt))


def _each_street(streets: list[Tenant], work, what: str) -> int:
    done = 0
    for tenant in streets:
        with tenant_scope(tenant.id):
            try:
                done += work(tenant)
                db.session.commit()
            except Exception:  # one street's trouble must not stop the others'
                db.session.rollback()
                log.exception("%s failed for street %s", what, tenant.slug)
    return done


def create_member_days(today: date | None = None) -> int:
    """Every circle's member days of this month and the next (street-local), with their
    events; returns how many were made."""
    today = today or street_today()
    streets = _streets(Tenant.id.in_(select(Circle.tenant_id).distinct()))
    return _each_street(streets, lambda _t: ensure_member_days(db.session, today), "member days")


def remind_member_days(now: datetime | None = None) -> int:
    """The day before a member day (street-local), tell the circle's merchants and the
    residents subscribed to it; once per member day (claimed by ``UPDATE … WHERE reminded_at IS
    NULL`` in the same transaction as the messages). Returns the member days announced."""
    tomorrow = street_today(now) + timedelta(days=1)
    due = (MemberDay.day == tomorrow, MemberDay.reminded_at.is_(None))
    streets = _streets(Tenant.id.in_(select(MemberDay.tenant_id).where(*due).distinct()))
    return _each_street(streets, lambda tenant: _remind(tenant, due), "member-day reminders")


def _remind(tenant: Tenant, due: tuple) -> int:
    rows = db.session.execute(
        select(MemberDay, Circle.name)
        .join(Circle, Circle.id == MemberDay.circle_id)
        .where(*due)
        .order_by(MemberDay.id)
    ).all()
    told = 0
    for member_day, circle in rows:
        claimed = db.session.execute(
            update(MemberDay)
            .where(MemberDay.id == member_day.id, MemberDay.reminded_at.is_(None))
            .values(reminded_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        if not claimed:  # another run got there first
            continue
        told += 1
        day = member_day.day.isoformat()
        for person in reminder_recipients(db.session, member_day):
            notify(
                db.session,
                person,
                "merchants.member_day_tomorrow",
                _l("明天是%(circle)s会员日", circle=circle),
                _l("%(day)s %(circle)s会员日，商户有优惠和积分兑换券。", day=day, circle=circle),
                link=f"/{tenant.slug}/merchants/"
                + ("offers" if person.role == "org" else "member-day"),
            )
    return told


def make_monthly_statements(today: date | None = None) -> int:
    """Last month's statement of every merchant that honoured a voucher in it (from the 1st on;
    the unique key keeps one per merchant and month). Returns how many were made."""
    month = previous_month(today or street_today())
    merchants = select(Organisation.tenant_id).where(Organisation.kind == OrgKind.merchant)
    return _each_street(
        _streets(Tenant.id.in_(merchants.distinct())),
        lambda tenant: make_statements(db.session, tenant, month)[0],
        "statements",
    )


def pay_kept_pledges(today: date | None = None) -> int:
    """Last month's kept pledges, paid to model merchants' party members from the 1st on (the
    ledger's source key pays each member once a month, so a daily run is safe)."""
    from tenants.merchants.pledges import pay_month

    month = previous_month(today or street_today())
    streets = _streets(Tenant.id.in_(select(Circle.tenant_id).distinct()))
    return _each_street(streets, lambda tenant: pay_month(db.session, tenant, month), "pledges")
