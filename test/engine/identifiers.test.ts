/**
 * Identifiers as old stores hold them: two tables' identifiers swapped (row A stored under B's canonical
 * identifier and B under A's), the same identifier on several rows. Every table comes out exactly once,
 * and every run ends by counting the table's rows against what it read and wrote.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { syntheticCatalog, syntheticTable } from "../../bench/synthetic-catalog.js";
import { hashingPlan } from "../../src/cli/embedding-setup.js";
import { migrate } from "../../src/engine/migrate.js";
import { PENDING_FILTER } from "../../src/engine/run-record.js";
import { createEnrichPool, runPipeline, type ResultStage } from "../../src/engine/pipeline.js";
import { silentProgress } from "../../src/engine/progress.js";
import { localVectors } from "../../src/engine/vector-source.js";
import type { SourceTable } from "../../src/model.js";
import { sourceTablesOf } from "../../src/store/arrow-rows.js";
import { scanBatches, SchemaStore } from "../../src/store/schema-store.js";
import { writeV0Store } from "../../src/store/v0-store.js";
import { runCli, tempDir } from "../helpers/env.js";
import { readRows } from "../helpers/store-rows.js";

const SWAP_TABLES = Number(process.env.SWAP_TABLES ?? 6000);

test(`two rows with swapped identifiers among ${SWAP_TABLES} (several write batches): every table is migrated once, none deleted`, async (t) => {
  const dir = tempDir(t);
  const store = path.join(dir, "datus_db_swap");
  const tables = [...syntheticCatalog(SWAP_TABLES)];
  // A in the first write batch, B in the last (the writer commits 2,000 rows at a time)
  const a = 10;
  const b = SWAP_TABLES - 10;
  const [idA, idB] = [tables[a].identifier, tables[b].identifier];
  tables[a] = { ...tables[a], identifier: idB };
  tables[b] = { ...tables[b], identifier: idA };
  await writeV0Store(store, tables);

  const run = await runCli(["migrate", "--db-path", store, "--skip-backup", "--extract-relationships=false"]);
  assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
  const rows = await readRows(store);
  assert.equal(rows.length, SWAP_TABLES, "no row lost");
  assert.match(run.stdout, new RegExp(`migrated ${SWAP_TABLES} of ${SWAP_TABLES} tables`));
  assert.match(run.stdout, new RegExp(`^Row check: ${SWAP_TABLES} rows before, ${SWAP_TABLES} written, ${SWAP_TABLES} expected after, ${SWAP_TABLES} found$`, "m"));
  const byId = new Map(rows.map((r) => [String(r.identifier), r]));
  assert.equal(byId.size, SWAP_TABLES, "identifiers unique");
  // each table under its own canonical identifier, with its own DDL
  for (const i of [a, b, 0, SWAP_TABLES - 1]) {
    const { style: _style, ...original } = syntheticTable(i);
    const row = byId.get(original.identifier);
    assert.ok(row, `${original.identifier} is in the table`);
    assert.equal(row.definition, original.definition, `${original.identifier} has its own DDL`);
    assert.equal(row.table_name, original.tableName);
    assert.equal(row.metadata_version, 1);
  }
});

function row(identifier: string, tableName: string, definition: string): SourceTable {
  return { identifier, catalogName: "", databaseName: "shop", schemaName: "", tableName, tableType: "table", definition };
}

test("duplicate identifiers in the v0 table: the first row of each is kept, and the summary says how many were not", async (t) => {
  const dir = tempDir(t);
  const store = path.join(dir, "datus_db_dups");
  const first = "CREATE TABLE orders (id int COMMENT 'first')";
  await writeV0Store(store, [
    row("shop.orders", "orders", first),
    row("shop.items", "items", "CREATE TABLE items (id int COMMENT 'first items')"),
    row("shop.orders", "orders", "CREATE TABLE orders (id int COMMENT 'second')"),
    row("shop.customers", "customers", "CREATE TABLE customers (id int)"),
    row("shop.orders", "orders", "CREATE TABLE orders (id int COMMENT 'third')"),
    row("shop.items", "items", "CREATE TABLE items (id int COMMENT 'second items')"),
  ]);
  const run = await runCli(["migrate", "--db-path", store, "--skip-backup", "--dialect", "mysql"]);
  assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /^Duplicate identifiers: 3 rows of the v0 table repeated an identifier; the first of each was kept/m);
  assert.match(run.stdout, /^Row check: 3 rows before, 3 written, 3 expected after, 3 found$/m);
  const rows = await readRows(store);
  assert.deepEqual(rows.map((r) => r.identifier).sort(), ["shop.customers", "shop.items", "shop.orders"]);
  assert.equal(rows.find((r) => r.identifier === "shop.orders")!.definition, first);
  assert.equal(rows.find((r) => r.identifier === "shop.items")!.column_comments, JSON.stringify({ id: "first items" }));

  const json = await runCli(["migrate", "--db-path", store, "--skip-backup", "--force", "--log-format=json"]);
  assert.equal(json.code, 0, json.stderr);
  const summary = json.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>).find((o) => o.event === "migrate")!;
  assert.deepEqual(summary.row_check, { before: 3, written: 3, expected: 3, found: 3 });
});

test("a run whose table lost a row it did not write fails its row count check, saying so (the engine's closing check)", async (t) => {
  const dir = tempDir(t);
  const storePath = path.join(dir, "datus_db_lost");
  await writeV0Store(storePath, syntheticCatalog(20));
  assert.equal((await runCli(["migrate", "--db-path", storePath, "--skip-backup"])).code, 0);
  const store = await SchemaStore.open(storePath, { create: false });
  const table = await store.schemaTable();
  const sources: SourceTable[] = [];
  for await (const batch of scanBatches(table, { columns: ["identifier", "catalog_name", "database_name", "schema_name", "table_name", "table_type", "definition"] })) sources.push(...sourceTablesOf(batch));
  // re-migrate half of the tables while another writer removes a row of the other half
  const todo = sources.slice(0, 10);
  const victim = sources[15].identifier;
  let removed = false;
  const foreignWriter: ResultStage = async (result) => {
    if (!removed) await table.delete(`identifier = '${victim}'`);
    removed = true;
    return result;
  };
  const pool = createEnrichPool(1);
  t.after(() => pool.destroy());
  async function* batches(): AsyncGenerator<SourceTable[]> {
    yield todo.slice(0, 5);
    yield todo.slice(5);
  }
  await assert.rejects(
    runPipeline(pool, batches(), {
      dialect: "unknown",
      vectors: localVectors({ kind: "hashing", dim: 384 }, pool),
      extractRelationships: false,
      target: { store, table, shardTag: "all" },
      workers: 1,
      progress: silentProgress,
      stages: [foreignWriter],
    }),
    /row count check failed for .*: 20 rows before, 10 written, 20 expected after, 19 found \(1 rows missing\)/,
  );
});

test("swapped identifiers and a run stopped between their batches: neither table's row is overwritten by the other's; the next run does both", async (t) => {
  const dir = tempDir(t);
  const storePath = path.join(dir, "datus_db_swap");
  const tables = [...syntheticCatalog(20)];
  const [a, b] = [2, 17];
  const originals = [tables[a], tables[b]];
  tables[a] = { ...originals[0], identifier: originals[1].identifier };
  tables[b] = { ...originals[1], identifier: originals[0].identifier };
  await writeV0Store(storePath, tables);
  // re-shape only (the run is stopped before its first batch): every row pending, identifiers as stored
  const stopped = await migrate({ storePath, dialect: "unknown", extractRelationships: false, force: false, dryRun: false, skipBackup: true, workers: 1, embedding: hashingPlan(384), progress: silentProgress, signal: AbortSignal.abort() });
  assert.equal(stopped.status, "interrupted");

  const store = await SchemaStore.open(storePath, { create: false });
  const pending = async (): Promise<SourceTable[]> => {
    const out: SourceTable[] = [];
    const table = await store.schemaTable();
    for await (const batch of scanBatches(table, { columns: ["identifier", "catalog_name", "database_name", "schema_name", "table_name", "table_type", "definition"], filter: PENDING_FILTER })) out.push(...sourceTablesOf(batch));
    return out;
  };
  const pool = createEnrichPool(1);
  t.after(() => pool.destroy());
  const run = async (sources: SourceTable[], stopAfterFirst: boolean) => {
    const controller = new AbortController();
    let firstDone = () => {};
    const gate = new Promise<void>((resolve) => (firstDone = resolve));
    async function* batches(): AsyncGenerator<SourceTable[]> {
      yield sources.slice(0, 10);
      if (stopAfterFirst) await gate;
      yield sources.slice(10);
    }
    const stopper: ResultStage = (result) => {
      if (stopAfterFirst) controller.abort();
      firstDone();
      return result;
    };
    const table = await store.schemaTable();
    return runPipeline(pool, batches(), { dialect: "unknown", vectors: localVectors({ kind: "hashing", dim: 384 }, pool), extractRelationships: false, target: { store, table, shardTag: "all" }, workers: 1, writeRows: 5, progress: silentProgress, signal: controller.signal, stages: [stopper] });
  };
  const first = await run(await pending(), true);
  assert.equal(first.interrupted, true);
  assert.equal(first.leftPending, 1, "A was held back: its identifier still held B's row, which the stopped run did not reach");
  let rows = new Map((await readRows(storePath)).map((r) => [String(r.identifier), r]));
  assert.equal(rows.size, 20, "no row lost by the stopped run");
  // each swapped row is still there, as it was: B's DDL under A's identifier, A's under B's
  assert.equal(rows.get(originals[0].identifier)!.definition, originals[1].definition);
  assert.equal(rows.get(originals[1].identifier)!.definition, originals[0].definition);

  const second = await run(await pending(), false);
  assert.equal(second.interrupted, false);
  rows = new Map((await readRows(storePath)).map((r) => [String(r.identifier), r]));
  assert.equal(rows.size, 20);
  for (const original of originals) {
    assert.equal(rows.get(original.identifier)!.definition, original.definition, `${original.identifier} has its own DDL`);
    assert.equal(rows.get(original.identifier)!.metadata_version, 1);
  }
  assert.equal((await pending()).length, 0, "nothing left pending");
});
