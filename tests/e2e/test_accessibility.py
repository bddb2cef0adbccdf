"""axe-core on every role's main pages of the demo street: no critical or serious violation
(WCAG 2.1 A and AA). A regression — a colour that loses contrast, a control without a name —
fails here. Volunteers and merchants are checked on a phone; the office on a desktop and again at
a phone's width (375 px, where its sidebar folds into the ☰ menu), with the same tap-target rule.
The seasonal campaigns, grid governance and issue 13's pages (reports, exports, personal-data
rights, service records, the platform operator's dashboard) are walked per module
(``campaigns-admin``, ``grid-worker``, ``reports-staff`` …), so ``-k grid-`` walks one; a record's
page is found by its link on a list (or on a page found by its link).

Beyond axe, every page walked has exactly one ``<h1>``, headings that never skip a level (an
``<h3>`` straight after the ``<h1>``) and no empty header cell, and on the phone
pages every visible control is a tap target of at least 44×44 px (WCAG 2.5.5; 适老化 asks the
same), with every disclosure (row menu, ☰ menu, 更多) opened, since what it shows is tapped too.
Links inside running text (a ``<p>``) are exempt, as WCAG 2.5.8 exempts inline targets: a
sentence's line height sets their size. A checkbox or radio counts by its label, the thing a
finger actually taps; a text field's label is not a target of its own (the field is).

长辈模式 is walked again with the same checks, and as the high-contrast scheme it is: axe's AAA
contrast rule (7:1) on every phone page, disabled buttons marked by more than colour, a thick
focus ring."""

from __future__ import annotations

import re
from typing import NamedTuple

import pytest

from tests.e2e.axe import enhanced_contrast, severe
from tests.e2e.conftest import ARTIFACTS, OPERATOR, OPERATOR_PASSWORD
from tests.e2e.test_passport_journey import ADMIN, MOBILE, VOLUNTEER, sign_in

pytestmark = pytest.mark.e2e

MERCHANT, UNIT = "13900000301", "13900000003"
STAFF, GRID_WORKER = "13900000002", "13900000006"
PHONE, DESKTOP = "phone", "desktop"


class Linked(NamedTuple):
    """A page known by its link: the first ``<a href>`` on ``listing`` matching ``pattern``
    (a record's page, whose id the demo data decides). ``listing`` may itself be ``Linked``: then
    the first of the pages it matches that has such a link."""

    listing: str | Linked
    pattern: str


#: role → (phone number or None for a visitor, the pages, the screens they are walked on)
WALKS = {
    "visitor": (
        None,
        ["/", "/signup", "/demo/login", "/demo/join", "/demo/privacy", "/demo/merchants"],
        (PHONE,),
    ),
    "volunteer": (
        VOLUNTEER,
        [
            "/demo/me",
            "/demo/activities",
            "/demo/rewards",
            "/demo/wishes",
            "/demo/wishes/new",
            "/demo/me/history",
            "/demo/me/certificate",
            "/demo/inbox",
            "/demo/merchants",
            "/demo/merchants/member-day",
            "/demo/merchants/vote",
            "/demo/alliance/report",
            "/demo/alliance/posts",
        ],
        (PHONE,),
    ),
    "merchant": (
        MERCHANT,
        [
            "/demo/merchants/home",
            "/demo/activities",
            "/demo/rewards/verify",
            "/demo/merchants/offers",
            "/demo/merchants/my-statements",
            "/demo/inbox",
        ],
        (PHONE,),
    ),
    "unit": (
        UNIT,
        [
            "/demo/alliance/unit",
            "/demo/alliance/unit/meetings",
            "/demo/alliance/unit/resources",
            "/demo/inbox",
        ],
        (PHONE,),
    ),
    "admin": (
        ADMIN,
        [
            "/demo/dashboard",
            "/demo/events",
            "/demo/events?page=2",  # past the last page: the table's 上一页 link
            "/demo/passports",
            "/demo/rewards/manage",
            "/demo/wishes/review",
            "/demo/people",
            "/demo/structure",
            "/demo/audit",
            "/demo/imports",  # imports: what to import, templates, uploads
            "/demo/alliance/units",
            "/demo/alliance/needs",
            "/demo/alliance/resources",
            "/demo/alliance/projects",
            "/demo/alliance/reports",
            "/demo/alliance/posts/manage",
            "/demo/alliance/meetings",
            "/demo/alliance/resolutions",
            "/demo/alliance/reports/service",
            "/demo/alliance/evaluation",
            "/demo/merchants/circles",
            "/demo/merchants/records",
            "/demo/merchants/member-days",
            "/demo/merchants/statements",
            "/demo/merchants/voting",
            "/demo/merchants/events",
            "/demo/merchants/events/counts",
            "/demo/merchants/party-members",
        ],
        (DESKTOP, PHONE),
    ),
    # seasonal campaigns: the office's year, its dashboards, the jobs and relief registries
    "campaigns-admin": (
        ADMIN,
        [
            "/demo/campaigns",
            Linked("/demo/campaigns", r"/demo/campaigns/\d+$"),
            Linked("/demo/campaigns/dashboard", r"/demo/campaigns/\d+/dashboard$"),
            "/demo/campaigns/dashboard",
            "/demo/jobs/seekers",
            Linked("/demo/jobs/seekers", r"/demo/jobs/seekers/\d+$"),
            "/demo/jobs/positions",
            Linked("/demo/jobs/positions", r"/demo/jobs/positions/\d+$"),
            "/demo/jobs/employers",
            "/demo/jobs/fairs",
            "/demo/campaigns/relief",
            Linked("/demo/campaigns/relief", r"/demo/campaigns/relief/\d+$"),
            "/demo/campaigns/relief/visits-due",
        ],
        (DESKTOP, PHONE),
    ),
    "campaigns-staff": (
        STAFF,
        [
            "/demo/campaigns",
            "/demo/jobs/seekers",
            "/demo/campaigns/relief",
            "/demo/campaigns/relief/visits-due",
        ],
        (DESKTOP, PHONE),
    ),
    "campaigns-resident": (
        VOLUNTEER,
        ["/demo/seasons", "/demo/jobs", "/demo/campaigns/matchmaking"],
        (PHONE,),
    ),
    # grid governance: the office's items, figures, map and visits; the resident's reports;
    # the grid worker's phone
    "grid-admin": (
        ADMIN,
        [
            "/demo/grid/items",
            Linked("/demo/grid/items", r"/demo/grid/items/\d+$"),
            "/demo/grid/queue",
            "/demo/grid/my-items",
            "/demo/grid/figures",
            "/demo/grid/settings",
            "/demo/grid/map",
            Linked("/demo/grid/map", r"/demo/grid/map/\d+$"),
            "/demo/grid/visit-subjects",
            Linked("/demo/grid/visit-subjects", r"/demo/grid/visit-subjects/\d+$"),
            "/demo/grid/visits/by-worker",
            "/demo/grid/visit-groups",
        ],
        (DESKTOP, PHONE),
    ),
    "grid-staff": (
        STAFF,
        [
            "/demo/grid/my-items",
            "/demo/grid/queue",
            Linked("/demo/grid/my-items", r"/demo/grid/items/\d+$"),
        ],
        (DESKTOP, PHONE),
    ),
    "grid-resident": (
        VOLUNTEER,
        [
            "/demo/report",
            "/demo/my-reports",  # the demo's volunteer has reported nothing: no report's page
            "/demo/reports",
        ],
        (PHONE,),
    ),
    "grid-worker": (
        GRID_WORKER,
        [
            "/demo/grid/worker",
            "/demo/grid/visits",
            Linked("/demo/grid/visits", r"/demo/grid/visits/\d+$"),
        ],
        (PHONE,),
    ),
    # issue 13: the reports, exports, personal-data rights and service records of the office
    "reports-admin": (
        ADMIN,
        [
            "/demo/reports/monthly",
            "/demo/reports/quarterly",
            "/demo/exports",
            "/demo/deletion-requests?status=all",
            "/demo/settings/retention",
            "/demo/service-records",
            "/demo/notifications/failed",
            "/demo/account/data",
            Linked("/demo/passports", r"/demo/people/\d+/certificate$"),
            Linked(
                Linked("/demo/passports", r"/demo/people/\d+/certificate$"),
                r"/demo/people/\d+/id-number$",
            ),
            Linked(
                Linked("/demo/campaigns/dashboard", r"/demo/campaigns/\d+/dashboard$"),
                r"/demo/campaigns/events/\d+/profiles$",
            ),
        ],
        (DESKTOP, PHONE),
    ),
    "reports-staff": (
        STAFF,
        [
            "/demo/reports/monthly",
            "/demo/reports/quarterly",
            "/demo/exports",
            "/demo/service-records",
        ],
        (DESKTOP, PHONE),
    ),
    # a volunteer's own data, deletion and ID number, on their phone
    "rights-volunteer": (
        VOLUNTEER,
        [
            "/demo/account/data",
            "/demo/account/delete",
            "/demo/me/id-number",
            "/demo/me/certificate",
        ],
        (PHONE,),
    ),
    "rights-unit": (UNIT, ["/demo/exports", "/demo/account/data"], (PHONE,)),
    # the platform operator's dashboard (its own login)
    "platform-operator": (OPERATOR, ["/platform/"], (DESKTOP, PHONE)),
}


MIN_TARGET = 44

#: the page's headings and empty header cells, what a screen reader's outline is built from
STRUCTURE = """() => ({
  h1: document.querySelectorAll('h1').length,
  emptyTh: [...document.querySelectorAll('th')].filter(th => !th.textContent.trim()).length,
})"""
#: visible headings that skip a level (an h3 straight after the h1), as "h1 → H3": a screen
#: reader's user moving by heading is lost
SKIPPED_HEADINGS = """() => {
  const out = []; let previous = 0;
  for (const h of document.querySelectorAll('h1, h2, h3, h4, h5, h6')) {
    if (!h.checkVisibility()) continue;
    const level = Number(h.tagName[1]);
    if (previous && level > previous + 1) out.push(`h${previous} → ${h.tagName}`);
    previous = level;
  }
  return out;
}"""

#: visible controls smaller than MIN_TARGET either way, as "tag.class 'text' w×h"
SMALL_TARGETS = """(min) => {
  const out = [];
  for (const el of document.querySelectorAll('a, button, input, select, summary, label[for]')) {
    if (!el.checkVisibility({visibilityProperty: true, opacityProperty: true})) continue;
    if (el.type === 'hidden') continue;
    // a text field's label only moves the focus to the field, itself the (large) target
    if (el.tagName === 'LABEL' && !['checkbox', 'radio'].includes(el.control?.type)) continue;
    if (el.tagName === 'A' && el.closest('p')) continue;  // inline in running text: exempt
    let box = el;
    if (el.type === 'checkbox' || el.type === 'radio') {
      box = el.closest('label') || document.querySelector(`label[for="${el.id}"]`) || el;
    }
    const r = box.getBoundingClientRect();
    if (r.width < min || r.height < min) {
      const name = (el.textContent || el.value || el.getAttribute('aria-label') || '').trim();
      out.push(`${el.tagName.toLowerCase()}.${el.className} '${name.slice(0, 12)}' ` +
               `${Math.round(r.width)}x${Math.round(r.height)}`);
    }
  }
  return out;
}"""

#: open every closed <details> (its index returned, to close it again after measuring)
OPEN_DISCLOSURES = """() => [...document.querySelectorAll('details')].flatMap((d, i) => {
  if (d.open) return [];
  d.open = true;
  return [i];
})"""
CLOSE_DISCLOSURES = """(opened) => {
  const all = document.querySelectorAll('details');
  for (const i of opened) all[i].open = false;
}"""

#: pages whose full-page screenshot every run keeps in test-artifacts/, to look at
KEPT_SCREENSHOTS = {
    ("admin", "/demo/dashboard", False): "admin-dashboard",
    ("admin", "/demo/dashboard", True): "admin-dashboard-phone",
    ("volunteer", "/demo/me", True): "me",
}


#: every link's path on the page
HREFS = """() => [...document.querySelectorAll('a[href]')]
  .map(a => new URL(a.href, location.href).pathname)"""


def candidates(page, path: str | Linked) -> list[str]:
    """The path itself, or a ``Linked`` page's: the matching links of the first of its listings
    that has any."""
    if isinstance(path, str):
        return [path]
    for listing in candidates(page, path.listing):
        page.goto(listing)
        if found := [href for href in page.evaluate(HREFS) if re.search(path.pattern, href)]:
            return found
    raise AssertionError(f"no link like {path.pattern} on {path.listing}")


def resolve(page, path: str | Linked) -> str:
    """The path itself, or a ``Linked`` page's: its listing's first link that matches."""
    return candidates(page, path)[0]


def walk(page, role: str, paths: list, signed_in: bool, on_phone: bool) -> dict:
    """Each path's faults: axe's severe ones, the heading outline, small tap targets."""
    found = {}
    for entry in paths:
        path = resolve(page, entry)
        page.goto(path)
        assert "/login" not in page.url or not signed_in, f"{role} was sent to log in at {path}"
        if faults := faults_here(page, on_phone):
            found[path] = faults
        if name := KEPT_SCREENSHOTS.get((role, path, on_phone)):
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)
    return found


def faults_here(page, on_phone: bool) -> list:
    faults = [(v["id"], v["nodes"], v["targets"]) for v in severe(page)]
    structure = page.evaluate(STRUCTURE)
    if structure["h1"] != 1:
        faults.append(("h1 count", structure["h1"]))
    if structure["emptyTh"]:
        faults.append(("empty th", structure["emptyTh"]))
    if skipped := page.evaluate(SKIPPED_HEADINGS):
        faults.append(("skipped heading levels", skipped))
    if on_phone:
        # what a tap opens is tapped too: row menus, the ☰ menu, a card's 更多
        opened = page.evaluate(OPEN_DISCLOSURES)
        small = page.evaluate(SMALL_TARGETS, MIN_TARGET)
        page.evaluate(CLOSE_DISCLOSURES, opened)
        if small:
            faults.append(("tap targets", small))
    return faults


@pytest.mark.parametrize(
    ("role", "screen"),
    [(role, screen) for role, (_, _, screens) in WALKS.items() for screen in screens],
)
def test_no_serious_accessibility_fault_on_a_roles_pages(make_page, role, screen):
    phone, paths, _ = WALKS[role]
    on_phone = screen == PHONE
    page = make_page(role, **MOBILE) if on_phone else make_page(role)
    if phone == OPERATOR:
        sign_in_operator(page)
    elif phone:
        sign_in(page, phone)
    found = walk(page, role, paths, bool(phone), on_phone)
    assert found == {}


def sign_in_operator(page) -> None:
    page.goto("/platform/login")
    page.get_by_label("手机号").fill(OPERATOR)
    page.get_by_label("密码", exact=True).fill(OPERATOR_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/login" not in url)


def base_font_px(page) -> float:
    return page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)")


def test_elder_mode_is_chosen_once_and_kept_across_logins(make_page):
    """A retired volunteer turns on 长辈模式 on the login page: bigger type and targets on every
    page after, the axe walk as clean, and still on after signing out and back in."""
    page = make_page("elder", **MOBILE)
    page.goto("/demo/login")
    standard = base_font_px(page)
    page.get_by_role("link", name="长辈模式").click()
    page.wait_for_url(lambda url: url.endswith("/demo/login"))
    assert "elder" in page.get_attribute("body", "class")
    assert base_font_px(page) >= 20 > standard

    sign_in(page, VOLUNTEER)
    phone_pages = WALKS["volunteer"][1]
    found = walk(page, "volunteer", phone_pages, True, True)
    assert found == {}
    assert "elder" in page.get_attribute("body", "class")

    # the balance and the next event are the first screen of /me; the event is one tap away
    page.goto("/demo/me")
    assert page.locator(".passport-points").is_visible()
    page.locator(".next-signup-title a").click()
    page.wait_for_url(lambda url: "/demo/activities/" in url)
    assert faults_here(page, on_phone=True) == []

    page.goto("/demo/me")
    page.locator("details.menu summary").click()
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_load_state()
    page.goto("/demo/login")
    assert "elder" in page.get_attribute("body", "class"), "长辈模式 was lost at logout"

    # and off again from the ☰ menu of a page
    sign_in(page, VOLUNTEER)
    page.goto("/demo/activities")
    page.locator("details.menu summary").click()
    page.get_by_role("link", name="退出长辈模式").click()
    page.wait_for_url(lambda url: url.endswith("/demo/activities"))
    assert "elder" not in (page.get_attribute("body", "class") or "")
    assert base_font_px(page) == standard


def turn_on_elder_mode(page) -> None:
    page.goto("/demo/login")
    page.get_by_role("link", name="长辈模式").click()
    page.wait_for_url(lambda url: url.endswith("/demo/login"))


@pytest.mark.parametrize("role", [role for role, walk in WALKS.items() if walk[2] == (PHONE,)])
def test_elder_mode_is_a_high_contrast_scheme(make_page, role):
    """长辈模式 is a high-contrast scheme: on every phone page of the walk, all text — tags,
    badges, points, muted lines, links, buttons — stands at 7:1 against its background (axe's
    ``color-contrast-enhanced``, WCAG AAA, which axe leaves off by default)."""
    phone, paths, _ = WALKS[role]
    page = make_page(f"elder-{role}", **MOBILE)
    turn_on_elder_mode(page)
    if phone:
        sign_in(page, phone)
    found, disabled = {}, 0
    for entry in paths:
        path = resolve(page, entry)
        page.goto(path)
        assert "elder" in page.get_attribute("body", "class"), path
        opened = page.evaluate(OPEN_DISCLOSURES)  # what a tap shows is read too
        if faults := enhanced_contrast(page):
            found[path] = [(v["nodes"], v["targets"], v["contrast"]) for v in faults]
        page.evaluate(CLOSE_DISCLOSURES, opened)
        # a button that cannot be pressed says so by more than a paler colour: a dashed border
        for style in page.evaluate(DISABLED_BORDERS):
            disabled += 1
            assert style == "dashed", (path, style)
    assert found == {}
    if role == "volunteer":
        assert disabled, "no disabled button (积分不足, 已兑完) was walked"

    # the keyboard's focus: a thick ring, not the browser's thin default
    page.keyboard.press("Tab")
    ring = page.evaluate(FOCUS_RING)
    assert ring["style"] == "solid" and ring["width"] >= 3, ring


#: the border style of every visible disabled button
DISABLED_BORDERS = """() => [...document.querySelectorAll('button:disabled')]
  .filter(b => b.checkVisibility())
  .map(b => getComputedStyle(b).borderTopStyle)"""
#: the focused element's outline
FOCUS_RING = """() => {
  const s = getComputedStyle(document.activeElement);
  return {tag: document.activeElement.tagName, style: s.outlineStyle, width: parseFloat(s.outlineWidth)};
}"""
