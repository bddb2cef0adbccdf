"""Headers, CSRF, error pages, request size, the health check: what a browser or an attacker sees."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tenants.structure.models import Community
from tests.conftest import both_backends, login

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def assert_safe_page(response) -> None:
    csp = response.headers.get("Content-Security-Policy", "")
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    body = response.get_data(as_text=True)
    assert not INLINE_SCRIPT.search(body), INLINE_SCRIPT.search(body)
    assert not EVENT_HANDLER.search(body), EVENT_HANDLER.search(body)


@pytest.fixture
def seeded(make_street, make_user, scoped):
    street = make_street("alpha")
    _, staff = make_user(street, "staff")
    _, volunteer = make_user(street, "volunteer")
    with scoped(street) as session:
        session.add(Community(name="朝阳社区"))
        session.commit()
    return street, staff, volunteer


def test_public_pages_have_the_security_headers_and_no_inline_script(client, seeded):
    for path in ("/", "/signup", "/alpha/", "/alpha/login", "/alpha/join", "/platform/login"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.mimetype == "text/html"
        assert_safe_page(response)


def test_signed_in_pages_have_the_security_headers_and_no_inline_script(app, seeded):
    street, staff, volunteer = seeded
    admin = app.test_client()
    login(admin, "alpha", street.admin_phone)
    for path in (
        "/alpha/dashboard",
        "/alpha/structure",
        "/alpha/people",
        "/alpha/people/new",
        "/alpha/audit",
        "/alpha/password",
        "/alpha/inbox",
        "/alpha/notifications/failed",
    ):
        response = admin.get(path)
        assert response.status_code == 200, path
        assert_safe_page(response)
    helper = app.test_client()
    login(helper, "alpha", volunteer)
    assert_safe_page(helper.get("/alpha/inbox"))


def test_error_pages_have_the_headers_too(client, seeded):
    for path, code in (("/nosuch/", 404), ("/alpha/nothing-here", 404)):
        response = client.get(path)
        assert response.status_code == code
        assert_safe_page(response)


def test_responses_are_not_cached_and_not_framed(client, seeded):
    response = client.get("/alpha/login")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_404_page_is_in_the_street_layout(client, seeded):
    response = client.get("/alpha/no-such-page")
    body = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "页面不存在" in body and 'class="topbar"' in body and "alpha街道" in body


def test_404_for_an_unknown_street(client):
    response = client.get("/nosuch/login")
    body = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "页面不存在" in body and 'class="topbar"' in body


def test_403_page_is_in_the_same_layout(app, seeded):
    street, staff, _ = seeded
    client = app.test_client()
    login(client, "alpha", staff)
    response = client.get("/alpha/structure")
    body = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "没有权限" in body and 'class="topbar"' in body and "alpha街道" in body
    assert_safe_page(response)


def test_405_is_a_page_not_a_crash(client, seeded):
    response = client.get("/alpha/logout")
    assert response.status_code == 405
    assert "请求方式不支持" in response.get_data(as_text=True)


@both_backends
def test_huge_ids_and_odd_numbers_are_not_found_not_a_crash(app, seeded):
    street, _, _ = seeded
    client = app.test_client()
    login(client, "alpha", street.admin_phone)
    huge = "9" * 25
    for path in (
        f"/alpha/structure/communities/{huge}/rename",
        f"/alpha/people/{huge}/disable",
        f"/alpha/people/{2**63}/disable",
    ):
        assert client.post(path, data={"name": "x"}).status_code == 404, path
    for query in (f"page={huge}", "page=²", "page=-1", "role=<b>", "q=%25_%25"):
        assert client.get(f"/alpha/people?{query}").status_code == 200, query
    for query in (f"actor={huge}", "actor=²", f"before={huge}", "since=2026-13-45", "until=x"):
        assert client.get(f"/alpha/audit?{query}").status_code == 200, query
    assert (
        client.post(
            "/alpha/people/new",
            data={"name": "甲", "phone": "13700000001", "role": "staff", "community": huge},
        ).status_code
        == 422
    )


def test_body_over_the_limit_is_refused_with_413(client, seeded):
    limit = client.application.config["MAX_CONTENT_LENGTH"]
    response = client.post(
        "/alpha/login",
        data=b"x" * (limit + 1),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413
    body = response.get_data(as_text=True)
    assert "内容过大" in body and 'class="topbar"' in body


@both_backends
def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.is_json
    state = response.get_json()
    assert (state["status"], state["database"], state["redis"]) == ("ok", "ok", "not configured")


def test_lang_switch_only_redirects_inside_the_site(client):
    assert client.get("/lang/en?next=https://evil.example/").headers["Location"] == "/"
    assert client.get("/lang/en?next=//evil.example/").headers["Location"] == "/"
    assert client.get("/lang/en?next=/signup").headers["Location"] == "/signup"


@pytest.fixture
def csrf_app(app_variant):
    """The same database as ``app``, with CSRF protection on, as in production."""
    return app_variant(WTF_CSRF_ENABLED=True)


def _token(body: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body) or re.search(
        r'"X-CSRFToken": "([^"]+)"', body
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


def test_a_form_post_without_the_token_gets_the_expired_page(csrf_app, make_street):
    street = make_street("alpha")
    client = csrf_app.test_client()
    response = client.post("/alpha/login", data={"phone": street.admin_phone, "password": "x"})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "页面已过期" in body and 'class="topbar"' in body
    assert_safe_page(response)
    # a wrong token is no better
    client.get("/alpha/login")
    response = client.post(
        "/alpha/login",
        data={"phone": street.admin_phone, "password": "x", "csrf_token": "forged"},
    )
    assert response.status_code == 400 and "页面已过期" in response.get_data(as_text=True)


def test_forms_with_the_token_work(csrf_app, make_street):
    street = make_street("alpha")
    client = csrf_app.test_client()
    token = _token(client.get("/alpha/login").get_data(as_text=True))
    response = client.post(
        "/alpha/login",
        data={"phone": street.admin_phone, "password": "secret-pass-1", "csrf_token": token},
    )
    assert response.status_code == 302
    assert client.get("/alpha/dashboard").status_code == 200


def test_htmx_post_with_the_header_from_the_page_works(csrf_app, make_street, scoped):
    street = make_street("alpha")
    client = csrf_app.test_client()
    token = _token(client.get("/alpha/login").get_data(as_text=True))
    client.post(
        "/alpha/login",
        data={"phone": street.admin_phone, "password": "secret-pass-1", "csrf_token": token},
    )
    page = client.get("/alpha/structure").get_data(as_text=True)
    header_token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)

    refused = client.post(
        "/alpha/structure/communities", data={"name": "朝阳社区"}, headers={"HX-Request": "true"}
    )
    assert refused.status_code == 400
    response = client.post(
        "/alpha/structure/communities",
        data={"name": "朝阳社区"},
        headers={"HX-Request": "true", "X-CSRFToken": header_token},
    )
    assert response.status_code == 200
    assert "朝阳社区" in response.get_data(as_text=True)
    with scoped(street) as session:
        assert session.scalar(select(func.count()).select_from(Community)) == 1


def test_signup_needs_the_token_too(csrf_app, unscoped):
    from saas.streets.models import Tenant

    client = csrf_app.test_client()
    data = {
        "street_name": "示范街道",
        "slug": "shifan",
        "district": "示范区",
        "admin_name": "王晓明",
        "phone": "13912345678",
        "password": "good-pass-1",
        "password_confirm": "good-pass-1",
        "agree_privacy": "y",
    }
    assert client.post("/signup", data=data).status_code == 400
    with unscoped() as session:
        assert session.scalar(select(func.count()).select_from(Tenant)) == 0
    token = _token(client.get("/signup").get_data(as_text=True))
    assert client.post("/signup", data={**data, "csrf_token": token}).status_code == 302


#: logouts would end the session mid-walk
SKIPPED_ENDPOINTS = {"auth.logout", "platform.logout", "static"}
ODD_VALUES = ["\x00", "²", "9" * 40, "-1", "<script>", "名" * 300, " ", "%", "\\"]
#: What SQLite could take otherwise than PostgreSQL: NUL, an integer past 64 bits, a text past a
#: column's length (PostgreSQL refuses it, SQLite keeps it), LIKE's wildcard and escape. Every
#: value runs on PostgreSQL, the stricter (a text where a number is expected fails there only);
#: SQLite, the embedded default, gets these. The others are Python's business, alike on both.
BACKEND_VALUES = ["\x00", "9" * 40, "名" * 300, "%", "\\"]


def _fill(rule, ids: dict) -> str:
    values = {}
    for arg in rule.arguments:
        if arg == "tenant":
            values[arg] = "alpha"
        elif arg in ids:
            values[arg] = ids[arg]
        elif arg == "action":
            values[arg] = "rename"
        elif arg == "filename":
            values[arg] = "app.css"
        elif arg == "code":
            values[arg] = "en"
        else:
            values[arg] = 1
    return rule.build(values, append_unknown=False)[1]


@pytest.mark.parametrize(
    ("backend", "odd_values"),
    [("sqlite", BACKEND_VALUES), ("postgres", ODD_VALUES)],
    indirect=["backend"],
    ids=["sqlite", "postgres"],
)
def test_odd_input_anywhere_is_never_a_500(app, seeded, make_user, scoped, odd_values):
    """Every route, as the admin and as nobody, with odd values in every usual field."""
    street, _, _ = seeded
    with scoped(street) as session:
        community = session.scalar(select(Community.id))
    ids = {
        "community_id": community,
        "grid_id": 1,
        "building_id": 1,
        "user_id": make_user(street, "volunteer")[0],
        "notification_id": 1,
        "entry_id": 1,
        "tenant_id": street.id,
    }
    fields = (
        "name", "phone", "password", "password_confirm", "current_password", "community",
        "role", "email", "worker_id", "status", "street_name", "slug", "district",
        "admin_name", "next", "q", "page", "action", "actor", "since", "until", "before",
    )  # fmt: skip
    problems = []
    for who in ("admin", "nobody"):
        for odd in odd_values:
            client = app.test_client()  # each walk from the start: signed in, in Chinese
            if who == "admin":
                login(client, "alpha", street.admin_phone)
            data = dict.fromkeys(fields, odd)
            for rule in app.url_map.iter_rules():
                if rule.endpoint in SKIPPED_ENDPOINTS:
                    continue
                url = _fill(rule, ids)
                for method in sorted(rule.methods & {"GET", "POST"}):
                    if method == "GET":
                        response = client.get(url, query_string=data)
                    else:
                        response = client.post(url, data=data)
                    if response.status_code >= 500:
                        problems.append((who, method, rule.rule, repr(odd[:10])))
    assert not problems, "\n".join(map(str, problems))


def test_inbox_paging_with_an_odd_before_is_not_a_500(app, seeded):
    street, _, _ = seeded
    client = app.test_client()
    login(client, "alpha", street.admin_phone)
    for odd in ("²", "9" * 40):
        assert client.get("/alpha/inbox", query_string={"before": odd}).status_code == 200


def test_a_nul_character_is_a_bad_request_not_a_crash(app, seeded):
    street, _, _ = seeded
    client = app.test_client()
    login(client, "alpha", street.admin_phone)
    response = client.post("/alpha/structure/communities", data={"name": "朝阳\x00社区"})
    assert response.status_code == 400
    assert "请求有误" in response.get_data(as_text=True)
    assert client.get("/alpha/people", query_string={"q": "\x00"}).status_code == 400
    assert client.get("/alpha/people").status_code == 200
