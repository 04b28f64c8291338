"""Broadcast benchmark: N websocket clients on one stream, M events at a fixed rate.

    REDIS_URL=redis://127.0.0.1:6379/0 python bench/broadcast.py [--clients 1000] [--rate 20] [--events 300]
    make bench BENCH_ARGS="--clients 500"

What it does, in one run:
1. app: starts the real server exactly as `make serve` does (uvicorn, no per-message
   deflate) in a subprocess, with the same REDIS_URL/DATABASE_URL as this process;
   creates N participants and N logged-in Django sessions with bulk_create (no HTTP
   join: the load test in tests/load covers that path); connects N websocket clients at
   once from --procs client processes (each socket follows its session's stream
   "session.<id>", as every socket does); publishes M frames through
   realtime.broadcast.asend_encoded from this process at --rate per second.
2. baseline: the same clients, rate and Redis hop against bench/baseline_server.py, a
   plain `websockets.broadcast` server.
3. prints, for both: connect failures (HTTP status), p50/p95/p99/max delivery latency,
   deliveries/s, server CPU seconds per 1,000 deliveries, lost/duplicated/out-of-order
   frames, errors in the server log; then the ratios app/baseline.

Needs REDIS_URL: the publisher is another process, and only Redis crosses processes.
Without DATABASE_URL it uses its own SQLite file var/bench.sqlite3 (migrated here); with
it, it creates one workshop named bench-* and deletes it at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import multiprocessing
import os
import platform
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.clients import ProcessResult, run_clients  # noqa: E402

VENV_BIN = Path(sys.executable).parent
LOG_DIR = ROOT / "var"
ERROR_PATTERNS = re.compile(
    r"Traceback|ERROR|Exception|Timeout reading|MaxConnections|Too many connections|ConnectionError|"
    r"Internal Server Error|\b500\b"
)
CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(p / 100 * (len(sorted_values) - 1))))
    return sorted_values[k]


# --- The database fixture: N participants with logged-in sessions -----------------------

def setup_django(args) -> None:
    if not os.environ.get("DATABASE_URL"):
        LOG_DIR.mkdir(exist_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{LOG_DIR / 'bench.sqlite3'}"
        args.migrate = True
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # The server runs with DEBUG=0, which refuses the embedded key; both must sign the
    # sessions created here with the same key.
    os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_hex(32))
    import django

    django.setup()
    if args.migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)


def create_audience(n: int):
    """One workshop and session, n participants, n sessions; returns (session, cookies)."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session as HttpSession
    from django.utils import timezone

    from participants.identity import SESSION_KEY
    from participants.models import Attendance, Country, Participant, Stakeholder
    from workshops.models import Session, Workshop

    tag = secrets.token_hex(4)
    now = timezone.now()
    workshop = Workshop.objects.create(title=f"Benchmark {tag}", slug=f"bench-{tag}")
    session = Session.objects.create(workshop=workshop, title="Benchmark session", starts_at=now,
                                     ends_at=now + dt.timedelta(hours=2))
    countries = [c for c, _ in Country.choices]
    participants = Participant.objects.bulk_create(
        Participant(workshop=workshop, display_name=f"Bench {i}", country=countries[i % 5],
                    stakeholder=Stakeholder.TEACHER)
        for i in range(n)
    )
    # Joined this session (the join service records an attendance; sockets require it).
    Attendance.objects.bulk_create(Attendance(participant=p, session=session) for p in participants)
    store = SessionStore()
    keys = [secrets.token_hex(16) for _ in range(n)]
    HttpSession.objects.bulk_create(
        HttpSession(session_key=key, expire_date=now + dt.timedelta(hours=6),
                    session_data=store.encode({SESSION_KEY: {str(workshop.pk): p.pk}}))
        for key, p in zip(keys, participants, strict=True)
    )
    return workshop, session, [f"sessionid={key}" for key in keys]


def drop_audience(workshop, cookies: list[str]) -> None:
    from django.contrib.sessions.models import Session as HttpSession

    HttpSession.objects.filter(session_key__in=[c.split("=", 1)[1] for c in cookies]).delete()
    workshop.delete()


# --- Servers -------------------------------------------------------------------------------

def start_app_server(port: int, args) -> tuple[subprocess.Popen, Path]:
    env = dict(os.environ)
    env.update({"DEBUG": "0", "SECURE_SSL_REDIRECT": "0",
                "ALLOWED_HOSTS": "127.0.0.1,localhost"})
    if args.without_daphne:
        # A package named daphne that refuses to import, first on the path: as if absent.
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "bench" / "no_daphne"), env.get("PYTHONPATH", "")])
    log = LOG_DIR / "bench-app-server.log"
    # Exactly `make serve`: the same executable and flags.
    cmd = [str(VENV_BIN / "uvicorn"), "config.asgi:application", "--host", "127.0.0.1", "--port", str(port),
           "--no-access-log", "--ws-per-message-deflate", "false", "--ws-max-size", "65536", *args.server_arg]
    if args.profile:  # the event loop runs in the main thread, which cProfile sees
        cmd = [sys.executable, str(ROOT / "bench" / "profile_server.py"), args.profile, *cmd[1:]]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
                            start_new_session=True)
    pin(proc.pid, args.pin)
    wait_http(f"http://127.0.0.1:{port}/healthz", proc, log)
    return proc, log


def pin(pid: int, on: bool) -> None:
    """--pin: the server gets CPU 0 to itself (as on a real host, where the clients are
    elsewhere); this process and the clients share the others."""
    if on:
        os.sched_setaffinity(pid, {0})


def start_baseline_server(port: int, channel: str, args) -> tuple[subprocess.Popen, Path]:
    log = LOG_DIR / "bench-baseline-server.log"
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "baseline_server.py"), str(port), os.environ["REDIS_URL"], channel],
        cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
    )
    pin(proc.pid, args.pin)
    deadline = time.monotonic() + 30
    while "listening" not in log.read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"baseline server did not start; see {log}")
        time.sleep(0.1)
    return proc, log


def wait_http(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    raise RuntimeError(f"server did not answer {url}; see {log}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def log_errors(log: Path) -> list[str]:
    lines = [line.rstrip() for line in log.read_text(errors="replace").splitlines() if ERROR_PATTERNS.search(line)]
    return lines


# --- One measured run ----------------------------------------------------------------------

def run_clients_and_publish(*, name: str, url: str, cookies: list[str | None], procs: int, events: int,
                            rate: float, publish, server_pid: int, idle: float, pinned: bool = False) -> dict:
    ctx = multiprocessing.get_context("spawn")
    cpus = os.sched_getaffinity(0) if pinned else None
    end_timeout = events / rate + 120
    pipes, workers = [], []
    for k in range(procs):
        part = cookies[k::procs]
        parent, child = ctx.Pipe(duplex=False)
        worker = ctx.Process(target=run_clients, args=(url, "http://127.0.0.1", part, end_timeout, child),
                             daemon=True)
        worker.start()
        if cpus is not None:
            os.sched_setaffinity(worker.pid, cpus)
        child.close()
        pipes.append(parent)
        workers.append(worker)
    join_started = time.monotonic()
    connected, failed = 0, {}
    for pipe in pipes:
        if not pipe.poll(300):
            raise RuntimeError(f"{name}: a client process never got ready")
        kind, *rest = pipe.recv()
        if kind != "ready":
            raise RuntimeError(f"{name}: client process failed: {rest}")
        connected += rest[0]
    join_seconds = time.monotonic() - join_started
    # A socket gets its welcome before the server has finished its join work (presence,
    # attendance); wait until the server is quiet, so that join work is not counted below.
    settle_started = time.monotonic()
    while time.monotonic() - settle_started < 180:
        before = cpu_seconds(server_pid)
        time.sleep(1.0)
        if cpu_seconds(server_pid) - before < 0.05:
            break
    settle_seconds = time.monotonic() - settle_started - 1.0
    # What N connected, silent sockets cost (pings, timers, presence): CPU share of a core.
    idle_before = cpu_seconds(server_pid)
    time.sleep(idle)
    idle_share = (cpu_seconds(server_pid) - idle_before) / idle if idle else float("nan")

    load_before = os.getloadavg()[0]
    cpu_before = cpu_seconds(server_pid)
    started = time.monotonic()
    asyncio.run(publish(events, rate))
    publish_seconds = time.monotonic() - started

    results: list[ProcessResult] = []
    for pipe in pipes:
        if not pipe.poll(end_timeout + 60):
            raise RuntimeError(f"{name}: a client process never finished")
        kind, payload = pipe.recv()
        if kind != "done":
            raise RuntimeError(f"{name}: client process failed: {payload}")
        results.append(payload)
    elapsed = time.monotonic() - started
    cpu = cpu_seconds(server_pid) - cpu_before
    for worker in workers:
        worker.join(10)

    latencies = sorted(x for r in results for x in r.latencies)
    received = [seq for r in results for seq in r.received]
    expected = list(range(events))
    lost = sum(len(set(expected) - set(seq)) for seq in received)
    duplicated = sum(len(seq) - len(set(seq)) for seq in received)
    out_of_order = sum(1 for seq in received if seq != sorted(seq))
    for r in results:
        for reason, count in r.failed.items():
            failed[reason] = failed.get(reason, 0) + count
    deliveries = len(latencies)
    return {
        "name": name,
        "clients": len(cookies),
        "connected": connected,
        "connect_failures": failed,
        "join_seconds": round(join_seconds, 2),
        "settle_seconds": round(settle_seconds, 1),
        "events": events,
        "rate": rate,
        "deliveries": deliveries,
        "expected_deliveries": events * connected,
        "lost": lost,
        "duplicated": duplicated,
        "sockets_out_of_order": out_of_order,
        "sockets_ended": sum(r.ended for r in results),
        "p50_ms": percentile(latencies, 50) * 1000,
        "p95_ms": percentile(latencies, 95) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "max_ms": (latencies[-1] * 1000) if latencies else float("nan"),
        "publish_seconds": round(publish_seconds, 2),
        "deliveries_per_s": deliveries / elapsed if elapsed else 0.0,
        "server_cpu_s": cpu,
        "cpu_s_per_1000": cpu / deliveries * 1000 if deliveries else float("nan"),
        "loadavg": (round(load_before, 2), round(os.getloadavg()[0], 2)),
        "idle_cpu_share": idle_share,
        "clients_cpu_s": sum(r.cpu_seconds for r in results),
    }


def paced(events: int, rate: float, send_one) -> asyncio.Future:
    """Call send_one(i) for i in range(events) at a fixed rate (no catching up in bursts
    beyond what the clock requires), then send the end marker."""

    async def run() -> None:
        start = time.monotonic()
        for i in range(events):
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            await send_one(json.dumps({"type": "bench", "i": i, "t": time.time()}, separators=(",", ":")))
        await asyncio.sleep(0.5)
        await send_one('{"type":"bench_end"}')

    return run()


def measure_app(args) -> dict:
    from realtime.broadcast import asend_encoded

    workshop, session, cookies = create_audience(args.clients)
    port = free_port()
    proc, log = start_app_server(port, args)
    stream = f"session.{session.pk}"
    try:
        async def publish(events: int, rate: float) -> None:
            await paced(events, rate, lambda text: asend_encoded(stream, text))

        result = run_clients_and_publish(
            name="app (uvicorn + Django + Channels hub)",
            url=f"ws://127.0.0.1:{port}/ws/sessions/{session.uuid}/", cookies=cookies, procs=args.procs,
            events=args.events, rate=args.rate, publish=publish, server_pid=proc.pid, idle=args.idle,
            pinned=args.pin,
        )
        result["server_rss_mb"] = rss_mb(proc.pid)
    finally:
        stop(proc)
        drop_audience(workshop, cookies)
    result["log"] = str(log.relative_to(ROOT))
    result["log_errors"] = log_errors(log)
    return result


def measure_baseline(args) -> dict:
    from redis import asyncio as aioredis

    channel = f"{os.environ.get('CHANNELS_PREFIX', 'ws')}.bench-baseline.{secrets.token_hex(4)}"
    port = free_port()
    proc, log = start_baseline_server(port, channel, args)
    try:
        async def publish(events: int, rate: float) -> None:
            redis = aioredis.Redis.from_url(os.environ["REDIS_URL"])
            try:
                await paced(events, rate, lambda text: redis.publish(channel, text))
            finally:
                await redis.aclose()

        result = run_clients_and_publish(
            name="baseline (websockets.broadcast)", url=f"ws://127.0.0.1:{port}/", cookies=[None] * args.clients,
            procs=args.procs, events=args.events, rate=args.rate, publish=publish, server_pid=proc.pid,
            idle=args.idle, pinned=args.pin,
        )
        result["server_rss_mb"] = rss_mb(proc.pid)
    finally:
        stop(proc)
    result["log"] = str(log.relative_to(ROOT))
    result["log_errors"] = log_errors(log)
    return result


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def report(results: list[dict], args) -> None:
    print()
    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; clients {args.clients} in {args.procs} processes; "
          f"{args.events} events at {args.rate:g}/s; daphne {'blocked' if args.without_daphne else 'importable'}"
          + ("; server pinned to CPU 0, clients on the others" if args.pin else ""))
    header = f"{'':38} {'connected':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} " \
             f"{'deliv/s':>8} {'CPU s/1k':>9} {'lost':>6} {'dup':>5} {'ooo':>4}"
    print(header)
    for r in results:
        print(f"{r['name'][:38]:38} {r['connected']:>9} {r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f} {r['p99_ms']:>8.1f} "
              f"{r['max_ms']:>8.1f} {r['deliveries_per_s']:>8.0f} {r['cpu_s_per_1000']:>9.4f} {r['lost']:>6} "
              f"{r['duplicated']:>5} {r['sockets_out_of_order']:>4}")
    for r in results:
        print(f"\n{r['name']}: joins took {r['join_seconds']} s (all welcomed), then the server was busy "
              f"{r['settle_seconds']} s more; connect failures: {r['connect_failures'] or 'none'}; "
              f"server CPU {r['server_cpu_s']:.2f} s for {r['deliveries']} deliveries "
              f"(expected {r['expected_deliveries']}); idle with {r['connected']} sockets "
              f"{r['idle_cpu_share'] * 100:.1f}% of a core; RSS {r['server_rss_mb']:.0f} MB; machine load "
              f"{r['loadavg'][0]} -> {r['loadavg'][1]}")
        print(f"  client processes used {r['clients_cpu_s']:.1f} CPU s in all (joins included): the server "
              f"and the clients share this machine's {os.cpu_count()} CPUs")
        errors = r["log_errors"]
        print(f"  server log {r['log']}: {len(errors)} error lines" + (":" if errors else ""))
        distinct = list(dict.fromkeys(errors))
        for line in distinct[:10]:
            print("    " + line[:200])
        if len(distinct) > 10:
            print(f"    ... and {len(distinct) - 10} more distinct lines")
    if len(results) == 2:
        app, base = results
        print("\nratios app / baseline:")
        for key, label in [("p50_ms", "p50"), ("p95_ms", "p95"), ("p99_ms", "p99"),
                           ("cpu_s_per_1000", "CPU per delivery"), ("deliveries_per_s", "deliveries/s")]:
            ratio = app[key] / base[key] if base[key] else float("nan")
            print(f"  {label:18} {ratio:6.2f}x")
    if args.json:
        Path(args.json).write_text(json.dumps({"args": vars(args), "results": results}, indent=2, default=str))
        print(f"\nraw figures written to {args.json}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--procs", type=int, default=4, help="client processes")
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--rate", type=float, default=20.0, help="events per second")
    parser.add_argument("--pin", action="store_true",
                        help="server on CPU 0 alone; clients and publisher on the other CPUs")
    parser.add_argument("--idle", type=float, default=10.0, help="seconds of idle CPU measurement before publishing")
    parser.add_argument("--only", choices=["app", "baseline"], help="skip the other measurement")
    parser.add_argument("--without-daphne", action="store_true", help="run the app server with daphne unimportable")
    parser.add_argument("--server-arg", action="append", default=[], help="extra uvicorn argument (experiments)")
    parser.add_argument("--profile", help="run the app server under cProfile, writing this file")
    parser.add_argument("--migrate", action="store_true", help="migrate the database first")
    parser.add_argument("--json", help="also write the raw figures to this file")
    args = parser.parse_args(argv)
    if not os.environ.get("REDIS_URL"):
        print("bench/broadcast.py needs REDIS_URL (the publisher is another process; the in-memory layer "
              "cannot reach the server). Example: REDIS_URL=redis://127.0.0.1:6379/0 make bench", file=sys.stderr)
        return 2
    setup_django(args)
    LOG_DIR.mkdir(exist_ok=True)
    if args.pin:
        others = set(range(os.cpu_count() or 1)) - {0}
        if not others:
            parser.error("--pin needs at least 2 CPUs")
        os.sched_setaffinity(0, others)
    results = []
    if args.only != "baseline":
        results.append(measure_app(args))
    if args.only != "app":
        results.append(measure_baseline(args))
    report(results, args)
    bad = [r["name"] for r in results if r["connect_failures"] or r["lost"] or r["duplicated"]
           or r["sockets_out_of_order"]]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
