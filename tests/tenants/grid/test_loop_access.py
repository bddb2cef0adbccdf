"""Who sees a grid item through the office's pages (handling.visible_items, get_item_or_404):
the admin and street-level staff all, a community's staff and grid workers their community's,
handlers what is assigned to them, residents and other units nothing (404)."""

from __future__ import annotations

import pytest

from tests.conftest import both_backends
from tests.tenants.alliance.factories import unit_with_account
from tests.tenants.factories import signed_in
from tests.tenants.grid.factories import make_department
from tests.tenants.grid.factories_loop import add_member, make_item, make_setup


@pytest.fixture
def world(app, make_street, make_user, scoped):
    street = make_street()
    here = make_setup(scoped, street, "和平社区")
    there = make_setup(scoped, street, "幸福社区")
    resident, resident_phone = make_user(street, "volunteer", name="居民张")
    mine = make_item(scoped, street, resident, here, description="和平社区的事")
    other = make_item(scoped, street, resident, there, description="幸福社区的事")
    return street, here, there, mine, other, resident_phone


def _status(app, street, phone, item_id):
    return (
        signed_in(app, street.slug, phone).get(f"/{street.slug}/grid/items/{item_id}").status_code
    )


@both_backends
def test_office_sees_by_community(app, make_user, world):
    street, here, there, mine, other, _ = world
    _, street_staff = make_user(street, "staff")
    _, community_staff = make_user(street, "staff", community_id=here.community)
    _, worker = make_user(street, "staff", community_id=here.community, is_grid_worker=True)
    for phone in (street.admin_phone, street_staff):
        assert _status(app, street, phone, mine) == 200
        assert _status(app, street, phone, other) == 200
    for phone in (community_staff, worker):
        assert _status(app, street, phone, mine) == 200
        assert _status(app, street, phone, other) == 404
    page = signed_in(app, street.slug, community_staff).get(f"/{street.slug}/grid/items")
    body = page.get_data(as_text=True)
    assert "和平社区的事" in body and "幸福社区的事" not in body


def test_residents_get_404_on_every_office_page(app, make_user, world):
    street, here, there, mine, other, resident_phone = world
    client = signed_in(app, street.slug, resident_phone)
    for url in ("grid/items", "grid/queue", "grid/my-items", "grid/unit-items",
                f"grid/items/{mine}", "grid/items/export.xlsx"):  # fmt: skip
        assert client.get(f"/{street.slug}/{url}").status_code == 404, url
    assert client.post(f"/{street.slug}/grid/items/{mine}/accept").status_code == 404


def test_handlers_see_what_is_assigned_to_them(app, make_user, scoped, world):
    street, here, there, mine, other, _ = world
    handler_id, handler = make_user(street, "staff", community_id=there.community)
    member_id, member = make_user(street, "staff", community_id=there.community)
    department = make_department(scoped, street)
    add_member(scoped, street, department, member_id)
    unit, _unit_user, unit_phone = unit_with_account(scoped, street, make_user, "共建单位甲")
    _other_unit, _u, other_unit_phone = unit_with_account(scoped, street, make_user, "共建单位乙")
    staff_item = make_item(scoped, street, handler_id, here, steps=["accept", ("assign", {
        "handler_kind": "staff", "handler_user_id": handler_id})])  # fmt: skip
    dept_item = make_item(scoped, street, handler_id, here, steps=["accept", ("assign", {
        "handler_kind": "department", "handler_department_id": department})])  # fmt: skip
    unit_item = make_item(scoped, street, handler_id, here, steps=["accept", ("assign", {
        "handler_kind": "unit", "handler_org_id": unit})])  # fmt: skip
    assert _status(app, street, handler, staff_item) == 200
    assert _status(app, street, handler, dept_item) == 404
    assert _status(app, street, member, dept_item) == 200
    assert _status(app, street, member, staff_item) == 404
    assert _status(app, street, unit_phone, unit_item) == 200
    assert _status(app, street, unit_phone, staff_item) == 404
    assert _status(app, street, unit_phone, mine) == 404
    assert _status(app, street, other_unit_phone, unit_item) == 404
    # an org account never reaches the office's lists
    client = signed_in(app, street.slug, unit_phone)
    assert client.get(f"/{street.slug}/grid/items").status_code == 404
    assert client.get(f"/{street.slug}/grid/my-items").status_code == 404
    assert "WG" in client.get(f"/{street.slug}/grid/unit-items").get_data(as_text=True)
    assert signed_in(app, street.slug, other_unit_phone).get(
        f"/{street.slug}/grid/unit-items").status_code == 200  # fmt: skip


def test_a_unit_sees_the_item_without_the_reporters_phone(app, make_user, scoped, world):
    street, here, *_ = world
    reporter_id, reporter_phone = make_user(street, "volunteer", name="上报人李")
    unit, _u, unit_phone = unit_with_account(scoped, street, make_user)
    item = make_item(scoped, street, reporter_id, here, steps=["accept", ("assign", {
        "handler_kind": "unit", "handler_org_id": unit})])  # fmt: skip
    unit_page = signed_in(app, street.slug, unit_phone).get(f"/{street.slug}/grid/items/{item}")
    body = unit_page.get_data(as_text=True)
    assert reporter_phone not in body and reporter_phone[-4:] not in body
    assert "上报人李" in body
    admin_page = signed_in(app, street.slug, street.admin_phone).get(
        f"/{street.slug}/grid/items/{item}").get_data(as_text=True)  # fmt: skip
    assert "上报人李" in admin_page and reporter_phone in admin_page
    _, staff = make_user(street, "staff")
    staff_page = signed_in(app, street.slug, staff).get(
        f"/{street.slug}/grid/items/{item}").get_data(as_text=True)  # fmt: skip
    assert "上报人李" in staff_page and reporter_phone not in staff_page
    assert reporter_phone[:3] + "****" + reporter_phone[-4:] in staff_page


def test_an_anonymous_reporter_is_hidden_from_the_unit(app, make_user, scoped, world):
    street, here, *_ = world
    reporter_id, _phone = make_user(street, "volunteer", name="匿名者王")
    unit, _u, unit_phone = unit_with_account(scoped, street, make_user)
    item = make_item(scoped, street, reporter_id, here, anonymous=True, steps=["accept", (
        "assign", {"handler_kind": "unit", "handler_org_id": unit})])  # fmt: skip
    body = signed_in(app, street.slug, unit_phone).get(
        f"/{street.slug}/grid/items/{item}").get_data(as_text=True)  # fmt: skip
    assert "匿名者王" not in body and "匿名" in body
