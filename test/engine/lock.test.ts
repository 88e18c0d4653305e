/**
 * One writer per store: while a command writes a store, every other writer exits 1 at once naming it; a
 * lock left by a dead process is taken over; shards share a store with each other and with nobody else;
 * a shard waiting for another shard's step goes on promptly when that shard dies. Real processes (the
 * built CLI), real LanceDB directories; processes are frozen with SIGSTOP to hold a lock as long as needed.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { DuckDBInstance } from "@duckdb/node-api";
import { syntheticCatalog, syntheticTable } from "../../bench/synthetic-catalog.js";
import { shardOf } from "../../src/engine/shard.js";
import { writeV0Store } from "../../src/store/v0-store.js";
import { CLI, REPO_ROOT, tempDir, type CliResult } from "../helpers/env.js";
import { sharedStandInCache } from "../helpers/stand-in-model.js";
import { readRows, tableVersion } from "../helpers/store-rows.js";

interface Running {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly output: () => { stdout: string; stderr: string };
  readonly closed: Promise<CliResult>;
}

function start(args: readonly string[], options: { uid?: number; gid?: number; cwd?: string } = {}): Running {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd ?? REPO_ROOT, uid: options.uid, gid: options.gid, env: { ...process.env, FASTEMBED_CACHE_PATH: sharedStandInCache() } });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const closed = new Promise<CliResult>((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, pid: child.pid!, output: () => ({ stdout, stderr }), closed };
}

/** Run the CLI, killing it if it has not ended after `ms` (a run that waits instead of refusing fails the test). */
async function runWithin(args: readonly string[], ms: number, cwd?: string): Promise<CliResult & { ms: number }> {
  const t0 = Date.now();
  const run = start(args, { cwd });
  const timer = setTimeout(() => run.child.kill("SIGKILL"), ms);
  const result = await run.closed;
  clearTimeout(timer);
  return { ...result, ms: Date.now() - t0 };
}

async function until(what: string, probe: () => boolean | Promise<boolean>, ms = 120_000, every = 20): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

function state(store: string): { phase?: string; startedAt?: string; updatedAt?: string } | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(store, ".datus-schema", "state.json"), "utf8")) as { phase?: string };
  } catch {
    return undefined;
  }
}

function phase(store: string): string | undefined {
  return state(store)?.phase;
}

/** The table has been rebuilt as v1: the record moved on from the one written before the first write. */
function rebuilt(store: string): boolean {
  const s = state(store);
  return s?.phase === "migrating" && s.updatedAt !== s.startedAt;
}

async function assertAllMigrated(store: string, count: number): Promise<void> {
  const rows = await readRows(store);
  assert.equal(rows.length, count, "every table present");
  assert.equal(new Set(rows.map((r) => r.identifier)).size, count, "each exactly once");
  assert.ok(rows.every((r) => r.metadata_version === 1), "every row is v1");
  const byId = new Map(rows.map((r) => [String(r.identifier), r]));
  for (let i = 0; i < count; i += 97) assert.equal(byId.get(syntheticTable(i).identifier)?.definition, syntheticTable(i).definition);
}

function assertRefused(run: CliResult & { ms: number }, holder: { pid: number; command: string }, what: string): void {
  assert.equal(run.code, 1, `${what}: exit 1, got ${run.code} ${run.signal ?? ""} after ${run.ms} ms\n${run.stderr.slice(-800)}`);
  assert.match(run.stderr, new RegExp(`^error: .*pid ${holder.pid}\\b.*${holder.command}.*since \\d{4}-`, "m"), `${what} names the holder:\n${run.stderr}`);
  assert.match(run.stderr, /^hint: /m);
  assert.doesNotMatch(run.stderr, /^\s+at /m, "no stack trace");
}

const MIGRATE = ["--keep-vectors", "--skip-backup", "--workers", "1"];

test("while a migrate writes a store, a second migrate, rollback, embed, bootstrap or shard exits 1 at once naming it; once it is killed, the next run takes its lock over", async (t) => {
  const dir = tempDir(t);
  const count = 2000;
  const store = path.join(dir, "datus_db_big");
  await writeV0Store(store, syntheticCatalog(count));
  // a namespace whose store is the same directory, for bootstrap
  const duck = path.join(dir, "live.duckdb");
  const instance = await DuckDBInstance.create(duck);
  const conn = await instance.connect();
  await conn.run("CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR)");
  conn.closeSync();
  instance.closeSync();
  const cfg = path.join(dir, "agent.yml");
  fs.writeFileSync(cfg, `agent:\n  storage:\n    base_path: ${dir}\n  namespace:\n    big:\n      type: duckdb\n      uri: ${duck}\n`);

  const first = start(["migrate", "--db-path", store, ...MIGRATE]);
  t.after(() => first.child.kill("SIGKILL"));
  await until("the first migrate to start writing", () => phase(store) !== undefined || first.child.exitCode !== null, 120_000, 5);
  assert.ok(first.child.kill("SIGSTOP"), "the first migrate was frozen while writing");
  const version = await tableVersion(store);

  const holder = { pid: first.pid, command: "migrate" };
  const others: [string, string[]][] = [
    ["migrate", ["migrate", "--db-path", store, ...MIGRATE]],
    ["rollback", ["rollback", "--db-path", store]],
    ["embed", ["embed", "--db-path", store, "--skip-backup"]],
    ["bootstrap", ["bootstrap", "--config", cfg, "--namespace", "big", "--skip-backup"]],
    ["migrate --shard 1/2", ["migrate", "--db-path", store, "--shard", "1/2", ...MIGRATE]],
  ];
  // a run that waited instead of refusing would be killed at 30 s and fail
  const refused = await Promise.all(others.map(([, args]) => runWithin(args, 30_000)));
  refused.forEach((run, i) => assertRefused(run, holder, others[i][0]));
  assert.equal(await tableVersion(store), version, "the refused runs changed nothing");

  first.child.kill("SIGKILL");
  await first.closed;
  const next = await runWithin(["migrate", "--db-path", store, ...MIGRATE], 300_000);
  assert.equal(next.code, 0, next.stderr.slice(-1500));
  assert.match(next.stderr, new RegExp(`pid ${first.pid}\\b.*gone: taken over`), "says whose lock it took over");
  await assertAllMigrated(store, count);
  const locks = path.join(store, ".datus-schema", "locks");
  assert.deepEqual(fs.existsSync(locks) ? fs.readdirSync(locks) : [], [], "no lock left behind");
});

test("many migrates started at once on one store: one migrates, the others exit 1 naming it (or find nothing to do), every table once", async (t) => {
  const dir = tempDir(t);
  const count = 300;
  const store = path.join(dir, "datus_db_crowd");
  await writeV0Store(store, syntheticCatalog(count));
  const runs = await Promise.all(Array.from({ length: 6 }, () => runWithin(["migrate", "--db-path", store, ...MIGRATE], 300_000)));
  const migrated = runs.filter((r) => /Status: migrated \d+ of/.test(r.stdout));
  assert.equal(migrated.length, 1, `exactly one run migrated; exits ${runs.map((r) => r.code).join(",")}\n${runs.map((r) => r.stderr.slice(-300)).join("\n--\n")}`);
  assert.match(migrated[0].stdout, new RegExp(`Status: migrated ${count} of ${count} tables`));
  for (const r of runs) {
    if (r === migrated[0]) continue;
    if (r.code === 0) assert.match(r.stdout, /nothing to do/, "a run that got the lock after the first finished has nothing to do");
    else assert.match(r.stderr, /^error: another datus-schema process is writing .*: pid \d+ on host .* \(`migrate`\) since /m, r.stderr);
  }
  await assertAllMigrated(store, count);
});

test("a lock cannot be held twice: 16 processes racing for it, and for the lock of a process that died holding it", async (t) => {
  const racer = path.join(REPO_ROOT, "dist/test/helpers/lock-racer.js");
  const lockModule = path.join(REPO_ROOT, "dist/src/store/store-lock.js");
  const race = async (rounds: number, holdMs: number, stale: boolean) => {
    const store = tempDir(t);
    if (stale) {
      const dead = await new Promise<NodeJS.Signals | null>((resolve) => spawn(process.execPath, [racer, store, lockModule, "1", "0", "0", "die"]).on("close", (_c, s) => resolve(s)));
      assert.equal(dead, "SIGKILL", "a process died holding the lock");
    }
    const startAt = Date.now() + 2500;
    const results = await Promise.all(
      Array.from({ length: 16 }, () => {
        const child = spawn(process.execPath, [racer, store, lockModule, String(rounds), String(startAt), String(holdMs)]);
        let out = "";
        let err = "";
        child.stdout.on("data", (d: Buffer) => (out += d.toString()));
        child.stderr.on("data", (d: Buffer) => (err += d.toString()));
        return new Promise<{ acquired: number; overlaps: number }>((resolve, reject) =>
          child.on("close", (code) => (code === 0 ? resolve(JSON.parse(out) as { acquired: number; overlaps: number }) : reject(new Error(`racer exit ${code}: ${err}`)))),
        );
      }),
    );
    const acquired = results.reduce((s, r) => s + r.acquired, 0);
    const overlaps = results.reduce((s, r) => s + r.overlaps, 0);
    assert.equal(overlaps, 0, `never two holders at once (${acquired} acquisitions)`);
    assert.ok(acquired >= 1, "the lock was taken");
    const locks = path.join(store, ".datus-schema", "locks");
    assert.deepEqual(fs.existsSync(locks) ? fs.readdirSync(locks) : [], [], "no lock, temp file or takeover marker left behind");
  };
  await race(150, 0, false);
  for (let i = 0; i < 2; i++) await race(1, 200, true);
});

test("shards share a store; an unsharded migrate and a rollback are refused while one runs", async (t) => {
  const dir = tempDir(t);
  const count = 3000;
  const store = path.join(dir, "datus_db_shards");
  await writeV0Store(store, syntheticCatalog(count));
  const one = start(["migrate", "--db-path", store, "--shard", "1/2", ...MIGRATE]);
  t.after(() => one.child.kill("SIGKILL"));
  // past the shared steps (record, rebuild): shard 1 is migrating its own rows
  await until("shard 1 to finish the shared steps", () => rebuilt(store) || one.child.exitCode !== null, 120_000, 5);
  assert.ok(one.child.kill("SIGSTOP"), "shard 1 frozen mid-run");

  const two = await runWithin(["migrate", "--db-path", store, "--shard", "2/2", ...MIGRATE], 300_000);
  assert.equal(two.code, 0, `shard 2 runs beside shard 1: ${two.stderr.slice(-1000)}`);
  const holder = { pid: one.pid, command: "migrate --shard 1/2" };
  assertRefused(await runWithin(["migrate", "--db-path", store, ...MIGRATE], 20_000), holder, "unsharded migrate");
  assertRefused(await runWithin(["rollback", "--db-path", store], 20_000), holder, "rollback");

  one.child.kill("SIGCONT");
  const done = await one.closed;
  assert.equal(done.code, 0, done.stderr.slice(-1000));
  await assertAllMigrated(store, count);
});

test("a shard that decided to rebuild the table before another shard did it does not redo it over that shard's work", async (t) => {
  const dir = tempDir(t);
  const count = 3000;
  const store = path.join(dir, "datus_db_late");
  await writeV0Store(store, syntheticCatalog(count));
  // hold the first shared step from here (a live process: this one): shard 1 reads the v0 table, then waits
  const locks = path.join(store, ".datus-schema", "locks");
  fs.mkdirSync(locks, { recursive: true });
  const held = path.join(locks, "record.lock");
  fs.writeFileSync(held, JSON.stringify({ tool: "datus-schema", pid: process.pid, host: os.hostname(), command: "test", mode: "step", startedAt: new Date().toISOString(), token: "00000000000000aa" }));
  const late = start(["migrate", "--db-path", store, "--shard", "1/2", ...MIGRATE]);
  t.after(() => late.child.kill("SIGKILL"));
  await until("shard 1 to wait for the record", () => /waiting for pid \d+ .*recording the pre-migration state/.test(late.output().stderr) || late.child.exitCode !== null, 120_000);
  assert.ok(late.child.kill("SIGSTOP"), "shard 1 frozen, having read a v0 table it means to rebuild");
  fs.rmSync(held);

  const early = await runWithin(["migrate", "--db-path", store, "--shard", "2/2", ...MIGRATE], 300_000);
  assert.equal(early.code, 0, early.stderr.slice(-1000));
  const mine = (await readRows(store)).filter((r) => shardOf(String(r.identifier), 2) === 2);
  assert.ok(mine.length > count / 3 && mine.every((r) => r.metadata_version === 1), "shard 2 rebuilt the table and migrated its tables");

  late.child.kill("SIGCONT");
  const done = await late.closed;
  assert.equal(done.code, 0, done.stderr.slice(-1000));
  assert.doesNotMatch(done.stderr, /rebuilding the table as v1/, "shard 1 did not rebuild the table again");
  await assertAllMigrated(store, count);
});

test("a shard waiting for another shard's table rebuild takes it over within seconds when that shard is killed", async (t) => {
  const dir = tempDir(t);
  const count = 5000;
  const store = path.join(dir, "datus_db_rebuild");
  await writeV0Store(store, syntheticCatalog(count));
  const rebuilding = start(["migrate", "--db-path", store, "--shard", "1/2", ...MIGRATE]);
  t.after(() => rebuilding.child.kill("SIGKILL"));
  // the rebuild is recorded, then its step lock taken (`.datus-schema/convert.lock` in earlier versions)
  const converting = () => phase(store) === "converting" && [path.join("locks", "convert.lock"), "convert.lock"].some((f) => fs.existsSync(path.join(store, ".datus-schema", f)));
  await until("shard 1 to start the rebuild", () => converting() || rebuilding.child.exitCode !== null, 120_000, 2);
  assert.ok(rebuilding.child.kill("SIGSTOP"), "shard 1 frozen in the middle of the rebuild");
  assert.equal(phase(store), "converting");

  const waiting = start(["migrate", "--db-path", store, "--shard", "2/2", ...MIGRATE]);
  t.after(() => waiting.child.kill("SIGKILL"));
  await until("shard 2 to wait for the rebuild", () => /waiting for/.test(waiting.output().stderr) || waiting.child.exitCode !== null, 120_000);
  assert.equal(waiting.child.exitCode, null, `shard 2 waits: ${waiting.output().stderr}`);

  rebuilding.child.kill("SIGKILL");
  await rebuilding.closed;
  const killedAt = Date.now();
  await until("shard 2 to finish the rebuild", () => phase(store) !== "converting" || waiting.child.exitCode !== null, 30_000);
  const tookOver = Date.now() - killedAt;
  assert.ok(tookOver < 20_000, `the rebuild was finished ${tookOver} ms after shard 1 died`);
  const result = await waiting.closed;
  assert.equal(result.code, 0, result.stderr.slice(-1000));
  assert.match(result.stderr, new RegExp(`pid ${rebuilding.pid}\\b.*stopped before finishing rebuilding the table`));
  // nothing lost: every table once, shard 2's all v1, shard 1's left for its next run
  const rows = await readRows(store);
  assert.equal(rows.length, count);
  assert.equal(new Set(rows.map((r) => r.identifier)).size, count);
  const mine = rows.filter((r) => shardOf(String(r.identifier), 2) === 2);
  assert.ok(mine.length > count / 3 && mine.every((r) => r.metadata_version === 1), "shard 2 migrated its tables");
});

test("a lock of another host is respected while its heartbeat is fresh and taken over once stale; a damaged lock file is named", async (t) => {
  const dir = tempDir(t);
  const store = path.join(dir, "datus_db_small");
  await writeV0Store(store, syntheticCatalog(30));
  const locks = path.join(store, ".datus-schema", "locks");
  fs.mkdirSync(locks, { recursive: true });
  const lock = path.join(locks, "store.lock");
  const elsewhere = { tool: "datus-schema", pid: 4242, host: `not-${os.hostname()}`, command: "migrate", mode: "exclusive", startedAt: new Date(Date.now() - 3_600_000).toISOString(), token: "0123456789abcdef" };
  fs.writeFileSync(lock, JSON.stringify(elsewhere));
  const busy = await runWithin(["migrate", "--db-path", store, ...MIGRATE], 20_000);
  assertRefused(busy, { pid: 4242, command: "migrate" }, "migrate beside another host's live run");
  assert.match(busy.stderr, new RegExp(`on host not-${os.hostname()}`));

  const old = new Date(Date.now() - 10 * 60_000);
  fs.utimesSync(lock, old, old);
  const took = await runWithin(["migrate", "--db-path", store, ...MIGRATE], 120_000);
  assert.equal(took.code, 0, took.stderr);
  assert.match(took.stderr, /pid 4242 on host not-.*gone: taken over/);
  await assertAllMigrated(store, 30);

  // the finished run removed the emptied lock directory
  fs.mkdirSync(locks, { recursive: true });
  fs.writeFileSync(lock, "");
  const damaged = await runWithin(["rollback", "--db-path", store], 20_000);
  assert.equal(damaged.code, 1, damaged.stderr);
  assert.match(damaged.stderr, new RegExp(`^error: the lock file ${lock.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} is damaged`, "m"));
  assert.match(damaged.stderr, /^hint: .*delete it/m);
});

test("a store this user cannot write is an error naming the directory and what to do, not a raw ENOENT", async (t) => {
  const dir = tempDir(t);
  const store = path.join(dir, "datus_db_ro");
  await writeV0Store(store, syntheticCatalog(20));
  fs.mkdirSync(path.join(store, ".datus-schema"));
  const version = await tableVersion(store);
  let run: CliResult;
  if (process.getuid?.() === 0) {
    // root writes anywhere: run the CLI as nobody on the store root made (readable, not writable)
    fs.chmodSync(dir, 0o755);
    run = await start(["migrate", "--db-path", store, ...MIGRATE], { uid: 65534, gid: 65534, cwd: dir }).closed;
  } else {
    fs.chmodSync(path.join(store, ".datus-schema"), 0o555);
    t.after(() => fs.chmodSync(path.join(store, ".datus-schema"), 0o755));
    run = await start(["migrate", "--db-path", store, ...MIGRATE], { cwd: dir }).closed;
  }
  assert.equal(run.code, 1, run.stderr);
  // the store directory itself unwritable is caught before the lock; its bookkeeping directory, at the lock
  assert.match(run.stderr, /^error: cannot (write --db-path .*datus_db_ro: this user may not write it|.*\.datus-schema.*permission denied)/im);
  assert.match(run.stderr, /^hint: this user (may not|.* cannot) write /m);
  assert.doesNotMatch(run.stderr, /ENOENT/);
  assert.doesNotMatch(run.stderr, /^\s+at /m);
  assert.equal(await tableVersion(store), version);
});
