"""A new street from sign-up to its first volunteer, in a real browser.

An admin opens 向阳街道 on a desktop and adds 阳光社区 through the htmx form; a resident joins from a
375 px phone and finds the welcome in the inbox; the admin finds theirs. Along the way nothing may
break the Content Security Policy or throw.
"""

from __future__ import annotations

import json
import re
import uuid

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

ADMIN_PHONE = "13800138000"
VOLUNTEER_PHONE = "13900139000"
PASSWORD = "e2e-pass-1234"
PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True}


def _unique_slug() -> str:
    return f"xy-{uuid.uuid4().hex[:8]}"


def _no_sideways_scroll(page, width: int = 375) -> None:
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url} scrolls sideways at {width}px: {scroll_width}px wide"


def _open_sidebar_link(page, name: str) -> None:
    """An office page on a desktop: the sidebar is the menu, and it marks where one is."""
    sidebar = page.get_by_role("navigation", name="导航")
    link = sidebar.get_by_role("link", name=name, exact=True)
    link.click()
    expect(link).to_have_attribute("aria-current", "page")


def _wait_for_htmx(page) -> None:
    """Until htmx has settled the last swap and wired the new #slug-field input's triggers (a
    person types tens of milliseconds after a swap; a test can type before htmx is ready)."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
        " && document.querySelector('#slug-field input[name=slug]')['htmx-internal-data']"
    )


def _fill_signup(page, slug: str, name: str = "向阳街道") -> None:
    page.get_by_label("街道名称").fill(name)
    # htmx (input changed delay:300ms) swaps #slug-field with a suggestion from the name: wait
    # for it before typing our own, or the late swap would put the suggestion back.
    expect(page.locator("#slug-field .ok")).to_be_visible()
    _wait_for_htmx(page)
    slug_input = page.locator("#slug-field").get_by_label("访问地址")
    slug_input.fill(slug)
    expect(page.locator("#slug-field .ok")).to_contain_text(f"“{slug}”")  # checked and free
    expect(slug_input).to_have_value(slug)
    page.get_by_label("所属区县").fill("芝罘区")
    page.get_by_label("管理员姓名").fill("李主任")
    page.get_by_label("管理员手机号").fill(ADMIN_PHONE)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_label("再次输入密码").fill(PASSWORD)
    page.get_by_label("我已阅读并同意").check()
    page.get_by_role("button", name="开通").click()
    expect(page).to_have_url(re.compile(rf"/{slug}/dashboard$"))


def _sign_up_street(page, slug: str) -> None:
    page.goto("/signup")
    page.get_by_label("街道名称").fill("向阳街道")
    expect(page.locator("#slug-field").get_by_label("访问地址")).to_have_value("xiangyang")
    expect(page.locator("#slug-field .ok")).to_contain_text("“xiangyang”")
    _fill_signup(page, slug)
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()
    expect(page.locator(".brand")).to_have_text("向阳街道")


def _add_community(page, slug: str) -> None:
    _open_sidebar_link(page, "组织架构")
    expect(page).to_have_url(re.compile(rf"/{slug}/structure$"))
    expect(page.locator("#tree .empty")).to_be_visible()

    page.evaluate("window.sameDocument = true")  # gone if the page reloads
    page.get_by_label("新增社区").fill("阳光社区")
    with page.expect_response(
        lambda r: r.url.endswith("/structure/communities") and r.request.method == "POST"
    ) as posted:
        page.get_by_role("button", name="添加社区").click()
    assert posted.value.status == 200
    assert posted.value.request.headers.get("hx-request") == "true"

    expect(page.locator("#tree .tree-community .tree-name")).to_contain_text("阳光社区")
    expect(page.locator("#tree .empty")).to_have_count(0)
    assert page.evaluate("window.sameDocument") is True, "the page reloaded instead of swapping"
    expect(page).to_have_url(re.compile(rf"/{slug}/structure$"))


def _volunteer_joins(phone, slug: str) -> None:
    phone.goto(f"/{slug}/join")
    expect(phone.get_by_role("heading", level=1)).to_contain_text("向阳街道")
    _no_sideways_scroll(phone)
    phone.get_by_label("手机号").fill(VOLUNTEER_PHONE)
    phone.get_by_label("姓名").fill("王小明")
    phone.get_by_label("所在社区").select_option(label="阳光社区")
    phone.get_by_label("密码", exact=True).fill(PASSWORD)
    phone.get_by_label("再次输入密码").fill(PASSWORD)
    phone.get_by_label("我是党员").check()
    phone.get_by_label("我已阅读并同意").check()
    phone.get_by_role("button", name="注册").click()

    expect(phone).to_have_url(re.compile(rf"/{slug}/inbox$"))
    welcome = phone.locator(".inbox-item", has_text="欢迎加入")
    expect(welcome.locator(".inbox-title")).to_have_text("欢迎加入向阳街道志愿服务")
    expect(welcome).to_have_class(re.compile(r"\bunread\b"))
    # The header badge arrives through htmx (hx-trigger="load", outerHTML swap).
    badge = phone.locator("#inbox-badge")
    expect(badge).to_have_text("1")
    expect(badge).to_be_visible()
    _no_sideways_scroll(phone)


def _admin_sees_volunteer_and_welcome(page, slug: str) -> None:
    page.goto(f"/{slug}/dashboard")
    chart = page.locator(".chart[data-chart='bar']")
    expect(chart.locator("canvas")).to_have_count(1)  # ECharts drew, under the CSP
    data = json.loads(chart.get_attribute("data-chart-data"))
    assert data == {"labels": ["阳光社区"], "values": [1]}

    _open_sidebar_link(page, "人员账号")
    row = page.locator("#people-rows tr", has_text="王小明")
    expect(row.locator(".tag-party")).to_have_text("党员")
    expect(row).to_contain_text("阳光社区")
    expect(row).to_contain_text("志愿者")

    _open_sidebar_link(page, "我的通知")
    expect(page).to_have_url(re.compile(rf"/{slug}/inbox$"))
    expect(page.locator(".inbox-title", has_text="欢迎使用联建通")).to_have_text(
        "欢迎使用联建通，向阳街道已开通"
    )
    expect(page.locator("#inbox-badge")).to_have_text("1")


def _journey(make_page) -> str:
    slug = _unique_slug()
    admin = make_page("desktop")
    _sign_up_street(admin, slug)
    _add_community(admin, slug)
    phone = make_page("mobile", **PHONE)
    _volunteer_joins(phone, slug)
    _admin_sees_volunteer_and_welcome(admin, slug)
    return slug


def test_journey(make_page, browser_log):
    _journey(make_page)
    assert browser_log.server_errors == []


def test_journey_honours_csp(make_page, browser_log):
    """The journey again, watched: no CSP violation, no script error, no console error."""
    slug = _journey(make_page)
    assert browser_log.csp_violations() == []
    assert browser_log.page_errors == []
    assert browser_log.console_errors == []

    # The watch is not blind: an inline script is refused by the policy and the refusal is seen.
    canary = make_page("canary")
    response = canary.goto(f"/{slug}/join")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    with canary.expect_console_message(lambda m: "Content Security Policy" in m.text):
        canary.evaluate(
            """() => {
                const s = document.createElement("script");
                s.textContent = "window.inlineRan = true";
                document.body.appendChild(s);
            }"""
        )
    assert canary.evaluate("window.inlineRan") is None
    assert len(browser_log.csp_violations()) == 1


def test_dashboard_counts_only_its_own_street(make_page):
    page = make_page("desktop")
    for _ in range(2):
        page.context.clear_cookies()
        page.goto("/signup")
        _fill_signup(page, _unique_slug(), name="测试街道")
    staff = page.locator(".stat", has_text="工作人员").locator(".stat-value")
    expect(staff).to_have_text("1", timeout=1000)  # the second street's only staff: its admin
