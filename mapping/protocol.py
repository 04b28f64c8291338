"""Typed shapes of every board op's payload (the `data` of an `op` frame), checked before
anything touches the database. See docs/protocol.md for examples of each.

`validate(op, data)` returns a plain dict holding exactly the declared keys (optional
keys that were absent are left out) or raises DomainError("invalid", fields={...})
naming every bad field. Unknown keys are refused too, so a typo never passes silently.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

from realtime.errors import DomainError
from realtime.schema import MAX_IDS, F, check_fields  # noqa: F401  (MAX_IDS: services use it from here)
from realtime.schema import text as _text

from .models import Board, Note

ID = F("int")
OPT_ID = F("int", required=False, nullable=True)

#: op -> {field: spec}. The TypedDicts below say the same for readers and type checkers.
SCHEMAS: dict[str, dict[str, F]] = {
    "note.add": {
        "text": _text(Note.MAX_TEXT),
        "category": OPT_ID,
        "colour": F("colour", required=False, nullable=True),
        "x": F("float", required=False),
        "y": F("float", required=False),
        "parent": OPT_ID,
    },
    "note.edit": {
        "id": ID,
        "text": _text(Note.MAX_TEXT, required=False),
        "category": OPT_ID,
        "colour": F("colour", required=False, nullable=True),
    },
    "note.move": {"id": ID, "x": F("float"), "y": F("float")},
    # Many notes placed at once ("Arrange"): one op, one event, instead of one per note.
    "note.arrange": {"moves": F("moves")},
    "note.delete": {"id": ID},
    "note.merge": {"into": ID, "from": ID, "text": _text(Note.MAX_TEXT, required=False)},
    "note.pull": {
        "source_board": ID,
        "notes": F("ids", required=False),
        "cluster": F("int", required=False),
        "category": OPT_ID,
    },
    "link.add": {"source": ID, "target": ID, "label": _text(80, required=False, min_len=0)},
    "link.edit": {"id": ID, "label": _text(80, min_len=0)},
    "link.delete": {"id": ID},
    "cluster.add": {"name": _text(120), "notes": F("ids", required=False)},
    "cluster.rename": {"id": ID, "name": _text(120)},
    "cluster.assign": {"cluster": F("int", nullable=True), "notes": F("ids")},
    "cluster.delete": {"id": ID},
    "comment.add": {"note": ID, "text": _text(1000)},
    "vote.add": {"note": ID},
    "vote.remove": {"note": ID},
    "board.lock": {},
    "board.unlock": {},
    "board.reveal": {},
    "board.settings": {
        "title": _text(200, required=False),
        "author_mode": F("choice", required=False, choices=tuple(Board.AuthorMode.values)),
        "vote_budget": F("int", required=False),
        "private_until_reveal": F("bool", required=False),
    },
    "category.add": {"name": _text(120), "colour": F("colour", required=False)},
    "category.rename": {"id": ID, "name": _text(120, required=False), "colour": F("colour", required=False)},
    "category.delete": {"id": ID},
    # System-only ops (SYSTEM_OPS): the services append them, clients may not send them.
    "note.pulled": {"notes": F("ids")},
    "board.sync": {},
}

#: Ops only the system (actor None) may apply: apply_op refuses anyone else with
#: "forbidden". `note.pulled` tells a source board's viewers where its notes were
#: pulled; `board.sync` brings a read-only input board up to date with its source.
SYSTEM_OPS = frozenset({"note.pulled", "board.sync"})
#: Ops a client may send over the socket or the HTTP op endpoint.
OPS = frozenset(SCHEMAS) - SYSTEM_OPS
CLIENT_OPS = OPS


class NoteAdd(TypedDict):
    text: str
    category: NotRequired[int | None]
    colour: NotRequired[str | None]
    x: NotRequired[float]
    y: NotRequired[float]
    parent: NotRequired[int | None]  # a support idea beneath a proposal card


class NoteEdit(TypedDict):
    id: int
    text: NotRequired[str]
    category: NotRequired[int | None]
    colour: NotRequired[str | None]


class NoteMove(TypedDict):
    id: int
    x: float
    y: float


class NoteArrange(TypedDict):
    moves: list[list[float]]  # [[id, x, y], ...], each note once; only shared (not private) notes


NoteMerge = TypedDict("NoteMerge", {"into": int, "from": int, "text": NotRequired[str]})


class NotePull(TypedDict):
    source_board: int
    notes: NotRequired[list[int]]
    cluster: NotRequired[int]
    category: NotRequired[int | None]


class LinkAdd(TypedDict):
    source: int
    target: int
    label: NotRequired[str]


class BoardSettings(TypedDict, total=False):
    title: str
    author_mode: str
    vote_budget: int
    private_until_reveal: bool


def validate(op: str, data: dict[str, Any]) -> dict[str, Any]:
    """The checked payload of `op`, or DomainError("invalid") naming each bad field."""
    schema = SCHEMAS.get(op)
    if schema is None:
        raise DomainError("unknown_op", f"unknown op {op!r}")
    clean, errors = check_fields(schema, data)
    if op == "note.edit" and not errors and len(clean) == 1:
        errors["text"] = "give at least one of text, category, colour"
    if op == "note.pull" and not errors and ("notes" in clean) == ("cluster" in clean):
        errors["notes"] = "give either notes or cluster"
    if op == "board.settings" and not errors:
        if not clean:
            errors["author_mode"] = "give at least one setting"
        elif "vote_budget" in clean and clean["vote_budget"] > 100:
            errors["vote_budget"] = "at most 100"
    if op == "note.merge" and not errors and clean["into"] == clean["from"]:
        errors["from"] = "a note cannot be merged into itself"
    if op == "link.add" and not errors and clean["source"] == clean["target"]:
        errors["target"] = "a link needs two different notes"
    if errors:
        raise DomainError("invalid", "the op's data is not valid", fields=errors)
    return clean
