"""The benchmark's own guards: it never flushes a Redis database holding others' keys, its
generated streets stay valid past street 999, and a generated street gives the grid worker's home
what it reads."""

from __future__ import annotations

import time

import psycopg
import pytest
from sqlalchemy import event

from bench import data
from bench.data import bench_phone, unit_phone, worker_phone
from bench.redisdb import BENCH_MARK, claim
from saas.auth.phone import normalise_phone
from saas.extensions import db
from tests.conftest import REDIS_TEST_URL, missing_service, pg_only


@pytest.fixture
def redis_db():
    import redis

    client = redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        missing_service("Redis", f"{REDIS_TEST_URL}: {exc}")
    client.flushdb()
    yield client
    client.flushdb()


def test_a_database_with_someone_elses_keys_is_refused_not_flushed(redis_db):
    redis_db.set("a-developers-queue", "keep me")
    with pytest.raises(SystemExit, match="holds keys no bench wrote"):
        claim(REDIS_TEST_URL)
    assert redis_db.get("a-developers-queue") == b"keep me"


def test_an_empty_or_own_database_is_claimed_and_marked(redis_db):
    claim(REDIS_TEST_URL)
    redis_db.set("left-by-the-bench", 1)
    claim(REDIS_TEST_URL)  # the bench's own: emptied again
    assert redis_db.exists(BENCH_MARK) and not redis_db.exists("left-by-the-bench")


@pytest.mark.parametrize("street", [1, 999, 1000, 1234])
def test_every_bench_street_gets_valid_phones(street):
    phones = {bench_phone(street, i) for i in (0, 1, 1999)}
    phones |= {unit_phone(street, u) for u in (0, data.UNITS - 1)}
    phones |= {worker_phone(street, w) for w in (0, data.COMMUNITIES - 1)}
    assert len(phones) == 7 and all(normalise_phone(p) == p for p in phones)


def _sign_in(app, client, tenant_id: int, user_id: int) -> None:
    """What a login leaves in the session (the bench's accounts have no usable password)."""
    from flask_login.utils import _create_identifier

    from saas.streets.privacy import SESSION_KEY

    with app.test_request_context():
        identifier = _create_identifier()
    now = int(time.time())
    with client.session_transaction() as session:
        session.update({"_user_id": f"u:{tenant_id}:{user_id}:{data.TOKEN}", "_fresh": True,
                        "_id": identifier, "auth_at": now, "seen_at": now, SESSION_KEY: 1})  # fmt: skip


@pg_only
def test_a_bench_street_gives_each_grid_worker_a_home_with_open_items(app, client):
    owner_url = app.config["TEST_OWNER_URL"].replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(owner_url) as conn:
        data.load(conn, 1, 1)
        statuses = dict(
            conn.execute("SELECT status, count(*) FROM grid_items GROUP BY status").fetchall()
        )
        first_steps = conn.execute(
            "SELECT count(*) FROM grid_item_steps WHERE kind = 'report'"
        ).fetchone()[0]
        workers = data.sample_grid_workers(conn, 1, 100)
    assert sum(statuses.values()) == data.ITEMS == first_steps
    assert statuses["closed"] > data.ITEMS * 3 // 4
    assert all(statuses.get(s) for s in ("reported", "accepted", "assigned", "in_progress",
                                          "done", "checked"))  # fmt: skip
    assert len(workers) == data.COMMUNITIES  # one a community, however many are asked for

    tenant_id, slug, worker_id, *_ = workers[0]
    _sign_in(app, client, tenant_id, worker_id)
    client.get(f"/{slug}/grid/worker")  # warm, as the bench does
    seen = []
    with app.app_context():
        engine = db.engine

    def count(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(f"/{slug}/grid/worker")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "第1网格" in body and body.count("WG") >= 10  # its grids' open items and its reports
    assert len(seen) <= 8, seen
