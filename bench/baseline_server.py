"""The baseline: the plainest fast broadcast server we can write with the same parts.

A `websockets` server (no Django, no Channels) that keeps every socket in a set, reads
frames from one Redis pub/sub channel and calls `websockets.broadcast` for each. It pays
the same Redis hop as the application, so the ratio app/baseline is the cost of Django,
Channels, uvicorn's ASGI websocket and our hub.

    python bench/baseline_server.py PORT REDIS_URL CHANNEL
"""

from __future__ import annotations

import asyncio
import sys

from redis import asyncio as aioredis
from websockets.asyncio.server import broadcast, serve

WELCOME = '{"type":"welcome","baseline":true}'


async def main(port: int, redis_url: str, channel: str) -> None:
    sockets: set = set()

    async def handler(ws) -> None:
        sockets.add(ws)
        try:
            await ws.send(WELCOME)
            await ws.wait_closed()
        finally:
            sockets.discard(ws)

    redis = aioredis.Redis.from_url(redis_url)
    pubsub = redis.pubsub()
    await pubsub.subscribe(channel)
    async with serve(handler, "127.0.0.1", port, compression=None, ping_interval=None, backlog=2048):
        print(f"baseline listening on {port}", flush=True)
        async for message in pubsub.listen():
            if message["type"] == "message":
                broadcast(sockets, message["data"].decode())


if __name__ == "__main__":
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:  # pragma: no cover
        runner = asyncio.run
    runner(main(int(sys.argv[1]), sys.argv[2], sys.argv[3]))
