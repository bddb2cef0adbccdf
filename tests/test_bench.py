"""The benchmark's own guards: it never flushes a Redis database holding others' keys, and its
generated streets stay valid past street 999."""

from __future__ import annotations

import pytest

from bench.data import bench_phone
from bench.redisdb import BENCH_MARK, claim
from saas.auth.phone import normalise_phone
from tests.conftest import REDIS_TEST_URL, missing_service


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
    assert len(phones) == 3 and all(normalise_phone(p) == p for p in phones)
