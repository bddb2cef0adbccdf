"""Points for a resident's report (area ``report``): when the office accepts (受理) an item a
resident reported, the resident earns the street's ``grid_report_points`` through the passport's
ledger, once per item — the source key ``grid-item:<id>`` holds however often the item is
accepted (a reopened item, a retried job). Reports by grid workers and the office earn nothing.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from saas.auth.models import Role, User
from saas.streets.models import Tenant
from tenants.grid.models import GridItem, ReporterRole
from tenants.grid.signals import item_advanced
from tenants.passport.ledger import post_entry
from tenants.passport.models import EntryKind
from tenants.passport.services import passport_for

RULE_KEY = "grid_report_points"


def report_points(tenant: Tenant) -> int:
    """Points a resident's accepted report earns (0 or unset: none)."""
    try:
        return max(int((tenant.settings or {}).get(RULE_KEY, 0) or 0), 0)
    except (TypeError, ValueError):
        return 0


@item_advanced.connect
def pay_reporter(item: GridItem, session, step, **_kwargs) -> None:
    if step.kind != "accept" or item.reporter_role != ReporterRole.resident:
        return
    if not item.reporter_id:
        return
    tenant = session.get(Tenant, item.tenant_id)
    points = report_points(tenant) if tenant is not None else 0
    if points <= 0:
        return
    reporter = session.scalar(select(User).where(User.id == item.reporter_id))
    if reporter is None or reporter.role != Role.volunteer or not reporter.is_enabled:
        return
    passport = passport_for(session, reporter, tenant)
    post_entry(session, passport.id, points, EntryKind.earn, f"grid-item:{item.id}",
               reason=_("随手拍事项 %(number)s 被受理", number=item.number),
               tenant=tenant)  # fmt: skip
