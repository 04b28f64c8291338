import { test } from "node:test";
import assert from "node:assert/strict";
import { LiveSocket, storageKeyFor, STORE_MAX_FRAMES } from "../../static/js/live.js";
import { FakeClock, FakeStorage, fakeWebSocketClass, URL } from "./fakes.mjs";

const KEY = "live-pending:abc-123";

function setup({ storage = new FakeStorage(), clock = new FakeClock() } = {}) {
  const WebSocket = fakeWebSocketClass();
  const live = new LiveSocket(URL, {
    WebSocket, storage, random: () => 0, now: clock.now, setTimeout: clock.setTimeout,
    clearTimeout: clock.clearTimeout, setInterval: clock.setInterval, clearInterval: clock.clearInterval,
  });
  const ws = () => WebSocket.made[WebSocket.made.length - 1];
  return { live, WebSocket, ws, clock, storage };
}

// Let promise callbacks run.
const settle = () => new Promise((resolve) => setImmediate(resolve));

function stored(storage) { return JSON.parse(storage.getItem(KEY) || "[]"); }

test("the storage key is per session uuid", () => {
  assert.equal(storageKeyFor(URL), KEY);
});

test("an op resolves on its ack and leaves storage", async () => {
  const { live, ws, storage } = setup();
  ws().open();
  const p = live.op("signal.help", {}, { opId: "o1" });
  assert.deepEqual(ws().take(), [{ type: "op", op_id: "o1", op: "signal.help", data: {} }]);
  assert.deepEqual(stored(storage).map((f) => f.op_id), ["o1"]);
  ws().receive({ type: "ack", op_id: "o1" });
  assert.deepEqual(await p, { type: "ack", op_id: "o1" });
  assert.equal(storage.getItem(KEY), null);
});

test("a pending op goes out again, same op id, after a reconnect", async () => {
  const { live, ws, clock, WebSocket } = setup();
  ws().open();
  const p = live.op("timer.start", { minutes: 5 }, { opId: "o1" });
  ws().take();
  ws().drop();
  assert.equal(live.status, "offline");
  clock.advance(500);
  assert.equal(WebSocket.made.length, 2);
  ws().open();
  assert.deepEqual(ws().take(), [{ type: "op", op_id: "o1", op: "timer.start", data: { minutes: 5 } }]);
  ws().receive({ type: "ack", op_id: "o1" });
  assert.equal((await p).op_id, "o1");
});

test("ops made offline wait, then go out on open; board ops after their subscribe", () => {
  const { live, ws } = setup();
  live.op("signal.done", {}, { opId: "s1" });
  live.subscribeBoard(12, () => 57);
  live.op("note.add", { text: "x" }, { board: 12, opId: "b1" });
  assert.deepEqual(ws().sent, []);
  ws().open();
  assert.deepEqual(ws().take(), [
    { type: "subscribe", board: 12, since: 57 },
    { type: "op", op_id: "s1", op: "signal.done", data: {} },
    { type: "op", op_id: "b1", op: "note.add", data: { text: "x" }, board: 12 },
  ]);
});

test("a resync re-subscribes every board and resends every pending op", () => {
  const { live, ws } = setup();
  ws().open();
  live.subscribeBoard(12, () => 60);
  live.op("note.move", { id: 5, x: 1, y: 2 }, { board: 12, opId: "m1" });
  live.op("message.send", { text: "hi" }, { opId: "s1" });
  ws().take();
  ws().receive({ type: "resync", reason: "too_far_behind" });
  assert.deepEqual(ws().take(), [
    { type: "subscribe", board: 12, since: 60 },
    { type: "op", op_id: "m1", op: "note.move", data: { id: 5, x: 1, y: 2 }, board: 12 },
    { type: "op", op_id: "s1", op: "message.send", data: { text: "hi" } },
  ]);
});

for (const code of ["rate_limited", "unavailable"]) {
  test(`${code}: the op stays pending and is resent after retry_after, not rejected`, async () => {
    const { live, ws, clock, storage } = setup();
    ws().open();
    const retries = [];
    live.on("retry", (f) => retries.push(f));
    const errors = [];
    live.on("error", (f) => errors.push(f));
    let outcome = null;
    live.op("vote.add", { note: 5 }, { board: null, opId: "v1" }).then((f) => { outcome = ["ok", f]; }, (f) => { outcome = ["err", f]; });
    ws().take();
    ws().receive({ type: "error", op_id: "v1", code, retry_after: 1.5 });
    await settle();
    assert.equal(outcome, null);
    assert.deepEqual(errors, []);
    assert.deepEqual(retries, [{ type: "retry", op_id: "v1", op: "vote.add", board: null, code, retry_after: 1.5 }]);
    assert.deepEqual(stored(storage).map((f) => f.op_id), ["v1"]);
    clock.advance(1499);
    assert.deepEqual(ws().take(), []);
    clock.advance(1);
    assert.deepEqual(ws().take(), [{ type: "op", op_id: "v1", op: "vote.add", data: { note: 5 } }]);
    ws().receive({ type: "ack", op_id: "v1", votes_left: 4 });
    await settle();
    assert.deepEqual(outcome, ["ok", { type: "ack", op_id: "v1", votes_left: 4 }]);
  });
}

test("a rate-limited op is not sent early by a resync while it waits", () => {
  const { live, ws, clock } = setup();
  ws().open();
  live.op("note.move", { id: 1, x: 0, y: 0 }, { opId: "m1" });
  ws().take();
  ws().receive({ type: "error", op_id: "m1", code: "rate_limited", retry_after: 2 });
  ws().receive({ type: "resync", reason: "too_far_behind" });
  assert.deepEqual(ws().take(), []);
  clock.advance(2000);
  assert.deepEqual(ws().take().map((f) => f.op_id), ["m1"]);
});

test("any other error rejects the op and drops it", async () => {
  const { live, ws, clock, storage } = setup();
  ws().open();
  const p = live.op("note.add", { text: "" }, { opId: "a1" });
  ws().take();
  const frame = { type: "error", op_id: "a1", code: "invalid", message: "no", fields: { text: "required" } };
  ws().receive(frame);
  await assert.rejects(p, (err) => { assert.deepEqual(err, frame); return true; });
  assert.equal(storage.getItem(KEY), null);
  ws().drop();
  clock.advance(500);
  ws().open();
  assert.deepEqual(ws().take(), []);
});

test("pending ops survive a reload: restored, resent on open, answered as `restored` events", async () => {
  const storage = new FakeStorage();
  const first = setup({ storage });
  first.ws().open();
  first.live.op("signal.help", {}, { opId: "s1" });
  first.live.op("message.send", { text: "hello" }, { opId: "s2" });
  first.ws().receive({ type: "ack", op_id: "s2" });
  // the page reloads: a new LiveSocket on the same storage
  const second = setup({ storage });
  const restored = [];
  second.live.on("restored", (f) => restored.push(f));
  second.ws().open();
  assert.deepEqual(second.ws().take(), [{ type: "op", op_id: "s1", op: "signal.help", data: {} }]);
  second.ws().receive({ type: "ack", op_id: "s1" });
  assert.deepEqual(restored, [{ type: "restored", op_id: "s1", op: "signal.help", board: null,
    frame: { type: "op", op_id: "s1", op: "signal.help", data: {} }, result: { type: "ack", op_id: "s1" } }]);
  assert.equal(storage.getItem(KEY), null);
});

test("a restored board op waits for the board's subscribe; an error answers it too", () => {
  const storage = new FakeStorage();
  storage.setItem(KEY, JSON.stringify([{ type: "op", op_id: "b1", op: "note.add", board: 12, data: { text: "x" } }]));
  const { live, ws } = setup({ storage });
  const restored = [];
  live.on("restored", (f) => restored.push(f.result));
  ws().open();
  assert.deepEqual(ws().take(), []);
  live.subscribeBoard(12, () => null);
  assert.deepEqual(ws().take(), [
    { type: "subscribe", board: 12, since: null },
    { type: "op", op_id: "b1", op: "note.add", board: 12, data: { text: "x" } },
  ]);
  ws().receive({ type: "error", op_id: "b1", code: "locked" });
  assert.deepEqual(restored, [{ type: "error", op_id: "b1", code: "locked" }]);
  assert.equal(storage.getItem(KEY), null);
});

test("after the welcome, unsent ops on a board no longer listed fail; a restored one another tab shows stays stored", async () => {
  const storage = new FakeStorage();
  storage.setItem(KEY, JSON.stringify([{ type: "op", op_id: "r9", op: "note.add", board: 9, data: { text: "y" } }]));
  const { live, ws } = setup({ storage });
  live.subscribeBoard(12, () => 3);
  const p = live.op("note.add", { text: "x" }, { board: 12, opId: "b1" });
  live.unsubscribeBoard(12); // the room moved on while offline
  ws().open();
  ws().receive({ type: "welcome", seq: 0, boards: [{ id: 9 }, { id: 20 }] });
  await assert.rejects(p, (err) => err.code === "not_found" && err.local === true);
  assert.equal(live.pending.size, 0);
  assert.deepEqual(stored(storage).map((f) => f.op_id), ["r9"]);
});

test("storage keeps at most STORE_MAX_FRAMES ops, dropping the oldest with a warning", () => {
  const { live, storage } = setup();
  const warn = console.warn;
  const warnings = [];
  console.warn = (...args) => warnings.push(args.join(" "));
  try {
    for (let i = 0; i < STORE_MAX_FRAMES + 3; i++) live.op("signal.help", {}, { opId: `o${i}` });
  } finally { console.warn = warn; }
  const ids = stored(storage).map((f) => f.op_id);
  assert.equal(ids.length, STORE_MAX_FRAMES);
  assert.equal(ids[0], "o3");
  assert.ok(warnings.length >= 1);
  assert.equal(live.pending.size, STORE_MAX_FRAMES + 3); // still sent from memory
});

test("storage keeps at most 256 KiB", () => {
  const { live, storage } = setup();
  const warn = console.warn;
  console.warn = () => {};
  try {
    for (let i = 0; i < 100; i++) live.op("message.send", { text: "x".repeat(4000) }, { opId: `o${i}` });
  } finally { console.warn = warn; }
  assert.ok(storage.getItem(KEY).length <= 256 * 1024);
  assert.equal(stored(storage).at(-1).op_id, "o99");
});

test("two tabs of one session do not wipe each other's stored ops", () => {
  const storage = new FakeStorage();
  const a = setup({ storage });
  a.ws().open();
  a.live.op("signal.help", {}, { opId: "a1" });
  const b = setup({ storage }); // restores a1 too
  b.ws().open();
  b.live.op("signal.done", {}, { opId: "b1" });
  b.ws().receive({ type: "ack", op_id: "b1" });
  assert.deepEqual(stored(storage).map((f) => f.op_id), ["a1"]);
  a.ws().receive({ type: "ack", op_id: "a1" });
  assert.equal(storage.getItem(KEY), null);
});

test("a revoked board is forgotten: not re-subscribed on reconnect, and the frame is emitted", () => {
  const { live, ws, clock } = setup();
  ws().open();
  live.subscribeBoard(12, () => 5);
  live.subscribeBoard(9, () => 1);
  ws().take();
  const seen = [];
  live.on("unsubscribed", (f) => seen.push(f));
  ws().receive({ type: "unsubscribed", board: 12, reason: "revoked" });
  assert.deepEqual(seen, [{ type: "unsubscribed", board: 12, reason: "revoked" }]);
  live.unsubscribeBoard(12); // the screen showing it unmounts: nothing to tell the server
  assert.deepEqual(ws().take(), []);
  ws().drop();
  clock.advance(500);
  ws().open();
  assert.deepEqual(ws().take(), [{ type: "subscribe", board: 9, since: 1 }]);
});

test("ops on a revoked board: a waiting one fails at once, one in flight waits for its answer", async () => {
  const { live, ws, clock } = setup();
  ws().open();
  live.subscribeBoard(12, () => 5);
  const p1 = live.op("note.add", { text: "x" }, { board: 12, opId: "b1" });
  const p2 = live.op("note.add", { text: "y" }, { board: 12, opId: "b2" });
  ws().take();
  ws().receive({ type: "error", op_id: "b2", code: "rate_limited", retry_after: 1 });
  ws().receive({ type: "unsubscribed", board: 12, reason: "revoked" });
  await assert.rejects(p2, (err) => err.code === "not_found" && err.op_id === "b2");
  assert.deepEqual([...live.pending.keys()], ["b1"]);
  clock.advance(2000);
  assert.deepEqual(ws().take(), []);
  // its answer lost with the connection: not resent to a board we no longer follow ...
  ws().drop();
  clock.advance(500);
  ws().open();
  assert.deepEqual(ws().take(), []);
  // ... and given up when the welcome does not list the board
  ws().receive({ type: "welcome", seq: 1, boards: [{ id: 9 }] });
  await assert.rejects(p1, (err) => err.code === "not_found");
});

test("session frames: a gap asks for one refresh; the pushed welcome resets", () => {
  const { ws, clock } = setup();
  ws().open();
  ws().receive({ type: "welcome", seq: 10, boards: [] });
  ws().receive({ type: "timer", seq: 11, ends_at: null });
  ws().receive({ type: "session.hidden", seq: 12 });
  ws().receive({ type: "event", board: 12, seq: 99, op: "note.move", data: {} }); // a board's, not the session's
  ws().receive({ type: "message", seq: 14, text: "hi" });
  ws().receive({ type: "message", seq: 14, text: "hi" });
  assert.deepEqual(ws().take(), []);
  clock.advance(2000);
  assert.deepEqual(ws().take(), [{ type: "refresh" }]);
  clock.advance(5000);
  ws().receive({ type: "head", session: 3, seq: 20 });
  assert.deepEqual(ws().take(), []);
  ws().receive({ type: "welcome", seq: 20, boards: [] });
  ws().receive({ type: "head", session: 3, seq: 20 });
  ws().receive({ type: "head", board: 12, seq: 500 }); // board heads are board.js's
  assert.deepEqual(ws().take(), []);
  ws().receive({ type: "pong", heads: {}, session_seq: 21 });
  assert.deepEqual(ws().take(), [{ type: "refresh" }]);
});

test("a head ahead of what we saw asks for a refresh at once", () => {
  const { ws } = setup();
  ws().open();
  ws().receive({ type: "welcome", seq: 4, boards: [] });
  ws().receive({ type: "head", session: 3, seq: 5 });
  assert.deepEqual(ws().take(), [{ type: "refresh" }]);
});

test("groups.opened and moved no longer make live.js send anything", () => {
  const { ws } = setup();
  ws().open();
  ws().receive({ type: "welcome", seq: 1, boards: [] });
  ws().receive({ type: "groups.opened", seq: 2 });
  ws().receive({ type: "moved", seq: 3 });
  assert.deepEqual(ws().take(), []);
});

test("too many sockets: rate_limited then close 4429 reconnects after retry_after, not the backoff", () => {
  const { ws, clock, WebSocket, live } = setup();
  ws().open();
  ws().receive({ type: "error", code: "rate_limited", retry_after: 7.5 });
  ws().drop(4429);
  assert.equal(live.status, "offline");
  clock.advance(7499);
  assert.equal(WebSocket.made.length, 1);
  clock.advance(1);
  assert.equal(WebSocket.made.length, 2);
  ws().open();
  ws().drop(1006); // an ordinary drop afterwards: the backoff again
  clock.advance(500);
  assert.equal(WebSocket.made.length, 3);
});

test("close 4401 is refused: no reconnect", () => {
  const { ws, clock, WebSocket, live } = setup();
  ws().open();
  ws().drop(4401);
  clock.advance(60000);
  assert.equal(live.status, "refused");
  assert.equal(WebSocket.made.length, 1);
});

test("the backoff doubles up to 10 s", () => {
  const { ws, clock, WebSocket } = setup();
  const at = [];
  for (let i = 0; i < 7; i++) {
    const before = clock.t;
    ws().drop();
    while (WebSocket.made.length === i + 1) clock.advance(100);
    at.push(clock.t - before);
  }
  assert.deepEqual(at, [500, 1000, 2000, 4000, 8000, 10000, 10000]);
});

test("coalesceKey replaces an unsent op with the same key; a sent one is kept", async () => {
  const { live, ws, storage } = setup();
  const p1 = live.op("note.move", { id: 5, x: 1, y: 1 }, { board: 12, opId: "m1", coalesceKey: "move:5" });
  const p2 = live.op("note.move", { id: 5, x: 2, y: 2 }, { board: 12, opId: "m2", coalesceKey: "move:5" });
  live.op("note.move", { id: 6, x: 0, y: 0 }, { board: 12, opId: "n1", coalesceKey: "move:6" });
  assert.deepEqual([...live.pending.keys()], ["m2", "n1"]);
  assert.deepEqual(stored(storage).map((f) => f.op_id), ["m2", "n1"]);
  live.subscribeBoard(12, () => 1);
  ws().open();
  assert.deepEqual(ws().take().map((f) => f.op_id ?? f.type), ["subscribe", "m2", "n1"]);
  const p3 = live.op("note.move", { id: 5, x: 3, y: 3 }, { board: 12, opId: "m3", coalesceKey: "move:5" });
  assert.deepEqual([...live.pending.keys()], ["m2", "n1", "m3"]); // m2 went out: both stay
  assert.deepEqual(ws().take().map((f) => f.op_id), ["m3"]);
  ws().receive({ type: "ack", op_id: "m2", board: 12, seq: 2 });
  ws().receive({ type: "ack", op_id: "m3", board: 12, seq: 3 });
  assert.equal((await p1).op_id, "m2"); // the replaced op's caller learns what became of it
  assert.equal((await p2).op_id, "m2");
  assert.equal((await p3).op_id, "m3");
});

test("frames are emitted by type and to '*'", () => {
  const { live, ws } = setup();
  const got = [];
  live.on("timer", (f) => got.push(["timer", f.seq]));
  const off = live.on("*", (f) => got.push(["*", f.type]));
  ws().open();
  ws().receive({ type: "timer", seq: 1 });
  off();
  ws().receive({ type: "timer", seq: 2 });
  assert.deepEqual(got, [["timer", 1], ["*", "timer"], ["timer", 2]]);
});
