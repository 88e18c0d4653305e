/**
 * The store failing under a running migration: a commit that fails while the pipeline is busy enriching
 * ends the run as the tool's error (exit 1, error + hint), never as an unhandled promise rejection and a
 * raw stack; what was committed before stays committed.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import * as lancedb from "@lancedb/lancedb";
import { syntheticCatalog } from "../../bench/synthetic-catalog.js";
import { writeV0Store } from "../../src/store/v0-store.js";
import { CLI, tempDir } from "../helpers/env.js";

async function v1Rows(store: string): Promise<number> {
  try {
    const table = await (await lancedb.connect(store)).openTable("schema_metadata");
    return (await table.schema()).fields.some((f) => f.name === "metadata_version") ? await table.countRows("metadata_version = 1") : 0;
  } catch {
    return 0;
  }
}

test("a commit failing in the background ends the run as an error with a hint, not an unhandled rejection", async (t) => {
  const dir = tempDir(t);
  const store = path.join(dir, "datus_db_x");
  await writeV0Store(store, syntheticCatalog(30_000));
  const config = path.join(dir, "agent.yml");
  fs.writeFileSync(config, "agent:\n  storage:\n    database:\n      registry_name: hashing\n      model_name: datus-schema-hashing\n      dim_size: 384\n");
  const child = spawn(process.execPath, [CLI, "migrate", "--db-path", store, "--config", config, "--skip-backup", "--no-index", "--workers", "2"], { cwd: dir });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdout.resume();
  const closed = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on("close", (c, s) => resolve([c, s])));
  let exited = false;
  void closed.then(() => (exited = true));
  while (!exited && (await v1Rows(store)) === 0) await new Promise((r) => setTimeout(r, 25));
  assert.ok(!exited, "the run was still going after its first commit");
  // the table's version directory turns into a file: every later commit fails
  const versions = path.join(store, "schema_metadata.lance", "_versions");
  fs.renameSync(versions, `${versions}.moved`);
  fs.writeFileSync(versions, "not a directory");
  const [code] = await closed;
  assert.equal(code, 1, stderr);
  assert.match(stderr, /^error: .*schema_metadata/m);
  assert.match(stderr, /^hint: /m);
  assert.doesNotMatch(stderr, /UnhandledPromiseRejection|triggerUncaughtException|\n\s+at [\w.<>]+ \(/, "no unhandled rejection, no stack trace");
  fs.rmSync(versions);
  fs.renameSync(`${versions}.moved`, versions);
  assert.ok((await v1Rows(store)) > 0, "what was committed before stays committed");
});

test("a reader polling while a 60,000-table v0 store is migrated never sees fewer rows, nor a table it cannot open", async (t) => {
  const dir = tempDir(t);
  const store = path.join(dir, "datus_db_big");
  const count = 60_000;
  await writeV0Store(store, syntheticCatalog(count));
  const config = path.join(dir, "agent.yml");
  fs.writeFileSync(config, "agent:\n  storage:\n    database:\n      registry_name: hashing\n      model_name: datus-schema-hashing\n      dim_size: 384\n");
  const child = spawn(process.execPath, [CLI, "migrate", "--db-path", store, "--config", config, "--skip-backup", "--no-index"], { cwd: dir });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdout.resume();
  let done = false;
  const closed = new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
  void closed.then(() => (done = true));
  let fewest = Number.POSITIVE_INFINITY;
  let reads = 0;
  const failures: string[] = [];
  while (!done) {
    try {
      const table = await (await lancedb.connect(store)).openTable("schema_metadata");
      fewest = Math.min(fewest, await table.countRows());
      reads++;
    } catch (err) {
      failures.push(String(err));
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.equal(await closed, 0, stderr);
  assert.ok(reads > 20, `the reader read during the run (${reads} reads)`);
  assert.deepEqual(failures, [], "the table always opened");
  assert.equal(fewest, count, `a reader saw ${fewest} of ${count} rows`);
});
