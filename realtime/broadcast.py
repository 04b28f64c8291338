"""The only sender. Services call `publish` inside their transaction; the frame is
encoded once, here, and handed to the channel layer after commit, so nobody ever sees
a change that was rolled back.

Streams are named by what they carry: "session.<id>", "group.<id>", "board.<id>",
"participant.<id>", "facilitators.<session id>". Every server process subscribes to a
stream at most once (see hub.py), so a group_send costs the same for 10 or 1,000
participants.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def group_name(stream: str) -> str:
    """Channel-layer group for a stream (ASCII letters, digits, '-', '_', '.' only)."""
    return f"live.{stream}"


def encode(frame: dict[str, Any]) -> str:
    """One JSON text frame; callers encode once and reuse the string for every client."""
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=False, default=str)


def publish(stream: str, frame: dict[str, Any]) -> None:
    """Send `frame` to every subscriber of `stream`, in every process, after commit.

    Called by services only. Outside a transaction (autocommit) it sends at once.
    Delivery is best effort: a board's event log in the database is the truth, and
    clients detect gaps by seq and ask for replay.
    """
    text = encode(frame)
    transaction.on_commit(lambda: send_encoded(stream, text))


def send_encoded(stream: str, text: str) -> None:
    """Hand an already-encoded frame to the channel layer (sync callers)."""
    layer = get_channel_layer()
    if layer is None:  # pragma: no cover - always configured in settings
        return
    try:
        async_to_sync(layer.group_send)(group_name(stream), {"type": "hub.frame", "stream": stream, "text": text})
    except Exception:  # the database already holds the change; clients will replay
        logger.exception("broadcast to %s failed", stream)


async def asend_encoded(stream: str, text: str) -> None:
    """Async twin of send_encoded, for code already on the event loop."""
    layer = get_channel_layer()
    try:
        await layer.group_send(group_name(stream), {"type": "hub.frame", "stream": stream, "text": text})
    except Exception:
        logger.exception("broadcast to %s failed", stream)
