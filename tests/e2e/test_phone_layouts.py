"""Pages that must be read whole on a 375-px phone, and the certificate on A4 paper: nothing a
person needs (a status, the hours, the total) hides behind sideways scrolling."""

from __future__ import annotations

import re

import pytest

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
