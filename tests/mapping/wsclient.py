"""A small websocket test client over channels' WebsocketCommunicator on the full ASGI
application (origin check, session auth, routing)."""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

from channels.testing import WebsocketCommunicator

from config.asgi import application
from live.frames import problems

ORIGIN = (b"origin", b"http://127.0.0.1:8000")
_ids = itertools.count(1)


class WS:
    def __init__(self, comm: WebsocketCommunicator):
        self.comm = comm
        self.buffer: list[dict[str, Any]] = []

    async def send(self, frame: dict[str, Any]) -> None:
        await self.comm.send_to(text_data=json.dumps(frame))

    async def send_text(self, text: str) -> None:
        await self.comm.send_input({"type": "websocket.receive", "text": text})

    async def _read(self, timeout: float) -> dict[str, Any]:
        frame = json.loads(await self.comm.receive_from(timeout=timeout))
        # Every frame any socket test receives has its documented shape (live/frames.py).
        assert problems(frame) == [], frame
        return frame

    async def take(self, pred, timeout: float = 3.0) -> dict[str, Any]:
        """The first frame (buffered or new) for which pred is true; others stay buffered."""
        for i, frame in enumerate(self.buffer):
            if pred(frame):
                return self.buffer.pop(i)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            # receive_nothing polls without cancelling the application on a timeout
            # (receive_from's timeout would cancel it).
            while await self.comm.receive_nothing(timeout=0.02, interval=0.005):
                if loop.time() > deadline:
                    raise AssertionError(f"no matching frame; buffered: {self.buffer!r}")
            frame = await self._read(5)
            if pred(frame):
                return frame
            self.buffer.append(frame)

    async def next(self, *types: str, timeout: float = 3.0) -> dict[str, Any]:
        return await self.take(lambda f: f["type"] in types, timeout)

    async def event(self, board: int, seq: int, timeout: float = 3.0) -> dict[str, Any]:
        return await self.take(lambda f: f["type"] == "event" and f["board"] == board and f["seq"] == seq, timeout)

    async def subscribe(self, board: int, since: int | None = None) -> list[dict[str, Any]]:
        """Subscribe; returns [snapshot] or the replayed events plus caught_up."""
        await self.send({"type": "subscribe", "board": board, "since": since})
        first = await self.take(lambda f: f["type"] in {"snapshot", "caught_up", "error"}
                                or (f["type"] == "event" and since is not None and f["board"] == board))
        if first["type"] in {"snapshot", "caught_up", "error"}:
            return [first]
        frames = [first]
        while frames[-1]["type"] != "caught_up":
            frames.append(await self.take(lambda f: f["board"] == board and f["type"] in {"event", "caught_up"}))
        return frames

    async def op(self, board: int, op: str, data: dict[str, Any], op_id: str | None = None) -> dict[str, Any]:
        op_id = op_id or f"op-{next(_ids)}"
        await self.send({"type": "op", "op_id": op_id, "op": op, "board": board, "data": data})
        return await self.take(lambda f: f["type"] in {"ack", "error"} and f.get("op_id") == op_id)

    async def nothing_more(self, pred, wait: float = 0.3) -> None:
        """No frame matching pred arrives within `wait` seconds."""
        try:
            frame = await self.take(pred, timeout=wait)
        except AssertionError:
            return
        raise AssertionError(f"unexpected frame {frame!r}")

    async def close(self) -> None:
        await self.comm.disconnect()


async def connect(session_uuid, cookie: str = "", *, expect_welcome: bool = True) -> tuple[WS, dict]:
    headers = [ORIGIN]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    comm = WebsocketCommunicator(application, f"/ws/sessions/{session_uuid}/", headers=headers)
    connected, _ = await comm.connect(timeout=5)
    assert connected
    ws = WS(comm)
    first = await ws._read(5)
    if expect_welcome:
        # The socket follows its session streams before its welcome is built, so a
        # session-level broadcast (presence, a message) may come first; skip to the welcome.
        for _ in range(20):
            if first["type"] == "welcome":
                break
            first = await ws._read(5)
        assert first["type"] == "welcome", first
    return ws, first
