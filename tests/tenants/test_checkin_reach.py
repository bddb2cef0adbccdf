"""签到 reachable: the check-in pages are linked where staff look on the day, the merchant's voucher
page scans with the camera, and the scanner opens without a network (its service worker)."""

from __future__ import annotations

import re
from datetime import timedelta

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
