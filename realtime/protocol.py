"""The websocket envelope: parsing and validating every inbound frame, and the error
codes a client can receive. Per-op payloads are validated by their owners
(workshops.live, mapping.protocol); this module only checks the envelope.

See docs/protocol.md.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

MAX_FRAME_CHARS = 16 * 1024
OP_ID_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
OP_NAME_RE = re.compile(r"^[a-z_]{1,24}\.[a-z_]{1,24}$")

#: Every error code the server may send. A test asserts nothing else ever goes out.
ERROR_CODES = frozenset(
    {
        "bad_json",  # not JSON, or not a JSON object
        "too_large",  # frame over MAX_FRAME_CHARS
        "bad_frame",  # envelope fields missing or of the wrong type
        "unknown_type",  # "type" not one the server knows
        "unknown_op",  # op name not one the server knows
        "invalid",  # op payload failed validation (details in "fields")
        "not_found",  # the board, note, group... does not exist or is not visible to you
        "forbidden",  # your role may not do this
        "locked",  # the board is locked or read-only
        "not_subscribed",  # op on a board this socket has not subscribed to
        "budget_exhausted",  # no votes left
        "conflict",  # the change no longer applies (e.g. note deleted meanwhile)
        "unauthenticated",  # no participant or facilitator behind this socket
        "internal",  # our bug; nothing was applied
    }
)

CLIENT_TYPES = frozenset({"op", "subscribe", "unsubscribe", "ping", "refresh"})


class ProtocolError(Exception):
    """Raised anywhere below the consumer to answer with an error frame."""

    def __init__(self, code: str, message: str = "", *, fields: dict[str, str] | None = None):
        assert code in ERROR_CODES, code
        super().__init__(message or code)
        self.code = code
        self.message = message or code
        self.fields = fields or {}


@dataclass(frozen=True)
class Frame:
    type: str
    op_id: str | None = None
    op: str | None = None
    board: int | None = None
    since: int | None = None
    data: dict[str, Any] = field(default_factory=dict)


def _int_or_none(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value > 2**53:
        raise ProtocolError("bad_frame", f"{name} must be a non-negative integer")
    return value


def parse_frame(text: str | None) -> Frame:
    """Parse and check one inbound text frame. Raises ProtocolError; never anything else."""
    if text is None:
        raise ProtocolError("bad_json", "binary frames are not accepted")
    if len(text) > MAX_FRAME_CHARS:
        raise ProtocolError("too_large", f"frames are limited to {MAX_FRAME_CHARS} characters")
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError):
        raise ProtocolError("bad_json", "frame is not valid JSON") from None
    if not isinstance(raw, dict):
        raise ProtocolError("bad_json", "frame must be a JSON object")
    kind = raw.get("type")
    if not isinstance(kind, str):
        raise ProtocolError("bad_frame", "type is required")
    if kind not in CLIENT_TYPES:
        raise ProtocolError("unknown_type", f"unknown type {kind[:40]!r}")
    op_id = raw.get("op_id")
    if op_id is not None and (not isinstance(op_id, str) or not OP_ID_RE.match(op_id)):
        raise ProtocolError("bad_frame", "op_id must be 1-64 characters of A-Z a-z 0-9 _ . : -")
    board = _int_or_none(raw.get("board"), "board")
    since = _int_or_none(raw.get("since"), "since")
    data = raw.get("data", {})
    if not isinstance(data, dict):
        raise ProtocolError("bad_frame", "data must be an object")
    op = raw.get("op")
    if kind == "op":
        if op_id is None:
            raise ProtocolError("bad_frame", "op_id is required")
        if not isinstance(op, str) or not OP_NAME_RE.match(op):
            raise ProtocolError("bad_frame", "op must look like 'note.add'")
    elif kind in {"subscribe", "unsubscribe"} and board is None:
        raise ProtocolError("bad_frame", "board is required")
    return Frame(type=kind, op_id=op_id, op=op if kind == "op" else None, board=board, since=since, data=data)


def error_frame(code: str, message: str = "", *, op_id: str | None = None, fields: dict | None = None) -> dict:
    frame: dict[str, Any] = {"type": "error", "code": code, "message": message or code}
    if op_id is not None:
        frame["op_id"] = op_id
    if fields:
        frame["fields"] = fields
    return frame
