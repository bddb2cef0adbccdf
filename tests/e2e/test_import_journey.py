"""The admin imports volunteers: downloads the template, uploads a file with three bad rows, sees
each error by row and column, fixes the file and uploads it again, watches the progress bar
(the check and the write run in a thread of the server: no Redis here), and finds the
volunteers in the list. Runs on the demo street."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.e2e.test_accessibility import faults_here
from tests.e2e.test_passport_journey import ADMIN, sign_in

pytestmark = pytest.mark.e2e

#: rows enough for the check and the write to take a visible moment
FILLER = 30_000


def _file(template: bytes, rows: list[list]) -> bytes:
    workbook = load_workbook(io.BytesIO(template))
    sheet = workbook.worksheets[0]
    sheet.delete_rows(2)  # the example row
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _upload(page, data: bytes) -> None:
    section = page.locator("#import-volunteers")
    section.get_by_label("选择文件").set_input_files(
        {
            "name": "志愿者名单.xlsx",
            "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "buffer": data,
        }
    )
    section.get_by_role("button", name="上传并检查").click()
    page.wait_for_url("**/imports/batches/*")


def test_admin_imports_volunteers_fixing_the_errors_shown(page):
    sign_in(page, ADMIN)
    page.goto("/demo/passports")
    page.get_by_role("link", name="从 Excel 导入志愿者").click()
    page.wait_for_url("**/demo/imports?kind=volunteers")

    with page.expect_download() as caught:
        page.locator("#import-volunteers").get_by_role("link", name="下载模板（.xlsx）").click()
    template = caught.value.path().read_bytes()
    header = [c.value for c in load_workbook(io.BytesIO(template)).worksheets[0][1]]
    assert header == ["姓名", "手机号", "所在社区", "是否党员"]

    good = [["导入甲", "17755500001", "朝阳社区", "是"], ["导入乙", 17755500002, "清泉社区", ""]]
    bad = [
        ["导入丙", "1775550003", "朝阳社区", ""],  # row 4: a digit short
        ["导入丁", "17755500004", "没有的社区", ""],  # row 5: no such community
        ["", "17755500005", "朝阳社区", ""],  # row 6: no name
    ]
    _upload(page, _file(template, good + bad))
    issues = page.locator("#import-issues")
    issues.wait_for()
    text = issues.inner_text()
    for row, column in (("第 4 行", "手机号"), ("第 5 行", "所在社区"), ("第 6 行", "姓名")):
        line = issues.locator("tr", has_text=row)
        assert column in line.inner_text(), text
    assert "第 2 行" not in text and "第 3 行" not in text
    assert page.get_by_role("button", name="确认导入").count() == 0
    assert faults_here(page, on_phone=False) == []  # the errors' table, as the walk checks pages

    fixed = [
        ["导入丙", "17755500003", "朝阳社区", ""],
        ["导入丁", "17755500004", "清泉社区", ""],
        ["导入戊", "17755500005", "朝阳社区", ""],
    ]
    filler = [[f"批量{n:05d}", f"1776{n:07d}", "朝阳社区", ""] for n in range(FILLER)]
    page.get_by_role("link", name="返回数据导入").click()
    _upload(page, _file(template, good + fixed + filler))
    seen_progress = page.locator("progress").count() > 0
    confirm = page.get_by_role("button", name="确认导入")
    confirm.wait_for(timeout=60_000)
    assert f"共 {5 + FILLER} 行" in page.inner_text("main")
    confirm.click()
    seen_progress = seen_progress or page.locator("progress").count() > 0
    done = page.get_by_role("link", name="查看志愿者列表")
    done.wait_for(timeout=90_000)
    assert seen_progress, "the progress bar was never shown"
    assert f"已导入 {5 + FILLER} 条记录" in page.inner_text("main")
    assert faults_here(page, on_phone=False) == []

    done.click()
    page.wait_for_url("**/demo/passports")
    page.get_by_label("搜索").fill("导入戊")
    page.locator("#passport-rows, table").first.get_by_text("导入戊").wait_for()
