"""The board scenarios the server and the browser are both tested against.

Each scenario starts from conftest.build_world(), makes its ops through the real server
code, and is recorded as a JSON file in tests/js/scenarios/ (test_op_scenarios.py writes
and checks them): the snapshot a viewer had before, the events that viewer was sent, and
the snapshot after. tests/js/board-scenarios.test.mjs replays them through the browser's
BoardState (static/js/board-state.js) and expects the snapshot after, so the browser's
idea of an op cannot drift from the server's (Zulip's verify_action, across languages).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .conftest import World


def _lock(w: World) -> None:
    w.op("fac", "board.lock", {})


def _private_note(w: World) -> None:
    w.op("fac", "board.settings", {"private_until_reveal": True})
    w.ids["priv"] = w.op("p1", "note.add", {"text": "My private idea"})["id"]
    w.op("p1", "link.add", {"source": w.ids["priv"], "target": w.ids["n3"]})


def _private_mode(w: World) -> None:
    w.op("fac", "board.settings", {"private_until_reveal": True})


# Every op a client may send: op -> (who sends it, data(world), optional preparation).
OP_SCENARIOS = {
    "note.add": ("p1", lambda w: {"text": "New idea", "category": w.cats[2].pk, "x": 10, "y": 20}, None),
    "note.edit": ("p1", lambda w: {"id": w.ids["n1"], "text": "Edited", "colour": "#FF0000"}, None),
    "note.move": ("p1", lambda w: {"id": w.ids["n2"], "x": 300.5, "y": -40}, None),
    "note.arrange": ("p1", lambda w: {"moves": [[w.ids["n1"], 140, 75.5], [w.ids["n3"], -420, 375]]}, None),
    "note.delete": ("p1", lambda w: {"id": w.ids["n1"]}, None),
    "note.merge": ("fac", lambda w: {"into": w.ids["n2"], "from": w.ids["n1"], "text": "Merged"}, None),
    "note.pull": ("fac", lambda w: {"source_board": w.group_board.pk, "cluster": w.ids["gk"]}, None),
    "link.add": ("p1", lambda w: {"source": w.ids["n2"], "target": w.ids["n3"], "label": "blocks"}, None),
    "link.edit": ("p1", lambda w: {"id": w.ids["l1"], "label": "enables"}, None),
    "link.delete": ("p1", lambda w: {"id": w.ids["l1"]}, None),
    "cluster.add": ("p1", lambda w: {"name": "People", "notes": [w.ids["n2"]]}, None),
    "cluster.rename": ("p1", lambda w: {"id": w.ids["k1"], "name": "Connectivity"}, None),
    "cluster.assign": ("p1", lambda w: {"cluster": w.ids["k1"], "notes": [w.ids["n2"], w.ids["n3"]]}, None),
    "cluster.delete": ("p1", lambda w: {"id": w.ids["k1"]}, None),
    "comment.add": ("p1", lambda w: {"note": w.ids["n2"], "text": "Agree"}, None),
    "vote.add": ("p1", lambda w: {"note": w.ids["n1"]}, None),
    "vote.remove": ("p1", lambda w: {"note": w.ids["n2"]}, None),
    "board.lock": ("fac", lambda w: {}, None),
    "board.unlock": ("fac", lambda w: {}, _lock),
    "board.reveal": ("fac", lambda w: {}, _private_note),
    "board.settings": ("fac", lambda w: {"author_mode": "anonymous", "vote_budget": 3}, None),
    "category.add": ("fac", lambda w: {"name": "Partnerships", "colour": "#abcdef"}, None),
    "category.rename": ("fac", lambda w: {"id": w.cats[0].pk, "name": "Vision"}, None),
    "category.delete": ("fac", lambda w: {"id": w.cats[0].pk}, None),
}

# (who, op, data(world), on which board: "plenary" or "group")
Step = tuple[str, str, Callable[[World], dict], str]


@dataclass(frozen=True)
class Scenario:
    name: str
    steps: list[Step]
    prepare: Callable[[World], None] | None = None
    viewer: str = "p2"  # whose snapshots and events are recorded
    board: str = "plenary"  # the board the viewer follows
    why: str = ""


SCENARIOS: list[Scenario] = [
    *(Scenario(name=op, steps=[(who, op, data, "plenary")], prepare=prepare)
      for op, (who, data, prepare) in sorted(OP_SCENARIOS.items())),
    Scenario(
        name="private-note-seen-by-another",
        why="another participant's private note reaches the viewer as a seq placeholder only",
        prepare=_private_mode,
        steps=[("p1", "note.add", lambda w: {"text": "Only mine for now"}, "plenary"),
               ("p2", "note.add", lambda w: {"text": "After it"}, "plenary")],
    ),
    Scenario(
        name="two-people-edit-one-note",
        why="edits by two people to one note, in turn: the last one wins everywhere",
        steps=[step for i in range(3) for step in (
            ("p2", "note.edit", lambda w, i=i: {"id": w.ids["n2"], "text": f"A{i}", "category": w.cats[0].pk},
             "plenary"),
            ("fac", "note.edit", lambda w, i=i: {"id": w.ids["n2"], "text": f"B{i}"}, "plenary"),
        )],
    ),
    Scenario(
        name="link-then-delete-its-source",
        why="a note deleted with its links and comments",
        steps=[("p1", "link.add", lambda w: {"source": w.ids["n3"], "target": w.ids["n1"], "label": "needs"},
                "plenary"),
               ("p2", "comment.add", lambda w: {"note": w.ids["n3"], "text": "Which donors?"}, "plenary"),
               ("p2", "note.delete", lambda w: {"id": w.ids["n3"]}, "plenary")],
    ),
    Scenario(
        name="note.pulled",
        why="pulling from a group board tells that board where its notes were copied",
        board="group",
        steps=[("fac", "note.pull", lambda w: {"source_board": w.group_board.pk, "notes": [w.ids["g1"]]},
                "plenary")],
    ),
]
