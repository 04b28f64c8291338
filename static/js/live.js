// The one websocket of a browser tab (see docs/protocol.md). Screens import this module:
//   const live = connectLive(sessionUuid);
//   live.on("welcome", (frame) => ...);            // any server frame type, or "*" for all
//   live.subscribeBoard(boardId, () => lastSeq);     // re-sent with the last seq on reconnect
//   await live.op("note.add", {text: "..."}, {board: boardId});  // resolves on ack, rejects on error
//   live.op("note.move", {id, x, y}, {board, coalesceKey: `move:${id}`});  // replaces an unsent one
//   live.refresh();                                  // ask for a new welcome (rarely needed)
//
// Events of its own, besides the server's frame types:
//   "status"   {status: "connecting" | "online" | "offline" | "refused"}
//   "retry"    {op_id, op, board, code, retry_after}: the server was busy (rate_limited,
//              unavailable); the op stays pending and goes out again by itself
//   "restored" {op_id, op, board, frame, result}: an op restored after a page reload (it has
//              no caller) was answered; result is the ack or error frame
//
// Ops stay pending until the server answers them: they go out again, with the same op id,
// after every reconnect and every `resync` (the server never applies an op id twice), and
// they are kept in localStorage so that a reload does not lose them. An op on a board waits
// until that board is subscribed. Session frames carry a seq: a gap in them (seq-tracker.js)
// asks the server for a fresh welcome.
//
// For tests everything outside is injectable:
//   new LiveSocket(url, {WebSocket, storage, storageKey, setTimeout, clearTimeout,
//                        setInterval, clearInterval, now, random})

import { SeqTracker } from "./seq-tracker.js";
import { newOpId } from "./op-id.js";

const PING_MS = 25000;
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 10000;
const RETRY_JITTER_MS = 500; // added, at random, to a server's retry_after
const RETRYABLE = new Set(["rate_limited", "unavailable"]);
const CLOSE_REFUSED = 4401;
const CLOSE_TOO_MANY = 4429;
export const STORE_MAX_FRAMES = 200;
export const STORE_MAX_CHARS = 256 * 1024;
// Frames that are not session events even though they carry a seq.
const NOT_SESSION = new Set(["welcome", "head", "pong", "ack", "error", "snapshot", "caught_up", "event"]);

function defaultStorage() {
  try { return globalThis.localStorage || null; } catch { return null; } // blocked storage throws
}

// "live-pending:<session uuid>" for a /ws/sessions/<uuid>/ url.
export function storageKeyFor(url) {
  const m = /\/ws\/sessions\/([^/]+)\/?/.exec(url);
  return `live-pending:${m ? m[1] : url}`;
}

export function isSessionFrame(frame) {
  return typeof frame.seq === "number" && !("board" in frame) && !NOT_SESSION.has(frame.type);
}

export class LiveSocket {
  constructor(url, options = {}) {
    this.url = url;
    this.WebSocket = options.WebSocket || globalThis.WebSocket;
    this.storage = options.storage !== undefined ? options.storage : defaultStorage();
    this.storageKey = options.storageKey || storageKeyFor(url);
    this._setTimeout = options.setTimeout || globalThis.setTimeout.bind(globalThis);
    this._clearTimeout = options.clearTimeout || globalThis.clearTimeout.bind(globalThis);
    this._setInterval = options.setInterval || globalThis.setInterval.bind(globalThis);
    this._clearInterval = options.clearInterval || globalThis.clearInterval.bind(globalThis);
    this._now = options.now || (() => Date.now());
    this._random = options.random || Math.random;
    this.handlers = new Map();
    // op_id -> {frame, resolve, reject, everSent, inFlight, coalesceKey, restored, holdUntil, retryTimer}
    // everSent: it may have reached the server (so never coalesced away); inFlight: sent on
    // this connection, the server owes an answer.
    this.pending = new Map();
    this._settled = new Set(); // op ids answered since the last save (to take out of storage)
    this.boards = new Map(); // board id -> () => last applied seq (or null)
    this.ws = null;
    this.backoff = BACKOFF_MIN_MS;
    this.status = "connecting";
    this._retryAfter = null; // {seconds, at}: a connection-level rate_limited/unavailable error
    this.tracker = new SeqTracker({
      onGap: () => this.refresh(),
      setTimeout: this._setTimeout, clearTimeout: this._clearTimeout, now: this._now,
    });
    this._restore();
    this._open();
  }

  on(type, fn) {
    if (!this.handlers.has(type)) this.handlers.set(type, new Set());
    this.handlers.get(type).add(fn);
    return () => this.handlers.get(type).delete(fn);
  }

  _emit(type, frame) {
    for (const fn of this.handlers.get(type) || []) {
      try { fn(frame); } catch (err) { console.error(err); }
    }
  }

  _setStatus(status) {
    this.status = status;
    this._emit("status", { type: "status", status });
  }

  _open() {
    const ws = new this.WebSocket(this.url);
    this.ws = ws;
    ws.addEventListener("open", () => {
      if (this.ws !== ws) return;
      this.backoff = BACKOFF_MIN_MS;
      this._retryAfter = null;
      this._setStatus("online");
      this._resubscribeAll();
      this._flush({ all: true });
      this._clearInterval(this._ping);
      this._ping = this._setInterval(() => this._raw({ type: "ping" }), PING_MS);
    });
    ws.addEventListener("message", (event) => {
      if (this.ws !== ws) return;
      let frame;
      try { frame = JSON.parse(event.data); } catch { return; }
      if (!frame || typeof frame !== "object") return;
      this._receive(frame);
    });
    ws.addEventListener("close", (event) => {
      if (this.ws !== ws) return;
      this._clearInterval(this._ping);
      this.tracker.suspend();
      for (const entry of this.pending.values()) entry.inFlight = false;
      if (event.code === CLOSE_REFUSED) { this._setStatus("refused"); return; }
      this._setStatus("offline");
      const told = this._retryAfter && this._now() - this._retryAfter.at < 5000 ? this._retryAfter.seconds : null;
      let delay;
      if (event.code === CLOSE_TOO_MANY || told !== null) {
        // Too many sockets for this person (or the server is down): wait as told, no backoff.
        delay = (told ?? 5) * 1000 + this._random() * RETRY_JITTER_MS;
      } else {
        delay = this.backoff + this._random() * this.backoff * 0.2;
        this.backoff = Math.min(this.backoff * 2, BACKOFF_MAX_MS);
      }
      this._retryAfter = null;
      this._reconnectTimer = this._setTimeout(() => this._open(), delay);
    });
  }

  _receive(frame) {
    const type = frame.type;
    if (type === "welcome") {
      this.tracker.reset(frame.seq);
    } else if (type === "head" && !("board" in frame)) {
      this.tracker.heard(frame.seq);
    } else if (type === "pong") {
      this.tracker.heard(frame.session_seq);
    } else if (isSessionFrame(frame)) {
      this.tracker.see(frame.seq);
    }

    if ((type === "ack" || type === "error") && frame.op_id && this.pending.has(frame.op_id)) {
      const entry = this.pending.get(frame.op_id);
      if (type === "error" && RETRYABLE.has(frame.code)) {
        this._hold(entry, frame);
        const { op, board = null } = entry.frame;
        this._emit("retry", { type: "retry", op_id: frame.op_id, op, board, code: frame.code,
          retry_after: frame.retry_after });
        return; // not an answer: the op goes out again (so not emitted as "error" nor "*")
      }
      this._settle(frame.op_id, frame);
    } else if (type === "error" && !frame.op_id && RETRYABLE.has(frame.code)) {
      // Refused for now (too many sockets, database down): a close follows, or a refresh failed.
      this._retryAfter = { seconds: typeof frame.retry_after === "number" ? frame.retry_after : 5, at: this._now() };
    }
    if (type === "resync") {
      this._resubscribeAll();
      this._flush({ all: true });
    }
    if (type === "unsubscribed" && frame.reason === "revoked") this._revoke(frame.board);

    this._emit(type, frame);
    this._emit("*", frame);
    // After the screens saw the welcome (and subscribed the boards they show).
    if (type === "welcome") this._afterWelcome(frame.boards);
  }

  _raw(frame) {
    const OPEN = this.WebSocket.OPEN ?? 1;
    if (this.ws && this.ws.readyState === OPEN) {
      this.ws.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  send(frame) { return this._raw(frame); }

  // --- ops ------------------------------------------------------------------------------

  op(op, data = {}, { board = null, opId = null, coalesceKey = null } = {}) {
    const frame = { type: "op", op_id: opId || newOpId(), op, data };
    if (board !== null) frame.board = board;
    return new Promise((resolve, reject) => {
      const entry = { frame, resolve, reject, everSent: false, inFlight: false, coalesceKey, restored: false,
        holdUntil: 0, retryTimer: null };
      if (coalesceKey !== null) {
        for (const [id, old] of this.pending) {
          if (old.coalesceKey !== coalesceKey || old.everSent || old.frame.board !== frame.board) continue;
          // Never sent: the new frame says it all. The old caller learns what became of it.
          this.pending.delete(id);
          this._settled.add(id);
          this._clearTimeout(old.retryTimer);
          const prevResolve = entry.resolve;
          const prevReject = entry.reject;
          entry.resolve = (f) => { prevResolve(f); old.resolve(f); };
          entry.reject = (f) => { prevReject(f); old.reject(f); };
        }
      }
      this.pending.set(frame.op_id, entry);
      this._save();
      this._trySend(entry);
    });
  }

  _sendable(entry) {
    const board = entry.frame.board;
    return (board === undefined || board === null || this.boards.has(board)) && entry.holdUntil <= this._now();
  }

  _trySend(entry) {
    if (!this._sendable(entry)) return false;
    if (this._raw(entry.frame)) { entry.everSent = true; entry.inFlight = true; return true; }
    return false;
  }

  // Send pending ops: every one (after a reconnect or resync), or those of one board.
  _flush({ all = false, board = null } = {}) {
    for (const entry of [...this.pending.values()]) {
      if (!all && entry.frame.board !== board) continue;
      this._trySend(entry);
    }
  }

  _hold(entry, frame) {
    const seconds = typeof frame.retry_after === "number" && frame.retry_after >= 0 ? frame.retry_after : 1;
    const delay = seconds * 1000 + this._random() * RETRY_JITTER_MS;
    entry.inFlight = false; // answered: nothing more will come for this send
    entry.holdUntil = this._now() + delay;
    this._clearTimeout(entry.retryTimer);
    entry.retryTimer = this._setTimeout(() => {
      entry.retryTimer = null;
      entry.holdUntil = 0;
      if (this.pending.get(entry.frame.op_id) === entry) this._trySend(entry);
    }, delay);
  }

  _settle(opId, frame) {
    const entry = this.pending.get(opId);
    if (!entry) return;
    this.pending.delete(opId);
    this._settled.add(opId);
    this._clearTimeout(entry.retryTimer);
    this._save();
    if (frame.type === "ack") entry.resolve(frame); else entry.reject(frame);
  }

  // Ops on a board this person may no longer see cannot be sent: answer them here, as
  // the server would have. Those in flight are left to the server's answer.
  _failBoard(board) {
    for (const [id, entry] of [...this.pending]) {
      if (entry.frame.board === board && !entry.inFlight) this._failLocal(id, board);
    }
  }

  _failLocal(id, board) {
    this._settle(id, { type: "error", op_id: id, board, code: "not_found", local: true,
      message: "the board is no longer visible to you" });
  }

  // Unsent ops on boards this tab does not follow: on a board the welcome no longer lists,
  // they can never apply (moved out of the group while offline); restored ones on a board
  // this tab does not show belong to another tab of the same session, so leave them to it
  // (they stay in storage).
  _afterWelcome(boards) {
    const visible = Array.isArray(boards) ? new Set(boards.map((b) => b.id)) : null;
    for (const [id, entry] of [...this.pending]) {
      const b = entry.frame.board;
      if (b === undefined || b === null || entry.inFlight || this.boards.has(b)) continue;
      if (visible && !visible.has(b)) this._failLocal(id, b);
      else if (entry.restored) {
        this.pending.delete(id);
        this._clearTimeout(entry.retryTimer);
      }
    }
  }

  // --- boards ---------------------------------------------------------------------------

  _resubscribeAll() {
    for (const [board, since] of this.boards) this._raw({ type: "subscribe", board, since: since() });
  }

  subscribeBoard(board, since) {
    this.boards.set(board, since);
    this._raw({ type: "subscribe", board, since: since() });
    this._flush({ board });
  }

  unsubscribeBoard(board) {
    if (!this.boards.delete(board)) return; // revoked already: the server has forgotten it too
    this._raw({ type: "unsubscribe", board });
  }

  _revoke(board) {
    this.boards.delete(board);
    this._failBoard(board);
  }

  refresh() { this._raw({ type: "refresh" }); }

  // --- pending ops in localStorage ------------------------------------------------------

  _read() {
    if (!this.storage) return [];
    try {
      const list = JSON.parse(this.storage.getItem(this.storageKey) || "[]");
      return Array.isArray(list) ? list.filter((f) => f && f.type === "op" && typeof f.op_id === "string") : [];
    } catch { return []; }
  }

  // Other tabs of the same session share the key: keep their ops, take out ours once
  // answered, put ours in.
  _save() {
    if (!this.storage) return;
    const own = [...this.pending.values()].map((e) => e.frame);
    const others = this._read().filter((f) => !this.pending.has(f.op_id) && !this._settled.has(f.op_id));
    this._settled.clear();
    let frames = [...others, ...own];
    let text = JSON.stringify(frames);
    let dropped = 0;
    while (frames.length > STORE_MAX_FRAMES || (frames.length && text.length > STORE_MAX_CHARS)) {
      const excess = Math.max(1, frames.length - STORE_MAX_FRAMES);
      frames = frames.slice(excess);
      dropped += excess;
      text = JSON.stringify(frames);
    }
    if (dropped) console.warn(`live.js: ${dropped} pending op(s) too many to keep across a reload; the oldest are not kept`);
    try {
      if (frames.length) this.storage.setItem(this.storageKey, text);
      else this.storage.removeItem(this.storageKey);
    } catch (err) {
      console.warn("live.js: could not keep pending ops across a reload", err);
    }
  }

  _restore() {
    for (const frame of this._read()) {
      if (this.pending.has(frame.op_id)) continue;
      const answered = (result) => this._emit("restored", {
        type: "restored", op_id: frame.op_id, op: frame.op, board: frame.board ?? null, frame, result,
      });
      // It may have gone out before the reload: everSent, so never coalesced away.
      this.pending.set(frame.op_id, { frame, resolve: answered, reject: answered, everSent: true, inFlight: false,
        coalesceKey: null, restored: true, holdUntil: 0, retryTimer: null });
    }
  }
}

export function connectLive(sessionUuid) {
  const proto = location.protocol === "https:" ? "wss" : "ws";
  return new LiveSocket(`${proto}://${location.host}/ws/sessions/${sessionUuid}/`);
}

export { newOpId };
