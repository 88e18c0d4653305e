/**
 * Stores migrate refuses, before it changes anything (exit 2): a schema_metadata table that is not a
 * Datus schema store, and DDL stored as bytes that are not UTF-8 (the v1 definition column is utf8 and a
 * definition is never rewritten). DDL stored as bytes that are UTF-8 migrates with the same bytes.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import * as lancedb from "@lancedb/lancedb";
import { Binary, Field, makeData, RecordBatch, Schema, Struct, Table as ArrowTable, Utf8, vectorFromArray } from "apache-arrow";
import { definitionBytes, readRows, schemaFields, tableVersion } from "../helpers/store-rows.js";
import { runCli, tempDir } from "../helpers/env.js";

const NAME_COLUMNS = ["identifier", "catalog_name", "database_name", "schema_name", "table_name", "table_type"] as const;

interface BinaryRow {
  readonly table: string;
  readonly definition: Uint8Array | null;
}

/**
 * A v0 table as a writer that stored DDL as bytes leaves it: the name columns utf8, `definition` Binary.
 * (LargeBinary takes the same path, but LanceDB's Node client cannot write it, and no Python is here.)
 */
async function binaryDefinitionStore(store: string, rows: readonly BinaryRow[]): Promise<void> {
  const type = new Binary();
  const schema = new Schema([...NAME_COLUMNS.map((n) => new Field(n, new Utf8(), true)), new Field("definition", type, true)]);
  const names: Record<(typeof NAME_COLUMNS)[number], string[]> = {
    identifier: rows.map((r) => `shop.${r.table}`),
    catalog_name: rows.map(() => ""),
    database_name: rows.map(() => "shop"),
    schema_name: rows.map(() => ""),
    table_name: rows.map((r) => r.table),
    table_type: rows.map(() => "table"),
  };
  const children = schema.fields.map((f) =>
    f.name === "definition" ? vectorFromArray(rows.map((r) => r.definition), type).data[0] : vectorFromArray(names[f.name as (typeof NAME_COLUMNS)[number]], new Utf8()).data[0],
  );
  const data = new ArrowTable([new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: rows.length, nullCount: 0, children }))]);
  await (await lancedb.connect(store)).createTable("schema_metadata", data);
}

const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, "utf8"));

test("a schema_metadata table with unrelated columns is refused (exit 2), naming the columns found and expected; nothing changes", async (t) => {
  const dir = tempDir(t);
  const store = path.join(dir, "datus_db_other");
  await (await lancedb.connect(store)).createTable("schema_metadata", [
    { name: "orders", ddl: "CREATE TABLE orders (id int)" },
    { name: "customers", ddl: "CREATE TABLE customers (id int)" },
  ]);
  const before = await readRows(store);
  const version = await tableVersion(store);
  for (const args of [[], ["--dry-run"]]) {
    const run = await runCli(["migrate", "--db-path", store, "--dialect", "mysql", ...args]);
    assert.equal(run.code, 2, `${args.join(" ")}\n${run.stdout}\n${run.stderr}`);
    assert.match(run.stderr, /^error: .*schema_metadata.*not a Datus schema store/m);
    assert.match(run.stderr, /found: name, ddl/);
    assert.match(run.stderr, /missing: identifier, catalog_name, database_name, schema_name, table_name, table_type, definition/);
    assert.match(run.stderr, /^hint: /m);
  }
  assert.equal(await tableVersion(store), version, "no new table version");
  assert.deepEqual(await readRows(store), before, "rows unchanged");
  assert.deepEqual(fs.readdirSync(dir), ["datus_db_other"], "no backup, nothing beside the store");
  assert.ok(!fs.existsSync(path.join(store, ".datus-schema")), "no bookkeeping written");
});

test("a Binary definition holding bytes that are not UTF-8 is refused (exit 2) naming the rows; nothing changes", async (t) => {
  const dir = tempDir(t);
  const store = path.join(dir, "datus_db_bytes");
  const latin1 = new Uint8Array(Buffer.from("CREATE TABLE café (id int COMMENT 'prix en €')", "latin1"));
  const truncated = new Uint8Array([...bytes("CREATE TABLE kunde (name varchar(20) COMMENT '名"), 0xe5, 0x90]); // a 3-byte sequence cut after 2 bytes
  await binaryDefinitionStore(store, [
    { table: "orders", definition: bytes("CREATE TABLE orders (id int)") },
    { table: "cafe", definition: latin1 },
    { table: "kunde", definition: truncated },
  ]);
  const version = await tableVersion(store);
  const fields = await schemaFields(store);
  const run = await runCli(["migrate", "--db-path", store, "--dialect", "mysql"]);
  assert.equal(run.code, 2, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stderr, /^error: 2 rows of schema_metadata .* hold a definition that is not valid UTF-8/m);
  assert.match(run.stderr, /shop\.cafe/);
  assert.match(run.stderr, /shop\.kunde/);
  assert.doesNotMatch(run.stderr, /shop\.orders/);
  assert.match(run.stderr, /^hint: /m);
  assert.equal(await tableVersion(store), version);
  assert.deepEqual(await schemaFields(store), fields, "still Binary");
  const stored = await readRows(store);
  assert.deepEqual(Buffer.from(stored.find((r) => r.identifier === "shop.cafe")!.definition as Uint8Array), Buffer.from(latin1), "the bytes are as they were");
  assert.deepEqual(fs.readdirSync(dir), ["datus_db_bytes"], "no backup taken");
});

test("a Binary definition that is UTF-8 migrates to utf8 with exactly the same bytes, never as decimal text", async (t) => {
  const dir = tempDir(t);
  const store = path.join(dir, "datus_db_bytes");
  const ddl = {
    orders: "\uFEFFCREATE TABLE `orders` (`id` bigint COMMENT '订单ID', `status` tinyint COMMENT '状态：0=新建, 1=已支付') COMMENT='订单表'", // with a byte order mark
    nul: "CREATE TABLE nul (a int)\u0000 trailing",
    empty: "",
  };
  await binaryDefinitionStore(store, [
    { table: "orders", definition: bytes(ddl.orders) },
    { table: "nul", definition: bytes(ddl.nul) },
    { table: "empty", definition: bytes(ddl.empty) },
    { table: "none", definition: null },
  ]);
  const run = await runCli(["migrate", "--db-path", store, "--dialect", "mysql", "--skip-backup"]);
  assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
  assert.ok((await schemaFields(store)).includes("definition:Utf8"), "v1's definition column is utf8");
  const rows = new Map((await readRows(store)).map((r) => [String(r.identifier), r]));
  assert.equal(rows.size, 4);
  assert.ok([...rows.values()].every((r) => r.metadata_version === 1));
  const stored = await definitionBytes(store);
  for (const [table, text] of Object.entries(ddl)) {
    assert.deepEqual(stored.get(`shop.${table}`), Buffer.from(text, "utf8"), `shop.${table}: the same bytes`);
  }
  assert.equal(stored.get("shop.none"), null, "a null definition stays null");
  assert.equal(rows.get("shop.orders")!.table_comment, "订单表", "and it was read");
});
