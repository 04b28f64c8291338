"""A reference client in Python: applies board events to a snapshot exactly as
static/js/board.js does. The Zulip-style tests check that snapshot + broadcast events ==
a snapshot fetched afresh, for every op type."""

from __future__ import annotations

import copy
from typing import Any


def _by_id(items: list[dict]) -> dict[int, dict]:
    return {item["id"]: item for item in items}


def _sorted(items) -> list[dict]:
    return sorted(items, key=lambda item: item["id"])


def _upsert(items: list[dict], new: list[dict]) -> list[dict]:
    table = _by_id(items)
    for item in new:
        table[item["id"]] = item
    return _sorted(table.values())


def apply_event(state: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
    state = copy.deepcopy(state)
    assert event["type"] == "event"
    assert event["seq"] == state["seq"] + 1, (event["seq"], state["seq"])
    state["seq"] = event["seq"]
    op, d = event["op"], event.get("data", {})
    notes = _by_id(state["notes"])
    if op == "hidden":
        return state
    if op == "note.add":
        state["notes"] = _upsert(state["notes"], [d["note"]])
    elif op == "note.edit":
        notes[d["id"]].update({k: v for k, v in d.items() if k != "id"})
    elif op == "note.move":
        notes[d["id"]].update(x=d["x"], y=d["y"])
    elif op == "note.delete":
        gone = {d["id"], *d["children"]}
        state["notes"] = [n for n in state["notes"] if n["id"] not in gone]
        state["links"] = [link for link in state["links"] if link["id"] not in set(d["links"])]
        state["comments"] = [c for c in state["comments"] if c["note"] not in gone]
    elif op == "note.merge":
        into = d["into"]["id"]
        state["notes"] = _upsert([n for n in state["notes"] if n["id"] != d["from"]], [d["into"]])
        for n in state["notes"]:
            if n["id"] in d["children"]:
                n["parent"] = into
        removed = set(d["removed_links"])
        state["links"] = _upsert([link for link in state["links"] if link["id"] not in removed], d["links"])
        for c in state["comments"]:
            if c["id"] in d["comments"]:
                c["note"] = into
    elif op == "note.pull":
        state["notes"] = _upsert(state["notes"], d["notes"])
        state["links"] = _upsert(state["links"], d["links"])
        if d["cluster"]:
            state["clusters"] = _upsert(state["clusters"], [d["cluster"]])
    elif op == "note.pulled":
        for note_id, boards in d["notes"].items():
            if int(note_id) in notes:
                notes[int(note_id)]["pulled"] = boards
    elif op == "link.add":
        state["links"] = _upsert(state["links"], [d["link"]])
    elif op == "link.edit":
        _by_id(state["links"])[d["id"]]["label"] = d["label"]
    elif op == "link.delete":
        state["links"] = [link for link in state["links"] if link["id"] != d["id"]]
    elif op == "cluster.add":
        state["clusters"] = _upsert(state["clusters"], [d["cluster"]])
        for note_id in d["notes"]:
            notes[note_id]["cluster"] = d["cluster"]["id"]
    elif op == "cluster.rename":
        _by_id(state["clusters"])[d["id"]]["name"] = d["name"]
    elif op == "cluster.assign":
        for note_id in d["notes"]:
            notes[note_id]["cluster"] = d["cluster"]
    elif op == "cluster.delete":
        state["clusters"] = [c for c in state["clusters"] if c["id"] != d["id"]]
        for note_id in d["notes"]:
            if note_id in notes:
                notes[note_id]["cluster"] = None
    elif op == "comment.add":
        state["comments"] = _upsert(state["comments"], [d["comment"]])
    elif op in {"vote.add", "vote.remove"}:
        notes[d["note"]]["votes"] = d["votes"]
    elif op in {"board.lock", "board.unlock"}:
        state["info"]["locked"] = d["locked"]
    elif op == "board.reveal":
        state["info"]["revealed"] = True
        state["notes"] = _upsert(state["notes"], d["notes"])
        state["links"] = _upsert(state["links"], d["links"])
    elif op == "board.settings":
        for key in ("title", "vote_budget", "author_mode", "private_until_reveal", "revealed"):
            if key in d:
                state["info"][key] = d[key]
        for note_id, author in d.get("authors", {}).items():
            if int(note_id) in notes:
                notes[int(note_id)]["author"] = author
        for note_id, provenance in d.get("provenance", {}).items():
            if int(note_id) in notes:
                notes[int(note_id)]["provenance"] = provenance
        comments = _by_id(state["comments"])
        for comment_id, author in d.get("comment_authors", {}).items():
            if int(comment_id) in comments:
                comments[int(comment_id)]["author"] = author
    elif op == "category.add":
        state["categories"] = sorted([*state["categories"], d["category"]], key=lambda c: (c["order"], c["id"]))
    elif op == "category.rename":
        _by_id(state["categories"])[d["id"]].update({k: v for k, v in d.items() if k != "id"})
    elif op == "category.delete":
        state["categories"] = [c for c in state["categories"] if c["id"] != d["id"]]
        for note_id in d["notes"]:
            if note_id in notes:
                notes[note_id]["category"] = None
    else:
        raise AssertionError(f"reference client does not know {op}")
    return state


def shared(state: dict[str, Any]) -> dict[str, Any]:
    """The part of a snapshot every viewer shares (not the viewer's own `me`)."""
    return {k: v for k, v in state.items() if k not in {"me", "type"}}
