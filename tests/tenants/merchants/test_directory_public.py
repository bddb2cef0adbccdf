"""The public merchant directory: residents read it without signing in; it never shows a phone,
runs a constant number of statements, is cached per street and filter, and another street's
merchants are 404."""

from __future__ import annotations

import pytest

from saas.cache import forget
from tests.conftest import both_backends
from tests.tenants.factories import assert_statements_do_not_grow, signed_in
from tests.tenants.merchants.test_directory_records import (
    CONTACT,
    PLEDGE,
    make_circle,
    make_merchant,
)
from tests.test_query_counts import count_queries


@both_backends
def test_a_visitor_finds_model_merchants_first_and_never_a_phone(client, scoped, street):
    east = make_circle(scoped, street, "建设路商圈", area="建设路东段")
    west = make_circle(scoped, street, "清泉里商圈")
    make_merchant(scoped, street, "阿福杂货", east, contact_phone=CONTACT)
    model = make_merchant(scoped, street, "阳光便利店", east, is_model=True, pledge=PLEDGE,
                          contact_phone=CONTACT, opening_hours="每天 7:00–23:00",
                          address="建设路 20 号")  # fmt: skip
    make_merchant(scoped, street, "清泉早点铺", west, category="food", contact_phone=CONTACT)
    make_merchant(scoped, street, "旧时光照相馆", west, status="left")
    page = client.get("/alpha/merchants")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert body.index("阳光便利店") < body.index("阿福杂货")  # model merchants first
    assert "党员示范商户" in body and "清泉早点铺" in body
    assert "旧时光照相馆" not in body  # gone from the alliance
    assert CONTACT not in body and "139****5678" not in body and "店长" not in body
    body = client.get(f"/alpha/merchants?circle={west}&category=food").get_data(as_text=True)
    assert "清泉早点铺" in body and "阳光便利店" not in body
    body = client.get("/alpha/merchants?category=grocery").get_data(as_text=True)
    assert "阳光便利店" in body and "清泉早点铺" not in body
    detail = client.get(f"/alpha/merchants/{model}")
    body = detail.get_data(as_text=True)
    assert detail.status_code == 200
    assert PLEDGE in body and "每天 7:00–23:00" in body and "建设路 20 号" in body
    assert "建设路商圈" in body and "超市便利" in body
    assert CONTACT not in body and "139****5678" not in body


def test_the_menu_offers_the_directory_to_visitors_and_volunteers(app, client, street, make_user):
    assert "/alpha/merchants" in client.get("/alpha/login").get_data(as_text=True)
    _uid, phone = make_user(street, "volunteer")
    volunteer = signed_in(app, "alpha", phone)
    assert 'href="/alpha/merchants"' in volunteer.get("/alpha/me").get_data(as_text=True)


def test_even_the_admin_sees_no_phone_on_the_public_pages(admin, scoped, street):
    merchant = make_merchant(scoped, street, contact_phone=CONTACT)
    assert CONTACT not in admin.get("/alpha/merchants").get_data(as_text=True)
    assert CONTACT not in admin.get(f"/alpha/merchants/{merchant}").get_data(as_text=True)


def test_a_merchant_gone_from_the_alliance_and_another_streets_are_404(
    client, scoped, street, make_street
):
    gone = make_merchant(scoped, street, "旧时光照相馆", status="left")
    assert client.get(f"/alpha/merchants/{gone}").status_code == 404
    other = make_street("bravo")
    theirs = make_merchant(scoped, other, "乙街道的店", contact_phone=CONTACT)
    response = client.get(f"/alpha/merchants/{theirs}")
    assert response.status_code == 404 and "乙街道的店" not in response.get_data(as_text=True)
    assert "乙街道的店" not in client.get("/alpha/merchants").get_data(as_text=True)
    assert client.get(f"/bravo/merchants/{theirs}").status_code == 200


@pytest.mark.parametrize(
    "query",
    ["circle=²", "circle=" + "9" * 25, "category=²", "page=²", "page=" + "9" * 25,
     "circle=-1&category=food&page=0"],
)  # fmt: skip
def test_odd_query_strings_are_not_errors(client, scoped, street, query):
    make_merchant(scoped, street)
    assert client.get(f"/alpha/merchants?{query}").status_code == 200
    assert client.get("/alpha/merchants/" + "9" * 25).status_code == 404


def test_the_directory_runs_the_same_statements_at_1x_and_10x(app, client, scoped, street):
    east = make_circle(scoped, street, "建设路商圈")
    make_circle(scoped, street, "清泉里商圈")
    made = [0]

    def grow(n: int) -> None:
        while made[0] < n:
            made[0] += 1
            make_merchant(scoped, street, f"商户{made[0]:03d}", east, contact_phone=CONTACT,
                          is_model=made[0] % 3 == 0, pledge=PLEDGE)  # fmt: skip
        with app.app_context():
            forget()  # count a miss, not the cache

    client.get("/alpha/login")  # the street's row is cached per process: not per-page work
    body = assert_statements_do_not_grow(app, client, "/alpha/merchants", grow, 25, 3)
    assert CONTACT not in body and "下一页" not in body
    grow(40)  # more than a page
    assert "下一页" in client.get("/alpha/merchants").get_data(as_text=True)
    assert "商户040" in client.get("/alpha/merchants?page=2").get_data(as_text=True)


def test_the_directory_is_cached_per_street_and_filter(app, admin, client, scoped, street):
    circle = make_circle(scoped, street)
    make_merchant(scoped, street, "阳光便利店", circle)
    assert "阳光便利店" in client.get("/alpha/merchants").get_data(as_text=True)
    with count_queries(app) as cached:
        client.get("/alpha/merchants")
    with count_queries(app) as other_filter:
        client.get("/alpha/merchants?category=food")
    assert len(other_filter) > len(cached)
    # a merchant added behind the app's back waits for the interval …
    make_merchant(scoped, street, "百姓平价超市", circle)
    assert "百姓平价超市" not in client.get("/alpha/merchants").get_data(as_text=True)
    # … one saved by the office is seen at once
    response = admin.post("/alpha/merchants/records/new",
                          data={"name": "老街坊面馆", "category": "food", "status": "open"})  # fmt: skip
    assert response.status_code == 302
    body = client.get("/alpha/merchants").get_data(as_text=True)
    assert "老街坊面馆" in body and "百姓平价超市" in body
