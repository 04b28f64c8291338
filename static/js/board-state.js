// One board's state as the server holds it, kept in step by applying events in seq
// order (see docs/protocol.md). tests/js/board-scenarios.test.mjs replays the server's
// own recorded scenarios (tests/mapping/test_op_scenarios.py) through it.
// No DOM here: board.js and synthesis.js render it.

export class BoardState {
  constructor(id) {
    this.id = id;
    this.seq = null; // last applied seq; null until the first snapshot
    this.info = {};
    this.categories = new Map();
    this.clusters = new Map();
    this.notes = new Map();
    this.links = new Map();
    this.comments = new Map();
    this.me = { notes: [], votes: {}, votes_left: 0, may: {} };
    this.mine = new Set();
    this.hidden = new Set(); // seqs seen only as placeholders (a full event may follow)
  }

  loadSnapshot(s) {
    this.seq = s.seq;
    this.info = s.info;
    this.categories = new Map(s.categories.map((c) => [c.id, c]));
    this.clusters = new Map(s.clusters.map((c) => [c.id, c]));
    this.notes = new Map(s.notes.map((n) => [n.id, n]));
    this.links = new Map(s.links.map((l) => [l.id, l]));
    this.comments = new Map(s.comments.map((c) => [c.id, c]));
    this.hidden.clear();
    this.setMe(s.me);
  }

  setMe(me) {
    this.me = me;
    this.mine = new Set(me.notes);
  }

  // Returns "applied", "duplicate" or "gap" (the caller then asks for replay).
  apply(ev) {
    if (this.seq === null) return "gap";
    if (ev.seq <= this.seq) {
      if (ev.op !== "hidden" && this.hidden.has(ev.seq)) {
        this.hidden.delete(ev.seq);
        this._op(ev.op, ev.data || {});
        return "applied";
      }
      return "duplicate";
    }
    if (ev.seq > this.seq + 1) return "gap";
    this.seq = ev.seq;
    if (ev.op === "hidden") { this.hidden.add(ev.seq); return "applied"; }
    this._op(ev.op, ev.data || {});
    return "applied";
  }

  _dropNotes(ids) {
    for (const id of ids) this.notes.delete(id);
    for (const [cid, c] of this.comments) if (ids.has(c.note)) this.comments.delete(cid);
  }

  _op(op, d) {
    const notes = this.notes;
    const upsert = (map, items) => { for (const item of items) map.set(item.id, item); };
    switch (op) {
      case "note.add": notes.set(d.note.id, d.note); break;
      case "note.edit": case "note.move": {
        const n = notes.get(d.id);
        if (n) for (const [k, v] of Object.entries(d)) if (k !== "id") n[k] = v;
        break;
      }
      case "note.arrange":
        for (const [id, x, y] of d.moves) { const n = notes.get(id); if (n) { n.x = x; n.y = y; } }
        break;
      case "note.delete": {
        this._dropNotes(new Set([d.id, ...d.children]));
        for (const id of d.links) this.links.delete(id);
        break;
      }
      case "note.merge": {
        notes.delete(d.from);
        notes.set(d.into.id, d.into);
        for (const id of d.children) { const n = notes.get(id); if (n) n.parent = d.into.id; }
        for (const id of d.removed_links) this.links.delete(id);
        upsert(this.links, d.links);
        for (const id of d.comments) { const c = this.comments.get(id); if (c) c.note = d.into.id; }
        break;
      }
      case "note.pull":
        upsert(notes, d.notes); upsert(this.links, d.links);
        if (d.cluster) this.clusters.set(d.cluster.id, d.cluster);
        break;
      case "note.pulled": // where this board's notes have copies now (a pull from here)
        for (const [id, boards] of Object.entries(d.notes)) { const n = notes.get(+id); if (n) n.pulled = boards; }
        break;
      // An input board caught up with its source: the event is only a summary, so the
      // follower reloads a snapshot (followBoard does) rather than replaying its parts.
      case "board.sync": break;
      case "link.add": this.links.set(d.link.id, d.link); break;
      case "link.edit": { const l = this.links.get(d.id); if (l) l.label = d.label; break; }
      case "link.delete": this.links.delete(d.id); break;
      case "cluster.add":
        this.clusters.set(d.cluster.id, d.cluster);
        for (const id of d.notes) { const n = notes.get(id); if (n) n.cluster = d.cluster.id; }
        break;
      case "cluster.rename": { const c = this.clusters.get(d.id); if (c) c.name = d.name; break; }
      case "cluster.assign":
        for (const id of d.notes) { const n = notes.get(id); if (n) n.cluster = d.cluster; }
        break;
      case "cluster.delete":
        this.clusters.delete(d.id);
        for (const id of d.notes) { const n = notes.get(id); if (n) n.cluster = null; }
        break;
      case "comment.add": this.comments.set(d.comment.id, d.comment); break;
      case "vote.add": case "vote.remove": { const n = notes.get(d.note); if (n) n.votes = d.votes; break; }
      case "board.lock": case "board.unlock": this.info.locked = d.locked; break;
      case "board.reveal":
        this.info.revealed = true; upsert(notes, d.notes); upsert(this.links, d.links);
        break;
      case "board.settings": {
        for (const k of ["title", "vote_budget", "author_mode", "private_until_reveal", "revealed"]) {
          if (k in d) this.info[k] = d[k];
        }
        for (const [id, a] of Object.entries(d.authors || {})) { const n = notes.get(+id); if (n) n.author = a; }
        for (const [id, p] of Object.entries(d.provenance || {})) { const n = notes.get(+id); if (n) n.provenance = p; }
        for (const [id, a] of Object.entries(d.comment_authors || {})) {
          const c = this.comments.get(+id); if (c) c.author = a;
        }
        break;
      }
      case "category.add": this.categories.set(d.category.id, d.category); break;
      case "category.rename": {
        const c = this.categories.get(d.id);
        if (c) for (const [k, v] of Object.entries(d)) if (k !== "id") c[k] = v;
        break;
      }
      case "category.delete":
        this.categories.delete(d.id);
        for (const id of d.notes) { const n = notes.get(id); if (n) n.category = null; }
        break;
      default: console.warn("unknown board op", op);
    }
  }

  sortedCategories() {
    return [...this.categories.values()].sort((a, b) => a.order - b.order || a.id - b.id);
  }

  sortedNotes() { return [...this.notes.values()].sort((a, b) => a.id - b.id); }

  commentsOf(noteId) {
    return [...this.comments.values()].filter((c) => c.note === noteId).sort((a, b) => a.id - b.id);
  }

  colourOf(note) {
    if (note.colour) return note.colour;
    const c = this.categories.get(note.category);
    return c ? c.colour : "#fff3b0";
  }
}

// Ties a BoardState to the shared socket: subscribe with the last seq, apply events,
// ask for replay on a gap or a head ahead of us. `onChange(state, why, frame)` re-renders.
// Two ops committed a few milliseconds apart may be delivered in the opposite order, so
// an event ahead of the next seq waits briefly for the missing one before we ask for replay.
const REORDER_WAIT_MS = 700;

export function followBoard(live, boardId, onChange) {
  const state = new BoardState(boardId);
  const offs = [];
  const on = (type, fn) => offs.push(live.on(type, fn));
  let resyncing = false;
  let headTimer = null;
  let gapTimer = null;
  const early = new Map(); // seq -> event that arrived before its predecessors
  // fresh: ask for a snapshot (since null), not the events after our seq.
  const resubscribe = (fresh = false) => {
    clearTimeout(gapTimer);
    gapTimer = null;
    if (resyncing && !fresh) return;
    resyncing = true;
    live.send({ type: "subscribe", board: boardId, since: fresh ? null : state.seq });
  };
  // Events whose data does not carry the change itself (see BoardState._op).
  const applied = (ev) => {
    if (ev.op === "board.sync") resubscribe(true);
    else if (ev.op !== "hidden") onChange(state, ev.op, ev); // a placeholder changes nothing to show
  };
  const drain = () => {
    while (state.seq !== null && early.has(state.seq + 1)) {
      const next = early.get(state.seq + 1);
      early.delete(state.seq + 1);
      if (state.apply(next) === "applied") applied(next);
    }
    for (const [seq, ev] of [...early]) {
      if (seq > state.seq) continue;
      early.delete(seq); // already applied, or a full event for a seq seen as a placeholder
      if (state.apply(ev) === "applied") applied(ev);
    }
    if (!early.size) { clearTimeout(gapTimer); gapTimer = null; }
    else if (!gapTimer && !resyncing) gapTimer = setTimeout(resubscribe, REORDER_WAIT_MS);
  };
  on("snapshot", (f) => {
    if (f.board !== boardId) return;
    resyncing = false; state.loadSnapshot(f); onChange(state, "snapshot"); drain();
  });
  on("caught_up", (f) => {
    if (f.board !== boardId) return;
    resyncing = false; state.setMe(f.me); onChange(state, "me"); drain();
  });
  on("event", (f) => {
    if (f.board !== boardId) return;
    const result = state.apply(f);
    if (result === "gap") {
      if (early.size > 2000) early.clear(); // far behind: the replay will bring them
      if (f.op !== "hidden" || !early.has(f.seq)) early.set(f.seq, f); // a full event beats its placeholder
      if (!gapTimer && !resyncing && state.seq !== null) gapTimer = setTimeout(resubscribe, REORDER_WAIT_MS);
      return;
    }
    if (result === "applied") {
      applied(f);
      drain();
    }
  });
  on("head", (f) => {
    if (f.board !== boardId || state.seq === null || f.seq <= state.seq) return;
    // Events may still be on their way: look again shortly before asking for replay.
    clearTimeout(headTimer);
    headTimer = setTimeout(() => { if (f.seq > state.seq) resubscribe(); }, 1500);
  });
  on("status", (f) => { if (f.status !== "online") resyncing = false; });
  live.subscribeBoard(boardId, () => state.seq);
  // Stop following: no more handlers, timers or subscription (a screen unmounting it).
  state.stop = () => {
    for (const off of offs) off();
    clearTimeout(headTimer);
    clearTimeout(gapTimer);
    live.unsubscribeBoard(boardId);
  };
  return state;
}
