"""The 导出 Excel buttons of the htmx filter forms download a file with the filter as typed
(htmx must not swap the file's bytes into the table). Runs on the demo street."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.e2e.test_passport_journey import ADMIN, sign_in

pytestmark = pytest.mark.e2e


def test_filter_forms_download_what_they_filter(page):
    sign_in(page, ADMIN)
    page.goto("/demo/passports")
    page.get_by_label("搜索").fill("DEMO-NO-SUCH-HOLDER")
    with page.expect_download() as caught:
        page.get_by_role("button", name="导出 Excel").click()
    download = caught.value
    assert download.suggested_filename == "志愿护照.xlsx"
    rows = list(
        load_workbook(io.BytesIO(download.path().read_bytes())).active.iter_rows(values_only=True)
    )
    assert rows[0][:2] == ("护照编号", "姓名") and len(rows) == 1
    assert "/demo/passports" in page.url and page.locator("table").is_visible()

    page.goto("/demo/rewards/redemptions")
    page.get_by_label("状态").select_option("verified")
    with page.expect_download() as caught:
        page.get_by_role("button", name="导出 Excel").click()
    rows = list(
        load_workbook(io.BytesIO(caught.value.path().read_bytes())).active.iter_rows(
            values_only=True
        )
    )
    assert rows[0][0] == "状态" and {row[0] for row in rows[1:]} <= {"已领取"}
