// Gap detection for a session's event stream (docs/protocol.md). No DOM: live.js feeds it
// and node's test runner tests it (tests/js/seq-tracker.test.mjs).
//
//   const tracker = new SeqTracker({ onGap: (why) => live.refresh() });
//   tracker.reset(welcome.seq);   // every welcome: the seq its state was read at
//   tracker.see(frame.seq);       // every session frame, full or `session.hidden` placeholder
//   tracker.heard(head.seq);      // a `head` (session) or a pong's `session_seq`
//   tracker.suspend();            // the socket closed: nothing counts until the next welcome
//
// It keeps the highest contiguous seq and the seqs seen above it. A hole still open
// `holeMs` after it appeared, or a head naming a seq not seen, calls onGap once; it does
// not call it again until the next welcome (reset), or until `retryMs` has passed without
// one (the refresh may have been lost or refused). Seeing a seq twice is harmless.

export class SeqTracker {
  constructor({
    onGap = () => {}, holeMs = 2000, retryMs = 10000,
    setTimeout: setT = globalThis.setTimeout, clearTimeout: clearT = globalThis.clearTimeout,
    now = () => Date.now(),
  } = {}) {
    this.onGap = onGap;
    this.holeMs = holeMs;
    this.retryMs = retryMs;
    this._setTimeout = setT;
    this._clearTimeout = clearT;
    this._now = now;
    this.contiguous = null; // null: no welcome yet (or the socket closed since)
    this.seen = new Set(); // seqs seen above `contiguous`
    this.asked = null; // when onGap was last called, until the next reset
    this._timer = null;
    this._holeBelow = null; // the lowest seen seq when the hole timer started
  }

  // A welcome: its state includes everything up to `seq`. Seqs already seen above it stay seen.
  reset(seq) {
    this._stopTimer();
    this.asked = null;
    if (typeof seq !== "number") { this.contiguous = null; return; }
    this.contiguous = seq;
    for (const s of this.seen) if (s <= seq) this.seen.delete(s);
    this._advance();
  }

  // The connection is gone: forget everything, wait for the next welcome.
  suspend() {
    this._stopTimer();
    this.contiguous = null;
    this.seen.clear();
    this.asked = null;
  }

  // A session frame with this seq arrived (full or placeholder). True when it was new.
  see(seq) {
    if (typeof seq !== "number") return false;
    if (this.contiguous !== null && seq <= this.contiguous) return false;
    if (this.seen.has(seq)) return false;
    if (this.seen.size >= 5000) this.seen.clear(); // hopelessly behind: the refresh resets us
    this.seen.add(seq);
    if (this.contiguous !== null) this._advance();
    return true;
  }

  // The server says its head is `seq`: ask at once if we never saw it.
  heard(seq) {
    if (typeof seq !== "number" || this.contiguous === null) return;
    if (seq > this.contiguous && !this.seen.has(seq)) this._gap("head");
  }

  get hasHole() { return this.seen.size > 0; }

  _advance() {
    while (this.seen.has(this.contiguous + 1)) {
      this.contiguous += 1;
      this.seen.delete(this.contiguous);
    }
    if (this._timer !== null && this.contiguous >= this._holeBelow) this._stopTimer();
    if (this.seen.size && this._timer === null) this._startTimer();
  }

  _startTimer() {
    this._holeBelow = Math.min(...this.seen);
    this._timer = this._setTimeout(() => {
      this._timer = null;
      if (this.contiguous === null) return;
      if (this.contiguous < this._holeBelow) this._gap("hole");
      else if (this.seen.size) this._startTimer();
    }, this.holeMs);
  }

  _stopTimer() {
    if (this._timer !== null) this._clearTimeout(this._timer);
    this._timer = null;
  }

  _gap(reason) {
    const now = this._now();
    if (this.asked !== null && now - this.asked < this.retryMs) return;
    this.asked = now;
    this._stopTimer();
    this.onGap(reason);
  }
}
