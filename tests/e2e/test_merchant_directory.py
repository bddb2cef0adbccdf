"""A visitor on a phone, not signed in, opens the street's merchant directory, filters it by a
category, and opens a model merchant to read its pledge; axe finds nothing serious on either page
at 375×812."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.axe import severe
from tests.e2e.test_homes_journey import MOBILE

pytestmark = pytest.mark.e2e


def test_a_visitor_finds_a_model_merchant_and_reads_its_pledge(make_page, browser_log):
    page = make_page("visitor", **MOBILE)
    page.goto("/demo/merchants")
    expect(page.get_by_role("heading", name="商户名录")).to_be_visible()
    assert severe(page) == []
    # the menu offers the directory to visitors
    page.get_by_label("菜单").click()
    expect(page.locator(".menu-items").get_by_role("link", name="商户名录")).to_be_visible()
    page.get_by_label("菜单").click()

    page.get_by_label("行业").select_option(label="超市便利")
    page.get_by_role("button", name="筛选").click()
    expect(page).to_have_url(re.compile(r"category=grocery"))
    cards = page.locator("article.card")
    expect(cards.first).to_contain_text("党员示范商户")  # model merchants first
    expect(page.locator("article", has_text="老街坊面馆")).to_have_count(0)
    assert "13900000301" not in page.content()
    assert severe(page) == []

    page.get_by_role("link", name="阳光便利店").click()
    expect(page.get_by_role("heading", name="阳光便利店")).to_be_visible()
    expect(page.get_by_text("为老人免费送货上门")).to_be_visible()
    expect(page.get_by_text("每天 7:00–23:00")).to_be_visible()
    assert "13900000301" not in page.content()
    assert severe(page) == []
    assert browser_log.csp_violations() == []
