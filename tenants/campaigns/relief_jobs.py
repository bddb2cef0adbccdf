"""The relief registry's daily job: a visit-due reminder (走访到期提醒) to the staff of each due
household's community (the street's admins when the community has none).

A household is reminded once per due date: ``visit_reminded_for`` is set to the due date by a
guarded UPDATE in the same transaction as the messages, so a second run, or two at once, tell
nobody twice; a new visit brings a new due date and with it a new reminder. Each person gets one
message per run saying how many households are due, not one per household.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from saas.auth.models import Role, User
from saas.db import guarded_update
from saas.extensions import db
from saas.notify.services import notify
from saas.streets.models import Tenant, TenantStatus
from saas.tenancy import tenant_scope
from saas.ui import street_today
from tenants.campaigns.relief_models import Household, HouseholdStatus

log = logging.getLogger(__name__)

#: a visit is reminded of this many days before it falls due (and any day after, once)
REMIND_AHEAD_DAYS = 3
KIND = "campaigns.relief_visit_due"


def _due(today: date):
    return (
        Household.status == HouseholdStatus.active,
        Household.next_visit_on.is_not(None),
        Household.next_visit_on <= today + timedelta(days=REMIND_AHEAD_DAYS),
        or_(
            Household.visit_reminded_for.is_(None),
            Household.visit_reminded_for != Household.next_visit_on,
        ),
    )


def remind_visits_due(today: date | None = None) -> int:
    """Every street's households whose visit falls due within REMIND_AHEAD_DAYS (or is
    overdue) and were not reminded for that date: their community's staff are told. Each street
    in its own scope, committed on its own. Returns how many households were reminded."""
    today = today or street_today()
    streets = db.session.scalars(
        select(Tenant)
        .where(
            Tenant.status == TenantStatus.active,
            Tenant.id.in_(select(Household.tenant_id).where(*_due(today)).distinct()),
        )
        .order_by(Tenant.id)
    ).all()
    reminded = 0
    for tenant in streets:
        with tenant_scope(tenant.id):
            try:
                reminded += _remind(tenant, today)
                db.session.commit()
            except Exception:  # one street's trouble must not stop the others'
                db.session.rollback()
                log.exception("relief visit reminders failed for street %s", tenant.slug)
    return reminded


def _remind(tenant: Tenant, today: date) -> int:
    session = db.session
    households = session.scalars(select(Household).where(*_due(today)).order_by(Household.id))
    due_by_community: dict[int, int] = defaultdict(int)
    for household in households:
        due_on = household.next_visit_on
        claimed = guarded_update(
            session,
            household,
            *_due(today),
            Household.next_visit_on == due_on,
            visit_reminded_for=due_on,
        )
        if claimed:
            due_by_community[household.community_id] += 1
    if not due_by_community:
        return 0
    people = session.scalars(
        select(User).where(
            User.is_enabled.is_(True),
            or_(
                (User.role == Role.staff) & User.community_id.in_(due_by_community),
                User.role == Role.admin,
            ),
        )
    ).all()
    staff_of: dict[int, list[User]] = defaultdict(list)
    admins = []
    for person in people:
        if person.role == Role.admin:
            admins.append(person)
        else:
            staff_of[person.community_id].append(person)
    count_for: dict[int, int] = defaultdict(int)
    by_id: dict[int, User] = {}
    for community_id, n in due_by_community.items():
        for person in staff_of.get(community_id) or admins:
            count_for[person.id] += n
            by_id[person.id] = person
    for person_id, n in sorted(count_for.items()):
        notify(
            session,
            by_id[person_id],
            KIND,
            _l("%(n)d 户困难家庭需要走访", n=n),
            _l("有 %(n)d 户困难家庭的走访已到期或即将到期，请及时走访并登记。", n=n),
            link=f"/{tenant.slug}/campaigns/relief/visits-due",
        )
    return sum(due_by_community.values())
