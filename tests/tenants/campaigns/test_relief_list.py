"""The registry's list: its filters, pages and .xlsx export with the same filters, and a constant
number of statements whatever the data."""

from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import load_workbook

from saas.ui import street_today
from tests.conftest import both_backends
from tests.tenants.campaigns.factories_relief import add_assistance, add_visit, make_household
from tests.tenants.factories import add_community, assert_statements_do_not_grow, signed_in

LIST = "/alpha/campaigns/relief"


def _names(page: str, candidates) -> set[str]:
    return {name for name in candidates if f">{name}</a>" in page}


def test_the_filters_narrow_the_list_and_its_export(app, admin, street, scoped, community):
    with app.app_context():
        today = street_today()
    other = add_community(scoped, street, "滨河社区")
    make_household(scoped, street, community, 1, head_name="甲A低保", grade="A", reason="dibao")
    make_household(scoped, street, community, 2, head_name="乙B大病", grade="B", reason="illness",
                   next_visit_on=today - timedelta(days=1))  # fmt: skip
    make_household(scoped, street, other, 3, head_name="丙C失业", grade="C", reason="unemployed",
                   status="closed")  # fmt: skip
    everyone = {"甲A低保", "乙B大病", "丙C失业"}
    cases = {
        "": everyone,
        f"?community={other}": {"丙C失业"},
        "?grade=B": {"乙B大病"},
        "?reason=dibao": {"甲A低保"},
        "?status=closed": {"丙C失业"},
        "?due=overdue": {"乙B大病"},
        "?q=丙": {"丙C失业"},
        "?grade=%C2%B2&community=9999999999999999999999999&page=%C2%B2": everyone,
    }
    for query, expected in cases.items():
        response = admin.get(LIST + query)
        assert response.status_code == 200, query
        assert _names(response.get_data(as_text=True), everyone) == expected, query
    sheet = load_workbook(io.BytesIO(admin.get(LIST + "/export.xlsx?grade=B").data)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "户主" and [r[0] for r in rows[1:]] == ["乙B大病"]


def test_the_list_is_paged(app, admin, street, scoped, community):
    for n in range(32):
        make_household(scoped, street, community, n, head_name=f"户{n:02d}", grade="B")
    first = admin.get(LIST).get_data(as_text=True)
    assert "共 32 户" in first and "下一页" in first
    second = admin.get(LIST + "?page=2").get_data(as_text=True)
    assert second.count('<tr id="household-') == 2


@both_backends
def test_the_list_and_the_due_page_run_a_constant_number_of_statements(
    app, street, scoped, community, make_user
):
    with app.app_context():
        today = street_today()
    grid_community = add_community(scoped, street, "滨河社区")
    made = {"n": 0}

    def grow(n):
        for _ in range(n):
            made["n"] += 1
            i = made["n"]
            h = make_household(scoped, street, (community, grid_community)[i % 2], i,
                               phone=f"1360000{i:04d}", next_visit_on=today)  # fmt: skip
            add_assistance(scoped, street, h, "10")
            add_visit(scoped, street, h, today, today + timedelta(days=1))

    _uid, phone = make_user(street, "staff", community_id=community)
    for client in (signed_in(app, "alpha", street.admin_phone), signed_in(app, "alpha", phone)):
        made["n"] += 0
        assert_statements_do_not_grow(app, client, LIST, grow, 10, 14)
        assert_statements_do_not_grow(app, client, LIST + "/visits-due", grow, 10, 14)
