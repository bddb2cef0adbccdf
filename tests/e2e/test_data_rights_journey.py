"""A volunteer's personal-data rights on a phone (375×812): they join, download their own data
(.xlsx and JSON) from their account, and ask for their account to be deleted; the admin, on a
desktop, sees the request and confirms it; the volunteer's sign-in no longer works.

A volunteer who joins here, not a demo login: the served demo street is shared by the other
journeys, which must keep theirs."""

from __future__ import annotations

import io
import json
import random
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.e2e.test_accessibility import faults_here

pytestmark = pytest.mark.e2e

ADMIN, DEMO_PASSWORD = "13900000001", "demo1234"
PASSWORD = "journey-pass-9"
MOBILE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True}


def sign_in(page, phone: str, password: str) -> None:
    page.goto("/demo/login")
    page.get_by_label("手机号").fill(phone)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/login" not in url)
    if "/privacy/agree" in page.url:
        page.get_by_role("button", name="我已阅读并同意").click()
        page.wait_for_url(lambda url: "/privacy/agree" not in url)


def test_a_volunteer_downloads_their_data_and_asks_for_deletion(make_page, browser_log):
    phone = f"136{random.randrange(10**8):08d}"
    phone_page = make_page("phone", **MOBILE)
    phone_page.goto("/demo/join")
    phone_page.get_by_label("手机号").fill(phone)
    phone_page.get_by_label("姓名").fill("注销演练")
    phone_page.get_by_label("所在社区").select_option(index=1)
    phone_page.get_by_label("密码", exact=True).fill(PASSWORD)
    phone_page.get_by_label("再次输入密码").fill(PASSWORD)
    phone_page.locator("input[name=agree_privacy]").check()
    phone_page.get_by_role("button", name="注册").click()
    phone_page.wait_for_url(lambda url: "/join" not in url)

    # their own data, from the account menu's 我的个人信息
    phone_page.goto("/demo/account/data")
    expect(phone_page.get_by_role("heading", name="我的个人信息")).to_be_visible()
    with phone_page.expect_download() as excel:
        phone_page.get_by_role("link", name="下载 Excel").click()
    book = load_workbook(io.BytesIO(Path(excel.value.path()).read_bytes()), read_only=True)
    account = list(book["账号信息"].values)
    assert account[1][0] == "注销演练" and account[1][1] == phone
    with phone_page.expect_download() as raw:
        phone_page.get_by_role("link", name="下载 JSON").click()
    data = json.loads(Path(raw.value.path()).read_text(encoding="utf-8"))
    assert data["account"]["rows"][0]["手机号"] == phone

    # deletion: a wrong password is refused next to the field, then the request goes
    phone_page.get_by_role("link", name="申请注销账号").click()
    phone_page.locator("input[name=understood]").check()
    phone_page.get_by_label("登录密码").fill("not-my-password")
    phone_page.get_by_role("button", name="提交注销申请").click()
    expect(phone_page.locator(".error")).to_contain_text("密码不正确")
    assert faults_here(phone_page, on_phone=True) == []  # the form with its error, as walked
    phone_page.locator("input[name=understood]").check()
    phone_page.get_by_label("登录密码").fill(PASSWORD)
    phone_page.get_by_role("button", name="提交注销申请").click()
    expect(phone_page.get_by_text("正在等待街道管理员处理")).to_be_visible()

    # the admin sees the to-do and confirms
    desk = make_page("admin")
    sign_in(desk, ADMIN, DEMO_PASSWORD)
    desk.goto("/demo/dashboard")
    desk.get_by_role("link", name="注销申请待处理").click()
    row = desk.locator("tr", has_text="注销演练")
    row.locator("summary", has_text="拒绝").click()  # the refusal's form, open, walked too
    expect(row.get_by_label("拒绝原因")).to_be_visible()
    assert faults_here(desk, on_phone=False) == []
    row.get_by_role("button", name="确认注销").click()
    expect(desk.locator(".flash")).to_contain_text("已注销该账号")
    expect(desk.locator("tr", has_text="注销演练")).to_have_count(0)

    # the volunteer's session has ended and their phone and password sign nobody in
    phone_page.goto("/demo/account/data")
    expect(phone_page).to_have_url(re.compile(r"/demo/login"))
    phone_page.get_by_label("手机号").fill(phone)
    phone_page.get_by_label("密码", exact=True).fill(PASSWORD)
    phone_page.get_by_role("button", name="登录").click()
    expect(phone_page.locator(".flash-error, .error").first).to_be_visible()
    assert browser_log.csp_violations() == []
