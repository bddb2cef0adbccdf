"""The lists' demo data: nothing without units, then every list filled once, and idempotent."""

from __future__ import annotations

from sqlalchemy import func, select

from saas.streets.models import Tenant
from tenants.alliance.lists.demo import load_demo
from tenants.alliance.models import MemberReport, Need, Post, Project, Resource
from tenants.orgs.models import Organisation
from tests.tenants.test_demo import _load

TABLES = (Need, Resource, Project, MemberReport, Post)


def _counts(session):
    return {t.__name__: session.scalar(select(func.count()).select_from(t)) for t in TABLES}


def test_the_lists_demo_waits_for_units_then_fills_every_list_once(app, scoped):
    tenant_id = _load(app, 0)
    with scoped(tenant_id) as session:
        units = session.scalar(
            select(func.count()).select_from(Organisation).where(Organisation.kind == "alliance")
        )
        if units == 0:  # another area's seeder makes the units; without them: no resources
            assert _counts(session)["Resource"] == 0 and _counts(session)["Project"] == 0
            for name in ("区人民医院", "区供电公司", "市第二中学"):
                session.add(Organisation(kind="alliance", name=name))
            session.commit()
        tenant = session.get(Tenant, tenant_id)
        load_demo(session, tenant)
        session.commit()
        first = _counts(session)
        load_demo(session, tenant)
        session.commit()
        assert _counts(session) == first
        statuses = set(session.scalars(select(Project.status)))
        assert statuses == {"planned", "in_progress", "done", "dropped"}
        assert first["Resource"] >= 6 and first["Need"] >= 6 and first["Post"] >= 4
        assert set(session.scalars(select(MemberReport.status))) >= {"confirmed", "pending"}
