"""Whether a unit's co-building agreement is in force, and the street's rule that only such units
may sign up for alliance events (设置：只允许联建协议有效的单位报名联盟活动).

An agreement is in force on the days from its start to its end, both included, in the street's
local calendar. The rule is a street setting kept in the tenant's settings JSON under
``alliance_active_agreements_only`` (off until the admin turns it on).
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from saas.audit.services import record
from saas.auth.models import Role, User
from saas.errors import ServiceError
from saas.streets.cache import fresh_for_update
from saas.streets.models import Tenant
from tenants.alliance.models import Agreement

#: the street's setting: only units with an agreement in force may join alliance events
ACTIVE_ONLY = "alliance_active_agreements_only"


def agreement_in_force(session: Session, organisation_id: int, today: date) -> bool:
    """Whether ``organisation_id`` has an agreement whose dates hold ``today``."""
    found = session.scalar(
        select(Agreement.id)
        .where(
            Agreement.organisation_id == organisation_id,
            Agreement.starts_on <= today,
            Agreement.ends_on >= today,
        )
        .limit(1)
    )
    return found is not None


def refusal_without_agreement(session: Session, organisation_id: int, today: date) -> str | None:
    """Why the unit may not join an alliance event today for want of an agreement, in the words
    it reads; None when an agreement is in force. One statement."""
    row = session.execute(
        select(
            func.max(Agreement.ends_on).filter(Agreement.starts_on <= today),
            func.min(Agreement.starts_on).filter(Agreement.starts_on > today),
            func.count(Agreement.id).filter(
                Agreement.starts_on <= today, Agreement.ends_on >= today
            ),
        ).where(Agreement.organisation_id == organisation_id)
    ).one()
    last_end, next_start, in_force = row
    if in_force:
        return None
    if next_start is not None:
        return _(
            "贵单位的联建协议自 %(day)s 起生效，生效后才能报名联盟活动",
            day=next_start.isoformat(),
        )
    if last_end is not None:
        return _(
            "贵单位的联建协议已于 %(day)s 到期，续签后才能报名联盟活动",
            day=last_end.isoformat(),
        )
    return _("贵单位尚未签订联建协议，签订后才能报名联盟活动；请联系街道办理。")


def active_only(tenant: Tenant | None) -> bool:
    """Whether the street lets only units with an agreement in force join alliance events."""
    return bool(((tenant.settings if tenant is not None else None) or {}).get(ACTIVE_ONLY, False))


def save_active_only(session: Session, actor: User, tenant: Tenant, value: bool) -> bool:
    """The admin turns the rule on or off; audit-logged. Returns whether it changed.

    :raise ServiceError: not the street's admin
    """
    if actor.role != Role.admin:
        raise ServiceError(_("只有街道管理员可以修改联盟设置"))
    fresh_for_update(session, tenant)  # not a cached copy: another setting may just have changed
    settings = dict(tenant.settings or {})
    if bool(settings.get(ACTIVE_ONLY, False)) == value:
        return False
    settings[ACTIVE_ONLY] = value
    tenant.settings = settings  # a new dict: the JSON column sees the change
    session.flush()
    record(session, "settings.change", actor.id, "tenant", {ACTIVE_ONLY: value})
    return True
