"""Behind a reverse proxy, the client's address comes from X-Forwarded-For (TRUSTED_PROXIES)."""

from __future__ import annotations

import pytest


@pytest.fixture
def proxied_client(app_variant):
    variant = app_variant(TRUSTED_PROXIES=1, LOGIN_FAILURES_PER_ADDRESS="2 per 15 minutes")
    return variant.test_client()


def _wrong_login(client, slug, phone, address):
    return client.post(
        f"/{slug}/login",
        data={"phone": phone, "password": "wrong-password"},
        headers={"X-Forwarded-For": address},
    )


def test_login_throttle_counts_the_forwarded_client_address(proxied_client, make_street):
    street = make_street("alpha")
    for phone in ("13700000001", "13700000002"):
        assert _wrong_login(proxied_client, street.slug, phone, "203.0.113.7").status_code == 401
    assert (
        _wrong_login(proxied_client, street.slug, "13700000003", "203.0.113.7").status_code == 429
    )
    # another client behind the same proxy is not locked out with them
    assert (
        _wrong_login(proxied_client, street.slug, "13700000003", "198.51.100.9").status_code == 401
    )
