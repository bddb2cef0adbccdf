"""Pages that must be read whole on a 375-px phone, and the certificate on A4 paper: nothing a
person needs (a status, the hours, the total) hides behind sideways scrolling."""

from __future__ import annotations

import re

import pytest

from tests.e2e.test_accessibility import SKIPPED_HEADINGS
from tests.e2e.test_passport_journey import ADMIN, MOBILE, VOLUNTEER, sign_in

pytestmark = pytest.mark.e2e

WIDTH = MOBILE["viewport"]["width"]


def assert_on_screen(page, selector: str) -> int:
    """Every element matching ``selector`` lies within the phone's width; returns how many."""
    boxes = page.eval_on_selector_all(
        selector,
        "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.left, r.right]; })",
    )
    for left, right in boxes:
        assert left >= 0 and right <= WIDTH, (selector, left, right)
    return len(boxes)


def assert_no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH


def test_the_certificate_reads_on_a_phone_and_prints_on_a4(make_page, browser_log):
    phone = make_page("volunteer", **MOBILE)
    sign_in(phone, VOLUNTEER)
    phone.goto("/demo/me/certificate?from=2000-01-01&to=2100-12-31")
    assert_no_sideways_scroll(phone)
    assert assert_on_screen(phone, ".certificate-table .cert-total") == 1
    assert_on_screen(phone, ".certificate-table tbody .cert-hours")
    assert_on_screen(phone, ".certificate-table tbody .cert-source")
    assert re.search(r"\d 小时", phone.locator(".cert-total").inner_text())

    phone.emulate_media(media="print")
    assert phone.locator(".topbar").is_hidden() and phone.locator("form.filters").is_hidden()
    pdf = phone.pdf(prefer_css_page_size=True)
    # A4 is 595 × 842 points
    sizes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    assert sizes and all(abs(float(w) - 595) < 2 and abs(float(h) - 842) < 2 for w, h in sizes), (
        sizes
    )
    assert browser_log.csp_violations() == []


@pytest.mark.parametrize("path", ["/demo/rewards/redemptions", "/demo/events", "/demo/audit"])
def test_staff_tables_show_their_status_on_a_phone(make_page, path):
    phone = make_page("admin", **MOBILE)
    sign_in(phone, ADMIN)
    phone.goto(path)
    assert_no_sideways_scroll(phone)
    rows = phone.locator(".table-wrap tbody tr").count()
    assert rows > 0
    assert_on_screen(phone, ".table-wrap tbody td")


#: visible form fields without a name a screen reader can say (a <label>, aria-label(ledby))
UNLABELLED_FIELDS = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(el => el.type !== 'hidden' && el.checkVisibility())
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                && !el.getAttribute('aria-labelledby'))
  .map(el => el.name || el.id)"""


@pytest.mark.parametrize(
    "path", ["/demo/account/data", "/demo/account/delete", "/demo/me/id-number"]
)
def test_a_volunteers_data_rights_read_on_a_phone(make_page, path):
    """What a volunteer reaches from their phone's menu or passport: on the screen, every field
    named, the headings in order, the buttons within the width."""
    phone = make_page("volunteer", **MOBILE)
    sign_in(phone, VOLUNTEER)
    phone.goto(path)
    assert_no_sideways_scroll(phone)
    assert phone.evaluate(UNLABELLED_FIELDS) == []
    assert phone.evaluate(SKIPPED_HEADINGS) == []
    assert assert_on_screen(phone, ".page .button, .page button, .page input, .page td") > 0


@pytest.mark.parametrize("path", ["/demo/reports/monthly", "/demo/reports/quarterly"])
def test_the_reports_tables_read_on_a_phone(make_page, path):
    """Staff reading a report on a phone: each figure a card on the screen, its numbers named
    (本期, 上期 … from data-label: bare numbers would not say which is which), the chart in its
    card's width."""
    phone = make_page("admin", **MOBILE)
    sign_in(phone, ADMIN)
    phone.goto(path)
    assert_no_sideways_scroll(phone)
    assert assert_on_screen(phone, ".report-table tbody th") > 0
    assert_on_screen(phone, ".report-table tbody td")
    assert_on_screen(phone, ".report .chart")
    unnamed = phone.eval_on_selector_all(
        ".report-table tbody td.num", "tds => tds.filter(td => !td.dataset.label).length"
    )
    assert unnamed == 0
    assert phone.evaluate(UNLABELLED_FIELDS) == []
    assert phone.evaluate(SKIPPED_HEADINGS) == []
