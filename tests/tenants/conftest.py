"""Fixtures the module tests share: street 甲街道 (alpha), its 朝阳社区, its admin signed in."""

from __future__ import annotations

import pytest

from tests.tenants.factories import add_community, signed_in


@pytest.fixture
def street(make_street):
    return make_street("alpha", name="甲街道")


@pytest.fixture
def community(scoped, street):
    return add_community(scoped, street, "朝阳社区")


@pytest.fixture
def admin(app, street):
    """A client with the street's admin signed in."""
    return signed_in(app, "alpha", street.admin_phone)


@pytest.fixture
def uploads(app, tmp_path, monkeypatch):
    """Uploaded photos go to a temporary folder (use with ``pytest.mark.usefixtures``)."""
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path / "uploads"))
    return tmp_path / "uploads"
