/**
 * The coordinator's bound on work in flight: the catalog pass, the pipeline and `embed` read a store no
 * faster than the pool works it off, and one failed batch stops the reading without losing the others.
 */
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { test } from "node:test";
import { BoundedScheduler } from "../../src/engine/bounded-scheduler.js";

test("never more batches in flight than the limit, and every batch runs to its end", async () => {
  const scheduler = new BoundedScheduler(3);
  let running = 0;
  let most = 0;
  const ended: number[] = [];
  for (let i = 0; i < 20; i++) {
    await scheduler.start(async () => {
      running++;
      most = Math.max(most, running);
      await sleep(1 + (i % 4));
      running--;
      ended.push(i);
    });
    // the caller reads its next batch only when there is room for it
    assert.ok(scheduler.inFlight < 3, `batch ${i}: ${scheduler.inFlight} in flight when the caller may read on`);
  }
  await scheduler.drain();
  assert.equal(most, 3);
  assert.deepEqual([...ended].sort((a, b) => a - b), [...Array(20).keys()]);
});

test("the first failure stops the reading, the batches already running still end, then drain throws the first", async () => {
  const scheduler = new BoundedScheduler(4);
  const ended: string[] = [];
  await scheduler.start(async () => {
    await sleep(30);
    ended.push("slow");
  });
  await scheduler.start(async () => {
    await sleep(1);
    throw new Error("batch 2 failed");
  });
  await scheduler.start(() => {
    throw new Error("batch 3 failed at once");
  });
  await sleep(10);
  assert.equal(scheduler.stopped, true);
  // settle waits for the slow batch, so the caller can commit what it finished
  await scheduler.settle();
  assert.deepEqual(ended, ["slow"]);
  await assert.rejects(scheduler.drain(), /batch 3 failed at once/);
});

test("a limit below one batch is refused", () => {
  assert.throws(() => new BoundedScheduler(0), RangeError);
});
