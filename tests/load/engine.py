"""The 80-participant load script (issue 4, "the mission's scale").

asyncio websocket clients, in a process separate from the server, join N participants to
one board through the real join path (HTTP join form -> session cookie -> websocket),
then add, move and vote on notes for a while (about --rate ops per second in all). At the
end it checks that every participant received every event of the board exactly once and
in seq order, and prints p50/p95/p99 delivery latency (op sent -> event received, every
participant) and the op round trip (op sent -> ack).

    # against a server it starts itself (uvicorn as `make serve`) on DATABASE_URL/REDIS_URL:
    python -m tests.load.engine --participants 80 --duration 60 --rate 20
    # against a running server: a join link of a session with a board (no database access)
    python -m tests.load.engine --base-url http://127.0.0.1:8000 --join-url /j/<token>/

The pytest test (tests/load/test_load.py, marker `load`) runs it for a few seconds.
Everything that depends on the join page and the board protocol is in adapter.py.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import connect

from tests.load import adapter


@dataclass
class Person:
    index: int
    joined: adapter.Joined
    ws: Any = None
    board: int = 0
    start_seq: int = 0
    snapshot_seen: asyncio.Event = field(default_factory=asyncio.Event)
    seqs: list[int] = field(default_factory=list)  # event seqs in arrival order (after the snapshot)
    notes: list[int] = field(default_factory=list)
    votes_left: int = 0
    pending: set[str] = field(default_factory=set)
    errors: list[dict] = field(default_factory=list)
    resyncs: int = 0
    heads: dict[str, int] | None = None
    reader: asyncio.Task | None = None


@dataclass
class Result:
    participants: int
    duration: float
    ops_sent: int = 0
    ops_by_kind: dict[str, int] = field(default_factory=dict)
    acks: int = 0
    head: int = 0
    start_seq: int = 0
    deliveries: int = 0
    join_seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)  # op sent -> event received, seconds
    round_trips: list[float] = field(default_factory=list)  # op sent -> ack, seconds
    problems: list[str] = field(default_factory=list)
    loadavg: tuple[float, float] = (0.0, 0.0)  # the machine's 1-minute load before and after

    def percentile(self, values: list[float], p: float) -> float:
        if not values:
            return float("nan")
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    def summary(self) -> str:
        lat, rtt = self.latencies, self.round_trips
        pct = self.percentile
        return "\n".join([
            f"participants {self.participants}, {self.duration:g} s, ops sent {self.ops_sent} "
            f"{self.ops_by_kind}, acked {self.acks}, board seq {self.start_seq} -> {self.head}; joins took "
            f"{self.join_seconds:.1f} s; machine load {self.loadavg[0]:.1f} -> {self.loadavg[1]:.1f} "
            f"on {os.cpu_count()} CPUs",
            f"deliveries {self.deliveries} (expected {(self.head - self.start_seq) * self.participants})",
            f"delivery latency ms  p50 {pct(lat, 50) * 1000:.1f}  p95 {pct(lat, 95) * 1000:.1f}  "
            f"p99 {pct(lat, 99) * 1000:.1f}  max {max(lat, default=float('nan')) * 1000:.1f}",
            f"op round trip ms     p50 {pct(rtt, 50) * 1000:.1f}  p95 {pct(rtt, 95) * 1000:.1f}  "
            f"p99 {pct(rtt, 99) * 1000:.1f}  max {max(rtt, default=float('nan')) * 1000:.1f}",
            "problems: " + ("; ".join(self.problems[:20]) if self.problems else "none"),
        ])


class LoadRun:
    def __init__(self, *, base_url: str, join_url: str, participants: int, duration: float, rate: float,
                 board: int | None = None, categories: list[int] | None = None, seed: int = 4) -> None:
        self.base_url = base_url
        self.join_url = join_url
        self.n = participants
        self.duration = duration
        self.rate = rate
        self.wanted_board = board
        self.categories = categories or [None]
        self.random = random.Random(seed)
        self.sent_at: dict[str, float] = {}
        self.result = Result(participants=participants, duration=duration)
        self.people: list[Person] = []

    # --- phases -------------------------------------------------------------------------

    async def run(self) -> Result:
        started = time.monotonic()
        load_before = os.getloadavg()[0]
        await self.join_all()
        self.result.join_seconds = time.monotonic() - started
        try:
            await self.connect_all()
            await self.work()
            await self.drain()
            self.check()
            self.result.loadavg = (load_before, os.getloadavg()[0])
        finally:
            for person in self.people:
                if person.reader is not None:
                    person.reader.cancel()
                if person.ws is not None:
                    await person.ws.close()
        return self.result

    async def join_all(self) -> None:
        """HTTP joins, a few at a time (like people arriving within seconds)."""
        gate = asyncio.Semaphore(8)

        async def one(i: int) -> Person:
            async with gate:
                joined = await asyncio.to_thread(adapter.join, self.base_url, self.join_url, i)
            return Person(index=i, joined=joined)

        self.people = list(await asyncio.gather(*(one(i) for i in range(self.n))))

    async def connect_all(self) -> None:
        async def one(person: Person) -> None:
            url = adapter.ws_url(self.base_url, person.joined.session_uuid)
            person.ws = await connect(url, origin=self.base_url.rstrip("/"), compression=None, open_timeout=60,
                                      additional_headers=[("Cookie", person.joined.cookie_header)], max_queue=None)
            welcome = adapter.classify(json.loads(await asyncio.wait_for(person.ws.recv(), 30)))
            if welcome.kind != "welcome":
                raise adapter.JoinFailed(f"participant {person.index}: first frame {welcome.raw}")
            person.board = adapter.board_from_welcome(welcome.raw, self.wanted_board)
            person.reader = asyncio.create_task(self.read(person))
            await person.ws.send(json.dumps(adapter.subscribe_frame(person.board)))
            await asyncio.wait_for(person.snapshot_seen.wait(), 30)

        await asyncio.gather(*(one(p) for p in self.people))
        starts = {p.start_seq for p in self.people}
        self.result.start_seq = min(starts)
        if len(starts) != 1:
            self.result.problems.append(f"participants subscribed at different seqs {sorted(starts)}")

    async def read(self, person: Person) -> None:
        latencies, result = self.result.latencies, self.result
        async for text in person.ws:
            now = time.time()
            frame = adapter.classify(json.loads(text))
            if frame.kind == "event" and frame.board == person.board:
                if not person.snapshot_seen.is_set() or frame.seq <= person.start_seq:
                    continue  # already in the snapshot
                person.seqs.append(frame.seq)
                sent = self.sent_at.get(frame.op_id or "")
                if sent is not None:
                    latencies.append(now - sent)
                if frame.new_note is not None:
                    person.notes.append(frame.new_note)
            elif frame.kind == "snapshot" and frame.board == person.board:
                person.start_seq = frame.seq or 0
                person.votes_left = frame.votes_left or 0
                person.snapshot_seen.set()
            elif frame.kind == "ack":
                if frame.op_id in person.pending:
                    person.pending.discard(frame.op_id)
                    result.acks += 1
                    result.round_trips.append(now - self.sent_at[frame.op_id])
                if frame.votes_left is not None:
                    person.votes_left = frame.votes_left
            elif frame.kind == "error":
                person.errors.append(frame.raw)
                person.pending.discard(frame.op_id or "")
            elif frame.kind == "pong":
                person.heads = frame.heads
            elif frame.kind == "resync":
                person.resyncs += 1

    async def work(self) -> None:
        """About `rate` ops per second in all, from randomly chosen participants: add a
        note, move a note, or vote (within the budget)."""
        rnd = self.random
        start = time.monotonic()
        total = int(self.duration * self.rate)
        for i in range(total):
            delay = start + i / self.rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            person = rnd.choice(self.people)
            counter = i + 1
            op_id = f"load-{person.index}-{counter}"
            roll = rnd.random()
            if not person.notes or roll < 0.4:
                kind, frame = "note.add", adapter.note_add(
                    person.board, op_id, f"Idea {counter} from participant {person.index}",
                    rnd.choice(self.categories))
            elif roll < 0.8 or person.votes_left <= 0:
                kind, frame = "note.move", adapter.note_move(
                    person.board, op_id, rnd.choice(person.notes), round(rnd.uniform(0, 1600), 1),
                    round(rnd.uniform(0, 1200), 1))
            else:
                kind, frame = "vote.add", adapter.vote_add(person.board, op_id, rnd.choice(person.notes))
                person.votes_left -= 1  # the ack corrects it
            person.pending.add(op_id)
            self.sent_at[op_id] = time.time()
            await person.ws.send(json.dumps(frame))
            self.result.ops_sent += 1
            self.result.ops_by_kind[kind] = self.result.ops_by_kind.get(kind, 0) + 1

    async def drain(self, timeout: float = 60.0) -> None:
        """Wait for every ack, read the board's head, then for every participant to reach it."""
        deadline = time.monotonic() + timeout
        while any(p.pending for p in self.people) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        probe = self.people[0]
        probe.heads = None
        await probe.ws.send(json.dumps(adapter.ping_frame()))
        while probe.heads is None and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        head = (probe.heads or {}).get(str(probe.board))
        if head is None:
            self.result.problems.append("no head seq in the pong")
            head = max((max(p.seqs, default=0) for p in self.people), default=0)
        self.result.head = head
        while time.monotonic() < deadline and any(
            (p.seqs[-1] if p.seqs else p.start_seq) < head for p in self.people
        ):
            await asyncio.sleep(0.05)

    def check(self) -> None:
        r = self.result
        unacked = sum(len(p.pending) for p in self.people)
        if unacked:
            r.problems.append(f"{unacked} ops never answered")
        errors = [e for p in self.people for e in p.errors]
        if errors:
            codes: dict[str, int] = {}
            for e in errors:
                codes[e.get("code", "?")] = codes.get(e.get("code", "?"), 0) + 1
            r.problems.append(f"{len(errors)} error frames {codes}, e.g. {errors[0]}")
        if r.acks + len(errors) != r.ops_sent:
            r.problems.append(f"{r.ops_sent} ops sent, {r.acks} acked, {len(errors)} refused")
        if r.head - r.start_seq != r.acks:
            r.problems.append(f"board advanced {r.head - r.start_seq} seqs for {r.acks} acked ops")
        for p in self.people:
            expected = list(range(p.start_seq + 1, r.head + 1))
            if p.seqs != expected:
                missing = sorted(set(expected) - set(p.seqs))
                dupes = len(p.seqs) - len(set(p.seqs))
                disorder = p.seqs != sorted(p.seqs)
                r.problems.append(f"participant {p.index}: {len(missing)} missing (e.g. {missing[:5]}), {dupes} "
                                  f"duplicated, {'out of order' if disorder else 'in order'}")
            if p.resyncs:
                r.problems.append(f"participant {p.index}: told to resync {p.resyncs} times")
        r.deliveries = sum(len(p.seqs) for p in self.people)


def run_load(**kwargs) -> Result:
    try:
        import uvloop

        return uvloop.run(LoadRun(**kwargs).run())
    except ImportError:  # pragma: no cover
        return asyncio.run(LoadRun(**kwargs).run())


# --- The command line: optionally starts the server and makes the fixture -------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="80 participants on one board through the real join path.")
    parser.add_argument("--participants", type=int, default=80)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of board work")
    parser.add_argument("--rate", type=float, default=20.0, help="ops per second, all participants together")
    parser.add_argument("--base-url", help="a running server; with --join-url, no database access is needed")
    parser.add_argument("--join-url", help="a session's join link path, e.g. /j/<token>/")
    parser.add_argument("--board", type=int, help="the board to use (default: the first the welcome offers)")
    args = parser.parse_args(argv)

    server = None
    if args.join_url and args.base_url:
        base_url, join_url, board, categories = args.base_url, args.join_url, args.board, None
    else:
        import os

        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        django.setup()
        from tests.servers import start_server

        fixture = adapter.create_fixture()
        join_url, board, categories = fixture.join_url, fixture.board_id, fixture.categories
        if args.base_url:
            base_url = args.base_url
        else:
            server = start_server()
            base_url = server.base_url
    try:
        result = run_load(base_url=base_url, join_url=join_url, participants=args.participants,
                          duration=args.duration, rate=args.rate, board=board, categories=categories)
    finally:
        if server is not None:
            server.stop()
    print(result.summary())
    if server is not None:
        errors = server.log_errors()
        print(f"server log {server.log}: {len(errors)} error lines")
        for line in errors[:10]:
            print("    " + line[:200])
    return 1 if result.problems else 0


if __name__ == "__main__":
    sys.exit(main())
