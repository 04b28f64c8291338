// Stand-ins for what live.js takes from the browser: a WebSocket, a clock with timers,
// localStorage. No packages, no DOM.

export class FakeClock {
  constructor() { this.t = 1_000_000; this.timers = new Map(); this.nextId = 1; }
  now = () => this.t;
  setTimeout = (fn, ms = 0) => { const id = this.nextId++; this.timers.set(id, { at: this.t + ms, fn }); return id; };
  clearTimeout = (id) => { this.timers.delete(id); };
  setInterval = (fn, ms) => {
    const id = this.nextId++;
    const tick = () => { this.timers.set(id, { at: this.t + ms, fn: tick }); fn(); };
    this.timers.set(id, { at: this.t + ms, fn: tick });
    return id;
  };
  clearInterval = (id) => { this.timers.delete(id); };
  // Move time on, running every timer that falls due, in order.
  advance(ms) {
    const end = this.t + ms;
    for (;;) {
      let next = null;
      for (const [id, timer] of this.timers) if (timer.at <= end && (!next || timer.at < next[1].at)) next = [id, timer];
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
    }
    this.t = end;
  }
}

export class FakeStorage {
  constructor() { this.map = new Map(); }
  getItem(k) { return this.map.has(k) ? this.map.get(k) : null; }
  setItem(k, v) { this.map.set(k, String(v)); }
  removeItem(k) { this.map.delete(k); }
}

// Every socket made is kept in FakeWebSocket.made; the test opens, feeds and closes it.
export function fakeWebSocketClass() {
  class FakeWebSocket {
    static CONNECTING = 0;
    static OPEN = 1;
    static CLOSED = 3;
    static made = [];
    constructor(url) {
      this.url = url;
      this.readyState = FakeWebSocket.CONNECTING;
      this.sent = [];
      this.listeners = {};
      FakeWebSocket.made.push(this);
    }
    addEventListener(type, fn) { (this.listeners[type] ||= []).push(fn); }
    send(text) { this.sent.push(JSON.parse(text)); }
    fire(type, event = {}) { for (const fn of this.listeners[type] || []) fn(event); }
    // test side
    open() { this.readyState = FakeWebSocket.OPEN; this.fire("open"); }
    receive(frame) { this.fire("message", { data: JSON.stringify(frame) }); }
    drop(code = 1006) { this.readyState = FakeWebSocket.CLOSED; this.fire("close", { code }); }
    take() { const out = this.sent; this.sent = []; return out; }
  }
  return FakeWebSocket;
}

export const URL = "ws://test/ws/sessions/abc-123/";
