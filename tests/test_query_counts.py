"""SQL statements per page: constant as the data grows, so an N+1 cannot creep in."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from saas.auth.models import User
from saas.extensions import db
from saas.modules import installed
from saas.notify.services import notify
from tenants.structure.models import Building, Community, Grid
from tests.conftest import both_backends, login

_IGNORED = ("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT", "PRAGMA")


@contextmanager
def count_queries(app):
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(_IGNORED):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def _grow(scoped, street, admin_id: int, n: int) -> None:
    """Add n communities (each with a grid, a building, a volunteer) and n notifications."""
    with scoped(street) as session:
        admin = session.scalar(select(User).where(User.id == admin_id))
        start = session.query(Community).count()
        for i in range(start, start + n):
            community = Community(name=f"社区{i}", position=i)
            session.add(community)
            session.flush()
            grid = Grid(community_id=community.id, name=f"网格{i}", worker_id=admin.id)
            session.add(grid)
            session.flush()
            session.add(Building(grid_id=grid.id, name=f"{i}号楼"))
            session.add(
                User(
                    phone=f"135{i:08d}",
                    name=f"志愿者{i}",
                    password_hash="x",
                    role="volunteer",
                    community_id=community.id,
                )
            )
            notify(session, admin, "welcome", f"通知{i}")
        session.commit()


#: what the dashboard's own frame costs (the session, the street, the user, the menu…): every
#: module's to-do and panel adds one statement to it (a panel out of the cache computes its series
#: in grouped statements; a view within the interval reads them back: tests/tenants/
#: test_dashboard.py), and one more for each figure it reads today's value of live (``Panel.
#: figures``: saas.figures.store.current). Derived from the registry, so a new module's to-do
#: needs no edit here.
DASHBOARD_FRAME = 7


def dashboard_budget(app) -> int:
    admin = "admin"
    modules = installed(app)
    todos = sum(1 for m in modules for t in m.todos if admin in t.roles)
    panels = sum(1 + len(p.figures) for m in modules for p in m.panels if admin in p.roles)
    return DASHBOARD_FRAME + todos + panels


PAGES = ["/dashboard", "/structure", "/people", "/inbox", "/inbox/badge", "/audit"]


@both_backends
@pytest.mark.parametrize("page", PAGES)
def test_statements_per_page_do_not_grow_with_the_data(
    app, client, make_street, scoped, page, monkeypatch
):
    # the dashboard computing its figures on each view, not reading them back (saas.cache)
    monkeypatch.setitem(app.config, "FIGURES_CACHE_SECONDS", 0)
    street = make_street("alpha")
    login(client, street.slug, street.admin_phone)
    url = f"/{street.slug}{page}"

    _grow(scoped, street, street.admin_id, 2)
    client.get(url)
    with count_queries(app) as small:
        assert client.get(url).status_code == 200
    _grow(scoped, street, street.admin_id, 12)
    client.get(url)  # the street row's cache may have expired meanwhile on a busy machine
    with count_queries(app) as large:
        assert client.get(url).status_code == 200

    assert len(large) == len(small), "\n".join(large)
    budget = dashboard_budget(app) if page == "/dashboard" else 12
    assert len(large) <= budget, "\n".join(large)
