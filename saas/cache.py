"""Figures computed once per interval, not on every view (the dashboard's trends and head counts).

A panel's figures are aggregates over a street's whole history (a year of ledger entries, every
volunteer); they change slowly and nobody needs them to the second. :func:`remember` keeps what
``compute()`` returned under a key — the street, the viewer's community scope and the panel — for
``FIGURES_CACHE_SECONDS`` (5 minutes by default), then computes it again on the next view.

Where it is kept: a dict per process (on the app, so each test app and each database has its own),
not Redis. The values are small (a dozen numbers per series), and a process serving a street's
dashboard recomputes them at most once per interval, so the cost of not sharing between gunicorn
workers is one computation per worker per interval, a few grouped queries. In exchange the
dashboard works the same without Redis (the embedded default), a frozen or lost Redis cannot stall
it or turn it into a 500, and nothing needs serialising: a view that hits the cache runs no
statement and no round trip for its figures. The dict is bounded (``MAX_ENTRIES``, oldest expiry
dropped first) so a process serving thousands of streets does not grow without end.

The clock is a parameter (``now``, seconds on ``time.monotonic``'s scale) so a test drives the
interval without sleeping. ``FIGURES_CACHE_SECONDS = 0`` turns the cache off. A module whose
figures someone expects to see move at once (the admin adds the first community, then opens the
dashboard) drops them when its rows change in this process (:func:`forget_street`); trends are
left to the interval.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import current_app, has_app_context

T = TypeVar("T")

#: entries one process keeps at most (streets × community scopes × panels)
MAX_ENTRIES = 5000
DEFAULT_SECONDS = 300


def _entries() -> dict[Hashable, tuple[float, object]]:
    return current_app.extensions.setdefault("figures_cache", {})


def remember(
    key: Hashable, compute: Callable[[], T], seconds: int | None = None, now: float | None = None
) -> T:
    """What ``compute()`` returns, kept under ``key`` for ``seconds`` (``FIGURES_CACHE_SECONDS``
    by default). The key must name everything the value depends on: street, scope, panel."""
    ttl = (
        current_app.config.get("FIGURES_CACHE_SECONDS", DEFAULT_SECONDS)
        if seconds is None
        else seconds
    )
    if not ttl:
        return compute()
    clock = time.monotonic() if now is None else now
    entries = _entries()
    hit = entries.get(key)
    if hit is not None and hit[0] > clock:
        return hit[1]  # type: ignore[return-value]
    value = compute()
    if len(entries) >= MAX_ENTRIES:
        _make_room(entries, clock)
    entries[key] = (clock + ttl, value)
    return value


def _make_room(entries: dict, clock: float) -> None:
    for key in [k for k, (expires, _v) in entries.items() if expires <= clock]:
        del entries[key]
    if len(entries) >= MAX_ENTRIES:
        oldest = sorted(entries, key=lambda k: entries[k][0])[: len(entries) // 10 + 1]
        for key in oldest:
            del entries[key]


def forget(prefix: Hashable | None = None) -> None:
    """Drop every entry, or those whose key tuple starts with ``prefix`` (no-op outside an app)."""
    if not has_app_context():
        return
    entries = _entries()
    if prefix is None:
        entries.clear()
        return
    for key in [k for k in entries if isinstance(k, tuple) and k[:1] == (prefix,)]:
        del entries[key]


def forget_street(panel: str, tenant_id: int) -> None:
    """Drop ``panel``'s figures of one street, for every community scope: a change this process
    made is seen on its next view (other processes see it within the interval)."""
    if not has_app_context():
        return
    entries = _entries()
    for key in [k for k in entries if isinstance(k, tuple) and k[:2] == (panel, tenant_id)]:
        del entries[key]


def viewer_key(panel: str, user) -> tuple:
    """The key of a dashboard panel's figures as ``user`` sees them: the panel, the street, and
    the community a staff member is limited to (None: the whole street)."""
    return (panel, user.tenant_id, user.limited_to_community)
