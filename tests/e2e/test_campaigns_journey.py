"""The seasonal campaigns' journey on the demo street (issue 11): the admin creates next year
from the four-theme template and launches its spring 助企帮招 campaign with a position; a
resident (13900000005) registers as a job seeker on the phone; staff put them forward and record
the hire; the spring 成功入职 bar of the year view moves from 0 to 1, and the resident sees the
hire. axe finds nothing serious on those pages.

Next year, because the demo already holds this year's four campaigns: the template fills only
seasons a year does not have.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.e2e.test_merchant_journey import MOBILE, no_severe, sign_in

pytestmark = pytest.mark.e2e

ADMIN, RESIDENT = "13900000001", "13900000005"


def hires_bar(page):
    return page.locator("#season-spring .campaign-progress").filter(has_text="成功入职")


def create_year_and_launch_spring(admin, year: int) -> int:
    admin.goto(f"/demo/campaigns?year={year}")
    no_severe(admin)
    admin.get_by_role("button", name="按四季模板创建").click()
    for season, name in [("spring", "春·助企帮招"), ("summer", "夏·相亲结缘"),
                         ("autumn", "秋·养老托育"), ("winter", "冬·纾困解难")]:  # fmt: skip
        expect(admin.locator(f"#season-{season}")).to_contain_text(name)
    expect(hires_bar(admin)).to_contain_text("0/100")
    no_severe(admin)
    admin.locator("#season-spring h2 a").click()
    expect(admin).to_have_url(re.compile(r"/demo/campaigns/\d+$"))
    campaign_id = int(admin.url.rsplit("/", 1)[1])
    no_severe(admin)
    admin.once("dialog", lambda dialog: dialog.accept())
    admin.get_by_role("button", name="启动活动").click()
    expect(admin.locator("h1")).to_contain_text("进行中")
    return campaign_id


def post_position(admin, campaign_id: int) -> None:
    admin.goto(f"/demo/jobs/positions/new?campaign={campaign_id}")
    no_severe(admin)
    admin.get_by_label("用工企业").select_option(index=1)
    admin.get_by_label("岗位名称").fill("仓储管理员")
    admin.get_by_label("招聘人数").fill("3")
    admin.get_by_label("最低月薪（元/月）").fill("4千")
    admin.get_by_label("最高月薪（元/月）").fill("6000")
    admin.get_by_role("button", name="保存").click()
    expect(admin.locator("main")).to_contain_text("已发布岗位：仓储管理员")


def register_as_seeker(phone) -> None:
    phone.goto("/demo/jobs")
    no_severe(phone)
    expect(phone.locator("main")).to_contain_text("仓储管理员")
    phone.get_by_label("年龄段").select_option(value="25_34")
    phone.get_by_label("意向岗位").fill("仓储管理员")
    phone.get_by_role("button", name="登记求职").click()
    expect(phone.locator("#my-registration")).to_contain_text("已登记")
    no_severe(phone)


def put_forward_and_hire(admin, campaign_id: int, today: str) -> None:
    admin.goto(f"/demo/jobs/seekers?campaign={campaign_id}")
    no_severe(admin)
    admin.locator("main table tbody tr").filter(has_text="本人登记").locator("a").first.click()
    no_severe(admin)
    position = admin.get_by_label("推荐岗位")
    option = position.locator("option").filter(has_text="仓储管理员").first
    position.select_option(value=option.get_attribute("value"))
    admin.get_by_role("button", name="推荐", exact=True).click()
    match = admin.locator("[id^=match-]").filter(has_text="仓储管理员")
    expect(match).to_contain_text("已推荐")
    match.get_by_label("入职日期").fill(today)
    match.get_by_role("button", name="登记入职").click()
    expect(admin.locator("[id^=match-]").filter(has_text="仓储管理员")).to_contain_text("已入职")
    no_severe(admin)


def test_a_template_year_a_seeker_and_a_hire_move_the_spring_bar(make_page, live_server):
    zone = ZoneInfo("Asia/Shanghai")
    today = datetime.now(zone).date()
    year = today.year + 1
    admin = make_page("admin")
    sign_in(admin, ADMIN)
    campaign_id = create_year_and_launch_spring(admin, year)
    post_position(admin, campaign_id)

    phone = make_page("resident", **MOBILE)
    sign_in(phone, RESIDENT)
    register_as_seeker(phone)

    put_forward_and_hire(admin, campaign_id, today.isoformat())

    admin.goto(f"/demo/campaigns?year={year}")
    expect(hires_bar(admin)).to_contain_text("1/100")
    no_severe(admin)
    phone.goto("/demo/jobs")
    expect(phone.locator("#my-registration")).to_contain_text("已入职")
    no_severe(phone)
