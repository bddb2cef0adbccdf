"""A Redis database the benches may empty: one that is empty, or that a bench marked as its own.

A database holding anyone else's keys (the tests', a developer's queue) is refused, not flushed.
"""

from __future__ import annotations

#: the key that says a Redis database is a bench's own, to empty at will
BENCH_MARK = "ljt-bench:owned"


def claim(url: str, variable: str = "BENCH_REDIS_URL"):
    """A client for ``url``, emptied and marked; SystemExit if Redis is away or the database
    holds keys no bench wrote."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        raise SystemExit(f"Redis is not answering at {url} ({variable})") from None
    if client.dbsize() and not client.exists(BENCH_MARK):
        raise SystemExit(f"{url} holds keys no bench wrote: give {variable} an empty database")
    empty(client)
    return client


def empty(client) -> None:
    """Flush a claimed database, keeping it marked as the bench's."""
    client.flushdb()
    client.set(BENCH_MARK, "1")
