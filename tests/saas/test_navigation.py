"""What each role finds to move around with: the office's sidebar, the volunteer's tab bar, and a
landing page that lists what a street gets, all read from the module declarations."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from saas.modules import (
    ADMIN,
    PHONE,
    MenuEntry,
    MenuGroup,
    Module,
    Tab,
    check,
    installed,
    offered,
)
from tenants import MODULES
from tests.tenants.factories import add_community, signed_in

SAMPLE = "tests.saas.sample_module"
#: the volunteer's four places, in the bar's order: (tab label, page)
VOLUNTEER_TABS = [
    ("护照", "/alpha/me"),
    ("活动", "/alpha/activities"),
    ("爱心超市", "/alpha/rewards"),
    ("心愿", "/alpha/wishes"),
]


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def nav(html: str, opening: str) -> str | None:
    """The markup of the <nav> that starts with ``opening``, or None when the page has none."""
    if opening not in html:
        return None
    return html.split(opening, 1)[1].split("</nav>", 1)[0]


def sidebar(html: str) -> str | None:
    return nav(html, '<nav class="sidebar" aria-label="导航">')


def drop_down(html: str) -> str:
    return nav(html, '<nav class="menu-items">')


def tabbar(html: str) -> str | None:
    return nav(html, '<nav class="tabbar" aria-label="常用">')


def link_texts(markup: str) -> list[str]:
    return [re.sub(r"\s+", " ", t).strip() for t in re.findall(r"<a [^>]*>([^<]+)</a>", markup)]


def groups(markup: str) -> list[str]:
    return re.findall(r'role="group" aria-label="([^"]+)"', markup)


def current(markup: str) -> list[str]:
    """The links marked as the page being shown: their hrefs."""
    return re.findall(r'<a href="([^"]+)" aria-current="page"', markup)


def tabs(markup: str) -> list[tuple[str, str]]:
    """(label, href) of each tab, in order."""
    found = re.findall(
        r'<a href="([^"]+)"[^>]*>.*?<span class="tab-label">([^<]+)</span>', markup, re.S
    )
    return [(label, href) for href, label in found]


# --- the office's sidebar ------------------------------------------------------------------------


def test_the_admin_has_a_sidebar_grouped_in_order(app, make_street):
    street = make_street("alpha")
    html = page(signed_in(app, "alpha", street.admin_phone), "/alpha/dashboard")

    side = sidebar(html)
    assert side is not None
    # the platform's and the first modules' groups in the order the issue fixed, every later
    # module's group (党建联盟, 商圈 …) in between by its order, then settings, the log, the account
    shown = groups(side)
    assert shown[:5] == ["工作台", "活动", "志愿护照与积分", "爱心超市", "微心愿"]
    assert shown[-3:] == ["设置", "日志", "我的账号"]
    later = [
        str(g.label)
        for g in sorted(
            (g for m in installed(app) for g in m.menu_groups if 400 < g.order < 900),
            key=lambda g: g.order,
        )
        if any(e.group == g.key and "admin" in e.roles for m in installed(app) for e in m.menu)
    ]
    assert shown[5:-3] == later and "党建联盟" in later
    # a group's heading is shown over its entries, unless it would only repeat its one entry
    assert '<span class="menu-group-label" aria-hidden="true">设置</span>' in side
    assert '<span class="menu-group-label" aria-hidden="true">工作台</span>' not in side
    assert current(side) == ["/alpha/dashboard"]
    assert link_texts(side)[:3] == ["工作台", "活动管理", "志愿护照"]

    # the ☰ drop-down (shown under 900 px instead) is the same list from the same template
    menu = drop_down(html)
    assert link_texts(menu) == link_texts(side)
    assert current(menu) == ["/alpha/dashboard"]

    # the top bar keeps the street, the inbox and who is signed in, with the way out
    topbar = html.split('<header class="topbar">', 1)[1].split("<details", 1)[0]
    assert street.name in topbar
    assert 'class="inbox-link"' in topbar and 'id="inbox-badge"' in topbar
    assert '<span class="topbar-user">' in topbar and 'action="/alpha/logout"' in topbar

    # another page: the sidebar marks it and only it
    side = sidebar(page(signed_in(app, "alpha", street.admin_phone), "/alpha/people"))
    assert current(side) == ["/alpha/people"]


def test_staff_do_not_see_the_admins_entries(app, make_street, make_user, scoped):
    street = make_street("alpha")
    community = add_community(scoped, street, "朝阳社区")
    _sid, staff = make_user(street, "staff", community_id=community)
    admin_only = [str(e.label) for m in installed(app) for e in m.menu if e.roles == ADMIN]
    assert {"组织架构", "积分设置", "操作日志", "发送失败的通知"} <= set(admin_only)

    html = page(signed_in(app, "alpha", staff), "/alpha/events")
    side = sidebar(html)
    assert side is not None and "活动管理" in link_texts(side)
    assert current(side) == ["/alpha/events"]
    for label in admin_only:
        assert label not in link_texts(side) and label not in link_texts(drop_down(html))
    assert tabbar(html) is None


# --- the phone's tab bar -------------------------------------------------------------------------


def test_the_volunteer_has_four_tabs_with_the_current_one_marked(app, make_street, make_user):
    street = make_street("alpha")
    _vid, volunteer = make_user(street, "volunteer")
    client = signed_in(app, "alpha", volunteer)

    for _label, url in VOLUNTEER_TABS:
        html = page(client, url)
        bar = tabbar(html)
        assert bar is not None, url
        assert tabs(bar) == VOLUNTEER_TABS
        assert current(bar) == [url]
        assert sidebar(html) is None  # the phone layout: no office sidebar
        assert '<summary aria-label="菜单">' in html  # the ☰ keeps the rest

    # a page that is not a tab still has the bar, with nothing marked
    bar = tabbar(page(client, "/alpha/inbox"))
    assert tabs(bar) == VOLUNTEER_TABS and current(bar) == []


def test_org_accounts_have_no_volunteer_tabs(app, make_street, make_user):
    street = make_street("alpha")
    _oid, org = make_user(street, "org")
    html = page(signed_in(app, "alpha", org), "/alpha/inbox")
    assert tabbar(html) is None and sidebar(html) is None
    assert "我的通知" in link_texts(drop_down(html))


def test_a_tab_for_roles_that_do_not_see_its_entry_is_refused():
    app = Flask(__name__)
    app.add_url_rule("/x", "x", lambda: "")
    app.extensions["modules"] = [
        Module(
            name="odd",
            label="odd",
            menu_groups=(MenuGroup("odd", "odd", 1),),
            menu=(MenuEntry("x", "x", "odd", PHONE, tab=Tab(1, ADMIN)),),
        )
    ]
    assert check(app) == ["odd: tab x for roles without the entry"]


# --- the landing page: what exists ---------------------------------------------------------------

#: what the landing page used to promise before any module did it
#: (双报到, 三项清单 and 联席会议 are the party alliance's, the rest the grid's, now on offer)
NOT_BUILT = ["事项上报", "督办", "回访", "网格治理"]


def test_the_landing_page_lists_the_installed_modules(app, client):
    html = page(client, "/")
    modules = offered(app)
    assert [m.name for m in modules] == [path.rsplit(".", 1)[1] for path in MODULES]
    for module in modules:
        assert f"<h2>{module.label}</h2>" in html
        assert module.summary and f"<p>{module.summary}</p>" in html
    assert "<h2>平台</h2>" not in html  # the platform's own declaration is no module on offer
    # a promise may be made only by the name or summary of a module that is installed
    summaries = "".join(f"{module.label}{module.summary}" for module in modules)
    for promise in NOT_BUILT:
        assert promise not in html or promise in summaries, promise
    assert "样例" not in html


@pytest.fixture
def with_sample(app_variant):
    return app_variant(MODULES=[*MODULES, SAMPLE])


def test_a_new_module_appears_on_the_landing_page(with_sample):
    html = page(with_sample.test_client(), "/")
    assert "<h2>样例</h2>" in html
    assert "<p>样例模块的一句话介绍。</p>" in html
    assert html.index("<h2>微心愿</h2>") < html.index("<h2>样例</h2>")  # in the list's order


def test_structure_promises_no_visits_or_reports(app, make_street):
    street = make_street("alpha")
    html = page(signed_in(app, "alpha", street.admin_phone), "/alpha/structure")
    # the page itself; the navigation lists what the modules offer (the relief registry's 走访提醒)
    body = html[html.index("<main") : html.index("</main>")]
    assert "走访" not in body and "事项上报" not in body
