/**
 * One of many processes racing for a store's lock (test/engine/lock.test.ts). Usage:
 *   node lock-racer.js STORE MODULE ROUNDS START_AT HOLD_MS [die]
 * MODULE exports `tryLock(store, name)` (a release function, or undefined when another process holds it).
 * From START_AT (epoch ms, so every racer starts at once) it tries ROUNDS times; each time it gets the lock
 * it creates `STORE/inside/<pid>`, counts an overlap if another racer's file is there, holds HOLD_MS, leaves.
 * Prints `{"acquired": n, "overlaps": n}`. With `die` it takes the lock and dies holding it (SIGKILL).
 * Without arguments (`node --test dist/test/` runs every file) it does nothing.
 */
import fs from "node:fs";
import path from "node:path";

const [store, modulePath, rounds, startAt, holdMs, mode] = process.argv.slice(2);
if (holdMs !== undefined) await race();

function spin(until: number): void {
  while (Date.now() < until) {
    // busy: racers must not sleep through each other's windows
  }
}

async function race(): Promise<void> {
  const { tryLock } = (await import(modulePath)) as { tryLock(store: string, name: string): (() => void) | undefined };
  if (mode === "die") {
    if (!tryLock(store, "race")) process.exit(3);
    process.kill(process.pid, "SIGKILL");
  }
  const inside = path.join(store, "inside");
  fs.mkdirSync(inside, { recursive: true });
  await new Promise((r) => setTimeout(r, Math.max(0, Number(startAt) - Date.now() - 30)));
  spin(Number(startAt));
  let acquired = 0;
  let overlaps = 0;
  for (let i = 0; i < Number(rounds); i++) {
    const release = tryLock(store, "race");
    if (!release) continue;
    acquired++;
    const me = path.join(inside, String(process.pid));
    fs.writeFileSync(me, "");
    if (fs.readdirSync(inside).length > 1) overlaps++;
    spin(Date.now() + Number(holdMs));
    if (fs.readdirSync(inside).length > 1) overlaps++;
    fs.rmSync(me);
    release();
  }
  process.stdout.write(JSON.stringify({ acquired, overlaps }));
}
