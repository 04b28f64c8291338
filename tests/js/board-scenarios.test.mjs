// The server's board scenarios (tests/js/scenarios/*.json, recorded from the real server
// code by tests/mapping/test_op_scenarios.py) replayed through the browser's BoardState:
// the snapshot before plus the events the viewer was sent must give the snapshot after.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { BoardState } from "../../static/js/board-state.js";

const DIR = new URL("./scenarios/", import.meta.url);
const byId = (a, b) => a.id - b.id;

// What every viewer of the board shares, in the snapshot's own order and shape.
function shared(s) {
  return {
    board: s.id, seq: s.seq, info: s.info,
    categories: s.sortedCategories(),
    clusters: [...s.clusters.values()].sort(byId),
    notes: s.sortedNotes(),
    links: [...s.links.values()].sort(byId),
    comments: [...s.comments.values()].sort(byId),
  };
}

function fromSnapshot(frame) {
  const s = new BoardState(frame.board);
  s.loadSnapshot(frame);
  return shared(s);
}

const files = readdirSync(DIR).filter((f) => f.endsWith(".json")).sort();

test("there are scenarios to replay", () => {
  assert.ok(files.length >= 23, `only ${files.length} scenarios in ${DIR.pathname}`);
});

for (const file of files) {
  const scenario = JSON.parse(readFileSync(new URL(file, DIR), "utf8"));
  test(`scenario ${scenario.name}: snapshot before + events = snapshot after`, () => {
    const s = new BoardState(scenario.before.board);
    s.loadSnapshot(structuredClone(scenario.before));
    for (const ev of structuredClone(scenario.events)) {
      assert.equal(s.apply(ev), "applied", `seq ${ev.seq} ${ev.op}`);
    }
    assert.deepEqual(shared(s), fromSnapshot(structuredClone(scenario.after)));
  });
}
