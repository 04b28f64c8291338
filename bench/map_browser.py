"""Map benchmark in Chromium: how long the concept map takes to draw a big board from its
snapshot, and to apply one remote event (issue 9's figures). Prints figures; asserts
nothing.

    .venv/bin/python bench/map_browser.py [--notes 500] [--links 300] [--runs 3]

What it does, in one run:
1. builds two boards on a SQLite file of its own (var/bench-map.sqlite3): the big one
   (--notes notes, --links links, in the five concept-map categories, through the real
   services) and a baseline of --baseline notes (default 50) with proportionally as many
   links, measured the same way in the same run;
2. starts the server exactly as `make serve` does, opens each board's page in headless
   Debian Chromium (1366 x 900, map view) --runs times as a signed-in facilitator, and
   records in the page:
   * snapshot -> map drawn: from the moment the `snapshot` frame arrives (a wrapper
     around WebSocket's message event) to the first animation frame in which Cytoscape
     holds every note and link of the board;
   * one remote event: a note moved by someone else (an HTTP op through the server), from
     the `event` frame's arrival to the end of the page's handlers for it (apply + render,
     synchronous), median of --events moves;
   * bytes on the wire to open the map view, from Chromium's own network log
     (encodedDataLength: compressed when the server compresses);
3. prints the figures for both boards and the ratios big/baseline.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Stamps in the page: when the snapshot of the watched board arrives, and how long the
# page's own handlers take for each event frame (they run synchronously in dispatch).
INIT = """
(() => {
  window.__bench = { snapshotAt: null, drawnAt: null, events: [] };
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    addEventListener(type, fn, ...rest) {
      if (type !== "message") return super.addEventListener(type, fn, ...rest);
      return super.addEventListener(type, (e) => {
        const isText = typeof e.data === "string";
        if (isText && e.data.startsWith('{"type":"snapshot"') && window.__bench.snapshotAt === null) {
          window.__bench.snapshotAt = performance.now();
        }
        const t0 = performance.now();
        fn.call(this, e);
        if (isText && e.data.startsWith('{"type":"event"')) window.__bench.events.push(performance.now() - t0);
      }, ...rest);
    }
  };
})();
"""

WAIT_DRAWN = """([notes, links]) => new Promise((resolve) => {
  const check = () => {
    const root = document.getElementById('board');
    const cy = root && root._cy;
    if (cy && cy.nodes().length === notes && cy.edges().length === links) {
      window.__bench.drawnAt = performance.now();
      resolve(window.__bench.drawnAt - window.__bench.snapshotAt);
    } else requestAnimationFrame(check);
  };
  check();
})"""

HTTP_OP = """async ([url, body]) => {
  const csrf = decodeURIComponent((document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || "");
  const r = await fetch(url, {method: "POST", credentials: "same-origin", body: JSON.stringify(body),
                              headers: {"Content-Type": "application/json", "X-CSRFToken": csrf}});
  return r.status;
}"""


def setup_django() -> None:
    (ROOT / "var").mkdir(exist_ok=True)
    db = ROOT / "var" / "bench-map.sqlite3"
    db.unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build_board(session, n_notes: int, n_links: int, seed: int):
    from mapping import services
    from mapping.models import Board

    rng = random.Random(seed)
    board = services.create_board(session=session, template=Board.Template.CONCEPT_MAP,
                                  title=f"Bench {n_notes} notes")
    cats = list(board.categories.order_by("order"))
    ids = []
    for i in range(n_notes):
        ids.append(services.apply_op(board=board, actor=None, op="note.add", op_id="", data={
            "text": f"Idea {i}: " + " ".join(rng.choice(["online", "teachers", "access", "devices", "training",
                                                          "platforms", "rural", "colleges"]) for _ in range(8)),
            "category": cats[i % len(cats)].pk, "x": (i % 25) * 280.0, "y": (i // 25) * 150.0})["id"])
    pairs = set()
    while len(pairs) < n_links:
        a, b = rng.sample(ids, 2)
        if (a, b) not in pairs and (b, a) not in pairs:
            pairs.add((a, b))
    for a, b in pairs:
        services.apply_op(board=board, actor=None, op="link.add", op_id="",
                          data={"source": a, "target": b, "label": "leads to" if rng.random() < 0.5 else ""})
    return board, ids


def measure(browser, base: str, cookie: dict, board, ids: list[int], n_notes: int, n_links: int,
            n_events: int) -> dict:
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.add_cookies([cookie])
    page = context.new_page()
    page.add_init_script(INIT)
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    sizes: list[int] = []
    cdp.on("Network.loadingFinished", lambda e: sizes.append(e["encodedDataLength"]))
    page.goto(f"{base}/boards/{board.pk}/")
    page.wait_for_selector("#board[data-ready='1']")
    if page.get_attribute("#show-map", "aria-pressed") != "true":
        page.click("#show-map")
    drawn_ms = page.evaluate(WAIT_DRAWN, [n_notes, n_links])
    page.wait_for_timeout(500)  # late fetches (fonts, the map library) land in the log
    wire = sum(sizes)
    # Remote events: someone else's tab moves notes through the server.
    other = context.new_page()
    other.goto(f"{base}/boards/{board.pk}/")
    other.wait_for_selector("#board[data-ready='1']")
    for i in range(n_events):
        status = other.evaluate(HTTP_OP, [f"/boards/{board.pk}/ops/", {
            "op": "note.move", "op_id": f"bench-{os.getpid()}-{board.pk}-{i}-{random.random():.6f}",
            "data": {"id": ids[i % len(ids)], "x": 10.0 * i, "y": -300.0}}])
        assert status == 200, status
        page.wait_for_function("(n) => window.__bench.events.length >= n", arg=i + 1)
    events = page.evaluate("() => window.__bench.events")
    context.close()
    return {"drawn_ms": drawn_ms, "event_ms": statistics.median(events), "event_max_ms": max(events),
            "wire_kb": wire / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notes", type=int, default=500)
    parser.add_argument("--links", type=int, default=300)
    parser.add_argument("--baseline", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--events", type=int, default=15)
    args = parser.parse_args()
    os.environ.setdefault("SECRET_KEY", "bench-map-" + os.urandom(16).hex())
    setup_django()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone
    from playwright.sync_api import sync_playwright

    from tests.servers import start_server
    from workshops.models import Session, Workshop

    ws = Workshop.objects.create(title="Map benchmark", slug=f"bench-map-{os.getpid()}")
    now = timezone.now()
    session = Session.objects.create(workshop=ws, order=1, title="Session 1", starts_at=now,
                                     ends_at=now + dt.timedelta(hours=3))
    big, big_ids = build_board(session, args.notes, args.links, seed=1)
    small_links = round(args.links * args.baseline / args.notes)
    small, small_ids = build_board(session, args.baseline, small_links, seed=2)
    user = get_user_model().objects.create_user(f"bench{os.getpid()}", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    server = start_server(database_url=os.environ["DATABASE_URL"])
    cookie = {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": server.base_url}
    results: dict[str, list[dict]] = {"big": [], "baseline": []}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium",
                                         args=["--headless", "--no-sandbox", "--disable-gpu"])
            for _ in range(args.runs):  # interleaved, so both see the same machine load
                results["baseline"].append(measure(browser, server.base_url, cookie, small, small_ids,
                                                   args.baseline, small_links, args.events))
                results["big"].append(measure(browser, server.base_url, cookie, big, big_ids,
                                              args.notes, args.links, args.events))
            browser.close()
    finally:
        server.stop()
    errors = server.log_errors()
    med = {k: {m: statistics.median(r[m] for r in runs) for m in runs[0]} for k, runs in results.items()}
    print(f"map benchmark, {args.runs} runs each, interleaved; Chromium headless 1366x900, map view")
    for key, n, links in (("baseline", args.baseline, small_links), ("big", args.notes, args.links)):
        m = med[key]
        print(f"  {key:8} {n:4} notes {links:4} links: snapshot -> drawn {m['drawn_ms']:7.1f} ms | "
              f"one remote event {m['event_ms']:5.2f} ms (max {m['event_max_ms']:.2f}) | "
              f"first open {m['wire_kb']:7.1f} KB on the wire")
        print("           runs: drawn " + ", ".join(f"{r['drawn_ms']:.0f}" for r in results[key]) +
              " ms; event " + ", ".join(f"{r['event_ms']:.2f}" for r in results[key]) + " ms")
    b, s = med["big"], med["baseline"]
    print(f"  ratios big/baseline: drawn {b['drawn_ms'] / s['drawn_ms']:.1f}x, event "
          f"{b['event_ms'] / s['event_ms']:.1f}x, wire {b['wire_kb'] / s['wire_kb']:.2f}x")
    print(f"  server log errors: {len(errors)}")
    print(json.dumps({"median": med}, indent=None))


if __name__ == "__main__":
    main()
