// node --test tests/js/  (no packages): note sizes and where new notes go on the map.
import { test } from "node:test";
import assert from "node:assert/strict";
import { GAP, OUTER_W, GRID, wrapLines, noteHeight, noteBox, firstFreeSlot, nearestFreeSpot, readableView }
  from "../../static/js/board-layout.js";

const measure = (s) => s.length * 6; // a monospaced stand-in for the canvas

const overlapGap = (a, b) => Math.max(a.x1 - b.x2, b.x1 - a.x2, a.y1 - b.y2, b.y1 - a.y2);

test("labels wrap at words like Cytoscape, and taller labels make taller notes", () => {
  assert.deepEqual(wrapLines("short", 150, measure), ["short"]);
  assert.deepEqual(wrapLines("Quality VET for every learner, wherever they live", 150, measure),
    ["Quality VET for every ", "learner, wherever they ", "live"]);
  assert.deepEqual(wrapLines("[Cluster]\ntext\n● 2", 150, measure), ["[Cluster]", "text", "● 2"]);
  assert.ok(noteHeight("a\nb\nc", measure) > noteHeight("a", measure));
  assert.ok(noteHeight("", measure) > 0, "an empty note still takes up space");
});

test("the list's grid is wider than a note, so neighbours keep a visible gap", () => {
  assert.ok(GRID.dx >= OUTER_W + GAP);
  const boxes = [];
  const h = noteHeight("a note of two lines, long enough to wrap", measure);
  for (let i = 0; i < 12; i += 1) {
    const { x, y } = firstFreeSlot(boxes, h);
    const box = noteBox(x, y, h);
    for (const b of boxes) assert.ok(overlapGap(box, b) >= GAP, `note ${i} keeps ${GAP} px from the others`);
    boxes.push(box);
  }
  assert.equal(new Set(boxes.map((b) => b.y1)).size, 3, "four to a row");
});

test("a free slot avoids notes placed anywhere (the server's 190 px steps included)", () => {
  const h = noteHeight("x", measure);
  const boxes = [0, 1, 2].map((i) => noteBox(80 + i * 190, 80, h));
  const { x, y } = firstFreeSlot(boxes, h);
  for (const b of boxes) assert.ok(overlapGap(noteBox(x, y, h), b) >= GAP);
});

test("a note added on the map goes to the nearest free spot around the view's middle", () => {
  const h = noteHeight("x", measure);
  assert.deepEqual(nearestFreeSpot([], h, { x: 300, y: 200 }), { x: 300, y: 200 });
  const taken = [noteBox(300, 200, h)];
  const spot = nearestFreeSpot(taken, h, { x: 300, y: 200 });
  assert.ok(overlapGap(noteBox(spot.x, spot.y, h), taken[0]) >= GAP);
  assert.ok(Math.hypot(spot.x - 300, spot.y - 200) < 300);
});

test("the map is fitted when readable, else shown from its top-left at the least readable zoom", () => {
  const small = readableView({ x1: 0, y1: 0, w: 400, h: 300 }, { w: 1300, h: 560 });
  assert.equal(small.zoom, 1.25);
  const wide = readableView({ x1: 20, y1: 30, w: 1000, h: 600 }, { w: 328, h: 448 }, { minZoom: 0.7 });
  assert.equal(wide.zoom, 0.7);
  assert.deepEqual(wide.pan, { x: 30 - 20 * 0.7, y: 30 - 30 * 0.7 });
  const laptop = readableView({ x1: 0, y1: 0, w: 1000, h: 600 }, { w: 1300, h: 560 });
  assert.ok(laptop.zoom > 0.8 && laptop.zoom < 1);
});
