"""Rate-limit counters that outlive a Redis outage.

Every count we keep (login tries, SMS codes, the sign-up and join limits) goes through
``limiter.limiter``: the decorators of Flask-Limiter and our own direct ``hit``/``test``/``clear``
calls alike. With Redis down or frozen, those calls raised and login, /join and /signup answered
500. Here that strategy is wrapped: when the shared storage fails, the counting goes on in this
process's memory, a WARNING says once that the shared counters are unavailable, and the shared
storage is tried again every ``RETRY_SECONDS``.

While Redis is away each web process counts on its own, so a limit is at most multiplied by the
number of processes; the counts kept meanwhile are not copied back. That is the price of letting
people log in during an outage instead of refusing everyone.

Flask-Limiter's own ``in_memory_fallback_enabled`` is not used: it switches only when a decorated
limit fails, so our direct calls (the login throttle, the SMS codes) would still raise, and it
would log a second message of its own.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import flask_limiter
from flask import Flask
from limits.errors import StorageError
from limits.storage import MemoryStorage
from limits.strategies import RateLimiter
from redis.backoff import NoBackoff
from redis.retry import Retry

log = logging.getLogger(__name__)

T = TypeVar("T")

#: how long counting stays in memory before the shared storage is tried again (seconds); one
#: request in this many seconds pays the socket timeout while Redis is frozen
RETRY_SECONDS = 30.0


class FallbackCounters:
    """The shared strategy, or while its storage fails, the same strategy on process memory.

    The same four calls as ``limits.strategies.RateLimiter``, so Flask-Limiter and our code use it
    without knowing.
    """

    def __init__(self, shared: RateLimiter, retry_seconds: float = RETRY_SECONDS):
        self.shared = shared
        self.retry_seconds = retry_seconds
        self._local: RateLimiter | None = None
        #: when the shared storage last failed (time.monotonic()); None while it works
        self._failed_at: float | None = None
        self._lock = threading.Lock()

    @property
    def using_fallback(self) -> bool:
        return self._failed_at is not None

    def hit(self, item, *identifiers: str, cost: int = 1) -> bool:
        return self._call(lambda s: s.hit(item, *identifiers, cost=cost))

    def test(self, item, *identifiers: str, cost: int = 1) -> bool:
        return self._call(lambda s: s.test(item, *identifiers, cost=cost))

    def get_window_stats(self, item, *identifiers: str):
        return self._call(lambda s: s.get_window_stats(item, *identifiers))

    def clear(self, item, *identifiers: str) -> None:
        return self._call(lambda s: s.clear(item, *identifiers))

    def reset_local(self) -> None:
        """Forget what was counted in memory (tests, and ``Limiter.reset``)."""
        if self._local is not None:
            self._local.storage.reset()

    def _call(self, operation: Callable[[RateLimiter], T]) -> T:
        if self._failed_at is not None and not self._shared_is_back():
            return operation(self._fallback())
        try:
            return operation(self.shared)
        except StorageError as error:  # what any storage raises with wrap_exceptions
            self._went_down(error)
            return operation(self._fallback())

    def _fallback(self) -> RateLimiter:
        if self._local is None:
            with self._lock:
                if self._local is None:
                    self._local = type(self.shared)(MemoryStorage())
        return self._local

    def _went_down(self, error: BaseException) -> None:
        with self._lock:
            if self._failed_at is None:
                log.warning(
                    "the shared rate-limit counters are unavailable (%s: %s); counting in this "
                    "process's memory until they answer again",
                    type(error).__name__,
                    error,
                )
            self._failed_at = time.monotonic()

    def _shared_is_back(self) -> bool:
        """At most once per ``retry_seconds``: ask the shared storage whether it answers."""
        with self._lock:
            failed_at = self._failed_at
            if failed_at is None:
                return True
            if time.monotonic() - failed_at < self.retry_seconds:
                return False
            # the others keep using memory while this request waits for the answer
            self._failed_at = time.monotonic()
        if not self.shared.storage.check():
            return False
        with self._lock:
            if self._failed_at is not None:
                log.info("the shared rate-limit counters answer again; counting there")
            self._failed_at = None
        return True


class Limiter(flask_limiter.Limiter):
    """Flask-Limiter whose strategy falls back to process memory (``FallbackCounters``).

    Flask-Limiter reaches its strategy only through the ``limiter`` property, for decorated limits
    and for the headers; so do we. The wrapper is rebuilt when ``init_app`` makes a new storage.
    """

    _counters: FallbackCounters | None = None

    def init_app(self, app: Flask) -> None:
        app.config["RATELIMIT_STORAGE_OPTIONS"] = {
            **_storage_options(app.config),
            **(app.config.get("RATELIMIT_STORAGE_OPTIONS") or {}),
        }
        super().init_app(app)

    @property
    def limiter(self) -> FallbackCounters:  # type: ignore[override]
        shared = super().limiter
        counters = self._counters
        if counters is None or counters.shared is not shared:
            counters = self._counters = FallbackCounters(shared)
        return counters

    def reset(self) -> None:
        try:
            super().reset()
        except StorageError:
            log.warning("the shared rate-limit counters could not be reset", exc_info=True)
        if self._counters is not None:
            self._counters.reset_local()


def _storage_options(config: Mapping[str, Any]) -> dict[str, Any]:
    """Storage errors as ``StorageError`` (the one error we catch); for Redis, a short timeout and
    no retries, so a frozen Redis costs one request ``RATELIMIT_STORAGE_TIMEOUT``, not seconds."""
    options: dict[str, Any] = {"wrap_exceptions": True}
    uri = config.get("RATELIMIT_STORAGE_URI") or ""
    if uri.startswith(("redis://", "rediss://", "redis+unix://")):
        timeout = float(config.get("RATELIMIT_STORAGE_TIMEOUT") or 0.5)
        options.update(
            socket_connect_timeout=timeout,
            socket_timeout=timeout,
            # redis-py retries a timed-out command three times with back-off by default
            retry=Retry(NoBackoff(), 0),
        )
    return options
