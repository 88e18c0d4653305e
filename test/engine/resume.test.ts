/**
 * Interruptions a batch job meets: SIGKILL mid-run, SIGINT, and N shard processes on one store.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { test } from "node:test";
import * as lancedb from "@lancedb/lancedb";
import { syntheticCatalog, syntheticTable } from "../../bench/synthetic-catalog.js";
import { writeV0Store } from "../../src/store/v0-store.js";
import { CLI, runCli, tempDir, type CliResult } from "../helpers/env.js";
import { sharedStandInCache } from "../helpers/stand-in-model.js";
import { readRows } from "../helpers/store-rows.js";

async function v1Count(store: string): Promise<number> {
  try {
    const table = await (await lancedb.connect(store)).openTable("schema_metadata");
    const fields = (await table.schema()).fields.map((f) => f.name);
    return fields.includes("metadata_version") ? await table.countRows("metadata_version = 1") : 0;
  } catch {
    return 0;
  }
}

/** Start a migration, wait until `atLeast` rows are committed as v1, then send `signal`. */
async function interruptAfter(store: string, atLeast: number, signal: NodeJS.Signals, extra: string[] = []): Promise<CliResult & { committedAtSignal: number; signalled: boolean }> {
  const child = spawn(process.execPath, [CLI, "migrate", "--db-path", store, "--skip-backup", "--workers", "2", ...extra], { env: { ...process.env, FASTEMBED_CACHE_PATH: sharedStandInCache() } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const closed = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on("close", (c, s) => resolve([c, s])));
  let committed = 0;
  let exited = false;
  void closed.then(() => (exited = true));
  while (!exited) {
    committed = await v1Count(store);
    if (committed >= atLeast) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  // a run that finished before the signal proves nothing about interruption: the caller asserts `signalled`
  const signalled = !exited && child.kill(signal);
  const [code, sig] = await closed;
  return { code, signal: sig, stdout, stderr, committedAtSignal: committed, signalled };
}

function assertComplete(rows: Record<string, unknown>[], count: number): void {
  assert.equal(rows.length, count, "every table present");
  assert.equal(new Set(rows.map((r) => r.identifier)).size, count, "exactly once");
  const byId = new Map(rows.map((r) => [String(r.identifier), r]));
  let enriched = 0;
  for (let i = 0; i < count; i++) {
    const want = syntheticTable(i);
    const row = byId.get(want.identifier);
    assert.ok(row, `${want.identifier} present`);
    assert.equal(row.metadata_version, 1, `${want.identifier} is v1`);
    assert.equal(row.definition, want.definition, `${want.identifier} keeps its DDL`);
    assert.equal(row.table_name, want.tableName);
    if (want.style !== "sqlite") {
      assert.ok(String(row.table_comment).length > 0, `${want.identifier} has its table comment`);
      enriched++;
    }
  }
  assert.equal(enriched, rows.filter((r) => String(r.table_comment).length > 0).length);
}

test("a migration killed with SIGKILL resumes where it stopped; rollback restores the v0 table exactly", async (t) => {
  const count = 20_000;
  const dir = tempDir(t);
  const store = path.join(dir, "datus_db_big");
  await writeV0Store(store, syntheticCatalog(count));
  const v0 = await readRows(store);

  const killed = await interruptAfter(store, 2000, "SIGKILL");
  assert.equal(killed.signal, "SIGKILL", `the run was killed, not finished: ${killed.stderr.slice(-500)}`);
  const partial = await v1Count(store);
  assert.ok(partial > 0 && partial < count, `killed mid-run (${partial} of ${count} v1)`);
  assert.equal((await readRows(store)).length, count, "no row went missing: the killed run left every table in place");
  const report = await runCli(["report", "--db-path", store]);
  assert.match(report.stdout, new RegExp(`UNFINISHED MIGRATION \\(started [^)]+\\): ${count - partial} rows still pending. Re-run \`datus-schema migrate\``));

  const resumed = await runCli(["migrate", "--db-path", store, "--skip-backup", "--workers", "2"]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, new RegExp(`migrated ${count - partial} of ${count - partial} tables \\(resumed an earlier run\\)`));
  assertComplete(await readRows(store), count);

  const back = await runCli(["rollback", "--db-path", store]);
  assert.equal(back.code, 0, back.stderr);
  const restored = await readRows(store);
  assert.equal(restored.length, v0.length);
  assert.deepEqual(restored, v0, "same rows, same definitions, same vectors");
});

test("SIGINT stops taking work, commits what is done, prints the report and exits 130", async (t) => {
  // large enough that the run is still going when its first commit is seen (commits are 2,000 rows)
  const count = 20_000;
  const dir = tempDir(t);
  const store = path.join(dir, "datus_db_int");
  await writeV0Store(store, syntheticCatalog(count));
  const run = await interruptAfter(store, 500, "SIGINT");
  assert.ok(run.signalled, `the run finished before SIGINT was sent: ${run.stdout.slice(-300)}`);
  assert.equal(run.code, 130, run.stderr.slice(-1000));
  assert.match(run.stdout, /INTERRUPTED after \d+ of 20000 tables/);
  assert.match(run.stdout, /^v1 records: \d+\/20000/m);
  const after = await v1Count(store);
  assert.ok(after >= run.committedAtSignal, "nothing committed was lost");
  const resumed = await runCli(["migrate", "--db-path", store, "--skip-backup"]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assertComplete(await readRows(store), count);
});

test("shards 1/3, 2/3 and 3/3 run at once on one store and together migrate every table once", async (t) => {
  const count = 3000;
  const dir = tempDir(t);
  const store = path.join(dir, "datus_db_sharded");
  await writeV0Store(store, syntheticCatalog(count));
  const runs = await Promise.all(["1/3", "2/3", "3/3"].map((s) => runCli(["migrate", "--db-path", store, "--shard", s, "--workers", "1"])));
  for (const r of runs) assert.equal(r.code, 0, r.stderr);
  const written = runs.map((r) => Number(/migrated (\d+) of/.exec(r.stdout)?.[1] ?? NaN));
  assert.equal(written.reduce((a, b) => a + b, 0), count, `shards split the work: ${written.join(" + ")}`);
  for (const w of written) assert.ok(w > count / 6, `each shard did a fair share (${w})`);
  assertComplete(await readRows(store), count);
});
