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

    # signing out leaves no copy of the scanner (with its attendees' names) on the phone
    has_pages = "() => caches.has('ljt-scanner-pages')"
    assert staff.evaluate(has_pages) is True
    staff.evaluate("document.querySelector(\"form[action$='/logout']\").submit()")
    staff.wait_for_url(lambda url: "/login" in url or url.endswith("/demo/"))
    # (caches.delete is asynchronous: poll the answer, evaluate awaits each one)
    for _ in range(50):
        if staff.evaluate(has_pages) is False:
            break
        staff.wait_for_timeout(100)
    assert staff.evaluate(has_pages) is False

    assert browser_log.page_errors == [] and browser_log.server_errors == []
    assert browser_log.csp_violations() == []


# --- the voucher page reads a code with the camera ------------------------------------------------


def qr_video(text: str, path, width: int = 320, height: int = 240) -> None:
    """A camera's view of a QR code of ``text``: a Y4M clip Chromium's fake camera plays."""
    import qrcode

    code = qrcode.QRCode(border=4)
    code.add_data(text)
    code.make()
    matrix = code.get_matrix()
    cell = min(width, height) // len(matrix)
    left, top = (width - cell * len(matrix)) // 2, (height - cell * len(matrix)) // 2
    luma = bytearray([235]) * (width * height)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                for dy in range(cell):
                    start = (top + y * cell + dy) * width + left + x * cell
                    luma[start : start + cell] = bytes([16]) * cell
    chroma = bytes([128]) * (width // 2 * height // 2)
    frame = b"FRAME\n" + bytes(luma) + chroma + chroma
    header = f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + frame * 10)


def test_the_voucher_page_reads_the_code_with_the_camera(browser, live_server, tmp_path):
    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

    clip = tmp_path / "voucher.y4m"
    qr_video("ABCD2345", clip)
    camera = browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={clip}",
        ],
    )
    try:
        context = camera.new_context(base_url=live_server, locale="zh-CN", **MOBILE)
        context.grant_permissions(["camera"])
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        sign_in(page, ADMIN)
        page.goto("/demo/rewards/verify")
        page.get_by_role("button", name="扫码核销（打开摄像头）").click()
        # read, written into the field and submitted: the server answers for that code
        expect(page.get_by_label("兑换码")).to_have_value("ABCD2345", timeout=15_000)
        expect(page.locator(".field.has-error")).to_contain_text("兑换码无效")
        assert errors == []
    finally:
        camera.close()
