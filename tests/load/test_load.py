"""The mission's scale in CI: 80 participants join one board through the real join path
and work on it for a few seconds; every one of them must receive every event exactly
once and in seq order. Timing is printed, not asserted (CI machines vary); the figures
for a full minute are in docs/performance.md."""

import os

import pytest

from tests.load import adapter
from tests.load.engine import run_load
from tests.servers import start_server, subprocess_database_url

pytestmark = [pytest.mark.load, pytest.mark.django_db(transaction=True)]

DURATION = float(os.environ.get("LOAD_DURATION", "5"))


def _join_path_and_board_ops_present() -> bool:
    """The join page (participants) and board ops (mapping.services) are built on other
    branches; until they are merged, this test has nothing to drive."""
    from django.urls import Resolver404, resolve

    try:
        resolve("/j/sometoken/")
        import mapping.services  # noqa: F401
    except (Resolver404, ImportError):
        return False
    return True


@pytest.fixture
def server(transactional_db):
    if not _join_path_and_board_ops_present():
        pytest.skip("the join path or the board ops are not in this tree yet")
    server = start_server(database_url=subprocess_database_url())
    yield server
    server.stop()


def test_eighty_participants_each_receive_every_event_once_and_in_order(server):
    fixture = adapter.create_fixture()

    result = run_load(base_url=server.base_url, join_url=fixture.join_url, participants=80, duration=DURATION,
                      rate=20.0, board=fixture.board_id, categories=fixture.categories)
    print("\n" + result.summary())

    assert result.problems == []
    assert result.ops_sent == int(DURATION * 20)
    assert result.deliveries == result.ops_sent * 80
    assert server.log_errors() == []
