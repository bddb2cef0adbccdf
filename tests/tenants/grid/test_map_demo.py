"""The grid module's demo: a quarter's items in every state with coherent timelines, the
settings, visit groups with their residents and a month of visits, pins, and the grid worker's
login; made once, fast."""

from __future__ import annotations

import time
from collections import Counter

from sqlalchemy import delete, func, select

from saas.auth.models import User
from saas.streets.models import Tenant
from tenants.grid.demo import GRID_WORKER, ITEMS, PLAN
from tenants.grid.loop import STEPS
from tenants.grid.models import (
    Department,
    DepartmentMember,
    DutyVisit,
    GridItem,
    GridPin,
    ItemCategory,
    ItemLevel,
    ItemStep,
    VisitGroup,
    VisitSubject,
)
from tenants.people.demo import fixed_phones
from tenants.structure.models import Grid
from tests.conftest import both_backends, login

TABLES = (GridItem, ItemStep, ItemLevel, ItemCategory, Department, DepartmentMember, VisitGroup,
          VisitSubject, DutyVisit, GridPin, User)  # fmt: skip


def _load(app, scale=0.0) -> int:
    from saas.demo import load_demo
    from saas.extensions import db
    from saas.tenancy import all_tenants

    with app.app_context(), all_tenants():
        load_demo(db.session, scale)
        db.session.commit()
        tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == "demo"))
        db.session.remove()
    return tenant_id


def _counts(session) -> dict[str, int]:
    return {t.__name__: session.scalar(select(func.count()).select_from(t)) for t in TABLES}


@both_backends
def test_the_grid_demo_has_every_state_and_loads_once(app, scoped):
    tenant_id = _load(app)
    with scoped(tenant_id) as session:
        first = _counts(session)
        statuses = Counter(session.scalars(select(GridItem.status)))
        tiers = Counter(session.scalars(select(GridItem.tier)))
        handlers = Counter(session.scalars(select(GridItem.handler_kind)))
        reopened = session.scalar(select(func.count()).where(ItemStep.kind == "reopen"))
        satisfied = session.scalar(select(func.count()).where(GridItem.satisfied.is_(True)))
        overdue = session.scalar(select(func.count()).where(ItemStep.kind == "overdue"))
        tenant = session.get(Tenant, tenant_id)
        assert tenant.settings["grid_report_points"] == 5
    plan = dict(PLAN)
    assert first["GridItem"] == ITEMS == sum(plan.values())
    assert statuses == {
        "closed": plan["closed"] + plan["reopened"] + plan["closed_quietly"],
        "rejected": plan["rejected"],
        "checked": plan["checked"],
        "done": plan["done"],
        "in_progress": plan["in_progress"],
        "assigned": plan["assigned"],
        "accepted": plan["accepted"],
        "reported": plan["reported"],
    }
    assert reopened == plan["reopened"] and satisfied == plan["closed"] + plan["reopened"]
    assert overdue > 10
    assert tiers["community"] > 20 and tiers["street"] > 5
    assert set(handlers) >= {"staff", "department", "unit"}
    assert first["ItemLevel"] == 2 and first["Department"] == 3 and first["DepartmentMember"] >= 4
    assert first["VisitGroup"] == 8 and first["VisitSubject"] == 120 and first["DutyVisit"] > 80
    assert first["GridPin"] == 4  # the four grids of the small demo street
    _load(app)
    with scoped(tenant_id) as session:
        assert _counts(session) == first


def test_every_timeline_is_in_order_and_follows_the_loop(app, scoped):
    tenant_id = _load(app)
    with scoped(tenant_id) as session:
        items = {i.id: i for i in session.scalars(select(GridItem))}
        steps: dict[int, list[ItemStep]] = {}
        for step in session.scalars(select(ItemStep).order_by(ItemStep.created_at)):
            steps.setdefault(step.item_id, []).append(step)
        numbers = [i.number for i in items.values()]
        now = session.scalar(select(func.max(ItemStep.created_at)))
        first = session.scalar(select(func.min(GridItem.created_at)))
    assert len(set(numbers)) == len(numbers)
    assert (now - first).days >= 80  # a quarter
    for item_id, timeline in steps.items():
        item = items[item_id]
        assert timeline[0].kind == "report" and timeline[0].created_at == item.created_at
        status = None
        for step in timeline:
            rule = STEPS[step.kind]
            if step.kind != "report":
                assert status in rule.sources, (item.number, [s.kind for s in timeline])
            status = rule.target or status
            assert step.status == status
        assert status == item.status
        if item.status in ("assigned", "in_progress", "done", "checked", "closed"):
            assert item.handler_kind and item.due_at and item.assigned_at
        if item.status == "closed":
            assert item.closed_at == timeline[-1].created_at


def test_residents_report_but_the_fixed_logins_keep_their_history(app, scoped):
    tenant_id = _load(app, 0.05)
    fixed = fixed_phones()
    with scoped(tenant_id) as session:
        fixed_ids = set(session.scalars(select(User.id).where(User.phone.in_(sorted(fixed)))))
        volunteers = set(session.scalars(select(User.id).where(User.role == "volunteer")))
        reporters = Counter(session.scalars(select(GridItem.reporter_role)))
        resident_ids = set(session.scalars(
            select(GridItem.reporter_id).where(GridItem.reporter_role == "resident")))  # fmt: skip
        volunteer_actors = set(session.scalars(
            select(ItemStep.actor_id).where(ItemStep.actor_id.in_(volunteers))))  # fmt: skip
        assert session.scalar(select(func.count()).select_from(GridPin)) == 11
    assert set(reporters) == {"resident", "grid_worker", "staff"}
    assert resident_ids and not resident_ids & fixed_ids
    assert not volunteer_actors & fixed_ids


def test_the_grid_worker_logs_in_and_works_their_community(app, client, scoped):
    tenant_id = _load(app)
    with scoped(tenant_id) as session:
        worker = session.scalar(select(User).where(User.phone == GRID_WORKER[0]))
        grids = session.scalars(select(Grid).where(Grid.worker_id == worker.id)).all()
        assert worker.role == "staff" and worker.is_grid_worker
        assert worker.limited_to_community is not None
        assert {g.community_id for g in grids} == {worker.community_id} and len(grids) >= 2
    response = login(client, "demo", GRID_WORKER[0], "demo1234")
    assert response.status_code == 302
    page = client.get("/demo/grid/map")
    assert page.status_code == 302  # one community: straight to its map
    assert client.get(page.headers["Location"]).status_code == 200


def test_the_module_demo_is_fast(app, scoped):
    from saas.extensions import db
    from tenants.grid import demo

    tenant_id = _load(app)  # the street, the other modules and this one
    with scoped(tenant_id) as session:
        session.execute(delete(ItemStep))
        session.execute(delete(GridItem))
        session.execute(delete(DutyVisit))
        session.execute(delete(VisitSubject))
        session.execute(delete(VisitGroup))
        session.commit()
        tenant = session.get(Tenant, tenant_id)
        started = time.perf_counter()
        demo.load_demo(db.session, tenant)
        session.flush()
        elapsed = time.perf_counter() - started
        session.commit()
    assert elapsed < 2.0, elapsed
