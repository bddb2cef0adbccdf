"""Every role lands on its own home (the demo street, on a phone at 375×812): the merchant on the
merchants' home with voucher verification, the volunteer on /me with the next thing to do on the first
screen and an event's own page to share, the admin sent from the volunteers' list to 活动管理."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

PASSWORD = "demo1234"
ADMIN, VOLUNTEER, MERCHANT = "13900000001", "13900000005", "13900000301"
MOBILE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True}


def sign_in(page, phone: str) -> None:
    page.goto("/demo/login")
    page.get_by_label("手机号").fill(phone)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/login" not in url)
    if "/privacy/agree" in page.url:  # the seed made the account: its first login asks
        page.get_by_role("button", name="我已阅读并同意").click()
        page.wait_for_url(lambda url: "/privacy/agree" not in url)


def test_each_role_lands_on_its_own_home(make_page, browser_log):
    merchant = make_page("merchant", **MOBILE)
    sign_in(merchant, MERCHANT)
    # the demo's merchant account is a merchant of the business circle: the merchants' home
    expect(merchant).to_have_url(re.compile(r"/demo/merchants/home$"))
    expect(merchant.locator("main")).not_to_contain_text("护照编号")
    merchant.get_by_role("link", name="扫码核销").click()
    expect(merchant).to_have_url(re.compile(r"/demo/rewards/verify$"))

    phone = make_page("volunteer", **MOBILE)
    sign_in(phone, VOLUNTEER)
    expect(phone).to_have_url(re.compile(r"/demo/me$"))
    next_up = phone.locator(".next-signup")
    expect(next_up).to_be_visible()
    box = next_up.bounding_box()
    assert box and box["y"] + box["height"] <= 812, box  # on the first screen, no scrolling
    expect(phone.locator(".passport-qr img")).not_to_be_visible()  # behind a tap
    phone.locator(".passport-qr summary").click()
    expect(phone.locator(".passport-qr img")).to_be_visible()

    phone.goto("/demo/activities")
    phone.locator(".activity-title a").first.click()
    expect(phone).to_have_url(re.compile(r"/demo/activities/\d+$"))
    expect(phone.locator("#share-url")).to_have_value(re.compile(r"/demo/activities/\d+$"))
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375

    desk = make_page("admin")
    sign_in(desk, ADMIN)
    desk.goto("/demo/activities")
    expect(desk).to_have_url(re.compile(r"/demo/events$"))
    expect(desk.locator("body")).to_contain_text("志愿者和单位在手机上看到的页面")

    assert browser_log.page_errors == [] and browser_log.server_errors == []
    assert browser_log.csp_violations() == []
