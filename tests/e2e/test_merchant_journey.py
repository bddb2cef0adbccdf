"""The merchant alliance's journey on phones (375×812), on the demo street: a resident
(13900000005) finds a model merchant in the public directory, redeems its member-day voucher with
points (a reward of the passport's catalogue), the merchant (13900000301) scans the code with its
phone's camera page at the counter and a second scan is refused, and the resident votes in the
open round. axe finds nothing serious on those pages.

Built in parallel with the other areas of the merchant alliance: the directory (`/demo/merchants`,
area "directory"), the member day's offers and the demo's member-day voucher (area "memberday")
and the voting pages (`/demo/merchants/vote/<id>`, area "voting") are other engineers'. The steps
on their pages are written against the URLs they will have and skip, saying so, while those pages
are missing (TO FINISH AT MERGE: check their selectors, then drop the skips). The counter (the
passport's verify page with the camera, the merchant's own home) runs in every build.
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
#: the demo merchant's voucher in the catalogue until the member day's demo lands (its provider is
#: 13900000301); after the merge the directory's model merchant's member-day voucher is used
FALLBACK_VOUCHER = "便利店 10 元代金券"


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


def exists(page, url: str) -> bool:
    """Whether another area's page is in this build (a 404 until its branch is merged)."""
    return page.request.get(url).status != 404


def _voucher_from_directory(phone) -> str | None:
    """The directory's model merchant's member-day voucher: its name, or None if the directory
    is not in this build. TO FINISH AT MERGE: the selectors of the directory's pages."""
    if not exists(phone, "/demo/merchants"):
        return None
    phone.goto("/demo/merchants")
    no_severe(phone)
    expect(phone.locator("main")).to_contain_text("党员示范商户")
    phone.get_by_role("link", name=re.compile("阳光便利店")).first.click()
    no_severe(phone)
    voucher = phone.locator("main").get_by_text(re.compile("券")).first.inner_text().strip()
    return voucher or None


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
    voucher = _voucher_from_directory(phone) or FALLBACK_VOUCHER
    code = redeem(phone, voucher)

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
        if counter.url.endswith("/demo/merchants/home"):
            # the merchant's own home (once the demo links 13900000301 to its merchant record)
            expect(counter.locator("h1")).to_contain_text("阳光便利店")
            no_severe(counter)
            counter.get_by_role("link", name="扫码核销").click()
        else:  # this branch's demo: 13900000301 is an org account not yet linked to a merchant
            counter.goto("/demo/rewards/verify")
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
        if exists(counter, "/demo/merchants/home"):
            counter.goto("/demo/merchants/home")
            if counter.url.endswith("/demo/merchants/home"):
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
    """TO FINISH AT MERGE (area "voting"): the open round's page and its vote button."""
    phone = make_page("resident", **MOBILE)
    sign_in(phone, RESIDENT)
    if not exists(phone, "/demo/merchants"):
        pytest.skip("the directory and the voting pages are other areas' (finish at merge)")
    phone.goto("/demo/merchants")
    link = phone.locator("a[href*='/demo/merchants/vote/']").first
    if link.count() == 0:
        pytest.skip("no open round linked from the directory in this build (finish at merge)")
    link.click()
    expect(phone).to_have_url(re.compile(r"/demo/merchants/vote/\d+$"))
    no_severe(phone)
    phone.get_by_role("button", name=re.compile("投票")).first.click()
    expect(phone.locator("main")).to_contain_text(re.compile("已投|投票成功"))
    no_severe(phone)
    assert browser_log.page_errors == [] and browser_log.server_errors == []
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
