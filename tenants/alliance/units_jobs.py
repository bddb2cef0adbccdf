"""The units area's scheduled job: an agreement's end announced 30 days ahead, once.

It runs with every street in view, finds the streets with an agreement to announce in one query,
and works through them one by one in that street's scope, committing per street.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from saas.auth.models import Role, User
from saas.db import utcnow
from saas.extensions import db
from saas.notify.services import notify
from saas.streets.models import Tenant, TenantStatus
from saas.tenancy import tenant_scope
from saas.ui import street_today
from tenants.alliance.models import Agreement
from tenants.alliance.units import EXPIRING_DAYS
from tenants.orgs.models import OrgAccount, Organisation, OrgKind

log = logging.getLogger(__name__)


def _due(today: date) -> tuple:
    """Agreements not yet announced whose end is from today to 30 days ahead: the same days
    the list calls 即将到期."""
    return (
        Agreement.expiry_notified_at.is_(None),
        Agreement.ends_on >= today,
        Agreement.ends_on <= today + timedelta(days=EXPIRING_DAYS),
    )


def remind_expiring() -> int:
    """Tell the street's admins and the unit's accounts that an agreement ends within 30 days;
    once per agreement (claimed by ``UPDATE … WHERE expiry_notified_at IS NULL`` in the same
    transaction as its notifications). Returns how many agreements were announced."""
    today = street_today()
    due = _due(today)
    streets = db.session.scalars(
        select(Tenant)
        .where(
            Tenant.id.in_(select(Agreement.tenant_id).where(*due).distinct()),
            Tenant.status == TenantStatus.active,
        )
        .order_by(Tenant.id)
    ).all()
    sent = 0
    for tenant in streets:
        with tenant_scope(tenant.id):
            try:
                sent += _remind_street(tenant, due)
                db.session.commit()
            except Exception:  # one street's trouble must not stop the others' reminders
                db.session.rollback()
                log.exception("agreement reminders failed for street %s", tenant.slug)
    return sent


def _remind_street(tenant: Tenant, due: tuple) -> int:
    rows = db.session.execute(
        select(Agreement, Organisation)
        .join(Organisation, Organisation.id == Agreement.organisation_id)
        .where(*due, Organisation.kind == OrgKind.alliance)
        .order_by(Agreement.ends_on, Agreement.id)
    ).all()
    if not rows:
        return 0
    admins = db.session.scalars(
        select(User).where(User.role == Role.admin, User.is_enabled.is_(True)).order_by(User.id)
    ).all()
    accounts: dict[int, list[User]] = {}
    for organisation_id, user in db.session.execute(
        select(OrgAccount.organisation_id, User)
        .join(User, User.id == OrgAccount.user_id)
        .where(
            OrgAccount.organisation_id.in_({unit.id for _a, unit in rows}),
            User.is_enabled.is_(True),
        )
        .order_by(User.id)
    ):
        accounts.setdefault(organisation_id, []).append(user)
    announced = 0
    for agreement, unit in rows:
        claimed = db.session.execute(
            update(Agreement)
            .where(Agreement.id == agreement.id, Agreement.expiry_notified_at.is_(None))
            .values(expiry_notified_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        if not claimed:  # another run got there first
            continue
        announced += 1
        ends = agreement.ends_on.isoformat()
        for admin in admins:
            notify(
                db.session,
                admin,
                "alliance.agreement_expiring",
                _l("%(unit)s的联建协议即将到期", unit=unit.name),
                _l(
                    "与%(unit)s的联建协议将于 %(date)s 到期，请及时联系续签。",
                    unit=unit.name,
                    date=ends,
                ),  # fmt: skip
                link=f"/{tenant.slug}/alliance/units/{unit.id}",
            )
        for person in accounts.get(unit.id, []):
            notify(
                db.session,
                person,
                "alliance.agreement_expiring",
                _l("贵单位的联建协议即将到期"),
                _l(
                    "贵单位与%(street)s的联建协议将于 %(date)s 到期，如需续签请联系街道。",
                    street=tenant.name,
                    date=ends,
                ),  # fmt: skip
                link=f"/{tenant.slug}/org",
            )
    return announced
