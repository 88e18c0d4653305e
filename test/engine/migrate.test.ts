/**
 * The migration as a user runs it (the built CLI, real LanceDB directories): the v1 contract, idempotence,
 * dry run, flag checks that touch nothing, rollback.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { syntheticCatalog } from "../../bench/synthetic-catalog.js";
import { writeV0Store } from "../../src/store/v0-store.js";
import { readRows, schemaFields, tableVersion } from "../helpers/store-rows.js";
import { reportLine, runCli, tempDir } from "../helpers/env.js";

/**
 * The 18 columns of CONTRACT §3 with their types, as a migrated v0 table has them: the v0 columns where they
 * were and the v1 columns appended by in-place schema evolution (one commit, no row rewritten), so `vector`
 * stands before `search_text`. LanceDB and the agent match columns by name.
 */
const V1_FIELDS = [
  "identifier:Utf8",
  "catalog_name:Utf8",
  "database_name:Utf8",
  "schema_name:Utf8",
  "table_name:Utf8",
  "table_type:Utf8",
  "definition:Utf8",
  "vector:FixedSizeList[384]<Float32>",
  "search_text:Utf8",
  "table_comment:Utf8",
  "column_comments:Utf8",
  "column_enums:Utf8",
  "business_tags:List<Utf8>",
  "row_count:Int64",
  "sample_statistics:Utf8",
  "relationship_metadata:Utf8",
  "metadata_version:Int32",
  "last_updated:Int64",
];

async function syntheticStore(dir: string, tables: number): Promise<string> {
  const store = path.join(dir, "datus_db_synth");
  await writeV0Store(store, syntheticCatalog(tables));
  return store;
}

test("migrate turns every v0 row into a v1 row with the contract's columns and types, DDL byte for byte", async (t) => {
  const dir = tempDir(t);
  const store = await syntheticStore(dir, 40);
  const before = await readRows(store);
  const run = await runCli(["migrate", "--db-path", store, "--workers", "2"]);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(await schemaFields(store), V1_FIELDS);
  const after = await readRows(store);
  assert.equal(after.length, 40);
  assert.equal(new Set(after.map((r) => r.identifier)).size, 40, "identifiers are unique");
  const byId = new Map(after.map((r) => [r.identifier, r]));
  for (const old of before) {
    const row = byId.get(old.identifier);
    assert.ok(row, `${String(old.identifier)} migrated`);
    assert.equal(row.definition, old.definition, "definition is the v0 DDL unchanged");
    assert.equal(row.metadata_version, 1);
    assert.ok(String(row.search_text).length > 0, "search_text is written");
    const vector = Array.from(row.vector as Iterable<number>);
    const norm = Math.sqrt(vector.reduce((s, x) => s + x * x, 0));
    assert.ok(Math.abs(norm - 1) < 1e-4, `vector is unit length (${norm})`);
  }
  // the MySQL-style tables carry a table comment, column comments, enums and a declared FK
  const mysql = byId.get("mysql_db.order_0")!;
  assert.equal(mysql.table_comment, "order records 0");
  assert.deepEqual(JSON.parse(String(mysql.column_enums)).status, [
    { value: "0", label: "录入" },
    { value: "1", label: "生产" },
    { value: "2", label: "配车" },
  ]);
  assert.equal(JSON.parse(String(mysql.column_comments)).amount, "金额<元>");
  const rel = JSON.parse(String(mysql.relationship_metadata));
  assert.deepEqual(
    rel.foreign_keys.map((f: { from_column: string; to_table: string; to_column: string }) => [f.from_column, f.to_table, f.to_column]),
    [["warehouse_id", "warehouse_0", "id"]],
  );
  // report lines per CONTRACT §4
  assert.deepEqual(reportLine(run.stdout, "v1 records"), [40, 40]);
  assert.deepEqual(reportLine(run.stdout, "table_comment"), [30, 40], "every style but SQLite has a table comment");
  // a backup as the guide names it, and the bookkeeping beside the table
  assert.ok(fs.readdirSync(dir).some((n) => /^datus_db_synth\.backup_v0_\d{8}_\d{6}$/.test(n)), "backup directory exists");
});

test("a second migrate changes nothing and says so", async (t) => {
  const dir = tempDir(t);
  const store = await syntheticStore(dir, 25);
  assert.equal((await runCli(["migrate", "--db-path", store, "--skip-backup"])).code, 0);
  const version = await tableVersion(store);
  const rows = await readRows(store);
  const again = await runCli(["migrate", "--db-path", store, "--skip-backup"]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /nothing to do: all 25 tables are already v1/);
  assert.equal(await tableVersion(store), version, "no new table version");
  assert.deepEqual(await readRows(store), rows);
});

test("--force redoes every table without duplicating any", async (t) => {
  const dir = tempDir(t);
  const store = await syntheticStore(dir, 12);
  assert.equal((await runCli(["migrate", "--db-path", store, "--skip-backup"])).code, 0);
  const forced = await runCli(["migrate", "--db-path", store, "--force=yes"]);
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(forced.stdout, /migrated 12 of 12 tables/);
  const rows = await readRows(store);
  assert.equal(rows.length, 12);
  assert.equal(new Set(rows.map((r) => r.identifier)).size, 12);
});

test("--dry-run reports what would change and touches nothing", async (t) => {
  const dir = tempDir(t);
  const store = await syntheticStore(dir, 20);
  const version = await tableVersion(store);
  const run = await runCli(["migrate", "--db-path", store, "--dry-run"]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /Would migrate: 20 of 20 tables/);
  assert.match(run.stdout, /Dialects: .*mysql 5/);
  assert.equal(await tableVersion(store), version);
  assert.deepEqual(fs.readdirSync(dir), ["datus_db_synth"], "no backup taken");
  assert.ok(!fs.existsSync(path.join(store, ".datus-schema")), "no bookkeeping written");
});

test("flag combinations that could lose data are refused before anything is touched (exit 2)", async (t) => {
  const dir = tempDir(t);
  const store = await syntheticStore(dir, 5);
  const version = await tableVersion(store);
  for (const args of [
    ["--clear"],
    ["--clear", "--import-schemas", "--skip-backup"],
    ["--import-only"],
    ["--force=maybe"],
    ["--shard", "3/2"],
  ]) {
    const run = await runCli(["migrate", "--db-path", store, ...args]);
    assert.equal(run.code, 2, `${args.join(" ")}: ${run.stderr}`);
    assert.match(run.stderr, /^error: /m);
    assert.match(run.stderr, /^hint: /m);
  }
  assert.equal(await tableVersion(store), version);
  assert.deepEqual(fs.readdirSync(dir), ["datus_db_synth"]);
});

test("rollback puts the v0 table back exactly: same rows, same definitions, same schema", async (t) => {
  const dir = tempDir(t);
  const store = await syntheticStore(dir, 30);
  const v0 = await readRows(store);
  const v0Fields = await schemaFields(store);
  assert.equal((await runCli(["migrate", "--db-path", store])).code, 0);
  const back = await runCli(["rollback", "--db-path", store]);
  assert.equal(back.code, 0, back.stderr);
  assert.match(back.stdout, /restored schema_metadata .* to version 1/);
  assert.deepEqual(await schemaFields(store), v0Fields);
  assert.deepEqual(await readRows(store), v0);
  // and a later migrate starts afresh
  const again = await runCli(["migrate", "--db-path", store, "--skip-backup"]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /migrated 30 of 30 tables/);
});

test("a mixed store (v1 schema, some rows still v0) migrates only the rows that are not v1", async (t) => {
  const dir = tempDir(t);
  const store = await syntheticStore(dir, 10);
  assert.equal((await runCli(["migrate", "--db-path", store, "--skip-backup"])).code, 0);
  // an old writer re-adds one table as a version-0 row with new DDL
  const lancedb = await import("@lancedb/lancedb");
  const table = await (await lancedb.connect(store)).openTable("schema_metadata");
  const changedDdl = "CREATE TABLE `order_0` (`id` bigint NOT NULL COMMENT 'new id', `total` int COMMENT 'total amount')";
  await table.update({ where: "identifier = 'mysql_db.order_0'", values: { metadata_version: 0, definition: changedDdl } });
  const run = await runCli(["migrate", "--db-path", store, "--skip-backup"]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /migrated 1 of 1 tables/);
  const row = (await readRows(store)).find((r) => r.identifier === "mysql_db.order_0")!;
  assert.equal(row.definition, changedDdl);
  assert.deepEqual(JSON.parse(String(row.column_comments)), { id: "new id", total: "total amount" });
});

test("report reads a v0 store without changing it, and fails clearly on a store without records", async (t) => {
  const dir = tempDir(t);
  const store = await syntheticStore(dir, 8);
  const version = await tableVersion(store);
  const run = await runCli(["report", "--db-path", store]);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(reportLine(run.stdout, "v1 records"), [0, 8]);
  assert.equal(await tableVersion(store), version);
  const empty = await runCli(["report", "--db-path", path.join(dir, "nothing-here")]);
  assert.equal(empty.code, 2, "a store that is not there is bad usage");
  assert.match(empty.stderr, /--db-path .*nothing-here does not exist/);
  assert.ok(!fs.existsSync(path.join(dir, "nothing-here")), "report never creates a store");
});
