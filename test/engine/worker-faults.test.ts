/**
 * A DDL that makes its worker crash or spin never stops a run: the worker is replaced, the table is
 * migrated from its names only and reported as a parse failure, every other table is migrated as usual.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { hashingPlan } from "../../src/cli/embedding-setup.js";
import { migrate } from "../../src/engine/migrate.js";
import { TableGuard, tableTimeoutMs } from "../../src/engine/table-guard.js";
import { silentProgress } from "../../src/engine/progress.js";
import type { SourceTable } from "../../src/model.js";
import { writeV0Store } from "../../src/store/v0-store.js";
import { runCli, tempDir } from "../helpers/env.js";
import { definitionBytes, readRows, tableVersion } from "../helpers/store-rows.js";

const FAULTY_WORKER = fileURLToPath(new URL("../helpers/faulty-worker.js", import.meta.url));

/**
 * A truncated PostgreSQL DDL the scanner cannot read, so node-sql-parser was asked: its PostgreSQL grammar
 * backtracks on nested parentheses, each level doubling the time (12 levels took a second, 16 a quarter of
 * a minute), and at 40 an internal array outgrew V8's limit after about 40 s and the process aborted
 * (SIGTRAP, "Fatal JavaScript invalid size error"), before any time budget could end the worker.
 */
const SLOW = `CREATE TABLE public.slow (${"(".repeat(40)}1`;

function pgRow(table: string, definition: string): SourceTable {
  return { identifier: `shop.public.${table}`, catalogName: "", databaseName: "shop", schemaName: "public", tableName: table, tableType: "table", definition };
}

test("a DDL that made node-sql-parser backtrack until the process aborted is read at once and reported; the run goes on", async (t) => {
  const dir = tempDir(t);
  const store = path.join(dir, "datus_db_shop");
  const orders = "CREATE TABLE public.orders (id integer PRIMARY KEY, total numeric(12,2));\nCOMMENT ON TABLE public.orders IS 'customer orders';";
  const items = "CREATE TABLE public.items (id integer PRIMARY KEY, order_id integer REFERENCES public.orders(id));";
  await writeV0Store(store, [pgRow("orders", orders), pgRow("slow", SLOW), pgRow("items", items)]);
  const started = Date.now();
  const run = await runCli(["migrate", "--db-path", store, "--dialect", "postgresql", "--skip-backup"], { timeoutMs: 120_000 });
  assert.equal(run.code, 0, `${run.signal ?? ""}\n${run.stdout}\n${run.stderr}`);
  assert.ok(Date.now() - started < 20_000, "no parser spun");
  assert.match(run.stdout, /^DDL parse failures: 1 /m);
  assert.match(run.stdout, /shop\.public\.slow \[postgresql\]: no columns found/);
  const rows = new Map((await readRows(store)).map((r) => [String(r.identifier), r]));
  assert.equal(rows.size, 3);
  assert.equal(rows.get("shop.public.slow")!.metadata_version, 1);
  assert.equal(rows.get("shop.public.orders")!.table_comment, "customer orders");
  assert.deepEqual((await definitionBytes(store)).get("shop.public.slow"), Buffer.from(SLOW), "the DDL is kept byte for byte");
});

function mysqlRow(table: string, definition: string): SourceTable {
  return { identifier: `shop.${table}`, catalogName: "", databaseName: "shop", schemaName: "", tableName: table, tableType: "table", definition };
}

const GOOD = (table: string) => `CREATE TABLE ${table} (id int PRIMARY KEY COMMENT '${table} id', status tinyint COMMENT '0=new, 1=paid')`;
const CRASHES = {
  exit: "CREATE TABLE exits (id int) /* worker: exit */",
  throw: "CREATE TABLE throws (id int COMMENT 'x') /* worker: throw */",
  overflow: "CREATE TABLE overflows (id int) /* worker: overflow */",
};

test("a worker that exits, throws or overflows its stack on a table is replaced; the table is migrated from its names and reported", async (t) => {
  for (const extractRelationships of [true, false]) {
    const dir = tempDir(t);
    const storePath = path.join(dir, "datus_db_shop");
    const tables = [
      mysqlRow("orders", GOOD("orders")),
      mysqlRow("exits", CRASHES.exit),
      mysqlRow("items", GOOD("items")),
      mysqlRow("throws", CRASHES.throw),
      mysqlRow("customers", GOOD("customers")),
      mysqlRow("overflows", CRASHES.overflow),
      ...Array.from({ length: 10 }, (_, i) => mysqlRow(`t${i}`, GOOD(`t${i}`))),
    ];
    await writeV0Store(storePath, tables);
    const outcome = await migrate({
      storePath,
      dialect: "mysql",
      extractRelationships,
      force: false,
      dryRun: false,
      skipBackup: true,
      workers: 2,
      embedding: hashingPlan(384),
      batchRows: 4,
      writeRows: 5,
      progress: silentProgress,
      enrichWorker: FAULTY_WORKER,
    });
    assert.equal(outcome.status, "migrated");
    assert.equal(outcome.counts?.written, tables.length);
    const failures = new Map(outcome.counts!.parseFailures.map((f) => [f.identifier, f.error]));
    assert.deepEqual([...failures.keys()].sort(), ["shop.exits", "shop.overflows", "shop.throws"], `relationships ${extractRelationships}`);
    assert.match(failures.get("shop.exits")!, /its worker failed reading it: worker exited with code: 70/);
    assert.match(failures.get("shop.throws")!, /its worker failed reading it: the DDL reader threw/);
    assert.match(failures.get("shop.overflows")!, /its worker failed reading it: Maximum call stack size exceeded/);
    assert.deepEqual(outcome.counts?.rowCheck, { before: tables.length, written: tables.length, expected: tables.length, found: tables.length });

    const rows = new Map((await readRows(storePath)).map((r) => [String(r.identifier), r]));
    assert.equal(rows.size, tables.length);
    for (const table of tables) {
      const row = rows.get(table.identifier)!;
      assert.equal(row.metadata_version, 1, table.identifier);
      assert.equal(row.definition, table.definition, `${table.identifier}: definition unchanged`);
    }
    assert.equal(rows.get("shop.throws")!.column_comments, "{}", "names only");
    assert.deepEqual(JSON.parse(String(rows.get("shop.items")!.column_enums)).status, [{ value: "0", label: "new" }, { value: "1", label: "paid" }], "its batch-mates were read");
  }
});

test("a worker that fails even when the DDL is not read stops the run: the fault is not the DDL's", async (t) => {
  const dir = tempDir(t);
  const storePath = path.join(dir, "datus_db_shop");
  await writeV0Store(storePath, [mysqlRow("orders", GOOD("orders")), mysqlRow("bad", "CREATE TABLE bad (id int) /* worker: always */")]);
  await assert.rejects(
    migrate({
      storePath,
      dialect: "mysql",
      extractRelationships: false,
      force: false,
      dryRun: false,
      skipBackup: true,
      workers: 1,
      embedding: hashingPlan(384),
      progress: silentProgress,
      enrichWorker: FAULTY_WORKER,
    }),
    /a worker failed on shop\.bad even without reading its DDL: its worker failed reading it: worker exited with code: 70/,
  );
  const rows = await readRows(storePath);
  assert.equal(rows.length, 2, "nothing lost");
  assert.notEqual(rows.find((r) => r.identifier === "shop.bad")!.metadata_version, 1, "left pending for the next run");
});

test("a table that holds its worker past the per-table time budget has the worker ended and replaced; the table is migrated from its names", async (t) => {
  for (const extractRelationships of [true, false]) {
    const dir = tempDir(t);
    const storePath = path.join(dir, "datus_db_shop");
    const tables = [mysqlRow("orders", GOOD("orders")), mysqlRow("spins", "CREATE TABLE spins (id int) /* worker: spin */"), mysqlRow("items", GOOD("items"))];
    await writeV0Store(storePath, tables);
    const started = Date.now();
    const outcome = await migrate({
      storePath,
      dialect: "mysql",
      extractRelationships,
      force: false,
      dryRun: false,
      skipBackup: true,
      workers: 2,
      embedding: hashingPlan(384),
      progress: silentProgress,
      enrichWorker: FAULTY_WORKER,
      tableTimeoutMs: 500,
    });
    assert.ok(Date.now() - started < 30_000);
    assert.equal(outcome.status, "migrated");
    assert.equal(outcome.counts?.written, 3);
    assert.deepEqual(outcome.counts?.parseFailures.map((f) => f.identifier), ["shop.spins"]);
    assert.match(outcome.counts!.parseFailures[0].error, /reading it took longer than its budget of 0\.5 s, so its worker was ended \(DATUS_SCHEMA_TABLE_TIMEOUT sets the budget a table/);
    const rows = new Map((await readRows(storePath)).map((r) => [String(r.identifier), r]));
    assert.equal(rows.size, 3);
    assert.ok([...rows.values()].every((r) => r.metadata_version === 1));
    assert.equal(rows.get("shop.spins")!.definition, tables[1].definition);
    assert.equal(rows.get("shop.items")!.column_comments, JSON.stringify({ id: "items id", status: "0=new, 1=paid" }));
  }
});

test("the per-table budget is DATUS_SCHEMA_TABLE_TIMEOUT seconds (30 by default); a bad value is exit 2 before anything changes", async (t) => {
  assert.equal(tableTimeoutMs({}), 30_000);
  assert.equal(tableTimeoutMs({ DATUS_SCHEMA_TABLE_TIMEOUT: "2.5" }), 2_500);
  assert.equal(new TableGuard(undefined).timeoutMs, tableTimeoutMs());
  assert.equal(new TableGuard(10_000).budgetMs(mysqlRow("big", "x".repeat(3 * 2 ** 20))), 30_000, "a larger DDL gets proportionally more");
  for (const bad of ["0", "-1", "soon", "1e9"]) assert.throws(() => tableTimeoutMs({ DATUS_SCHEMA_TABLE_TIMEOUT: bad }), /DATUS_SCHEMA_TABLE_TIMEOUT=.* is not a number of seconds/);
  const dir = tempDir(t);
  const store = path.join(dir, "datus_db_shop");
  await writeV0Store(store, [mysqlRow("orders", GOOD("orders"))]);
  const version = await tableVersion(store);
  const run = await runCli(["migrate", "--db-path", store], { env: { DATUS_SCHEMA_TABLE_TIMEOUT: "soon" } });
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /^error: DATUS_SCHEMA_TABLE_TIMEOUT="soon" is not a number of seconds/m);
  assert.match(run.stderr, /^hint: /m);
  assert.equal(await tableVersion(store), version);
  assert.deepEqual(fs.readdirSync(dir), ["datus_db_shop"], "no backup taken");
});
