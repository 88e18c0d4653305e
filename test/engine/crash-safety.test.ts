/**
 * Fault injection: `migrate`, `bootstrap`, `embed` and `rollback` killed with SIGKILL at random points, then
 * run again. After every trial: every table present exactly once with the content a clean run gives, the store
 * opens with LanceDB, a reader polling during the killed run never saw fewer rows than before it, and (for
 * migrate) `rollback` restores the pre-run table exactly. FAULT_TRIALS sets the trials per command (default 2
 * in `npm test`); FAULT_SEED makes a series repeatable.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { DuckDBInstance } from "@duckdb/node-api";
import * as lancedb from "@lancedb/lancedb";
import { syntheticCatalog } from "../../bench/synthetic-catalog.js";
import { writeV0Store } from "../../src/store/v0-store.js";
import { CLI, tempDir } from "../helpers/env.js";
import { writeMiniLmStandIn } from "../helpers/stand-in-model.js";
import { readRows, type StoredRow } from "../helpers/store-rows.js";

const TRIALS = Number(process.env.FAULT_TRIALS ?? 2);
let seed = Number(process.env.FAULT_SEED ?? Date.now() % 1_000_000);
process.stderr.write(`crash-safety: FAULT_TRIALS=${TRIALS} FAULT_SEED=${seed}\n`);

/** mulberry32: the kill points of a series are repeatable from FAULT_SEED. */
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
  readonly seconds: number;
}

/** Run the CLI; with `killAfterMs`, SIGKILL it then. `watch` is polled while it runs. */
async function cli(args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv; killAfterMs?: number; watch?: () => Promise<void> }): Promise<Run> {
  const started = Date.now();
  const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env } });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdout.resume();
  let done = false;
  const closed = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on("close", (c, s) => resolve([c, s])));
  void closed.then(() => (done = true));
  const timer = options.killAfterMs === undefined ? undefined : setTimeout(() => child.kill("SIGKILL"), options.killAfterMs);
  const watching = (async () => {
    while (!done && options.watch) {
      await options.watch();
      await new Promise((r) => setTimeout(r, 15));
    }
  })();
  const [code, signal] = await closed;
  clearTimeout(timer);
  await watching;
  return { code, signal, stderr, seconds: (Date.now() - started) / 1000 };
}

/** A reader as the agent is one: it opens the table and counts rows; the fewest it ever saw. */
function reader(store: string): { readonly watch: () => Promise<void>; readonly fewest: () => number; readonly failures: () => string[] } {
  let fewest = Number.POSITIVE_INFINITY;
  const failures: string[] = [];
  return {
    watch: async () => {
      try {
        const table = await (await lancedb.connect(store)).openTable("schema_metadata");
        fewest = Math.min(fewest, await table.countRows());
      } catch (err) {
        failures.push(String(err));
      }
    },
    fewest: () => fewest,
    failures: () => failures,
  };
}

/** Rows as a clean run leaves them, comparable across runs (last_updated is the clock). */
function canonical(rows: readonly StoredRow[]): StoredRow[] {
  return rows
    .map((r) => {
      const { last_updated: _ignored, ...rest } = r;
      return rest;
    })
    .sort((a, b) => String(a.identifier).localeCompare(String(b.identifier)));
}

function copyStore(from: string, to: string): void {
  fs.rmSync(to, { recursive: true, force: true });
  fs.cpSync(from, to, { recursive: true });
}

function hashingConfig(dir: string): string {
  const file = path.join(dir, "agent.yml");
  fs.writeFileSync(file, "agent:\n  storage:\n    database:\n      registry_name: hashing\n      model_name: datus-schema-hashing\n      dim_size: 384\n");
  return file;
}

interface Tally {
  trials: number;
  killed: number;
  losses: number;
}

function report(command: string, tally: Tally): void {
  process.stderr.write(`crash-safety ${command}: ${tally.trials} trials, ${tally.killed} killed mid-run, ${tally.losses} losses\n`);
}

test(`migrate killed at random points (${TRIALS} trials): every table once, as a clean run leaves it; readers never see fewer rows; rollback exact`, async (t) => {
  const dir = tempDir(t);
  const config = hashingConfig(dir);
  const pristine = path.join(dir, "pristine");
  const count = 2500;
  await writeV0Store(pristine, syntheticCatalog(count));
  const v0 = canonical(await readRows(pristine));
  const clean = path.join(dir, "clean");
  copyStore(pristine, clean);
  const reference = await cli(["migrate", "--db-path", clean, "--config", config, "--skip-backup", "--no-index"], { cwd: dir });
  assert.equal(reference.code, 0, reference.stderr);
  const expected = canonical(await readRows(clean));
  const tally: Tally = { trials: 0, killed: 0, losses: 0 };
  for (let trial = 0; trial < TRIALS; trial++) {
    const store = path.join(dir, `trial-${trial}`);
    copyStore(pristine, store);
    const watcher = reader(store);
    const killAfterMs = Math.round(random() * reference.seconds * 1000);
    const killed = await cli(["migrate", "--db-path", store, "--config", config, "--skip-backup", "--no-index"], { cwd: dir, killAfterMs, watch: watcher.watch });
    tally.trials++;
    if (killed.signal === "SIGKILL") tally.killed++;
    assert.deepEqual(watcher.failures(), [], `trial ${trial} (kill at ${killAfterMs} ms): the table always opened`);
    assert.ok(watcher.fewest() >= count, `trial ${trial} (kill at ${killAfterMs} ms): a reader saw ${watcher.fewest()} of ${count} rows`);
    const again = await cli(["migrate", "--db-path", store, "--config", config, "--skip-backup", "--no-index"], { cwd: dir });
    assert.equal(again.code, 0, `trial ${trial}: the re-run finishes:\n${again.stderr}`);
    const rows = canonical(await readRows(store));
    if (JSON.stringify(rows) !== JSON.stringify(expected)) tally.losses++;
    assert.deepEqual(rows, expected, `trial ${trial} (kill at ${killAfterMs} ms): the store is what a clean run gives`);
    const back = await cli(["rollback", "--db-path", store], { cwd: dir });
    assert.equal(back.code, 0, back.stderr);
    assert.deepEqual(canonical(await readRows(store)), v0, `trial ${trial}: rollback restores the v0 table exactly`);
    fs.rmSync(store, { recursive: true, force: true });
  }
  report("migrate", tally);
});

test(`rollback killed at random points (${TRIALS} trials): rolling back again gives the pre-migration table exactly`, async (t) => {
  const dir = tempDir(t);
  const config = hashingConfig(dir);
  const pristine = path.join(dir, "pristine");
  await writeV0Store(pristine, syntheticCatalog(2000));
  const v0 = canonical(await readRows(pristine));
  const migrated = path.join(dir, "migrated");
  copyStore(pristine, migrated);
  assert.equal((await cli(["migrate", "--db-path", migrated, "--config", config, "--skip-backup", "--no-index"], { cwd: dir })).code, 0);
  const probe = path.join(dir, "probe");
  copyStore(migrated, probe);
  const clean = await cli(["rollback", "--db-path", probe], { cwd: dir });
  assert.equal(clean.code, 0, clean.stderr);
  const tally: Tally = { trials: 0, killed: 0, losses: 0 };
  for (let trial = 0; trial < TRIALS; trial++) {
    const store = path.join(dir, `trial-${trial}`);
    copyStore(migrated, store);
    const killAfterMs = Math.round(random() * clean.seconds * 1000);
    const killed = await cli(["rollback", "--db-path", store], { cwd: dir, killAfterMs });
    tally.trials++;
    if (killed.signal === "SIGKILL") tally.killed++;
    const again = await cli(["rollback", "--db-path", store], { cwd: dir });
    // a rollback killed after it finished its work has nothing left to do; either way the table is v0 again
    assert.ok(again.code === 0 || /nothing to roll back/.test(again.stderr), `trial ${trial}: ${again.stderr}`);
    const rows = canonical(await readRows(store));
    if (JSON.stringify(rows) !== JSON.stringify(v0)) tally.losses++;
    assert.deepEqual(rows, v0, `trial ${trial} (kill at ${killAfterMs} ms): the pre-migration table, exactly`);
    fs.rmSync(store, { recursive: true, force: true });
  }
  report("rollback", tally);
});

test(`embed killed at random points (${TRIALS} trials): the next run finishes with the vectors a clean run gives`, async (t) => {
  const dir = tempDir(t);
  const cache = path.join(dir, "fastembed");
  writeMiniLmStandIn(cache);
  const env = { FASTEMBED_CACHE_PATH: cache };
  const kept = path.join(dir, "kept");
  const count = 1500;
  await writeV0Store(kept, syntheticCatalog(count));
  assert.equal((await cli(["migrate", "--db-path", kept, "--keep-vectors", "--skip-backup", "--no-index"], { cwd: dir, env })).code, 0);
  const clean = path.join(dir, "clean");
  copyStore(kept, clean);
  const reference = await cli(["embed", "--db-path", clean, "--skip-backup", "--no-index"], { cwd: dir, env });
  assert.equal(reference.code, 0, reference.stderr);
  const expected = canonical(await readRows(clean));
  const tally: Tally = { trials: 0, killed: 0, losses: 0 };
  for (let trial = 0; trial < TRIALS; trial++) {
    const store = path.join(dir, `trial-${trial}`);
    copyStore(kept, store);
    const watcher = reader(store);
    const killAfterMs = Math.round(random() * reference.seconds * 1000);
    const killed = await cli(["embed", "--db-path", store, "--skip-backup", "--no-index"], { cwd: dir, env, killAfterMs, watch: watcher.watch });
    tally.trials++;
    if (killed.signal === "SIGKILL") tally.killed++;
    assert.ok(watcher.fewest() >= count, `trial ${trial}: a reader saw ${watcher.fewest()} of ${count} rows`);
    const again = await cli(["embed", "--db-path", store, "--skip-backup", "--no-index"], { cwd: dir, env });
    assert.equal(again.code, 0, again.stderr);
    const rows = canonical(await readRows(store));
    if (JSON.stringify(rows) !== JSON.stringify(expected)) tally.losses++;
    assert.deepEqual(rows, expected, `trial ${trial} (kill at ${killAfterMs} ms): as a clean run leaves it`);
    fs.rmSync(store, { recursive: true, force: true });
  }
  report("embed", tally);
});

test(`bootstrap killed at random points (${TRIALS} trials): the next run gives what a clean bootstrap gives`, async (t) => {
  const dir = tempDir(t);
  const database = path.join(dir, "shop.duckdb");
  const tables = 150;
  const instance = await DuckDBInstance.create(database);
  const conn = await instance.connect();
  const sql: string[] = [];
  for (let i = 0; i < tables; i++) {
    sql.push(`CREATE TABLE t${i} (id INTEGER PRIMARY KEY, customer_id INTEGER, status VARCHAR, amount DECIMAL(10,2))`);
    sql.push(`COMMENT ON TABLE t${i} IS 'table ${i} of the shop'`);
    sql.push(`INSERT INTO t${i} SELECT range, range % 7, CASE WHEN range % 2 = 0 THEN 'open' ELSE 'closed' END, range * 1.5 FROM range(${20 + i})`);
  }
  await conn.run(`${sql.join(";\n")};`);
  conn.closeSync();
  instance.closeSync();
  const base = path.join(dir, "stores");
  const config = path.join(dir, "agent.yml");
  fs.writeFileSync(
    config,
    `agent:\n  storage:\n    base_path: ${base}\n    database:\n      registry_name: hashing\n      model_name: datus-schema-hashing\n      dim_size: 384\n  namespace:\n    shop:\n      type: duckdb\n      uri: ${database}\n      max_connections: 2\n`,
  );
  const store = path.join(base, "datus_db_shop");
  const reference = await cli(["bootstrap", "--config", config, "--namespace", "shop", "--skip-backup"], { cwd: dir });
  assert.equal(reference.code, 0, reference.stderr);
  const expected = canonical(await readRows(store));
  assert.equal(expected.length, tables);
  const tally: Tally = { trials: 0, killed: 0, losses: 0 };
  for (let trial = 0; trial < TRIALS; trial++) {
    fs.rmSync(store, { recursive: true, force: true });
    const killAfterMs = Math.round(random() * reference.seconds * 1000);
    const killed = await cli(["bootstrap", "--config", config, "--namespace", "shop", "--skip-backup"], { cwd: dir, killAfterMs });
    tally.trials++;
    if (killed.signal === "SIGKILL") tally.killed++;
    const again = await cli(["bootstrap", "--config", config, "--namespace", "shop", "--skip-backup"], { cwd: dir });
    assert.equal(again.code, 0, `trial ${trial}: ${again.stderr}`);
    const rows = canonical(await readRows(store));
    if (JSON.stringify(rows) !== JSON.stringify(expected)) tally.losses++;
    assert.deepEqual(rows, expected, `trial ${trial} (kill at ${killAfterMs} ms): as a clean bootstrap leaves it`);
  }
  report("bootstrap", tally);
});
