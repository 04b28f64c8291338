// The one websocket of a browser tab (see docs/protocol.md). Screens import this module:
//   const live = connectLive(sessionUuid);
//   live.on("welcome", (frame) => ...);            // any server frame type
//   live.subscribeBoard(boardId, () => lastSeq);     // re-sent with the last seq on reconnect
//   await live.op("note.add", {text: "..."}, {board: boardId});  // resolves on ack, rejects on error
// Ops sent while offline wait in a queue and go out, with the same op id, on reconnect;
// the server never applies an op id twice.

const PING_MS = 25000;

function newOpId() {
  if (globalThis.crypto && crypto.randomUUID) return crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}

export class LiveSocket {
  constructor(url) {
    this.url = url;
    this.handlers = new Map();
    this.pending = new Map(); // op_id -> {frame, resolve, reject}
    this.boards = new Map(); // board id -> () => last applied seq (or null)
    this.ws = null;
    this.backoff = 500;
    this.status = "connecting";
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
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.addEventListener("open", () => {
      this.backoff = 500;
      this._setStatus("online");
      for (const [board, since] of this.boards) this._raw({ type: "subscribe", board, since: since() });
      for (const { frame } of this.pending.values()) this._raw(frame);
      clearInterval(this._ping);
      this._ping = setInterval(() => this._raw({ type: "ping" }), PING_MS);
    });
    ws.addEventListener("message", (event) => {
      let frame;
      try { frame = JSON.parse(event.data); } catch { return; }
      if ((frame.type === "ack" || frame.type === "error") && frame.op_id && this.pending.has(frame.op_id)) {
        const entry = this.pending.get(frame.op_id);
        this.pending.delete(frame.op_id);
        if (frame.type === "ack") entry.resolve(frame); else entry.reject(frame);
      }
      if (frame.type === "resync") {
        for (const [board, since] of this.boards) this._raw({ type: "subscribe", board, since: since() });
      }
      this._emit(frame.type, frame);
      this._emit("*", frame);
    });
    ws.addEventListener("close", (event) => {
      clearInterval(this._ping);
      if (event.code === 4401) { this._setStatus("refused"); return; }
      this._setStatus("offline");
      setTimeout(() => this._open(), this.backoff);
      this.backoff = Math.min(this.backoff * 2, 10000);
    });
  }

  _raw(frame) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  send(frame) { return this._raw(frame); }

  op(op, data = {}, { board = null, opId = null } = {}) {
    const frame = { type: "op", op_id: opId || newOpId(), op, data };
    if (board !== null) frame.board = board;
    return new Promise((resolve, reject) => {
      this.pending.set(frame.op_id, { frame, resolve, reject });
      this._raw(frame);
    });
  }

  subscribeBoard(board, since) {
    this.boards.set(board, since);
    this._raw({ type: "subscribe", board, since: since() });
  }

  unsubscribeBoard(board) {
    this.boards.delete(board);
    this._raw({ type: "unsubscribe", board });
  }

  refresh() { this._raw({ type: "refresh" }); }
}

export function connectLive(sessionUuid) {
  const proto = location.protocol === "https:" ? "wss" : "ws";
  return new LiveSocket(`${proto}://${location.host}/ws/sessions/${sessionUuid}/`);
}

export { newOpId };
