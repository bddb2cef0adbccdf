"""The loop's figures (事项统计): per community, grid, category and handler over a period —
reported, closed, closed on time, average time to close, satisfaction rate — drawn as charts with
tables beside them and exported to .xlsx; a community's staff see their community's; one grouped
statement per table at 10,000 items."""

from __future__ import annotations

import io
import json
import re
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from saas.demo import bulk_insert
from saas.streets.cache import forget as forget_streets
from tenants.grid.figures import parse_period, this_quarter
from tenants.grid.models import GridItem
from tests.conftest import both_backends
from tests.tenants.alliance.factories import unit_with_account
from tests.tenants.factories import add_community, signed_in
from tests.tenants.grid.factories import make_category, make_department, make_place
from tests.tenants.grid.factories_figures import item_values, local, make_item
from tests.test_query_counts import count_queries

URL = "/alpha/grid/figures"
PERIOD = "?from=2026-10-01&to=2026-12-31"


def _table(body: str, key: str) -> dict[str, list[str]]:
    """A table's rows by their first cell."""
    table = body[body.index(f'id="table-{key}"') :]
    table = table[: table.index("</table>")]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row,
                                                                          re.S)]  # fmt: skip
        if cells:
            rows[cells[0]] = cells[1:]
    return rows


@pytest.fixture
def loop(scoped, street, make_user):
    """Items reported in Q4 2026 across two communities, two categories and three handlers."""
    handler, _p = make_user(street, "staff", name="张干事")
    department = make_department(scoped, street, "城管办")
    unit, _u, _phone = unit_with_account(scoped, street, make_user, "物业公司")
    env = make_category(scoped, street, "环境卫生")
    safety = make_category(scoped, street, "安全隐患", 24, "紧急")
    a, grid_a, _b = make_place(scoped, street, "和平社区", "第一网格")
    b, grid_b, _b2 = make_place(scoped, street, "滨河社区", "第二网格")
    reported = local(2026, 11, 2, 9, 0)
    due = reported + timedelta(days=5)

    def closed(after_hours: float, done_hours: float, satisfied, **kw):
        return dict(
            status="closed",
            created_at=reported,
            assigned_at=reported,
            due_at=due,
            done_at=reported + timedelta(hours=done_hours),
            closed_at=reported + timedelta(hours=after_hours),
            satisfied=satisfied,
            **kw,
        )

    # 和平社区·第一网格, 环境卫生, 张干事: closed on time (satisfied), closed late (not satisfied)
    make_item(scoped, street, env, a, grid_id=grid_a, staff=handler, **closed(48, 40, True))
    make_item(scoped, street, env, a, grid_id=grid_a, staff=handler, **closed(144, 130, False))
    # done by the deadline, closed after it (the follow-up took a while): on time
    make_item(
        scoped, street, env, a, grid_id=grid_a, department=department, **closed(150, 100, None)
    )
    # closed without a deadline: on time
    make_item(
        scoped,
        street,
        safety,
        b,
        grid_id=grid_b,
        unit=unit,
        **closed(24, 20, True) | {"due_at": None},
    )
    # open ones and a rejected one
    make_item(scoped, street, safety, b, grid_id=grid_b, unit=unit, created_at=reported, due_at=due)
    make_item(scoped, street, safety, b, status="rejected", created_at=reported)
    # outside the period: not counted
    make_item(scoped, street, env, a, grid_id=grid_a, staff=handler,
              **closed(1, 1, True) | {"created_at": local(2026, 9, 30, 23, 59)})  # fmt: skip
    # 2027-01-01 00:30 in Shanghai is still 2026-12-31 in UTC: not in Q4 2026
    make_item(scoped, street, env, a, created_at=local(2027, 1, 1, 0, 30))
    make_item(scoped, street, env, a, created_at=local(2026, 12, 31, 23, 59))
    return {"a": a, "b": b}


@both_backends
def test_figures_per_community_grid_category_and_handler(app, admin, street, scoped, loop,
                                                         make_street):  # fmt: skip
    other = make_street("beta")
    category = make_category(scoped, other, "环境卫生")
    community, _g, _b = make_place(scoped, other, "和平社区")
    make_item(scoped, other, category, community, created_at=local(2026, 11, 3, 9, 0))

    body = admin.get(URL + PERIOD).get_data(as_text=True)

    # reported, closed, on time, on-time rate, average to close, followed up, satisfaction
    assert _table(body, "community") == {
        "和平社区": ["4", "3", "2", "67%", "4.8 天", "2", "50%"],
        "滨河社区": ["3", "1", "1", "100%", "1.0 天", "1", "100%"],
    }
    assert _table(body, "category")["安全隐患"] == ["3", "1", "1", "100%", "1.0 天", "1", "100%"]
    handlers = _table(body, "handler")
    assert handlers["张干事（工作人员）"] == ["2", "2", "1", "50%", "4.0 天", "2", "50%"]
    assert handlers["城管办（部门）"] == ["1", "1", "1", "100%", "6.2 天", "0", "—"]
    assert handlers["物业公司（共建单位）"][:3] == ["2", "1", "1"]
    assert handlers["未派单"][:2] == ["2", "0"]
    grids = _table(body, "grid")
    assert grids["和平社区·第一网格"][:3] == ["3", "3", "2"]
    assert grids["和平社区·未指定网格"][:2] == ["1", "0"]
    assert grids["滨河社区·未指定网格"][:2] == ["1", "0"]
    # the charts: no inline script, their data in data-chart-data
    charts = re.findall(r'data-chart="series" data-chart-data="([^"]+)"', body)
    assert len(charts) == 4
    first = json.loads(charts[0].replace("&#34;", '"').replace("&quot;", '"'))
    assert first["labels"] == ["和平社区", "滨河社区"]
    assert first["series"][0]["values"] == [4, 3]
    assert "<script>" not in body


def test_the_period_defaults_to_this_quarter_and_refuses_nonsense(app, admin, street):
    assert this_quarter(date(2026, 11, 15)).first == date(2026, 10, 1)
    assert this_quarter(date(2026, 11, 15)).last == date(2026, 12, 31)
    assert this_quarter(date(2026, 2, 1)).last == date(2026, 3, 31)
    with app.test_request_context():
        period, problem = parse_period("2026-12-31", "2026-01-01", date(2026, 5, 5))
        assert problem and period.first == date(2026, 4, 1)
        assert parse_period("2026-02-01", "", date(2026, 5, 5))[0].last == date(2026, 6, 30)
    for query in (
        "?from=²",
        "?from=2026-13-01",
        "?to=" + "9" * 25,
        "?from=1900-01-01",
        "?community=²",
        "?community=" + "9" * 25,
        "?from=2000-01-01&to=2030-01-01",
    ):
        r = admin.get(URL + query)
        assert r.status_code == 200, query
    assert "日期格式不正确" in admin.get(URL + "?from=2026-13-01").get_data(as_text=True)


def test_the_export_holds_the_same_tables(app, admin, street, scoped, loop):
    r = admin.get(URL + "/export.xlsx" + PERIOD)
    assert r.status_code == 200
    book = load_workbook(io.BytesIO(r.data))
    assert book.sheetnames == ["按社区", "按网格", "按类别", "按办理人"]
    rows = [[c.value for c in row] for row in book["按社区"].iter_rows()]
    assert rows[0][:4] == ["名称", "上报", "办结", "按时办结"]
    assert rows[1][:5] == ["和平社区", 4, 3, 2, 67]
    assert rows[-1][:3] == ["合计", 7, 4]


@both_backends
def test_a_communitys_staff_see_their_communitys_figures(app, street, scoped, loop, make_user,
                                                         admin):  # fmt: skip
    _s, phone = make_user(street, "staff", community_id=loop["b"])
    staff = signed_in(app, "alpha", phone)
    body = staff.get(URL + PERIOD + f"&community={loop['a']}").get_data(as_text=True)
    assert list(_table(body, "community")) == ["滨河社区"]
    assert "和平社区" not in body
    sheet = load_workbook(io.BytesIO(staff.get(URL + "/export.xlsx" + PERIOD).data))["按社区"]
    assert [row[0].value for row in sheet.iter_rows()] == ["名称", "滨河社区", "合计"]
    # the admin chooses a community
    body = admin.get(URL + PERIOD + f"&community={loop['b']}").get_data(as_text=True)
    assert list(_table(body, "community")) == ["滨河社区"]


def test_volunteers_and_org_accounts_get_404(app, street, scoped, make_user):
    _v, volunteer = make_user(street, "volunteer")
    _u, _uid, org = unit_with_account(scoped, street, make_user)
    for phone in (volunteer, org):
        client = signed_in(app, "alpha", phone)
        assert client.get(URL).status_code == 404
        assert client.get(URL + "/export.xlsx").status_code == 404
    assert signed_in(app, "alpha", volunteer).get("/alpha/", follow_redirects=True) \
        .get_data(as_text=True).count('href="/alpha/grid/figures"') == 0  # fmt: skip


@both_backends
def test_one_statement_per_table_at_ten_thousand_items(
    app, admin, street, scoped, make_user, monkeypatch
):
    # the street row stays cached while 10,000 rows go in (its refresh is not the page's)
    monkeypatch.setitem(app.config, "TENANT_CACHE_SECONDS", 3600)
    with app.app_context():
        forget_streets()  # the row kept at sign-in, for 5 seconds
    handler, _p = make_user(street, "staff")
    department = make_department(scoped, street)
    categories = [make_category(scoped, street, f"类别{i}", level=f"级{i}") for i in range(3)]
    places = [make_place(scoped, street, f"社区{i}", f"网格{i}") for i in range(3)]
    other = add_community(scoped, street, "空社区")
    assert other
    start = local(2026, 10, 1, 8, 0)
    made = [0]

    def grow(n: int) -> None:
        rows = []
        for i in range(made[0], made[0] + n):
            community, grid, _b = places[i % 3]
            created = start + timedelta(minutes=i)
            kind = i % 3
            handler_columns = [
                {"handler_kind": "staff", "handler_user_id": handler},
                {"handler_kind": "department", "handler_department_id": department},
                {},
            ][kind]
            closed = i % 2 == 0 and kind != 2
            rows.append(item_values(
                street.id, categories[i % 3], community, grid_id=grid, created_at=created,
                status="closed" if closed else "reported",
                due_at=created + timedelta(days=5) if kind != 2 else None,
                done_at=created + timedelta(days=i % 7) if closed else None,
                closed_at=created + timedelta(days=i % 7, hours=2) if closed else None,
                satisfied=(i % 4 == 0) if closed else None, **handler_columns,
            ))  # fmt: skip
        made[0] += n
        with scoped(street) as session:
            bulk_insert(session, GridItem, rows)
            session.commit()

    grow(2)
    admin.get(URL + PERIOD)
    with count_queries(app) as small:
        assert admin.get(URL + PERIOD).status_code == 200
    grow(10_000 - 2)
    admin.get(URL + PERIOD)
    with count_queries(app) as large:
        response = admin.get(URL + PERIOD)
    body = response.get_data(as_text=True)
    assert len(large) == len(small), "\n".join(large)
    # the page's own (the session's user, the communities of the filter, overdue by handler)
    # and one grouped statement per table
    assert sum("FROM grid_items" in s for s in large) == 4 + 1
    assert len(large) <= 8, "\n".join(large)
    assert _table(body, "community")["社区0"][0] == "3334"
    assert _table(body, "handler")["未派单"][:2] == ["3333", "0"]
