"""签到 reachable: the check-in pages are linked where staff look on the day, the merchant's voucher
page scans with the camera, and the scanner opens without a network (its service worker)."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from saas.db import utcnow
from tenants.events.models import EventStatus
from tests.conftest import login
from tests.tenants.factories import make_event, signed_in


def page(response) -> str:
    return response.get_data(as_text=True)


def checkin_links(body: str, event_id: int) -> set[str]:
    """Which of the three check-in pages of ``event_id`` the page links to."""
    found = re.findall(
        rf'href="/alpha/events/{event_id}/(checkin-screen|scanner|checkin-poster)', body
    )
    return set(found)


ALL_THREE = {"checkin-screen", "scanner", "checkin-poster"}


# --- the event's page and the list's row ---------------------------------------------------------


def test_the_event_page_links_to_the_three_check_in_pages_for_staff(
    app, street, scoped, make_user, admin
):
    event_id = make_event(scoped, street, starts_at=utcnow() + timedelta(hours=1))
    assert checkin_links(page(admin.get(f"/alpha/events/{event_id}")), event_id) == ALL_THREE
    _uid, staff_phone = make_user(street, "staff")
    staff = signed_in(app, "alpha", staff_phone)
    response = staff.get(f"/alpha/events/{event_id}")
    assert response.status_code == 200 and checkin_links(page(response), event_id) == ALL_THREE
    # and each link opens
    for target in ALL_THREE:
        assert staff.get(f"/alpha/events/{event_id}/{target}").status_code == 200


def test_volunteers_are_not_shown_the_check_in_pages(app, street, scoped, make_user):
    event_id = make_event(scoped, street, starts_at=utcnow() + timedelta(hours=1))
    _uid, phone = make_user(street)
    volunteer = signed_in(app, "alpha", phone)
    assert volunteer.get(f"/alpha/events/{event_id}").status_code == 403
    activities = volunteer.get("/alpha/activities")
    assert activities.status_code == 200 and checkin_links(page(activities), event_id) == set()


def test_a_draft_or_cancelled_event_offers_no_check_in(street, scoped, admin):
    for status in (EventStatus.draft, EventStatus.cancelled):
        event_id = make_event(scoped, street, status=status)
        assert checkin_links(page(admin.get(f"/alpha/events/{event_id}")), event_id) == set()


def test_todays_row_in_the_event_list_links_to_check_in(street, scoped, admin):
    today = make_event(
        scoped, street, title="今天的活动", starts_at=utcnow() - timedelta(minutes=30)
    )
    later = make_event(scoped, street, title="后天的活动")
    body = page(admin.get("/alpha/events"))
    assert checkin_links(body, today) == ALL_THREE
    assert checkin_links(body, later) == set()
    # the htmx refresh of the rows (a filter typed) keeps them
    rows = page(admin.get("/alpha/events?kind=", headers={"HX-Request": "true"}))
    assert "<html" not in rows and checkin_links(rows, today) == ALL_THREE


def test_the_links_cost_no_statement_per_row(app, street, scoped, admin):
    from tests.test_query_counts import count_queries

    make_event(scoped, street, starts_at=utcnow() - timedelta(minutes=30))
    with count_queries(app) as few:
        admin.get("/alpha/events")
    for _ in range(5):
        make_event(scoped, street, starts_at=utcnow() - timedelta(minutes=20))
    with count_queries(app) as many:
        body = page(admin.get("/alpha/events"))
    assert body.count("/scanner") == 6
    assert len(many) == len(few)


def test_a_volunteer_cannot_open_what_the_links_point_at(client, street, scoped, make_user):
    event_id = make_event(scoped, street, starts_at=utcnow() + timedelta(hours=1))
    _uid, phone = make_user(street)
    login(client, "alpha", phone)
    for target in ALL_THREE:
        assert client.get(f"/alpha/events/{event_id}/{target}").status_code == 403


# --- the merchant's voucher page scans -----------------------------------------------------------


def test_the_voucher_page_has_a_scan_button_and_loads_the_shared_camera_script(
    app, street, make_user
):
    _uid, phone = make_user(street, "org", name="阳光便利店")
    merchant = signed_in(app, "alpha", phone)
    body = page(merchant.get("/alpha/rewards/verify"))
    assert "扫码核销" in body and 'data-qrscan-fill="code"' in body
    assert 'id="code"' in body  # the field the scan fills (and submits)
    assert "/static/vendor/jsqr.js" in body and "/static/qrscan.js" in body
    assert "<script>" not in body  # the CSP allows no inline script


def test_the_camera_code_lives_in_one_shared_script(client):
    shared = page(client.get("/static/qrscan.js"))
    checkin = page(client.get("/static/checkin.js"))
    assert "getUserMedia" in shared and "jsQR(" in shared
    assert "getUserMedia" not in checkin and "jsQR(" not in checkin
    assert "QrScan.attach" in checkin


# --- the scanner opens without a network ----------------------------------------------------------


def worker_assets(body: str) -> list[str]:
    match = re.search(r"var ASSETS = (\[.*?\]);", body)
    assert match, body[:400]
    return json.loads(match.group(1))


def test_the_scanner_registers_its_service_worker_and_loads_the_shared_camera_script(
    street, scoped, admin
):
    event_id = make_event(scoped, street, starts_at=utcnow())
    body = page(admin.get(f"/alpha/events/{event_id}/scanner"))
    assert 'data-sw-url="/alpha/checkin-sw.js"' in body
    assert 'data-sw-scope="/alpha/events/"' in body
    scripts = re.findall(r'<script src="([^"]+)"', body)
    assert scripts.index("/static/qrscan.js") < scripts.index("/static/checkin.js")
    assert scripts.index("/static/vendor/jsqr.js") < scripts.index("/static/qrscan.js")
    assert 'id="scan-pending"' in body  # how many scans wait to be sent


def test_the_service_worker_is_served_with_its_scope_and_lists_the_scanners_assets(
    client, street, scoped, admin
):
    response = admin.get("/alpha/checkin-sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/alpha/events/"
    assert response.headers["Cache-Control"] == "no-cache"
    # the security headers stay (a worker's own fetches obey the page's CSP: 'self' only)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    body = page(response)
    assets = worker_assets(body)
    event_id = make_event(scoped, street, starts_at=utcnow())
    scanner = page(admin.get(f"/alpha/events/{event_id}/scanner"))
    loaded = re.findall(r'(?:src|href)="(/static/[^"]+)"', scanner)
    assert loaded and set(loaded) <= set(assets)  # everything the page loads is kept
    # and each is served (one missing file would fail the worker's whole install)
    for url in assets:
        asset = client.get(url)
        if url.endswith(("jsqr.js", "htmx.min.js")) and asset.status_code == 404:
            pytest.skip("run `make assets` to install the front-end packages")
        assert asset.status_code == 200, url
    assert "/scanner$/" in body and "caches.open" in body and "{{" not in body


def test_the_service_worker_changes_when_an_asset_changes(app, admin, monkeypatch):
    from tenants.events import checkin_views

    first = page(admin.get("/alpha/checkin-sw.js"))
    monkeypatch.setattr(checkin_views, "SCANNER_ASSETS", (*checkin_views.SCANNER_ASSETS, "x.js"))
    second = page(admin.get("/alpha/checkin-sw.js"))
    version = re.compile(r'var VERSION = "([0-9a-f]+)";')
    assert version.search(first).group(1) != version.search(second).group(1)


def test_the_service_worker_is_for_the_office_only(app, client, street, make_user, make_street):
    assert client.get("/alpha/checkin-sw.js").status_code == 302  # to the login page
    _uid, phone = make_user(street)
    volunteer = signed_in(app, "alpha", phone)
    assert volunteer.get("/alpha/checkin-sw.js").status_code == 403
    other = make_street("bravo")
    bravo = signed_in(app, "bravo", other.admin_phone)
    response = bravo.get("/alpha/checkin-sw.js")
    assert response.status_code == 302 and "/alpha/login" in response.headers["Location"]
    assert bravo.get("/bravo/checkin-sw.js").headers["Service-Worker-Allowed"] == "/bravo/events/"
