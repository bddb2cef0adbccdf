"""The volunteer's points journey on a phone (375×812): sign up for an event, check in and out
through the event's QR code, see the points arrive, redeem a reward. Staff run the event on a
desktop. Runs on the demo street the live server was seeded with."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

PASSWORD = "demo1234"
ADMIN, VOLUNTEER = "13900000001", "13900000005"
MOBILE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True}
TITLE = "扫码签到演练"

#: read the QR on the staff screen as a phone camera would: the SVG drawn to a canvas, then jsQR
DECODE_QR = """async () => {
  const svg = document.querySelector('#checkin-qr svg');
  const xml = new XMLSerializer().serializeToString(svg);
  const img = new Image();
  img.src = 'data:image/svg+xml;base64,' + btoa(unescape(encodeURIComponent(xml)));
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 600;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, 600, 600);
  ctx.drawImage(img, 50, 50, 500, 500);
  const pixels = ctx.getImageData(0, 0, 600, 600);
  const code = jsQR(pixels.data, 600, 600);
  return code ? code.data : null;
}"""


def sign_in(page, phone: str) -> None:
    page.goto("/demo/login")
    page.get_by_label("手机号").fill(phone)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/login" not in url)
    if "/privacy/agree" in page.url:  # the seed made the account: its first login asks
        page.get_by_role("button", name="我已阅读并同意").click()
        page.wait_for_url(lambda url: "/privacy/agree" not in url)


def balance(page) -> int:
    page.goto("/demo/me")
    return int(page.locator(".passport-points").inner_text())


def scan_event_qr(staff, event_path: str, mode: str) -> str:
    staff.goto(f"{event_path}/checkin-screen?mode={mode}")
    staff.add_script_tag(url="/static/vendor/jsqr.js")
    url = staff.evaluate(DECODE_QR)
    assert url and "/demo/checkin/" in url, url
    return url


def test_a_volunteer_earns_points_at_an_event_and_spends_them(make_page, browser_log):
    staff = make_page("staff")
    sign_in(staff, ADMIN)
    expect(staff).to_have_url(re.compile(r"/demo/dashboard$"))

    # staff publish an event starting in half an hour, worth a fixed 20 points
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    staff.goto("/demo/events/new")
    staff.get_by_label("活动名称").fill(TITLE)
    staff.get_by_label("地点").fill("社区广场")
    staff.get_by_label("开始时间").fill((now + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M"))
    staff.get_by_label("结束时间").fill((now + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    staff.get_by_label("积分方式").select_option(value="fixed")
    staff.get_by_label("积分（选填）").fill("20")
    staff.get_by_role("button", name="保存并发布").click()
    expect(staff).to_have_url(re.compile(r"/demo/events/\d+$"))
    event_path = re.search(r"/demo/events/\d+", staff.url).group(0)

    # the volunteer, on a phone, signs up
    phone = make_page("mobile", **MOBILE)
    sign_in(phone, VOLUNTEER)
    expect(phone).to_have_url(re.compile(r"/demo/me$"))
    start_points = int(phone.locator(".passport-points").inner_text())
    tabs = phone.get_by_role("navigation", name="常用")
    tabs.get_by_role("link", name="活动").click()
    expect(tabs.get_by_role("link", name="活动")).to_have_attribute("aria-current", "page")
    card = phone.locator(".card", has_text=TITLE).first
    card.get_by_role("button", name="报名").click()
    expect(phone.locator(".card", has_text=TITLE).first).to_contain_text("已报名")

    # checks in and out by scanning the staff screen's codes
    for mode, done in (("in", "签到成功"), ("out", "签退成功")):
        phone.goto(scan_event_qr(staff, event_path, mode))
        phone.get_by_role("button", name=re.compile("确认")).click()
        expect(phone.locator(".checkin-result")).to_contain_text(done)

    # staff confirm the attendance: the points are paid
    staff.goto(event_path)
    staff.once("dialog", lambda dialog: dialog.accept())  # "确认全部 1 条时长并发放积分？"
    staff.get_by_role("button", name=re.compile("全部确认")).click()
    expect(staff.locator("body")).to_contain_text("已确认")
    earned = balance(phone) - start_points
    assert earned >= 20  # 20, plus the street's party-member bonus for this volunteer
    expect(phone.locator(".ledger")).to_contain_text(TITLE)

    # and spends some on a reward from the street's 爱心超市
    phone.get_by_role("navigation", name="常用").get_by_role("link", name="爱心超市").click()
    phone.once("dialog", lambda dialog: dialog.accept())
    phone.get_by_role("button", name="兑换").first.click()
    expect(phone).to_have_url(re.compile(r"/demo/redemptions/\d+$"))
    code = phone.locator(".redeem-code").first.inner_text().strip()
    assert re.fullmatch(r"[2-9A-Z]{8}", code), code
    assert balance(phone) < start_points + earned

    assert browser_log.page_errors == [] and browser_log.server_errors == []
    assert browser_log.csp_violations() == []
    scroll = phone.evaluate("document.documentElement.scrollWidth")
    assert scroll <= 375
