"""长辈模式: a person's choice kept in the session like the language, shown as a class on <body>
that CSS enlarges; the switch sends back only to a page of this site."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.conftest import login


def body_is_elder(client, path: str) -> bool:
    html = client.get(path).get_data(as_text=True)
    body = html[html.index("<body") : html.index(">", html.index("<body"))]
    return " elder" in body or '"elder' in body


def test_the_switch_is_offered_on_the_login_page_and_in_the_menu(client, make_street):
    make_street("alpha")
    html = client.get("/alpha/login").get_data(as_text=True)
    assert html.count("/elder-mode?on=1") == 2  # the login card and the ☰ menu
    assert not body_is_elder(client, "/alpha/login")


def test_elder_mode_survives_login_and_logout_until_switched_off(client, make_street):
    street = make_street("alpha")
    response = client.get("/elder-mode", query_string={"on": "1", "next": "/alpha/login?x=1"})
    assert response.headers["Location"].endswith("/alpha/login?x=1")
    assert body_is_elder(client, "/alpha/login")

    login(client, "alpha", street.admin_phone)
    assert body_is_elder(client, "/alpha/dashboard")
    assert "/elder-mode?on=0" in client.get("/alpha/dashboard").get_data(as_text=True)
    client.post("/alpha/logout")
    assert body_is_elder(client, "/alpha/login")

    client.get("/elder-mode", query_string={"on": "0", "next": "/alpha/login"})
    assert not body_is_elder(client, "/alpha/login")


@pytest.mark.parametrize(
    "target", ["//evil.example", "https://evil.example", "/\\evil.example", "/\t/evil.example"]
)
def test_the_switch_does_not_redirect_off_site(client, target):
    response = client.get("/elder-mode", query_string={"on": "1", "next": target})
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).netloc in ("", "localhost")
