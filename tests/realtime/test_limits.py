"""Token buckets (realtime/limits.py), on explicit clock values: no sleeps, no timing.

Rates and times are chosen so that every figure is exact in binary floating point.
"""

from __future__ import annotations

import pytest

from realtime.limits import KeyedBuckets, TokenBucket


def test_a_bucket_allows_its_burst_at_once_then_says_how_long_to_wait():
    bucket = TokenBucket(rate=2, burst=3, now=0.0)

    assert [bucket.take(now=0.0) for _ in range(4)] == [0.0, 0.0, 0.0, 0.5]


def test_a_refused_take_spends_nothing_and_the_wait_shrinks_with_time():
    bucket = TokenBucket(rate=2, burst=1, now=0.0)
    assert bucket.take(now=0.0) == 0.0

    assert [bucket.take(now=0.0), bucket.take(now=0.0), bucket.take(now=0.25)] == [0.5, 0.5, 0.25]
    assert bucket.take(now=0.5) == 0.0
    assert bucket.take(now=0.5) == 0.5


def test_a_bucket_refills_at_its_rate_up_to_its_burst_only():
    bucket = TokenBucket(rate=4, burst=2, now=0.0)
    assert [bucket.take(now=0.0), bucket.take(now=0.0)] == [0.0, 0.0]

    # an hour idle refills to the burst (2), not to 14,400 tokens
    assert [bucket.take(now=3600.0) for _ in range(3)] == [0.0, 0.0, 0.25]
    assert bucket.tokens == 0.0


def test_a_fractional_token_counts_towards_the_next_one():
    bucket = TokenBucket(rate=1, burst=1, now=0.0)
    bucket.take(now=0.0)

    assert bucket.take(now=0.75) == 0.25
    assert bucket.tokens == 0.75
    assert bucket.take(now=1.0) == 0.0
    assert bucket.tokens == 0.0


def test_a_clock_going_backwards_adds_no_tokens():
    bucket = TokenBucket(rate=1, burst=1, now=10.0)
    bucket.take(now=10.0)

    assert bucket.take(now=5.0) == 1.0
    assert (bucket.stamp, bucket.tokens) == (10.0, 0.0)
    assert bucket.take(now=11.0) == 0.0


def test_full_says_when_a_bucket_is_as_good_as_new():
    bucket = TokenBucket(rate=2, burst=2, now=0.0)
    bucket.take(now=0.0)

    assert [bucket.full(now=0.0), bucket.full(now=0.25), bucket.full(now=0.5)] == [False, False, True]


def test_a_bucket_on_the_monotonic_clock_allows_its_burst():
    bucket = TokenBucket(rate=1, burst=2)

    assert [bucket.take(), bucket.take()] == [0.0, 0.0]
    assert 0.0 < bucket.take() <= 1.0


@pytest.mark.parametrize(("rate", "burst", "message"), [
    (0, 1, "rate must be positive"), (-1, 1, "rate must be positive"),
    (1, 0, "burst must be at least 1"), (1, 0.5, "burst must be at least 1"),
])
def test_a_bucket_refuses_a_rate_or_burst_that_could_never_allow_anything(rate, burst, message):
    with pytest.raises(ValueError, match=message):
        TokenBucket(rate=rate, burst=burst)
    with pytest.raises(ValueError, match=message):
        KeyedBuckets(rate=rate, burst=burst)


def test_keyed_buckets_limit_each_key_on_its_own():
    buckets = KeyedBuckets(rate=1, burst=2)

    assert [buckets.take("a", now=0.0) for _ in range(3)] == [0.0, 0.0, 1.0]
    assert [buckets.take("b", now=0.0) for _ in range(3)] == [0.0, 0.0, 1.0]
    assert buckets.take("a", now=0.5) == 0.5
    assert buckets.take("a", now=1.0) == 0.0
    assert len(buckets) == 2


def test_keyed_buckets_evict_the_least_recently_used_key_beyond_max_keys():
    buckets = KeyedBuckets(rate=1, burst=1, max_keys=2)
    buckets.take("a", now=0.0)
    buckets.take("b", now=0.0)
    assert buckets.take("a", now=0.0) == 1.0  # "a" is now the most recently used

    buckets.take("c", now=0.0)  # evicts "b", used longest ago

    assert (len(buckets), "a" in buckets, "b" in buckets, "c" in buckets) == (2, True, False, True)
    assert buckets.take("a", now=0.0) == 1.0  # "a" kept its empty bucket
    assert buckets.take("b", now=0.0) == 0.0  # "b" came back with a full burst (evicting "c")
    assert ("c" in buckets, len(buckets)) == (False, 2)


def test_keyed_buckets_prune_only_buckets_that_have_refilled():
    buckets = KeyedBuckets(rate=1, burst=2)
    buckets.take("a", now=0.0)
    buckets.take("b", now=0.0)
    buckets.take("b", now=0.0)

    assert buckets.prune(now=1.0) == 1  # "a" is full again at t=1, "b" has 1 of 2
    assert ("a" in buckets, "b" in buckets) == (False, True)
    assert buckets.prune(now=2.0) == 1
    assert len(buckets) == 0


def test_keyed_buckets_forget_a_key():
    buckets = KeyedBuckets(rate=1, burst=1)
    buckets.take("a", now=0.0)

    buckets.forget("a")
    buckets.forget("never-seen")

    assert len(buckets) == 0
    assert buckets.take("a", now=0.0) == 0.0


def test_keyed_buckets_refuse_max_keys_below_one():
    with pytest.raises(ValueError, match="max_keys must be at least 1"):
        KeyedBuckets(rate=1, burst=1, max_keys=0)
