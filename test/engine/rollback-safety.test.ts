/**
 * Rollback never goes anywhere but "before the migration": a second rollback has nothing more to undo, a
 * rollback killed at any point finishes when run again, a damaged migration record is named (never a
 * wrong target), a backup taken mid-migration is never restored as "before", and a run takes at most one
 * backup. The built CLI on real LanceDB directories; a DuckDB namespace for the import flows.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { before, test } from "node:test";
import type { TestContext } from "node:test";
import { syntheticCatalog } from "../../bench/synthetic-catalog.js";
import { writeV0Store } from "../../src/store/v0-store.js";
import { chinookDuckDb, corpusTables } from "../helpers/corpus.js";
import { CLI, type CliResult, REPO_ROOT, runCli, tempDir } from "../helpers/env.js";
import { sharedStandInCache } from "../helpers/stand-in-model.js";
import { readRows, schemaFields, tableVersion } from "../helpers/store-rows.js";

let duckFile = "";

before(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "datus-schema-chinook-"));
  process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
  duckFile = path.join(dir, "chinook.duckdb");
  await chinookDuckDb(duckFile);
});

/** A config whose namespace `chinook` is the DuckDB file, and a v0 store of the Chinook DDL in it. */
async function chinook(t: TestContext): Promise<{ cfg: string; store: string; data: string }> {
  const dir = tempDir(t);
  const data = path.join(dir, "data");
  const cfg = path.join(dir, "agent.yml");
  fs.writeFileSync(cfg, `agent:\n  storage:\n    base_path: ${data}\n  namespace:\n    chinook:\n      type: duckdb\n      uri: ${duckFile}\n`);
  const store = path.join(data, "datus_db_chinook");
  await writeV0Store(store, corpusTables("chinook/chinook_postgresql.sql", "postgresql", "chinook", "main"));
  return { cfg, store, data };
}

/** A run that must succeed, with what it printed when it did not. */
function succeeded(run: CliResult): void {
  assert.equal(run.code, 0, `exit ${run.code} ${run.signal ?? ""}\n${run.stdout.slice(-500)}\n${run.stderr.slice(-1500)}`);
}

/** Backup directories beside the store: those of a v0 store (`kind` v0), of a v1 store, or both. */
function backups(data: string, kind: "v0" | "v1" | "any" = "any"): string[] {
  return fs.readdirSync(data).filter((n) => (kind === "any" ? /\.backup_v[01]_/.test(n) : n.includes(`.backup_${kind}_`)));
}

const IMPORT_ONLY = ["--namespace=chinook", "--import-schemas", "--import-only", "--clear", "--force"];

test("a second rollback after migrate, then --import-only --clear --force, has nothing more to roll back", async (t) => {
  const { cfg, store } = await chinook(t);
  const v0 = await readRows(store);
  succeeded(await runCli(["migrate", `--config=${cfg}`]));
  const imported = await runCli(["migrate", `--config=${cfg}`, ...IMPORT_ONLY]);
  assert.equal(imported.code, 0, imported.stderr);

  const first = await runCli(["rollback", `--config=${cfg}`]);
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(await readRows(store), v0, "the first rollback restores the v0 table");
  const version = await tableVersion(store);

  const second = await runCli(["rollback", `--config=${cfg}`]);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /nothing more to roll back in .*: it was rolled back .* to table version 1, as before the migration started/);
  assert.deepEqual(await readRows(store), v0, "the second rollback changed nothing");
  assert.equal(await tableVersion(store), version);

  // a new migration can be rolled back again
  succeeded(await runCli(["migrate", `--config=${cfg}`, "--skip-backup"]));
  const third = await runCli(["rollback", `--config=${cfg}`]);
  assert.equal(third.code, 0, third.stderr);
  assert.match(third.stdout, /restored schema_metadata/);
  assert.deepEqual(await readRows(store), v0);
});

test("without its migration record, rollback restores the backup taken before the migration, never the one taken before --clear", async (t) => {
  const { cfg, store, data } = await chinook(t);
  const v0 = await readRows(store);
  succeeded(await runCli(["migrate", `--config=${cfg}`]));
  // a later second the --clear backup gets a later name
  await new Promise((r) => setTimeout(r, 1100));
  succeeded(await runCli(["migrate", `--config=${cfg}`, ...IMPORT_ONLY]));
  assert.equal(backups(data).length, 2, `one backup per run: ${backups(data).join(", ")}`);
  assert.equal(backups(data, "v0").length, 1, "the store before the migration is the one v0 backup; the one before --clear holds v1 and is named so");
  // the bookkeeping is lost (deleted by hand, a store copied without it)
  fs.rmSync(path.join(store, ".datus-schema"), { recursive: true });
  const back = await runCli(["rollback", `--config=${cfg}`]);
  assert.equal(back.code, 0, back.stderr);
  assert.match(back.stdout, /restored .* from the backup directory .*backup_v0_/);
  assert.deepEqual(await readRows(store), v0, "the v0 table, not the migrated one");
  const again = await runCli(["rollback", `--config=${cfg}`]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /nothing more to roll back/);
  assert.deepEqual(await readRows(store), v0);
});

test("--import-schemas --clear without --force is refused (exit 2) and touches nothing; with --force a run takes one backup", async (t) => {
  const { cfg, store, data } = await chinook(t);
  const version = await tableVersion(store);
  const refused = await runCli(["migrate", `--config=${cfg}`, "--namespace=chinook", "--import-schemas", "--clear"]);
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /^error: --clear .*--force/m);
  assert.match(refused.stderr, /^hint: .*--import-schemas --import-only --clear --force/m);
  assert.equal(await tableVersion(store), version);
  assert.deepEqual(backups(data), [], "no backup");
  assert.ok(!fs.existsSync(path.join(store, ".datus-schema")), "no bookkeeping");

  // migrate (its backup first), then the import clears what the same run migrated: no second backup
  const run = await runCli(["migrate", `--config=${cfg}`, "--namespace=chinook", "--import-schemas", "--clear", "--force"]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(backups(data).length, 1, `one backup in one run: ${backups(data).join(", ")}`);
  const back = await runCli(["rollback", `--config=${cfg}`]);
  assert.equal(back.code, 0, back.stderr);
  assert.ok((await readRows(store)).every((r) => r.metadata_version === undefined), "rollback returns to the v0 table");
});

test("rollback killed with SIGKILL at any point, then run again, gives the exact pre-migration table", async (t) => {
  const trials = Number(process.env.FAULT_TRIALS ?? 4);
  const dir = tempDir(t);
  const migrated = path.join(dir, "migrated");
  await writeV0Store(migrated, syntheticCatalog(400));
  const v0 = await readRows(migrated);
  const v0Fields = await schemaFields(migrated);
  succeeded(await runCli(["migrate", "--db-path", migrated, "--skip-backup", "--keep-vectors"]));
  /**
   * Start a rollback and kill it `afterMs` after its start, or never. Points are spread over the whole life of
   * the process: a rollback of a small store commits within a few ms of taking its lock, so points measured
   * from the lock would nearly all land after the end.
   */
  const rollbackKilled = async (store: string, afterMs: number | undefined) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [CLI, "rollback", "--db-path", store], { cwd: REPO_ROOT, env: { ...process.env, FASTEMBED_CACHE_PATH: sharedStandInCache() } });
    let exited = false;
    const closed = new Promise<NodeJS.Signals | null>((resolve) => child.on("close", (_c, s) => ((exited = true), resolve(s))));
    if (afterMs !== undefined) setTimeout(() => !exited && child.kill("SIGKILL"), afterMs);
    const signal = await closed;
    return { killed: signal === "SIGKILL", workMs: Date.now() - t0 };
  };
  // how long a rollback works here, to kill the trials all along it
  const timing = path.join(dir, "timing");
  fs.cpSync(migrated, timing, { recursive: true });
  const { workMs } = await rollbackKilled(timing, undefined);
  let killed = 0;
  for (let i = 0; i < trials; i++) {
    const store = path.join(dir, `trial-${i}`);
    fs.cpSync(migrated, store, { recursive: true });
    const at = (workMs * (i + 0.5)) / trials;
    if ((await rollbackKilled(store, at)).killed) killed++;
    const again = await runCli(["rollback", "--db-path", store]);
    assert.equal(again.code, 0, `trial ${i} (killed ${Math.round(at)} ms into its work): ${again.stderr}`);
    assert.match(again.stdout, /restored schema_metadata|nothing more to roll back/);
    assert.deepEqual(await schemaFields(store), v0Fields, `trial ${i}: the v0 schema`);
    assert.deepEqual(await readRows(store), v0, `trial ${i}: the v0 rows exactly`);
    fs.rmSync(store, { recursive: true });
  }
  assert.ok(killed >= trials / 2, `most rollbacks were killed before their end (${killed} of ${trials}; a rollback lives ${workMs} ms)`);
});

test("a torn or hand-edited migration record is an error naming it, never a crash or a wrong rollback", async (t) => {
  const dir = tempDir(t);
  const store = path.join(dir, "datus_db_state");
  await writeV0Store(store, syntheticCatalog(60));
  succeeded(await runCli(["migrate", "--db-path", store, "--skip-backup", "--keep-vectors"]));
  // a later version exists: rolling back to it would be silently wrong
  succeeded(await runCli(["migrate", "--db-path", store, "--force", "--keep-vectors"]));
  const good = fs.readFileSync(path.join(store, ".datus-schema", "state.json"), "utf8");
  const state = JSON.parse(good) as Record<string, unknown>;
  const rows = await readRows(store);
  const version = await tableVersion(store);
  const cases: [string, string][] = [
    ["torn", good.slice(0, good.length / 2)],
    ["version as text", JSON.stringify({ ...state, preMigrationVersion: "1" })],
    ["unknown phase", JSON.stringify({ ...state, phase: "half-done" })],
    // these read well but name the wrong version: rollback checks the record against the table
    ["a version the table does not have", JSON.stringify({ ...state, preMigrationVersion: 999 })],
    ["a later version than the tagged one", JSON.stringify({ ...state, preMigrationVersion: version - 1 })],
  ];
  // each case on its own copy of the store, all at once
  await Promise.all(
    cases.map(async ([what, text], i) => {
      const copy = path.join(dir, `case-${i}`);
      fs.cpSync(store, copy, { recursive: true });
      const record = path.join(copy, ".datus-schema", "state.json");
      fs.writeFileSync(record, text);
      const escaped = record.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      // every command reads the record through the same check: migrate once, rollback on every case
      const commands = i === 0 ? [["rollback"], ["migrate", "--keep-vectors"]] : [["rollback"]];
      for (const command of commands) {
        const run = await runCli([...command, "--db-path", copy]);
        const label = `${what}, ${command[0]}`;
        assert.equal(run.code, 1, `${label}: ${run.stdout.slice(-300)}${run.stderr}`);
        assert.match(run.stderr, new RegExp(`^error: .*${escaped}`, "m"), `${label} names the file:\n${run.stderr}`);
        assert.match(run.stderr, /^hint: /m, label);
        assert.doesNotMatch(run.stderr, /^\s+at /m, `${label}: no stack trace`);
        assert.equal(await tableVersion(copy), version, `${label}: nothing changed`);
        assert.equal(fs.readFileSync(record, "utf8"), text, `${label}: the record is left for the user`);
      }
    }),
  );
  assert.deepEqual(await readRows(store), rows);
  const back = await runCli(["rollback", "--db-path", store]);
  assert.equal(back.code, 0, back.stderr);
  assert.match(back.stdout, /to version 1 /);
});
