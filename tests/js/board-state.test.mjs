// node --test tests/js/  (no packages): the board state a map is drawn from.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BoardState, followBoard } from "../../static/js/board-state.js";

const note = (id, extra = {}) => ({ id, text: `note ${id}`, category: null, cluster: null, parent: null, colour: "",
  x: 100 * id, y: 80, author: {}, private: false, provenance: {}, votes: 0, ...extra });
const link = (id, source, target, label = "") => ({ id, source, target, label });
const snapshot = (extra) => ({ type: "snapshot", board: 1, seq: 10, info: { title: "B", template: "concept_map" },
  categories: [], clusters: [], notes: [], links: [], comments: [],
  me: { notes: [], votes: {}, votes_left: 5, may: {} }, ...extra });

// Every link whose two notes the state holds: what the map and the list must draw.
const drawable = (s) => [...s.links.values()].filter((l) => s.notes.has(l.source) && s.notes.has(l.target));

test("a snapshot keeps links whose source note id is greater than the target's", () => {
  const s = new BoardState(1);
  s.loadSnapshot(snapshot({ notes: [note(1), note(2), note(3), note(4)],
    links: [link(1, 4, 1, "blocks"), link(2, 3, 2, "enables"), link(3, 1, 4, "")] }));
  assert.equal(s.notes.size, 4);
  assert.deepEqual(drawable(s).map((l) => [l.id, l.source, l.target, l.label]),
    [[1, 4, 1, "blocks"], [2, 3, 2, "enables"], [3, 1, 4, ""]]);
});

test("a snapshot listing links before notes loads them all the same", () => {
  const s = new BoardState(1);
  const frame = snapshot({});
  const ordered = { links: [link(7, 9, 3, "leads to")], notes: [note(9), note(3)] };
  s.loadSnapshot({ ...Object.fromEntries(Object.entries(frame).filter(([k]) => !["notes", "links"].includes(k))),
    ...ordered });
  assert.equal(s.notes.size, 2);
  assert.deepEqual(drawable(s).map((l) => l.id), [7]);
  assert.equal(s.seq, 10);
});

test("replaying link.add after note.add draws the link; out of order it waits for replay", () => {
  const s = new BoardState(1);
  s.loadSnapshot(snapshot({ notes: [note(1)] }));
  assert.equal(s.apply({ seq: 11, op: "note.add", data: { note: note(2) } }), "applied");
  assert.equal(s.apply({ seq: 12, op: "link.add", data: { link: link(5, 2, 1, "supports") } }), "applied");
  assert.deepEqual(drawable(s).map((l) => [l.source, l.target, l.label]), [[2, 1, "supports"]]);
  assert.equal(s.apply({ seq: 12, op: "link.add", data: { link: link(5, 2, 1, "supports") } }), "duplicate");
  assert.equal(s.apply({ seq: 14, op: "link.add", data: { link: link(6, 1, 2) } }), "gap");
  assert.equal(s.links.size, 1);
});

test("a merge moves the merged note's links to the kept note", () => {
  const s = new BoardState(1);
  s.loadSnapshot(snapshot({ notes: [note(1), note(2), note(3)], links: [link(1, 3, 1, "x"), link(2, 2, 3, "y")] }));
  s.apply({ seq: 11, op: "note.merge", data: { from: 3, into: note(2), children: [], removed_links: [2],
    links: [link(1, 2, 1, "x")], comments: [] } });
  assert.deepEqual(drawable(s).map((l) => [l.id, l.source, l.target]), [[1, 2, 1]]);
});

// The socket as followBoard uses it: handlers by frame type, what was sent.
function fakeLive() {
  const handlers = new Map();
  return {
    sent: [],
    on(type, fn) { handlers.set(type, [...(handlers.get(type) || []), fn]); return () => {}; },
    emit(frame) { for (const fn of handlers.get(frame.type) || []) fn(frame); },
    send(frame) { this.sent.push(frame); },
    subscribeBoard(board, since) { this.sent.push({ type: "subscribe", board, since: since() }); },
    unsubscribeBoard() {},
  };
}

test("note.pulled marks where the notes have copies now; other notes keep theirs", () => {
  const s = new BoardState(1);
  s.loadSnapshot(snapshot({ notes: [note(1, { pulled: [] }), note(2, { pulled: [9] })] }));
  assert.equal(s.apply({ seq: 11, op: "note.pulled", data: { notes: { 1: [9] } } }), "applied");
  assert.deepEqual([s.notes.get(1).pulled, s.notes.get(2).pulled], [[9], [9]]);
});

test("an input board's board.sync makes the follower load a fresh snapshot, not replay", () => {
  const live = fakeLive();
  const changes = [];
  const state = followBoard(live, 1, (s, why) => changes.push(why));
  assert.deepEqual(live.sent, [{ type: "subscribe", board: 1, since: null }]);
  live.emit(snapshot({ notes: [note(1)] }));
  live.emit({ type: "event", board: 1, seq: 11, op: "board.sync", data: { added: 3, updated: 0, removed: 0 } });
  // The event's data is only counts: ask for the board as it is now.
  assert.deepEqual(live.sent.at(-1), { type: "subscribe", board: 1, since: null });
  live.emit(snapshot({ seq: 11, notes: [note(1), note(2), note(3), note(4)] }));
  assert.equal(state.notes.size, 4);
  assert.deepEqual(changes, ["snapshot", "snapshot"]);
  state.stop();
});
