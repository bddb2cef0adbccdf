"""The monthly and quarterly reports in the browser (templates/reports/report.html): every module's
ECharts chart is drawn, the admin's community selector changes the report and keeps the choice on
the period links and the export, the 打印 button prints (no inline handler: the CSP would refuse
it), and on paper the report is the report alone: no navigation, the tables whole, the charts at
the sheet's width. Runs on the demo street; the printed page is kept in
``test-artifacts/report-print.png``."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_passport_journey import ADMIN, sign_in

pytestmark = pytest.mark.e2e

#: each chart box holding what ECharts drew (a canvas, or an svg with the svg renderer)
CHARTS_DRAWN = """() => {
  const boxes = [...document.querySelectorAll('.report .chart')];
  return boxes.length > 0 && boxes.every(box => box.querySelector('canvas, svg'));
}"""
#: A4's printable width at the report's 12 mm side margins, in CSS pixels (186 mm)
SHEET_WIDTH = 703
#: the window's resize listeners dropped: a printer lays the page out again without a resize
#: event, so a chart must fit the sheet by other means
NO_RESIZE_EVENTS = """(() => {
  const add = window.addEventListener;
  window.addEventListener = function (type, listener, options) {
    if (type !== 'resize') return add.call(this, type, listener, options);
  };
})();"""
#: every report group on paper: its right edge, its chart's, its table's and its box's widths
PRINTED = """() => [...document.querySelectorAll('.report-group')].map(group => {
  const chart = group.querySelector('.chart canvas, .chart svg');
  const wrap = group.querySelector('.table-wrap');
  return {
    id: group.id,
    right: group.getBoundingClientRect().right,
    chartRight: chart ? chart.getBoundingClientRect().right : null,
    chartHeight: chart ? chart.getBoundingClientRect().height : null,
    tableWidth: wrap.querySelector('table').scrollWidth,
    boxWidth: wrap.clientWidth,
    overflow: getComputedStyle(wrap).overflowX,
  };
})"""
#: what window.print() was asked to do, counted instead of opening the print dialog
COUNT_PRINTS = "window.print = () => { window.__printed = (window.__printed || 0) + 1; };"


def test_the_reports_charts_render_and_the_community_selector_chooses(page, browser_log):
    sign_in(page, ADMIN)
    page.goto("/demo/reports/monthly")
    page.wait_for_function(CHARTS_DRAWN)
    groups = page.locator(".report-group").count()
    assert groups > 1 and page.locator(".report .chart").count() == groups

    # a community: its name heads the report, the choice stays on the period links and export
    selector = page.get_by_label("范围")
    community = selector.locator("option").nth(1)
    name, value = community.inner_text(), community.get_attribute("value")
    selector.select_option(value)
    page.get_by_role("button", name="查看").click()
    page.wait_for_url(re.compile(rf"community={value}"))
    expect(page.locator(".report-street")).to_contain_text(name)
    expect(page.get_by_label("范围")).to_have_value(value)
    for link in page.locator(".report-periods a, .report-actions a").all():
        assert parse_qs(urlparse(link.get_attribute("href")).query)["community"] == [value]
    page.wait_for_function(CHARTS_DRAWN)

    # an earlier month keeps the community; 全街道 goes back to the street
    page.locator(".report-periods a").first.click()
    page.wait_for_url(re.compile(r"month=\d{4}-\d{2}"))
    assert f"community={value}" in page.url
    expect(page.locator(".report-street")).to_contain_text(name)
    page.get_by_label("范围").select_option("")
    page.get_by_role("button", name="查看").click()
    page.wait_for_url(lambda url: "community=" in url and f"community={value}" not in url)
    expect(page.locator(".report-street")).not_to_contain_text(name)
    page.wait_for_function(CHARTS_DRAWN)

    # the quarterly report draws its charts too
    page.goto("/demo/reports/quarterly")
    page.wait_for_function(CHARTS_DRAWN)
    assert browser_log.console_errors == [] and browser_log.page_errors == []


def test_the_report_prints_alone_with_whole_tables(page, browser_log):
    sign_in(page, ADMIN)
    page.add_init_script(NO_RESIZE_EVENTS)
    page.add_init_script(COUNT_PRINTS)
    page.goto("/demo/reports/monthly")
    page.wait_for_function(CHARTS_DRAWN)

    page.get_by_role("button", name="打印").click()
    page.wait_for_function("() => window.__printed === 1")

    # the sheet's width, then the print media: the charts are drawn again when it applies
    page.set_viewport_size({"width": SHEET_WIDTH, "height": 1000})
    page.emulate_media(media="print")
    for furniture in (".topbar", ".sidebar", ".report .page-head", ".report form.filters"):
        assert page.locator(furniture).is_hidden(), furniture
    expect(page.locator(".report-print-head h1")).to_be_visible()
    printed = page.evaluate(PRINTED)
    assert printed
    for group in printed:
        assert group["overflow"] == "visible", group  # no scrolling box to clip a table
        assert group["tableWidth"] <= group["boxWidth"], group  # every column on the sheet
        if group["chartRight"] is not None:
            assert group["chartRight"] <= group["right"] + 0.5, group
            assert group["chartHeight"] > 100, group
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "report-print.png", full_page=True)

    pdf = page.pdf(prefer_css_page_size=True)
    sizes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    assert sizes and all(abs(float(w) - 595) < 2 and abs(float(h) - 842) < 2 for w, h in sizes)
    assert browser_log.csp_violations() == []
