/**
 * Rollback never goes anywhere but "before the migration": a damaged migration record is named (never a
 * wrong target). The built CLI on real LanceDB directories.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { syntheticCatalog } from "../../bench/synthetic-catalog.js";
import { writeV0Store } from "../../src/store/v0-store.js";
import { runCli, tempDir } from "../helpers/env.js";
import { readRows, tableVersion } from "../helpers/store-rows.js";

test("a torn or hand-edited migration record is an error naming it, never a crash or a wrong rollback", async (t) => {
  const dir = tempDir(t);
  const store = path.join(dir, "datus_db_state");
  await writeV0Store(store, syntheticCatalog(60));
  assert.equal((await runCli(["migrate", "--db-path", store, "--skip-backup", "--keep-vectors"])).code, 0);
  // a later version exists: rolling back to it would be silently wrong
  assert.equal((await runCli(["migrate", "--db-path", store, "--force", "--keep-vectors"])).code, 0);
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
