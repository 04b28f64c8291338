import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_presence_counts():
    """Presence counts live in the cache (Redis when configured): start every test clean."""
    cache.clear()
    yield
    cache.clear()
