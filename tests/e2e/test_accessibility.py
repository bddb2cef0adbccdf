"""axe-core on every role's main pages of the demo street: no critical or serious violation
(WCAG 2.1 A and AA). A regression — a colour that loses contrast, a control without a name —
fails here. Volunteers and merchants are checked on a phone, the office on a desktop."""

from __future__ import annotations

import pytest

from tests.e2e.axe import severe
from tests.e2e.test_passport_journey import ADMIN, MOBILE, VOLUNTEER, sign_in

pytestmark = pytest.mark.e2e

MERCHANT = "13900000301"
#: role → (phone or None for a visitor, the pages, phone-sized or not)
WALKS = {
    "visitor": (None, ["/", "/signup", "/demo/login", "/demo/join", "/demo/privacy"], True),
    "volunteer": (
        VOLUNTEER,
        ["/demo/me", "/demo/activities", "/demo/rewards", "/demo/wishes", "/demo/inbox"],
        True,
    ),
    "merchant": (MERCHANT, ["/demo/rewards/verify", "/demo/inbox"], True),
    "admin": (
        ADMIN,
        [
            "/demo/dashboard",
            "/demo/events",
            "/demo/passports",
            "/demo/rewards/manage",
            "/demo/wishes/review",
            "/demo/people",
            "/demo/structure",
            "/demo/audit",
        ],
        False,
    ),
}


@pytest.mark.parametrize("role", list(WALKS))
def test_no_serious_accessibility_fault_on_a_roles_pages(make_page, role):
    phone, paths, on_phone = WALKS[role]
    page = make_page(role, **MOBILE) if on_phone else make_page(role)
    if phone:
        sign_in(page, phone)
    found = {}
    for path in paths:
        page.goto(path)
        assert "/login" not in page.url or phone is None, f"{role} was sent to log in at {path}"
        faults = severe(page)
        if faults:
            found[path] = [(v["id"], v["nodes"], v["targets"]) for v in faults]
    assert found == {}
