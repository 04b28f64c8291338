"""Benchmark websocket clients: one OS process holds many asyncio `websockets` clients.

Imports nothing of Django: the clients run in processes separate from the server and
from the publisher, exactly as browsers would. A process connects all its sockets at
once (the "1,000 simultaneous joins" case), waits for each socket's first frame, tells
the driver it is ready, then records, per socket, the index and the latency of every
`bench` frame until the `bench_end` frame (or a timeout).

Latency = the client's wall clock at receipt - the publisher's wall clock stamped in the
frame ("t"); both run on the same machine, so the clocks agree.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field

from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus


@dataclass
class ProcessResult:
    connected: int = 0
    failed: dict[str, int] = field(default_factory=dict)  # reason -> count
    latencies: list[float] = field(default_factory=list)  # seconds, every delivery
    received: list[list[int]] = field(default_factory=list)  # per socket: bench indices in arrival order
    ended: int = 0  # sockets that saw bench_end
    first_frames: dict[str, int] = field(default_factory=dict)  # type of the first frame -> count
    cpu_seconds: float = 0.0  # this client process's CPU, whole run


async def _one(url: str, origin: str, cookie: str | None, result: ProcessResult, ready: asyncio.Event,
               connected: list[int], total: int, end_timeout: float) -> None:
    headers = [("Cookie", cookie)] if cookie else None
    try:
        ws = await connect(url, origin=origin, additional_headers=headers, compression=None, open_timeout=120,
                           max_queue=None, ping_interval=None)
    except InvalidStatus as exc:
        key = f"HTTP {exc.response.status_code}"
        result.failed[key] = result.failed.get(key, 0) + 1
        connected[1] += 1
        if connected[0] + connected[1] == total:
            ready.set()
        return
    except Exception as exc:
        key = type(exc).__name__
        result.failed[key] = result.failed.get(key, 0) + 1
        connected[1] += 1
        if connected[0] + connected[1] == total:
            ready.set()
        return
    indices: list[int] = []
    result.received.append(indices)
    latencies = result.latencies
    try:
        first = json.loads(await asyncio.wait_for(ws.recv(), 60))
        kind = str(first.get("type"))
        result.first_frames[kind] = result.first_frames.get(kind, 0) + 1
        if kind == "welcome":
            result.connected += 1
            connected[0] += 1
        else:
            key = f"first frame {kind} {first.get('code', '')}".strip()
            result.failed[key] = result.failed.get(key, 0) + 1
            connected[1] += 1
        if connected[0] + connected[1] == total:
            ready.set()
        deadline = time.monotonic() + end_timeout
        while True:
            text = await asyncio.wait_for(ws.recv(), max(0.0, deadline - time.monotonic()))
            now = time.time()
            if text.startswith('{"type":"bench",'):
                frame = json.loads(text)
                latencies.append(now - frame["t"])
                indices.append(frame["i"])
            elif text.startswith('{"type":"bench_end"'):
                result.ended += 1
                return
    except TimeoutError:
        return
    except Exception as exc:
        key = f"after connect: {type(exc).__name__}"
        result.failed[key] = result.failed.get(key, 0) + 1
    finally:
        await ws.close()


async def _run(url: str, origin: str, cookies: list[str | None], end_timeout: float, conn) -> ProcessResult:
    result = ProcessResult()
    ready = asyncio.Event()
    connected = [0, 0]
    tasks = [asyncio.create_task(_one(url, origin, c, result, ready, connected, len(cookies), end_timeout))
             for c in cookies]
    await asyncio.wait_for(ready.wait(), 180)
    conn.send(("ready", result.connected, dict(result.failed)))
    await asyncio.gather(*tasks)
    return result


def run_clients(url: str, origin: str, cookies: list[str | None], end_timeout: float, conn) -> None:
    """Process entry point: connect len(cookies) sockets, report ("ready", ...), then
    ("done", ProcessResult) through the pipe `conn`."""
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:  # pragma: no cover - uvicorn[standard] brings it
        runner = asyncio.run
    try:
        result = runner(_run(url, origin, cookies, end_timeout, conn))
        result.cpu_seconds = time.process_time()
        conn.send(("done", result))
    except Exception as exc:  # report instead of dying silently
        conn.send(("error", repr(exc)))
    finally:
        conn.close()
