"""The shape of every frame the server sends: `type -> (required keys, optional keys)`.
docs/protocol.md describes each; tests check every frame the server produces in the
test suite's own runs against this table (tests/live/test_frames.py), and that the docs
name every type here."""

from __future__ import annotations

from typing import Any

_SESSION = ({"seq"}, set())

FRAMES: dict[str, tuple[set[str], set[str]]] = {
    # answers to the socket's own frames
    "welcome": ({"seq", "session", "me", "group", "group_info", "agenda", "timer", "message", "round", "choices",
                 "boards"}, set()),
    "ack": ({"op_id"}, {"board", "seq", "id", "ids", "existing", "votes_left", "item", "ends_at", "round",
                         "participant", "group", "added", "updated", "removed", "links", "comments", "votes",
                         "clusters", "settings", "paused_left"}),
    "error": ({"code", "message"}, {"op_id", "fields", "retry_after"}),
    "snapshot": ({"board", "seq", "info", "categories", "clusters", "notes", "links", "comments", "me"}, set()),
    "caught_up": ({"board", "seq", "me"}, set()),
    "pong": ({"heads", "session_seq"}, set()),
    "unsubscribed": ({"board"}, {"reason"}),
    # the transport
    "resync": ({"reason"}, set()),
    "head": ({"seq"}, {"board", "session"}),
    "presence": ({"session", "board", "count", "people"}, set()),
    # board events
    "event": ({"board", "seq", "op"}, {"op_id", "data"}),
    # session events (workshops.events.emit)
    "session.hidden": _SESSION,
    "agenda.current": ({"seq", "item"}, set()),
    "timer": ({"seq", "ends_at", "label", "paused_left", "recalls", "server_now"}, set()),
    "message": ({"seq", "text", "from", "at"}, set()),
    "message.cleared": _SESSION,
    "groups.opened": ({"seq", "round"}, set()),
    "groups.recalled": _SESSION,
    "moved": ({"seq", "participant", "group"}, set()),
    "rapporteur": ({"seq", "group", "participant", "name"}, set()),
    "signal": ({"seq", "group", "name", "signal", "by", "at"}, set()),
    "group.updated": ({"seq", "group"}, set()),
    "group.removed": ({"seq", "group"}, set()),
    "boards.changed": _SESSION,
    "round.created": ({"seq", "round"}, set()),
    "placed": ({"seq", "participant", "group"}, set()),
    "waiting": ({"seq", "participant", "name"}, set()),
}


def problems(frame: dict[str, Any]) -> list[str]:
    """What is wrong with `frame` (empty: it has its type's shape)."""
    kind = frame.get("type")
    if kind not in FRAMES:
        return [f"unknown frame type {kind!r}"]
    required, optional = FRAMES[kind]
    keys = set(frame) - {"type"}
    out = [f"{kind}: missing {k}" for k in sorted(required - keys)]
    out += [f"{kind}: unexpected {k}" for k in sorted(keys - required - optional)]
    return out
