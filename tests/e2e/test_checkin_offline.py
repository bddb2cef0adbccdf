"""The staff scanner in a basement hall: opened once online from the event's page, then reloaded
with no network (its service worker answers), a passport scanned while offline waits on the phone
with its count shown, and is sent once when the network is back. Runs on the demo street."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.e2e.test_passport_journey import ADMIN, MOBILE, VOLUNTEER, sign_in

pytestmark = pytest.mark.e2e

TITLE = "地下活动室离线签到"

#: true once the worker keeps this page (the first visit asks it to, after it installs)
PAGE_KEPT = """async () => {
  const cache = await caches.open('ljt-scanner-pages');
  return !!(await cache.match(location.origin + location.pathname));
}"""


def test_the_scanner_opens_offline_and_sends_a_queued_scan_once(make_page, browser_log):
    # the volunteer's passport number, as staff would type it (or scan it)
    phone = make_page("mobile", **MOBILE)
    sign_in(phone, VOLUNTEER)
    phone.goto("/demo/me")
    number = phone.locator(".passport-number strong").inner_text().strip()
    name = phone.locator(".passport-owner").inner_text().split()[0]
    assert number and name

    staff = make_page("staff", **MOBILE)
    sign_in(staff, ADMIN)
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    staff.goto("/demo/events/new")
    staff.get_by_label("活动名称").fill(TITLE)
    staff.get_by_label("地点").fill("社区活动中心地下一层")
    staff.get_by_label("开始时间").fill((now + timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M"))
    staff.get_by_label("结束时间").fill((now + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    staff.get_by_role("button", name="保存并发布").click()
    expect(staff).to_have_url(re.compile(r"/demo/events/\d+$"))
    event_path = re.search(r"/demo/events/\d+", staff.url).group(0)

    # the event's page leads to the scanner; the first visit installs the worker and keeps the page
    staff.get_by_role("link", name="扫志愿护照签到").click()
    expect(staff).to_have_url(re.compile(rf"{event_path}/scanner$"))
    expect(staff.locator("#scan-offline-ready")).to_be_visible(timeout=15_000)
    assert staff.evaluate(PAGE_KEPT)

    posts: list[list[str]] = []
    staff.on(
        "request",
        lambda r: (
            posts.append([scan["nonce"] for scan in json.loads(r.post_data or "[]")])
            if r.method == "POST" and r.url.endswith("/scans")
            else None
        ),
    )

    # no network: the page still opens, from the worker
    staff.context.set_offline(True)
    scanner_url = staff.url
    staff.goto("about:blank")
    response = staff.goto(scanner_url)
    assert response is not None and response.from_service_worker
    expect(staff.get_by_role("heading", name="扫码签到")).to_be_visible()
    expect(staff.locator("#scan-online")).to_contain_text("离线")
    assert staff.evaluate("navigator.serviceWorker.controller !== null")

    # a scan (typed, as when the camera cannot read a worn card) waits on the phone
    staff.get_by_label("允许未报名者现场签到").check()
    staff.get_by_placeholder("或手动输入护照号").fill(number)
    staff.get_by_role("button", name="提交", exact=True).click()
    expect(staff.locator("#scan-pending")).to_have_text("1")
    expect(staff.locator("#scan-recent")).to_contain_text("待上传")
    expect(staff).to_have_title(re.compile(r"^\(1\) "))
    assert posts == []

    # the network is back: the scan goes out once and the list of who checked in shows it
    staff.context.set_offline(False)
    expect(staff.locator("#scan-pending")).to_have_text("0", timeout=15_000)
    expect(staff.locator("#scan-recent .scan-ok")).to_contain_text(name)
    expect(staff.locator("#attendees")).to_contain_text(name, timeout=15_000)
    assert len(posts) == 1 and len(posts[0]) == 1
    expect(staff).not_to_have_title(re.compile(r"^\(\d+\) "))

    # the page kept from an earlier sign-in carries a form token that session no longer accepts:
    # the scanner reads the current one and sends again; the check-out still counts once
    staff.context.set_offline(True)
    staff.evaluate("document.getElementById('scanner').dataset.csrf = 'from-an-ended-session'")
    staff.get_by_role("radio", name="签退").check()
    staff.get_by_placeholder("或手动输入护照号").fill(number)
    staff.get_by_role("button", name="提交", exact=True).click()
    expect(staff.locator("#scan-pending")).to_have_text("1")
    staff.context.set_offline(False)
    expect(staff.locator("#scan-pending")).to_have_text("0", timeout=15_000)
    expect(staff.locator("#scan-recent .scan-ok").first).to_contain_text("签退")
    assert len(posts) == 3 and posts[1] == posts[2]  # refused once for the token, then counted

    # opened again online: nothing left to send, one attendance
    staff.reload()
    expect(staff.locator("#scan-pending")).to_have_text("0")
    expect(staff.locator("#attendees tbody tr", has_text=name)).to_have_count(1)
    assert len(posts) == 3

    assert browser_log.page_errors == [] and browser_log.server_errors == []
    assert browser_log.csp_violations() == []
