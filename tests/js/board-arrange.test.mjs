// The map's "Arrange": ELK (elkjs) lays a board out grouped by category and cluster.
import { test } from "node:test";
import assert from "node:assert/strict";
import ELK from "elkjs/lib/elk.bundled.js";
import { BoardState } from "../../static/js/board-state.js";
import { GAP, noteBox, noteHeight, noteLabel } from "../../static/js/board-layout.js";
import { arrange } from "../../static/js/board-arrange.js";

const measure = (s) => s.length * 6; // a monospaced stand-in for the canvas

// A board of `n` notes over four categories (and some with none), two clusters, links.
function board(n) {
  const categories = [1, 2, 3, 4].map((id) => ({ id, name: `Category ${id}`, colour: "#cfe8ff", order: 5 - id }));
  const clusters = [{ id: 1, name: "Access" }, { id: 2, name: "Skills" }];
  const notes = [];
  for (let id = 1; id <= n; id += 1) {
    notes.push({ id, text: `Note ${id}${id % 3 ? "" : " with a longer text that wraps onto more lines"}`,
      category: id % 5 === 0 ? null : (id % 4) + 1, cluster: id % 7 === 0 ? 1 : id % 11 === 0 ? 2 : null,
      parent: null, colour: "", x: 0, y: 0, votes: id % 2, private: false, author: {}, provenance: {} });
  }
  const links = [];
  for (let id = 1; id < n; id += 2) links.push({ id, source: id, target: ((id * 7) % n) + 1, label: "leads to" });
  const s = new BoardState(1);
  s.loadSnapshot({ seq: 1, info: {}, categories, clusters, notes, links, comments: [],
    me: { notes: [], votes: {}, votes_left: 0, may: {} } });
  return s;
}

const boxOf = (s, p) => noteBox(p.x, p.y, noteHeight(noteLabel(s.notes.get(p.id), s.clusters), measure));
const gapBetween = (a, b) => Math.max(a.x1 - b.x2, b.x1 - a.x2, a.y1 - b.y2, b.y1 - a.y2);
const hull = (boxes) => ({ x1: Math.min(...boxes.map((b) => b.x1)), x2: Math.max(...boxes.map((b) => b.x2)),
  y1: Math.min(...boxes.map((b) => b.y1)), y2: Math.max(...boxes.map((b) => b.y2)) });
const inside = (box, h) => box.x1 < h.x2 && box.x2 > h.x1 && box.y1 < h.y2 && box.y2 > h.y1;

for (const linked of [true, false]) {
const layout = linked ? "linked" : "packed";

test(`${layout}: arrange places every note, none closer than GAP to another`, async () => {
  const s = board(60);
  const moves = await arrange(s, { elk: new ELK(), measure, linked });
  assert.equal(moves.length, 60);
  const boxes = moves.map((p) => boxOf(s, p));
  for (let i = 0; i < boxes.length; i += 1) {
    for (let j = i + 1; j < boxes.length; j += 1) {
      assert.ok(gapBetween(boxes[i], boxes[j]) >= GAP - 0.5, `notes ${moves[i].id} and ${moves[j].id} keep ${GAP} px apart`);
    }
  }
});

test(`${layout}: each category is a region of its own, and a cluster's notes sit together`, async () => {
  const s = board(60);
  const moves = await arrange(s, { elk: new ELK(), measure, linked });
  const groupOf = (key) => moves.filter((p) => key(s.notes.get(p.id)));
  const regions = [null, 1, 2, 3, 4].map((c) => groupOf((n) => n.category === c));
  for (const [i, members] of regions.entries()) {
    const h = hull(members.map((p) => boxOf(s, p)));
    for (const [j, others] of regions.entries()) {
      if (i === j) continue;
      for (const p of others) assert.ok(!inside(boxOf(s, p), h), `note ${p.id} is outside another category's region`);
    }
  }
  for (const c of [1, 2, 3, 4, null]) {
    for (const k of [1, 2]) {
      const members = groupOf((n) => n.category === c && n.cluster === k);
      if (members.length < 2) continue;
      const h = hull(members.map((p) => boxOf(s, p)));
      for (const p of groupOf((n) => n.category === c && n.cluster !== k)) {
        assert.ok(!inside(boxOf(s, p), h), `note ${p.id} is outside cluster ${k}`);
      }
    }
  }
});

}

test("the linked layout is used while it has a screen's shape, the packed one on a long board", async () => {
  // 100 notes tangled by 75 links: one layered run makes a tall strip, far from a screen.
  const tangled = board(100);
  tangled.links = new Map();
  for (let k = 0; tangled.links.size < 75; k += 1) {
    const [source, target] = [((k * 7) % 100) + 1, ((k * 13 + 5) % 100) + 1];
    if (source !== target) tangled.links.set(k, { id: k, source, target, label: "" });
  }
  for (const [s, expected] of [[board(12), true], [tangled, false]]) {
    const n = s.notes.size;
    const auto = await arrange(s, { elk: new ELK(), measure });
    assert.deepEqual(auto, await arrange(s, { elk: new ELK(), measure, linked: expected }), `${n} notes`);
  }
});

test("arranging an arranged board moves nothing; an empty board neither", async () => {
  const s = board(25);
  for (const m of await arrange(s, { elk: new ELK(), measure })) Object.assign(s.notes.get(m.id), { x: m.x, y: m.y });
  assert.deepEqual(await arrange(s, { elk: new ELK(), measure }), []);
  assert.deepEqual(await arrange(board(0), { elk: new ELK(), measure }), []);
});
