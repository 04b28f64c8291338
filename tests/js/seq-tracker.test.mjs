import { test } from "node:test";
import assert from "node:assert/strict";
import { SeqTracker } from "../../static/js/seq-tracker.js";
import { FakeClock } from "./fakes.mjs";

function tracker() {
  const clock = new FakeClock();
  const gaps = [];
  const t = new SeqTracker({ onGap: (why) => gaps.push(why), setTimeout: clock.setTimeout,
    clearTimeout: clock.clearTimeout, now: clock.now });
  return { t, clock, gaps };
}

test("contiguous seqs advance the head and never ask", () => {
  const { t, clock, gaps } = tracker();
  t.reset(10);
  for (const s of [11, 12, 13]) assert.equal(t.see(s), true);
  assert.equal(t.contiguous, 13);
  t.heard(13);
  clock.advance(10000);
  assert.deepEqual(gaps, []);
});

test("a placeholder consumes its seq; the full frame for it later is harmless", () => {
  const { t, clock, gaps } = tracker();
  t.reset(0);
  t.see(1); // session.hidden
  t.see(2);
  assert.equal(t.see(1), false); // the full frame of seq 1, after its placeholder
  assert.equal(t.see(2), false);
  assert.equal(t.contiguous, 2);
  clock.advance(5000);
  assert.deepEqual(gaps, []);
});

test("seqs out of order within the wait fill the hole without asking", () => {
  const { t, clock, gaps } = tracker();
  t.reset(5);
  t.see(7);
  clock.advance(1500);
  t.see(6);
  assert.equal(t.contiguous, 7);
  clock.advance(5000);
  assert.deepEqual(gaps, []);
});

test("a hole still open 2 s later asks exactly once", () => {
  const { t, clock, gaps } = tracker();
  t.reset(5);
  t.see(7);
  t.see(8);
  clock.advance(1999);
  assert.deepEqual(gaps, []);
  clock.advance(1);
  assert.deepEqual(gaps, ["hole"]);
  t.see(10);
  t.heard(12);
  clock.advance(5000);
  assert.deepEqual(gaps, ["hole"]);
});

test("a head naming a seq not seen asks at once; a head we have seen does not", () => {
  const { t, gaps } = tracker();
  t.reset(5);
  t.heard(5);
  t.heard(3);
  assert.deepEqual(gaps, []);
  t.heard(6);
  assert.deepEqual(gaps, ["head"]);
  t.heard(7);
  assert.deepEqual(gaps, ["head"]);
});

test("a head equal to a seq seen beyond a hole waits for the hole timer", () => {
  const { t, clock, gaps } = tracker();
  t.reset(5);
  t.see(7);
  t.heard(7);
  assert.deepEqual(gaps, []);
  clock.advance(2000);
  assert.deepEqual(gaps, ["hole"]);
});

test("a welcome resets: seqs up to its seq count as seen, asking is possible again", () => {
  const { t, clock, gaps } = tracker();
  t.reset(5);
  t.heard(9);
  assert.deepEqual(gaps, ["head"]);
  t.reset(9);
  assert.equal(t.contiguous, 9);
  assert.equal(t.hasHole, false);
  t.see(10);
  t.heard(10);
  assert.deepEqual(gaps, ["head"]);
  t.heard(11);
  assert.deepEqual(gaps, ["head", "head"]);
  clock.advance(1);
});

test("a welcome keeps seqs already seen beyond its own seq", () => {
  const { t, gaps } = tracker();
  t.reset(5);
  t.see(7); // pushed before the welcome read at seq 6 arrived
  t.reset(6);
  assert.equal(t.contiguous, 7);
  t.heard(7);
  assert.deepEqual(gaps, []);
});

test("no welcome yet, or the socket closed: heads and holes wait for the welcome", () => {
  const { t, clock, gaps } = tracker();
  t.heard(4);
  t.see(3);
  clock.advance(5000);
  assert.deepEqual(gaps, []);
  t.reset(2); // 3 was seen before the welcome
  assert.equal(t.contiguous, 3);
  t.see(5);
  t.suspend();
  clock.advance(5000);
  t.heard(9);
  assert.deepEqual(gaps, []);
});

test("without a welcome after asking, asks again only after retryMs", () => {
  const { t, clock, gaps } = tracker();
  t.reset(1);
  t.heard(2);
  clock.advance(9000);
  t.heard(2);
  assert.deepEqual(gaps, ["head"]);
  clock.advance(1000);
  t.heard(2);
  assert.deepEqual(gaps, ["head", "head"]);
});
