"""Records the board scenarios (scenarios.py) as the server plays them, into
tests/js/scenarios/<name>.json, and fails when a committed file is not what the server
does now. The browser's BoardState replays the same files (tests/js/board-scenarios.test.mjs).

After changing an op, its event or the snapshot, write the files again and commit them:
    UPDATE_SCENARIOS=1 .venv/bin/pytest tests/mapping/test_op_scenarios.py
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path

import pytest

from live.boards import authorise_subscribe, catch_up
from live.connection import read_connection
from mapping.protocol import OPS
from tests.workshops.factories import Listener

from .conftest import build_world
from .scenarios import OP_SCENARIOS, SCENARIOS, Scenario

DIR = Path(__file__).resolve().parents[1] / "js" / "scenarios"
UPDATE = os.environ.get("UPDATE_SCENARIOS") == "1"
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")


def _timestamps(value, found: set[str]) -> None:
    if isinstance(value, dict):
        for v in value.values():
            _timestamps(v, found)
    elif isinstance(value, list):
        for v in value:
            _timestamps(v, found)
    elif isinstance(value, str) and TIMESTAMP.match(value):
        found.add(value)


def _replace(value, table: dict[str, str]):
    if isinstance(value, dict):
        return {k: _replace(v, table) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(v, table) for v in value]
    return table.get(value, value) if isinstance(value, str) else value


def stable(record: dict) -> dict:
    """The same record whatever the clock: each distinct timestamp becomes a fixed one, in
    the same order, so equal times stay equal and later ones stay later."""
    found: set[str] = set()
    _timestamps(record, found)
    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    table = {ts: (base + dt.timedelta(seconds=i)).isoformat() for i, ts in enumerate(sorted(found))}
    return _replace(record, table)


def play(scenario: Scenario) -> dict:
    """Build the world, then record what the viewer's socket is sent: the snapshot it
    subscribes with (the server's catch-up), every frame published live on the streams
    it follows while the scenario's ops are applied, and a fresh snapshot after."""
    world = build_world()
    if scenario.prepare:
        scenario.prepare(world)
    boards = {"plenary": world.board, "group": world.group_board}
    board = boards[scenario.board]
    actor = world.actor(scenario.viewer)
    conn = read_connection(actor, world.session.pk)
    [before] = catch_up(conn, board_id=board.pk, since=None)
    streams = authorise_subscribe(conn, board_id=board.pk)
    listener = Listener(*streams, f"participant.{actor.participant_id}")
    for who, op, data, on in scenario.steps:
        world.op(who, op, data(world), boards[on])
    events = [frame for _, frame in listener.frames() if frame.get("board") == board.pk]
    [after] = catch_up(conn, board_id=board.pk, since=None)
    assert after["type"] == "snapshot", after
    return stable({"name": scenario.name, "why": scenario.why, "before": before, "events": events, "after": after})


def encode(record: dict) -> str:
    return json.dumps(record, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def test_scenarios_cover_every_op_type():
    assert set(OP_SCENARIOS) == set(OPS)


def test_no_scenario_file_is_left_over():
    assert sorted(p.stem for p in DIR.glob("*.json")) == sorted(s.name for s in SCENARIOS)


@pytest.mark.django_db(transaction=True, reset_sequences=True)
@pytest.mark.usefixtures("memory_layer")
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_recorded_scenario_is_what_the_server_does(scenario: Scenario):
    text = encode(play(scenario))
    path = DIR / f"{scenario.name}.json"
    if UPDATE:
        DIR.mkdir(exist_ok=True)
        path.write_text(text)
    assert path.exists(), f"{path} is missing: UPDATE_SCENARIOS=1 pytest {__file__}"
    assert path.read_text() == text, f"{path} is out of date: UPDATE_SCENARIOS=1 pytest {__file__}"
