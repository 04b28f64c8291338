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

from .errors import DomainError

MAX_FRAME_CHARS = 16 * 1024
OP_ID_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
OP_NAME_RE = re.compile(r"^[a-z_]{1,24}\.[a-z_]{1,24}$")

CLIENT_TYPES = frozenset({"op", "subscribe", "unsubscribe", "ping", "refresh"})


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
        raise DomainError("bad_frame", f"{name} must be a non-negative integer")
    return value


def parse_frame(text: str | None) -> Frame:
    """Parse and check one inbound text frame. Raises DomainError; never anything else."""
    if text is None:
        raise DomainError("bad_json", "binary frames are not accepted")
    if len(text) > MAX_FRAME_CHARS:
        raise DomainError("too_large", f"frames are limited to {MAX_FRAME_CHARS} characters")
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError):
        raise DomainError("bad_json", "frame is not valid JSON") from None
    if not isinstance(raw, dict):
        raise DomainError("bad_json", "frame must be a JSON object")
    kind = raw.get("type")
    if not isinstance(kind, str):
        raise DomainError("bad_frame", "type is required")
    if kind not in CLIENT_TYPES:
        raise DomainError("unknown_type", f"unknown type {kind[:40]!r}")
    op_id = raw.get("op_id")
    if op_id is not None and (not isinstance(op_id, str) or not OP_ID_RE.match(op_id)):
        raise DomainError("bad_frame", "op_id must be 1-64 characters of A-Z a-z 0-9 _ . : -")
    board = _int_or_none(raw.get("board"), "board")
    since = _int_or_none(raw.get("since"), "since")
    data = raw.get("data", {})
    if not isinstance(data, dict):
        raise DomainError("bad_frame", "data must be an object")
    op = raw.get("op")
    if kind == "op":
        if op_id is None:
            raise DomainError("bad_frame", "op_id is required")
        if not isinstance(op, str) or not OP_NAME_RE.match(op):
            raise DomainError("bad_frame", "op must look like 'note.add'")
    elif kind in {"subscribe", "unsubscribe"} and board is None:
        raise DomainError("bad_frame", "board is required")
    return Frame(type=kind, op_id=op_id, op=op if kind == "op" else None, board=board, since=since, data=data)
