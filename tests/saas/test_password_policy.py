"""The stricter password policy a deployment may turn on (等保2.0): complexity and rotation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from saas.auth.models import User
from saas.db import utcnow
from tests.conftest import PASSWORD, login


@pytest.fixture
def strict_app(app_variant):
    return app_variant(PASSWORD_MAX_AGE_DAYS=90, PASSWORD_REQUIRE_CLASSES=3)


def _age_password(scoped, street, user_id, days):
    with scoped(street) as session:
        session.execute(
            update(User)
            .where(User.id == user_id)
            .values(password_changed_at=utcnow() - timedelta(days=days))
        )
        session.commit()


def test_an_old_password_must_be_changed_before_anything_else(strict_app, make_street, scoped):
    street = make_street("alpha")
    _age_password(scoped, street, street.admin_id, 100)
    client = strict_app.test_client()
    login(client, street.slug, street.admin_phone)

    response = client.get("/alpha/people")
    assert response.status_code == 302
    assert response.headers["Location"] == "/alpha/password"
    htmx = client.get("/alpha/inbox/badge", headers={"HX-Request": "true"})
    assert htmx.headers["HX-Redirect"] == "/alpha/password"
    page = client.get("/alpha/password").get_data(as_text=True)
    assert "超过 90 天未修改" in page

    # the stricter rule asks for three kinds of characters
    weak = client.post(
        "/alpha/password",
        data={
            "current_password": PASSWORD,
            "password": "abcdefgh1",
            "password_confirm": "abcdefgh1",
        },
    )
    assert weak.status_code == 422
    assert "至少 3 类" in weak.get_data(as_text=True)

    strong = "Street-Pass-2026"
    changed = client.post(
        "/alpha/password",
        data={"current_password": PASSWORD, "password": strong, "password_confirm": strong},
    )
    assert changed.status_code == 302
    assert client.get("/alpha/people").status_code == 200


def test_a_recent_password_is_not_asked_for(strict_app, make_street, scoped):
    street = make_street("alpha")
    _age_password(scoped, street, street.admin_id, 30)
    client = strict_app.test_client()
    login(client, street.slug, street.admin_phone)
    assert client.get("/alpha/people").status_code == 200


def test_no_rotation_by_default(app, client, make_street, scoped):
    street = make_street("alpha")
    _age_password(scoped, street, street.admin_id, 3650)
    login(client, street.slug, street.admin_phone)
    assert client.get("/alpha/people").status_code == 200
