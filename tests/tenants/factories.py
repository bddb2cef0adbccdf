"""Plain helpers the module tests share: rows made inside a street's scope, signed-in clients."""

from __future__ import annotations

import struct
import zlib
from datetime import timedelta

from saas.db import utcnow
from tenants.events.models import Event, EventStatus
from tenants.structure.models import Community
from tests.conftest import login
from tests.test_query_counts import count_queries


def add_community(scoped, street, name: str, archived: bool = False) -> int:
    with scoped(street) as session:
        community = Community(name=name, archived_at=utcnow() if archived else None)
        session.add(community)
        session.commit()
        return community.id


def signed_in(app, slug: str, phone: str):
    """A new test client with ``phone`` signed in to street ``slug``."""
    client = app.test_client()
    assert login(client, slug, phone).status_code == 302
    return client


def make_event(scoped, street, **kw) -> int:
    """A published event starting in two days, 3 hours long, 10 seats, unless told otherwise."""
    start = kw.pop("starts_at", utcnow() + timedelta(days=2))
    values = {
        "title": "社区清洁",
        "starts_at": start,
        "ends_at": start + timedelta(hours=3),
        "capacity": 10,
        "status": EventStatus.published,
        **kw,
    }
    with scoped(street) as session:
        event = Event(**values)
        session.add(event)
        session.commit()
        return event.id


def png_bytes(padding: int = 0) -> bytes:
    """A real 1×1 PNG (``padding`` zero bytes of an ignored chunk make it as large as needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    extra = chunk(b"zzZz", b"\0" * padding) if padding else b""
    idat = zlib.compress(b"\0\xff\0\0")
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + extra
        + chunk(b"IDAT", idat)
        + chunk(b"IEND", b"")
    )


def assert_statements_do_not_grow(app, client, url: str, grow, more: int, most: int) -> str:
    """``url`` runs as many statements after ``grow(more)`` as after ``grow(2)``, and at most
    ``most``. Returns the text of the larger page.

    The street's row is looked up on both requests (its cache off): growing can take longer than
    the cache keeps it on a loaded machine, which would count one statement more by the clock.
    """
    cached = app.config.get("TENANT_CACHE_SECONDS")
    app.config["TENANT_CACHE_SECONDS"] = 0
    try:
        grow(2)
        with count_queries(app) as small:
            assert client.get(url).status_code == 200
        grow(more)
        with count_queries(app) as large:
            response = client.get(url)
    finally:
        app.config["TENANT_CACHE_SECONDS"] = cached
    assert response.status_code == 200
    assert len(large) == len(small), "\n".join(large)
    assert len(large) <= most, "\n".join(large)
    return response.get_data(as_text=True)
