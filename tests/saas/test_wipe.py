"""The wipe before each test (tests/conftest.py): every row gone and ids from 1 again."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from saas.auth.models import User
from tests.conftest import both_backends


@both_backends
@pytest.mark.parametrize("run", [1, 2])
def test_each_test_starts_empty_with_ids_from_one(app, make_street, make_user, unscoped, run):
    with unscoped() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 0
    street = make_street("alpha")
    assert street.id == 1  # tenants take theirs from a sequence
    make_user(street)
