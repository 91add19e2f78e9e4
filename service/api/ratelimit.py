"""A token bucket per caller, in process: ``per_minute`` tokens a minute, ``burst`` at most.

One process serves the API (the embedded store admits one writer), so an in-process limiter
sees every request. Buckets of callers not seen for a while are forgotten, so memory stays
bounded however many client addresses open mode sees.
"""

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from service.errors import ServiceError


class RateLimitedError(ServiceError):
    """The caller spent its tokens; ``retry_after_s`` until the next one."""

    def __init__(self, retry_after_s: float, message: str | None = None) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(message or f"too many requests: retry in {math.ceil(retry_after_s)} s")


class ConcurrencyGate:
    """At most ``limit`` requests of one kind at once; one more is refused at once rather
    than queued, so slow requests (a reader's heavy Cypher) cannot hold every worker thread
    of the server while searches wait."""

    def __init__(self, limit: int, what: str) -> None:
        self._slots = threading.BoundedSemaphore(limit)
        self._limit = limit
        self._what = what

    def __enter__(self) -> None:
        if not self._slots.acquire(blocking=False):
            raise RateLimitedError(1.0, f"{self._limit} {self._what} are already running: "
                                        "retry in a second")

    def __exit__(self, *_: object) -> None:
        self._slots.release()


class RateLimiter:
    def __init__(self, per_minute: float, burst: int, max_callers: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._rate = per_minute / 60.0
        self._burst = float(burst)
        self._max_callers = max_callers
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # tokens, at
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self._rate > 0

    def take(self, caller: str) -> None:
        """Spend one token of ``caller``'s bucket or raise ``RateLimitedError``."""
        if not self.enabled:
            return
        with self._lock:
            now = self._clock()
            tokens, at = self._buckets.pop(caller, (self._burst, now))
            tokens = min(self._burst, tokens + (now - at) * self._rate)
            if tokens < 1.0:
                self._buckets[caller] = (tokens, now)
                raise RateLimitedError((1.0 - tokens) / self._rate)
            self._buckets[caller] = (tokens - 1.0, now)
            while len(self._buckets) > self._max_callers:
                self._buckets.popitem(last=False)  # least recently seen
