"""An alliance unit's contact, on a phone, joins an alliance event with two named members picked
from a search; once staff confirm the unit's attendance both members see the hours and points on
their passports, and the unit's page shows them. axe finds nothing serious on the unit's pages."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.e2e.axe import severe
from tests.e2e.test_homes_journey import ADMIN, MOBILE, sign_in

pytestmark = pytest.mark.e2e

UNIT = "13900000003"  # 星海科技有限公司's contact, 顾明轩
MEMBERS = {"张建国": "13900000005", "陈思远": "13900000101"}
TITLE = "星海科技助老共建日"
LOCAL = "%Y-%m-%dT%H:%M"


def _passport(page) -> tuple[int, float]:
    page.goto("/demo/me")
    points = int(page.locator(".passport-points").inner_text())
    hours = page.locator(".stat", has_text="累计服务时长").locator(".stat-value").inner_text()
    return points, float(hours)


def _pick(join, name: str) -> None:
    join.get_by_label("查找志愿者").fill(name)
    found = join.locator(".unit-results .unit-pick", has_text=name)
    expect(found).to_have_count(1)
    found.locator("input").check()
    expect(join.locator(".unit-picked")).to_contain_text(name)


def test_a_unit_joins_with_named_members_who_earn_their_own_hours(make_page, browser_log):
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    members = {}
    for name, phone in MEMBERS.items():
        page = make_page(name, **MOBILE)
        sign_in(page, phone)
        members[name] = (page, _passport(page))

    # the street publishes an alliance event for the coming hour, 10 points an hour
    staff = make_page("admin")
    sign_in(staff, ADMIN)
    staff.goto("/demo/events/new")
    staff.get_by_label("活动名称").fill(TITLE)
    staff.get_by_label("开始时间").fill((now + timedelta(hours=1)).strftime(LOCAL))
    staff.get_by_label("结束时间").fill((now + timedelta(hours=3)).strftime(LOCAL))
    staff.get_by_label("报名对象").select_option(value="alliance")
    staff.get_by_label("积分（选填）").fill("10")
    staff.get_by_role("button", name="保存并发布").click()
    expect(staff).to_have_url(re.compile(r"/demo/events/\d+$"))
    event_path = re.search(r"/demo/events/\d+", staff.url).group(0)

    # the unit's contact lands on the unit's home and joins with two members picked by name
    unit = make_page("unit", **MOBILE)
    sign_in(unit, UNIT)
    expect(unit).to_have_url(re.compile(r"/demo/alliance/unit$"))
    assert severe(unit) == [], unit.url
    unit.locator(".unit-event", has_text=TITLE).get_by_role("link", name="选择参加人员").click()
    expect(unit).to_have_url(re.compile(r"/demo/alliance/unit/events/\d+/join$"))
    unit.get_by_label("参加人数").fill("3")
    for name in MEMBERS:
        _pick(unit, name)
    assert severe(unit) == [], unit.url
    unit.get_by_role("button", name="报名", exact=True).click()
    expect(unit).to_have_url(re.compile(r"/demo/alliance/unit$"))
    signup = unit.locator("section", has_text="我们报名的活动")
    expect(signup).to_contain_text(TITLE)
    for name in MEMBERS:
        expect(signup).to_contain_text(name)

    # the event took place two hours earlier than planned; staff enter the unit's 2 hours and
    # confirm them
    staff.goto(event_path + "/edit")
    staff.get_by_label("开始时间").fill((now - timedelta(hours=2)).strftime(LOCAL))
    staff.get_by_label("结束时间").fill(now.strftime(LOCAL))
    staff.get_by_role("button", name="保存", exact=True).click()
    expect(staff).to_have_url(re.compile(event_path + "$"))
    entry = staff.locator("form.enter-hours")
    contact = entry.locator("option", has_text="顾明轩").get_attribute("value")
    entry.get_by_label("人员", exact=True).select_option(value=contact)
    entry.get_by_label("时长（小时）").fill("2")
    entry.get_by_label("补录原因").fill("单位集体参加，签到表为证")
    entry.get_by_role("button", name="补录").click()
    expect(staff.locator("#attendance")).to_contain_text("顾明轩")
    staff.once("dialog", lambda dialog: dialog.accept())
    staff.get_by_role("button", name=re.compile("全部确认")).click()
    expect(staff.locator("#attendance")).to_contain_text("已确认 1 条")
    staff.reload()  # the members' own attendances, credited through the unit's
    for name in MEMBERS:
        expect(staff.locator("#attendance tr", has_text=name)).to_contain_text("随单位")

    # each member sees their own hours and points
    for name, (page, (points, hours)) in members.items():
        now_points, now_hours = _passport(page)
        assert now_hours == hours + 2, name
        assert now_points >= points + 20, name  # 20, plus the street's party-member bonus
        expect(page.locator(".ledger")).to_contain_text(TITLE)

    # and the unit's page shows what its members contributed
    unit.goto("/demo/alliance/unit")
    contributions = unit.locator("section", has_text="成员服务情况")
    for name in MEMBERS:
        expect(contributions.locator(".unit-contribution", has_text=name)).to_contain_text("2 小时")
    assert severe(unit) == [], unit.url
    assert unit.evaluate("document.documentElement.scrollWidth") <= 375

    assert browser_log.page_errors == [] and browser_log.server_errors == []
    assert browser_log.csp_violations() == []
