"""Grid governance's loop in a browser (issue 12), on the demo street: a resident (13900000005)
reports a problem with a photo on a 375-px phone, the admin accepts it and assigns it to a staff
member (李娜, 13900000002), who starts and finishes it, the grid worker of 清泉社区 (13900000006)
checks it on the phone, and the resident rates it: closed. axe finds nothing serious on those
pages.
"""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.e2e.test_merchant_journey import MOBILE, no_severe, sign_in

pytestmark = pytest.mark.e2e

RESIDENT, ADMIN, HANDLER, GRID_WORKER = "13900000005", "13900000001", "13900000002", "13900000006"


def photo() -> dict:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 140, 60)).save(out, "JPEG")
    return {"name": "垃圾.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


def report(phone) -> int:
    phone.goto("/demo/report")
    no_severe(phone)
    phone.get_by_label("问题类别").select_option(label="环境卫生")
    phone.get_by_label("问题描述").fill("清泉社区3号楼下垃圾堆放多日无人清理")
    phone.get_by_label("所在社区").select_option(label="清泉社区")
    grid = phone.get_by_label("网格（选填）")
    expect(grid).to_contain_text("清泉")  # the grids of the chosen community
    option = grid.locator("option").filter(has_text="清泉").first
    grid.select_option(value=option.get_attribute("value"))
    phone.get_by_label("照片（最多3张）").set_input_files([photo()])
    phone.get_by_role("button", name="提交上报").click()
    expect(phone).to_have_url(re.compile(r"/demo/my-reports/\d+$"))
    expect(phone.locator("main")).to_contain_text(re.compile(r"WG\d{8}-\d{4}"))
    expect(phone.locator("main img").first).to_be_visible()  # the photo, served back to them
    no_severe(phone)
    return int(phone.url.rsplit("/", 1)[1])


def accept_and_assign(admin, item_id: int) -> None:
    admin.goto(f"/demo/grid/items/{item_id}")
    no_severe(admin)
    admin.locator("#step-accept").get_by_role("button", name="受理").click()
    expect(admin.locator("#step-assign")).to_be_visible()
    handler = admin.locator("#step-assign").get_by_label("承办人")
    option = handler.locator("option").filter(has_text="李娜").first
    handler.select_option(value=option.get_attribute("value"))
    admin.locator("#step-assign").get_by_role("button", name="派单").click()
    expect(admin.locator("h1, main").first).to_contain_text("已派单")
    no_severe(admin)


def handle(staff, item_id: int) -> None:
    staff.goto("/demo/grid/my-items")
    no_severe(staff)
    staff.locator(f"a[href$='/grid/items/{item_id}']").first.click()
    staff.locator("#step-start").get_by_role("button", name="开始办理").click()
    done = staff.locator("#step-done")
    done.get_by_label("说明").fill("已联系物业清运，现场已清理干净")
    done.get_by_role("button", name="办结").click()
    expect(staff.locator("main")).to_contain_text("已办结")
    no_severe(staff)


def check(worker, item_id: int) -> None:
    worker.goto("/demo/grid/worker")
    no_severe(worker)
    card = (
        worker.locator(f"#item-{item_id}, li, article, section")
        .filter(has_text="3号楼下垃圾堆放多日")
        .last
    )
    card.get_by_role("button", name="核查通过").click()
    expect(worker.locator("main")).to_contain_text("核查")
    no_severe(worker)


def rate(phone, item_id: int) -> None:
    phone.goto(f"/demo/my-reports/{item_id}")
    no_severe(phone)
    phone.get_by_label("满意", exact=True).check()
    phone.get_by_role("button", name="提交评价").click()
    expect(phone.locator("main")).to_contain_text("已关闭")
    no_severe(phone)


def test_a_phone_report_is_assigned_done_checked_and_rated(make_page, live_server):
    resident = make_page("resident", **MOBILE)
    sign_in(resident, RESIDENT)
    item_id = report(resident)

    admin = make_page("admin")
    sign_in(admin, ADMIN)
    accept_and_assign(admin, item_id)

    staff = make_page("handler")
    sign_in(staff, HANDLER)
    handle(staff, item_id)

    worker = make_page("worker", **MOBILE)
    sign_in(worker, GRID_WORKER)
    check(worker, item_id)

    rate(resident, item_id)
