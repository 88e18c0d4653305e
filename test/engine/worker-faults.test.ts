/**
 * A DDL that makes its worker crash or spin never stops a run: the worker is replaced, the table is
 * migrated from its names only and reported as a parse failure, every other table is migrated as usual.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import type { SourceTable } from "../../src/model.js";
import { writeV0Store } from "../../src/store/v0-store.js";
import { runCli, tempDir } from "../helpers/env.js";
import { definitionBytes, readRows } from "../helpers/store-rows.js";

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
