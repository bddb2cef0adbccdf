"""The grid worker's phone home (/grid/worker): their grids' open items first (what awaits
their check at the top), their own recent reports, the check (核查) of done items; and points for
a resident's accepted report, paid once."""

from __future__ import annotations

from sqlalchemy import func, select

from saas.auth.models import User
from saas.streets.models import Tenant
from tenants.grid.loop import advance
from tenants.grid.models import GridItem, ItemStep
from tenants.grid.report_receivers import pay_reporter
from tenants.passport.models import Passport, PointEntry
from tests.conftest import both_backends
from tests.tenants.factories import assert_statements_do_not_grow, signed_in
from tests.tenants.grid.factories import make_category, make_place
from tests.tenants.grid.factories_report import report_item


def _worker_world(app, make_street, make_user, scoped):
    street = make_street()
    worker, phone = make_user(street, role="staff", name="网格员甲", is_grid_worker=True)
    community, grid, building = make_place(scoped, street, worker_id=worker)
    other_community, other_grid, _b = make_place(scoped, street, "别的社区", "别的网格")
    category = make_category(scoped, street)
    resident, _p = make_user(street, community_id=community)
    return street, worker, phone, community, grid, other_community, other_grid, category, resident


def test_the_dashboard_leads_a_grid_worker_to_their_home(app, client, make_street, make_user,
                                                         scoped):  # fmt: skip
    """A grid worker is often a community's staff member too: they land on the dashboard like
    other staff, whose to-do counts what waits for their check and opens their phone home."""
    (street, _w, phone, community, grid, _oc, _og, category,
     resident) = _worker_world(app, make_street, make_user, scoped)  # fmt: skip
    response = client.post(f"/{street.slug}/login", data={"phone": phone, "password":
                                                            "secret-pass-1"})  # fmt: skip
    assert response.headers["Location"].endswith(f"/{street.slug}/dashboard")
    assert "待我核查" not in client.get(f"/{street.slug}/dashboard").get_data(as_text=True)
    report_item(scoped, street, resident, category, community, grid, status="done")
    dashboard = client.get(f"/{street.slug}/dashboard").get_data(as_text=True)
    assert "1 件网格事项待我核查" in dashboard and f'href="/{street.slug}/grid/worker"' in dashboard
    page = client.get(f"/{street.slug}/grid/worker").get_data(as_text=True)
    assert "上报事项" in page and "第一网格" in page
    # not a grid worker: no such page
    _s, staff_phone = make_user(street, role="staff")
    assert (
        signed_in(app, street.slug, staff_phone).get(f"/{street.slug}/grid/worker").status_code
        == 404
    )
    _v, resident_phone = make_user(street)
    assert signed_in(app, street.slug, resident_phone).get(
        f"/{street.slug}/grid/worker").status_code == 404  # fmt: skip


def test_open_items_first_awaiting_check_at_the_top(app, make_street, make_user, scoped):
    (street, worker, phone, community, grid, other_community, other_grid, category,
     resident) = _worker_world(app, make_street, make_user, scoped)  # fmt: skip
    report_item(scoped, street, resident, category, community, grid, description="甲已上报")
    report_item(scoped, street, resident, category, community, grid, status="done",
                description="乙待核查")  # fmt: skip
    report_item(scoped, street, resident, category, community, grid, status="closed",
                description="丙已关闭")  # fmt: skip
    report_item(scoped, street, resident, category, other_community, other_grid,
                description="丁别的网格")  # fmt: skip
    report_item(scoped, street, worker, category, other_community, other_grid,
                description="戊我上报的")  # fmt: skip
    page = signed_in(app, street.slug, phone).get(f"/{street.slug}/grid/worker").get_data(
        as_text=True)  # fmt: skip
    assert page.index("乙待核查") < page.index("甲已上报") < page.index("戊我上报的")
    assert "丙已关闭" not in page and "丁别的网格" not in page
    assert "1 件待核查" in page and "核查通过" in page


@both_backends
def test_the_check_passes_or_returns_with_a_note(app, make_street, make_user, scoped):
    (street, worker, phone, community, grid, other_community, other_grid, category,
     resident) = _worker_world(app, make_street, make_user, scoped)  # fmt: skip
    first = report_item(scoped, street, resident, category, community, grid, status="done")
    second = report_item(scoped, street, resident, category, community, grid, status="done")
    elsewhere = report_item(scoped, street, resident, category, other_community, other_grid,
                            status="done")  # fmt: skip
    client = signed_in(app, street.slug, phone)
    base = f"/{street.slug}/grid/worker/items"
    assert client.post(f"{base}/{first}/check", data={"result": "pass"}).status_code == 302
    response = client.post(f"{base}/{second}/check", data={"result": "fail", "note": " "})
    assert response.status_code == 422
    assert "请说明核查未通过的原因" in response.get_data(as_text=True)
    response = client.post(f"{base}/{second}/check", data={"result": "fail",
                                                           "note": "<i>还有</i>垃圾"})  # fmt: skip
    assert response.status_code == 302
    assert client.post(f"{base}/{elsewhere}/check", data={"result": "pass"}).status_code == 404
    # a check of an item already checked is refused in words
    response = client.post(f"{base}/{first}/check", data={"result": "pass"})
    assert response.status_code == 422
    with scoped(street) as session:
        rows = {i.id: i for i in session.scalars(select(GridItem))}
        assert rows[first].status == "checked" and rows[first].checked_at
        assert rows[second].status == "in_progress"
        assert rows[elsewhere].status == "done"
        note = session.scalar(select(ItemStep.note).where(ItemStep.kind == "return"))
        assert note == "<i>还有</i>垃圾"


def test_the_worker_home_runs_constant_statements(app, make_street, make_user, scoped):
    (street, worker, phone, community, grid, _oc, _og, category,
     resident) = _worker_world(app, make_street, make_user, scoped)  # fmt: skip
    client = signed_in(app, street.slug, phone)

    def grow(n):
        for index in range(n):
            status = ("reported", "done", "in_progress")[index % 3]
            report_item(scoped, street, resident, category, community, grid, status=status)
            report_item(scoped, street, worker, category, community, grid, status="closed")

    assert_statements_do_not_grow(app, client, f"/{street.slug}/grid/worker", grow, 8, 20)


# --- points --------------------------------------------------------------------------------------


def _set_points(scoped, street, points):
    with scoped(street) as session:
        tenant = session.get(Tenant, street.id)
        tenant.settings = {**(tenant.settings or {}), "grid_report_points": points}
        session.commit()


def _entries(scoped, street, item_id):
    with scoped(street) as session:
        return session.scalar(select(func.count()).select_from(PointEntry).where(
            PointEntry.source_key == f"grid-item:{item_id}"))  # fmt: skip


@both_backends
def test_an_accepted_report_pays_the_resident_once(app, make_street, make_user, scoped):
    street = make_street()
    community, grid, _b = make_place(scoped, street)
    category = make_category(scoped, street)
    resident, _p = make_user(street, community_id=community)
    _set_points(scoped, street, 5)
    item_id = report_item(scoped, street, resident, category, community, grid)
    assert _entries(scoped, street, item_id) == 0  # reported is not yet accepted
    with scoped(street) as session:
        item = session.get(GridItem, (street.id, item_id))
        step = advance(session, item, "accept", street.admin_id)
        # accepted again (a retried job, a second receiver run): the ledger's key holds
        pay_reporter(item, session=session, step=step, actor_id=street.admin_id)
        session.commit()
    assert _entries(scoped, street, item_id) == 1
    with scoped(street) as session:
        passport = session.scalar(select(Passport).where(Passport.user_id == resident))
        assert passport.balance == 5


def test_no_points_for_staff_reports_or_when_the_street_pays_none(app, make_street, make_user,
                                                                  scoped):  # fmt: skip
    street = make_street()
    community, grid, _b = make_place(scoped, street)
    category = make_category(scoped, street)
    resident, _p = make_user(street, community_id=community)
    worker, _w = make_user(street, role="staff", is_grid_worker=True)
    _set_points(scoped, street, 5)
    staff_item = report_item(scoped, street, street.admin_id, category, community, grid,
                             status="accepted")  # fmt: skip
    worker_item = report_item(scoped, street, worker, category, community, grid,
                              status="accepted")  # fmt: skip
    assert _entries(scoped, street, staff_item) == 0
    assert _entries(scoped, street, worker_item) == 0
    _set_points(scoped, street, 0)
    item = report_item(scoped, street, resident, category, community, grid, status="accepted")
    assert _entries(scoped, street, item) == 0
    with scoped(street) as session:
        assert session.scalar(select(func.count()).select_from(PointEntry)) == 0
        assert session.get(User, (street.id, resident)).role == "volunteer"
