"""The merchant alliance's journey on phones (375×812), on the demo street: a resident
(13900000005) finds a model merchant in the public directory, reads its pledge, finds its
member-day voucher and redeems it with points (a reward of the passport's catalogue), the merchant
(13900000301, 阳光便利店) scans the code with its phone's camera page at the counter and a second
scan is refused, and the resident votes in the open round. axe finds nothing serious on those
pages.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.axe import severe
from tests.e2e.test_checkin_offline import qr_video

pytestmark = pytest.mark.e2e

PASSWORD = "demo1234"
RESIDENT, MERCHANT = "13900000005", "13900000301"
MOBILE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True}
#: 阳光便利店's offer on its circle's next member day (tenants/merchants/memberday_demo.py)
VOUCHER = "会员日 5 元抵用券"


def sign_in(page, phone: str) -> None:
    page.goto("/demo/login")
    page.get_by_label("手机号").fill(phone)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/login" not in url)
    if "/privacy/agree" in page.url:  # the seed made the account: its first login asks
        page.get_by_role("button", name="我已阅读并同意").click()
        page.wait_for_url(lambda url: "/privacy/agree" not in url)


def no_severe(page) -> None:
    found = severe(page)
    assert found == [], f"{page.url}: {found}"


def find_voucher(phone) -> None:
    """From the directory to the model merchant's pledge, then to its member-day voucher."""
    phone.goto("/demo/merchants")
    no_severe(phone)
    expect(phone.locator("main")).to_contain_text("党员示范商户")
    phone.get_by_role("link", name=re.compile("阳光便利店")).first.click()
    expect(phone.locator("main")).to_contain_text("会员日积分券全场通用")  # its pledge
    no_severe(phone)
    phone.goto("/demo/merchants/member-day")
    no_severe(phone)
    offer = phone.locator("li, article, tr").filter(has_text=VOUCHER).last
    offer.get_by_role("link", name="去兑换").click()
    expect(phone).to_have_url(re.compile(r"/demo/rewards"))


def redeem(phone, name: str) -> str:
    """Redeem the reward ``name`` in the passport's catalogue; its hand-over code."""
    phone.goto("/demo/rewards")
    no_severe(phone)
    card = phone.locator(".reward-card").filter(has_text=name).first
    phone.once("dialog", lambda dialog: dialog.accept())
    card.get_by_role("button", name="兑换").click()
    expect(phone).to_have_url(re.compile(r"/demo/redemptions/\d+$"))
    code = phone.locator(".redeem-code").first.inner_text().strip()
    assert re.fullmatch(r"[2-9A-Z]{8}", code), code
    return code


def test_a_voucher_is_redeemed_and_honoured_once_at_the_counter(
    make_page, browser, live_server, browser_log, tmp_path
):
    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

    phone = make_page("resident", **MOBILE)
    sign_in(phone, RESIDENT)
    find_voucher(phone)
    code = redeem(phone, VOUCHER)

    # the merchant at the counter: its phone's camera sees the code the resident shows
    clip = tmp_path / "voucher.y4m"
    qr_video(code, clip)
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
        counter = context.new_page()
        errors: list[str] = []
        counter.on("pageerror", lambda exc: errors.append(str(exc)))
        sign_in(counter, MERCHANT)
        expect(counter).to_have_url(re.compile(r"/demo/merchants/home$"))  # the merchant's home
        expect(counter.locator("h1")).to_contain_text("阳光便利店")
        no_severe(counter)
        counter.get_by_role("link", name="扫码核销").click()
        expect(counter).to_have_url(re.compile(r"/demo/rewards/verify$"))
        no_severe(counter)

        counter.get_by_role("button", name="扫码核销（打开摄像头）").click()
        expect(counter.get_by_label("兑换码")).to_have_value(code, timeout=15_000)
        hand_over = counter.locator("#hand-over")
        expect(hand_over).to_contain_text("待领取")
        counter.get_by_role("button", name="确认发放").click()
        expect(counter.locator("main")).to_contain_text("已核销")

        # the same code scanned again is refused: handed over, nothing left to confirm
        counter.get_by_role("button", name="扫码核销（打开摄像头）").click()
        expect(counter.get_by_label("兑换码")).to_have_value(code, timeout=15_000)
        expect(hand_over).to_contain_text("已领取")
        expect(hand_over.get_by_role("button", name="确认发放")).to_have_count(0)
        no_severe(counter)
        counter.goto("/demo/merchants/home")  # the vouchers it honoured, newest first
        expect(counter.locator("#merchant-verify").locator("..")).to_contain_text(code)
        no_severe(counter)
        assert errors == []
        scroll = counter.evaluate("document.documentElement.scrollWidth")
        assert scroll <= 375
    finally:
        camera.close()

    # the resident's redemption now says it was handed over
    phone.goto("/demo/redemptions")
    expect(phone.locator("main")).to_contain_text("已领取")
    assert browser_log.page_errors == [] and browser_log.server_errors == []
    assert browser_log.csp_violations() == []


def test_the_resident_votes_in_the_open_round(make_page, browser_log):
    phone = make_page("resident", **MOBILE)
    sign_in(phone, RESIDENT)
    phone.goto("/demo/merchants/vote")
    no_severe(phone)
    phone.get_by_role("link", name="去投票").first.click()
    expect(phone).to_have_url(re.compile(r"/demo/merchants/vote/\d+$"))
    no_severe(phone)
    candidate = phone.locator("#vote-candidates .card").filter(has_text="阳光便利店")
    candidate.get_by_role("button", name="投一票").click()
    expect(phone.locator("#vote-candidates .card").filter(has_text="阳光便利店")).to_contain_text(
        "已投票"
    )
    # the results stay hidden until the round closes
    expect(phone.locator("main")).not_to_contain_text("得票")
    no_severe(phone)
    assert browser_log.page_errors == [] and browser_log.server_errors == []
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
