"""In-process cost of the hub and the outboxes alone: one frame to 1,000 local sockets
whose send does nothing, 300 times. Isolates realtime/hub.py from uvicorn and the network.

    python bench/hub_overhead.py [--sockets 1000] [--frames 300] [--session]

--session: the stream is a session stream as a LiveConsumer follows it, where each socket
also has its live.consumers.RightsWatcher (which looks at every frame for the few that
change rights).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


async def measure(sockets: int, frames: int, session: bool = False) -> float:
    from realtime.hub import Hub, Outbox

    sent = 0

    async def send(message: dict) -> None:
        nonlocal sent
        sent += 1

    hub = Hub()
    outboxes = [Outbox(send) for _ in range(sockets)]
    stream = "session.1" if session else "board.1"
    members: set = set(outboxes)
    if session:
        from live.consumers import RightsWatcher

        members |= {RightsWatcher(None, "session") for _ in range(sockets)}
    hub.streams[stream] = members  # as Hub.subscribe leaves it, without a channel layer
    await asyncio.sleep(0)
    started = time.perf_counter()
    for i in range(frames):
        hub.deliver(stream, '{"type":"event"}')
        while sent < (i + 1) * sockets:
            await asyncio.sleep(0)
    elapsed = time.perf_counter() - started
    for outbox in outboxes:
        await outbox.close()
    return elapsed / (sockets * frames)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--session", action="store_true", help="a session stream: each socket's RightsWatcher too")
    args = parser.parse_args()
    import django

    django.setup()
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:  # pragma: no cover
        runner = asyncio.run
    best = min(runner(measure(args.sockets, args.frames, args.session)) for _ in range(5))
    what = "hub + outbox" + (" + rights watcher" if args.session else "")
    print(f"{what}: {best * 1e6:.2f} us per delivery (best of 5; {args.sockets} sockets x {args.frames} frames)")


if __name__ == "__main__":
    main()
