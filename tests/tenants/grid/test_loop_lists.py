"""The office's list of grid items: each filter, pages, the .xlsx export with its filters, the
queues per tier (待我处理), the handlers' own lists (我的待办, 派给本单位的事项), and a
constant number of statements at 1× and 10× the data."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from itertools import count

import pytest
from openpyxl import load_workbook

from saas.db import utcnow
from tenants.grid.models import GridItem
from tests.tenants.alliance.factories import unit_with_account
from tests.tenants.factories import assert_statements_do_not_grow, signed_in
from tests.tenants.grid.factories import make_department
from tests.tenants.grid.factories_loop import add_member, make_setup

_numbers = count(1)


def add_items(scoped, street, place, n=1, **values):
    """``n`` items straight into the table (the list reads them; how they got there is the
    loop's business)."""
    values = {"reporter_role": "resident", "description": "路灯不亮", **values}
    with scoped(street) as session:
        ids = []
        for _ in range(n):
            item = GridItem(number=f"WG20300101-{next(_numbers):04d}", category_id=place.category,
                            community_id=place.community, grid_id=place.grid, **values)  # fmt: skip
            session.add(item)
            session.flush()
            ids.append(item.id)
        session.commit()
        return ids


@pytest.fixture
def world(app, make_street, make_user, scoped):
    street = make_street()
    here = make_setup(scoped, street, "和平社区")
    there = make_setup(scoped, street, "幸福社区")
    return street, here, there, signed_in(app, street.slug, street.admin_phone)


def test_each_filter(app, make_user, scoped, world):
    street, here, there, admin = world
    now = utcnow()
    staff_id, _ = make_user(street, "staff", name="办事员")
    department = make_department(scoped, street)
    [plain] = add_items(scoped, street, here, description="普通事项")
    [late] = add_items(scoped, street, here, status="assigned", handler_kind="staff",
                       handler_user_id=staff_id, due_at=now - timedelta(hours=1))  # fmt: skip
    [on_time] = add_items(scoped, street, there, status="in_progress", handler_kind="department",
                          handler_department_id=department, due_at=now + timedelta(days=1),
                          tier="community", reporter_role="grid_worker")  # fmt: skip
    [old] = add_items(scoped, street, there, created_at=now - timedelta(days=40),
                      description="上个月的下水道堵塞")  # fmt: skip
    base = f"/{street.slug}/grid/items"

    def ids(query):
        body = admin.get(f"{base}?{query}").get_data(as_text=True)
        return {i for i in (plain, late, on_time, old) if f'id="item-{i}"' in body}

    assert ids("") == {plain, late, on_time, old}
    assert ids("status=assigned") == {late}
    assert ids("status=open") == {plain, late, on_time, old}
    assert ids("tier=community") == {on_time}
    assert ids(f"community={there.community}") == {on_time, old}
    assert ids(f"grid={here.grid}") == {plain, late}
    assert ids(f"category={here.category}") == {plain, late}
    assert ids(f"handler=staff:{staff_id}") == {late}
    assert ids(f"handler=department:{department}") == {on_time}
    assert ids("overdue=1") == {late}
    assert ids("reporter_role=grid_worker") == {on_time}
    since = (now - timedelta(days=10)).date().isoformat()
    assert ids(f"date_from={since}") == {plain, late, on_time}
    assert ids(f"date_to={since}") == {old}
    assert ids("q=下水道") == {old}
    # odd input narrows to nothing or is ignored, never a 500
    for query in ("community=²", "grid=99999999999999999999999", "handler=staff:x",
                  "handler=zzz", "date_from=2026-13-45", "status=<b>", "page=²"):  # fmt: skip
        assert admin.get(f"{base}?{query}").status_code == 200, query


def test_pages_and_the_export_keeps_the_filters(app, scoped, world):
    street, here, there, admin = world
    add_items(scoped, street, here, n=35)
    add_items(scoped, street, there, n=2, description='=HYPERLINK("x")')
    body = admin.get(f"/{street.slug}/grid/items").get_data(as_text=True)
    assert len(re.findall(r'id="item-\d', body)) == 30 and "共 37 件" in body and "下一页" in body
    body = admin.get(f"/{street.slug}/grid/items?page=2").get_data(as_text=True)
    assert len(re.findall(r'id="item-\d', body)) == 7
    response = admin.get(f"/{street.slug}/grid/items/export.xlsx?community={there.community}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "编号" and len(rows) == 3
    assert {r[3] for r in rows[1:]} == {"幸福社区"}
    assert rows[1][6] == '=HYPERLINK("x")'  # kept as text, never a formula
    htmx = admin.get(f"/{street.slug}/grid/items/export.xlsx", headers={"HX-Request": "true"})
    assert "HX-Redirect" in htmx.headers


def test_queues_per_tier(app, make_user, scoped, world):
    street, here, there, admin = world
    worker_id, worker_phone = make_user(street, "staff", community_id=here.community,
                                        is_grid_worker=True)  # fmt: skip
    with scoped(street) as session:
        from tenants.structure.models import Grid

        session.get(Grid, (street.id, here.grid)).worker_id = worker_id
        session.commit()
    _, community_phone = make_user(street, "staff", community_id=here.community)
    _, there_phone = make_user(street, "staff", community_id=there.community)
    _, street_phone = make_user(street, "staff")
    [grid_here] = add_items(scoped, street, here, tier="grid")
    [grid_there] = add_items(scoped, street, there, tier="grid")  # no grid worker there
    [community_here] = add_items(scoped, street, here, tier="community", status="accepted")
    [street_item] = add_items(scoped, street, there, tier="street")
    [assigned] = add_items(scoped, street, here, tier="grid", status="assigned",
                           handler_kind="staff", handler_user_id=worker_id)  # fmt: skip

    def queue(phone):
        body = signed_in(app, street.slug, phone).get(f"/{street.slug}/grid/queue")
        text = body.get_data(as_text=True)
        return {i for i in (grid_here, grid_there, community_here, street_item, assigned)
                if f'id="item-{i}"' in text}  # fmt: skip

    assert queue(worker_phone) == {grid_here, community_here}  # also the community's staff
    assert queue(community_phone) == {community_here}
    assert queue(there_phone) == {grid_there}  # a grid nobody works: the community's
    assert queue(street_phone) == {street_item}
    assert queue(street.admin_phone) == {street_item}
    response = admin.get(f"/{street.slug}/grid/items/export.xlsx?queue=1")
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert len(rows) == 2


def test_my_items_overdue_first_and_the_units_items(app, make_user, scoped, world):
    street, here, there, admin = world
    now = utcnow()
    me_id, me_phone = make_user(street, "staff", community_id=there.community)
    department = make_department(scoped, street)
    add_member(scoped, street, department, me_id)
    unit, _u, unit_phone = unit_with_account(scoped, street, make_user)
    [later] = add_items(scoped, street, here, status="assigned", handler_kind="staff",
                        handler_user_id=me_id, due_at=now + timedelta(days=3))  # fmt: skip
    [sooner] = add_items(scoped, street, here, status="in_progress", handler_kind="department",
                         handler_department_id=department, due_at=now + timedelta(hours=2))  # fmt: skip
    [late] = add_items(scoped, street, here, status="assigned", handler_kind="department",
                       handler_department_id=department, due_at=now - timedelta(days=1))  # fmt: skip
    [finished] = add_items(scoped, street, here, status="done", handler_kind="staff",
                           handler_user_id=me_id)  # fmt: skip
    [units] = add_items(scoped, street, here, status="assigned", handler_kind="unit",
                        handler_org_id=unit, due_at=now + timedelta(days=1))  # fmt: skip
    body = signed_in(app, street.slug, me_phone).get(f"/{street.slug}/grid/my-items")
    text = body.get_data(as_text=True)
    order = [text.index(f'id="item-{i}"') for i in (late, sooner, later)]
    assert order == sorted(order)
    assert f'id="item-{finished}"' not in text and f'id="item-{units}"' not in text
    assert "超期" in text
    phone = signed_in(app, street.slug, unit_phone).get(f"/{street.slug}/grid/unit-items")
    text = phone.get_data(as_text=True)
    assert f'id="item-{units}"' in text and f'id="item-{later}"' not in text


def test_lists_run_a_constant_number_of_statements(app, make_user, scoped, world):
    street, here, there, admin = world
    staff_id, staff_phone = make_user(street, "staff", community_id=here.community,
                                      is_grid_worker=True)  # fmt: skip
    department = make_department(scoped, street)
    add_member(scoped, street, department, staff_id)
    unit, unit_user, unit_phone = unit_with_account(scoped, street, make_user)
    now = utcnow()

    def grow(n):
        for i in range(n):
            kind = ("staff", "department", "unit")[i % 3]
            add_items(scoped, street, (here, there)[i % 2], status="assigned", handler_kind=kind,
                      handler_user_id=staff_id if kind == "staff" else None,
                      handler_department_id=department if kind == "department" else None,
                      handler_org_id=unit if kind == "unit" else None,
                      due_at=now + timedelta(hours=i - 5), reporter_id=street.admin_id)  # fmt: skip
            add_items(scoped, street, here, tier=("grid", "community", "street")[i % 3])

    staff = signed_in(app, street.slug, staff_phone)
    unit_client = signed_in(app, street.slug, unit_phone)
    for client, url, most in (
        (admin, "grid/items", 25),
        (admin, "grid/items?status=assigned&overdue=1&q=路灯", 25),
        (staff, "grid/queue", 25),
        (staff, "grid/my-items", 20),
        (unit_client, "grid/unit-items", 20),
    ):
        grown = {"n": 0}

        def more(n, grown=grown):
            grow(max(n - grown["n"], 0))
            grown["n"] = max(grown["n"], n)

        assert_statements_do_not_grow(app, client, f"/{street.slug}/{url}", more, 20, most)


def test_the_dashboard_counts_my_queue_and_my_items(app, make_user, scoped, world):
    street, here, there, admin = world
    add_items(scoped, street, here, n=2, tier="street")
    add_items(scoped, street, here, status="assigned", handler_kind="staff",
              handler_user_id=street.admin_id, due_at=utcnow() + timedelta(days=1))  # fmt: skip
    body = admin.get(f"/{street.slug}/dashboard").get_data(as_text=True)
    assert "2 件网格事项待受理派单" in body and "1 件网格事项待我办理" in body
    _, staff = make_user(street, "staff", community_id=there.community)
    body = signed_in(app, street.slug, staff).get(f"/{street.slug}/dashboard").get_data(
        as_text=True)  # fmt: skip
    assert "网格事项待受理派单" not in body and "网格事项待我办理" not in body
    unit, _u, unit_phone = unit_with_account(scoped, street, make_user)
    menu = signed_in(app, street.slug, unit_phone).get(f"/{street.slug}/grid/unit-items")
    assert "派给本单位的事项" in menu.get_data(as_text=True)
