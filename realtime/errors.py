"""The one domain error type. Services, selectors, validators and the live edge raise
`DomainError`; it is turned into a websocket error frame by the live consumer and into an
HTTP status by `http_status` (mapping's op endpoint, the console's forms), nowhere else.

Codes are a closed set (ERROR_CODES): a test asserts nothing else ever goes out, and
static/js/errors.js has a sentence in each language for every one.
"""

from __future__ import annotations

import math
from typing import Any

#: Every error code the server may send.
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
        "rate_limited",  # too many ops or sockets: nothing applied, retry after `retry_after` s
        "unavailable",  # the database is unreachable: nothing applied, retry after `retry_after` s
        "internal",  # our bug; nothing was applied
    }
)

#: Codes whose op was not applied for a passing reason: the client keeps the op and
#: resends it (same op id) after `retry_after` seconds.
RETRYABLE = frozenset({"rate_limited", "unavailable"})

_HTTP_STATUS = {
    "bad_json": 400, "too_large": 413, "bad_frame": 400, "unknown_type": 400, "unknown_op": 400, "invalid": 400,
    "not_found": 404, "forbidden": 403, "unauthenticated": 403, "locked": 409, "not_subscribed": 409,
    "budget_exhausted": 409, "conflict": 409, "rate_limited": 429, "unavailable": 503, "internal": 500,
}


class DomainError(Exception):
    """A refused change or request: `code` (one of ERROR_CODES), a message for people
    (English; clients show their own translation by code), optional per-field problems,
    and for retryable codes the seconds to wait."""

    def __init__(self, code: str, message: str = "", *, fields: dict[str, str] | None = None,
                 retry_after: float | None = None):
        if code not in ERROR_CODES:
            raise ValueError(f"unknown error code {code!r}")
        super().__init__(message or code)
        self.code = code
        self.message = message or code
        self.fields = fields or {}
        self.retry_after = retry_after

    def frame(self, *, op_id: str | None = None) -> dict[str, Any]:
        return error_frame(self.code, self.message, op_id=op_id, fields=self.fields, retry_after=self.retry_after)


def error_frame(code: str, message: str = "", *, op_id: str | None = None, fields: dict | None = None,
                retry_after: float | None = None) -> dict[str, Any]:
    frame: dict[str, Any] = {"type": "error", "code": code, "message": message or code}
    if op_id is not None:
        frame["op_id"] = op_id
    if fields:
        frame["fields"] = fields
    if retry_after is not None:
        # Whole milliseconds, rounded up: a wait of 0.4 ms must not read as "retry now" (0.0).
        frame["retry_after"] = math.ceil(retry_after * 1000) / 1000
    return frame


def http_status(code: str) -> int:
    return _HTTP_STATUS.get(code, 400)
