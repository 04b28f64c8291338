"""Rate limits for what a socket asks of the server: token buckets, pure Python.

Rules:

- A `TokenBucket(rate, burst)` holds at most `burst` tokens and gains `rate` tokens per
  second. Each `take()` spends one token and returns 0.0; when less than one token is
  left it spends nothing and returns the seconds until one will be there (the
  `retry_after` to tell the client). A refused take never makes the wait longer.
- Time is `time.monotonic()` unless the caller passes `now` (tests pass explicit values;
  callers on the event loop may pass `loop.time()`, which is the same clock). A `now`
  earlier than the last one seen (a caller mixing clocks) adds no tokens.
- No threads, no timers, no locks: a bucket is refilled lazily when it is asked, so an
  idle bucket costs nothing. Use one per event loop / per consumer; it is not
  thread-safe.
- `KeyedBuckets(rate, burst, max_keys)` keeps one bucket per key (a participant, a
  socket, an address) in least-recently-used order. A new key beyond `max_keys` evicts
  the key used longest ago, so memory is bounded however many keys an attacker makes
  up; an evicted key that comes back starts with a full burst again. `prune(now)`
  drops buckets that have refilled completely, which loses nothing (a full bucket and a
  new one behave the same).
"""

from __future__ import annotations

import time
from collections.abc import Hashable

__all__ = ["KeyedBuckets", "TokenBucket"]


class TokenBucket:
    __slots__ = ("rate", "burst", "tokens", "stamp")

    def __init__(self, rate: float, burst: float, now: float | None = None) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        if burst < 1:
            raise ValueError("burst must be at least 1")
        self.rate = float(rate)
        self.burst = float(burst)
        self.tokens = self.burst
        self.stamp = time.monotonic() if now is None else now

    def _refill(self, now: float) -> None:
        if now > self.stamp:
            self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now

    def take(self, now: float | None = None) -> float:
        """Spend one token: 0.0 if allowed, else the seconds to wait for one."""
        self._refill(time.monotonic() if now is None else now)
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate

    def full(self, now: float | None = None) -> bool:
        """True when the bucket has refilled to `burst` (it is then as good as new)."""
        self._refill(time.monotonic() if now is None else now)
        return self.tokens >= self.burst


class KeyedBuckets:
    __slots__ = ("rate", "burst", "max_keys", "_buckets")

    def __init__(self, rate: float, burst: float, max_keys: int = 10_000) -> None:
        if max_keys < 1:
            raise ValueError("max_keys must be at least 1")
        TokenBucket(rate, burst, now=0.0)  # validate rate and burst once, here
        self.rate = rate
        self.burst = burst
        self.max_keys = max_keys
        self._buckets: dict[Hashable, TokenBucket] = {}

    def take(self, key: Hashable, now: float | None = None) -> float:
        """Spend one token of `key`'s bucket: 0.0 if allowed, else the seconds to wait."""
        if now is None:
            now = time.monotonic()
        buckets = self._buckets
        bucket = buckets.pop(key, None)
        if bucket is None:
            while len(buckets) >= self.max_keys:
                del buckets[next(iter(buckets))]  # the least recently used key
            bucket = TokenBucket(self.rate, self.burst, now=now)
        buckets[key] = bucket  # most recently used last
        return bucket.take(now)

    def forget(self, key: Hashable) -> None:
        """Drop `key`'s bucket (its socket went away)."""
        self._buckets.pop(key, None)

    def prune(self, now: float | None = None) -> int:
        """Drop every bucket that has refilled completely; returns how many."""
        if now is None:
            now = time.monotonic()
        idle = [key for key, bucket in self._buckets.items() if bucket.full(now)]
        for key in idle:
            del self._buckets[key]
        return len(idle)

    def __len__(self) -> int:
        return len(self._buckets)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._buckets
