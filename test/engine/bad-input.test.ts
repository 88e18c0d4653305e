/**
 * Stores as the old tool left them: DDL no parser reads, identifiers in its three formats, one table
 * stored twice. Nothing is lost, nothing is duplicated, and the report says what could not be read.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import * as lancedb from "@lancedb/lancedb";
import { test } from "node:test";
import type { SourceTable } from "../../src/model.js";
import { STATE_DIR } from "../../src/store/migration-state.js";
import { writeV0Store } from "../../src/store/v0-store.js";
import { reportLine, runCli, tempDir } from "../helpers/env.js";
import { readRows } from "../helpers/store-rows.js";

const ORDERS = "CREATE TABLE `orders` (`id` bigint NOT NULL COMMENT '订单ID', `status` tinyint COMMENT '状态：0=新建, 1=已支付', PRIMARY KEY (`id`)) COMMENT='订单表'";
const ORDERS_AGAIN = "CREATE TABLE `orders` (`id` bigint NOT NULL COMMENT '订单ID', `status` tinyint COMMENT '状态：0=新建, 1=已支付', `paid_at` datetime, PRIMARY KEY (`id`)) COMMENT='订单表'";
const BROKEN = "-- exported by a tool that wrote an error message instead of DDL\nERROR 1146 (42S02): Table 'shop.broken' doesn't exist";

function row(identifier: string, tableName: string, definition: string): SourceTable {
  return { identifier, catalogName: "", databaseName: "shop", schemaName: "", tableName, tableType: "table", definition };
}

test("unreadable DDL still migrates and is listed; old identifier formats become canonical without duplicates", async (t) => {
  const dir = tempDir(t);
  const store = path.join(dir, "datus_db_shop");
  await writeV0Store(store, [
    row(".shop..orders.table", "orders", ORDERS), // live_bootstrap's format (python-reference §1.7)
    row("shop.customers", "customers", "CREATE TABLE customers (id int primary key, name varchar(20) comment 'customer name')"),
    row("shop.broken", "broken", BROKEN),
    row("shop.orders", "orders", ORDERS_AGAIN), // the same table again, under the canonical identifier
  ]);
  const run = await runCli(["migrate", "--db-path", store, "--dialect", "mysql", "--skip-backup"]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /DDL parse failures: 1 /);
  assert.match(run.stdout, /shop\.broken \[mysql\]: /);

  const rows = await readRows(store);
  assert.deepEqual(rows.map((r) => r.identifier).sort(), ["shop.broken", "shop.customers", "shop.orders"]);
  assert.ok(rows.every((r) => r.metadata_version === 1));
  const broken = rows.find((r) => r.identifier === "shop.broken")!;
  assert.equal(broken.definition, BROKEN, "the unreadable DDL is kept byte for byte");
  assert.equal(broken.table_name, "broken");
  const orders = rows.find((r) => r.identifier === "shop.orders")!;
  assert.ok([ORDERS, ORDERS_AGAIN].includes(String(orders.definition)));
  assert.equal(orders.table_comment, "订单表");

  const report = await runCli(["report", "--db-path", store, "--details"]);
  assert.equal(report.code, 0, report.stderr);
  assert.deepEqual(reportLine(report.stdout, "v1 records"), [3, 3]);
  assert.match(report.stdout, /mysql[\s\S]*shop\.broken/, `the parse failure is listed under its dialect:\n${report.stdout}`);
  assert.match(report.stdout, /table_comment[\s\S]*shop\.broken/, "details list the tables lacking a table comment");
});

async function failuresReported(store: string): Promise<number> {
  const report = await runCli(["report", "--db-path", store, "--log-format", "json"]);
  assert.equal(report.code, 0, report.stderr);
  return (JSON.parse(report.stdout) as { parse_failures: { total: number } }).parse_failures.total;
}

test("the parse-failure log records changes of state only: a re-run adds nothing, a table that now reads adds one line", async (t) => {
  const dir = tempDir(t);
  const store = path.join(dir, "datus_db_shop");
  const good = Array.from({ length: 40 }, (_, i) => row(`shop.t${i}`, `t${i}`, `CREATE TABLE t${i} (id int primary key, note varchar(20))`));
  await writeV0Store(store, [...good, row("shop.broken_a", "broken_a", BROKEN), row("shop.broken_b", "broken_b", BROKEN)]);
  const logLines = () =>
    fs
      .readdirSync(path.join(store, STATE_DIR))
      .filter((n) => n.startsWith("parse-failures."))
      .flatMap((n) => fs.readFileSync(path.join(store, STATE_DIR, n), "utf8").split("\n").filter((l) => l.trim() !== ""));
  const first = await runCli(["migrate", "--db-path", store, "--dialect", "mysql", "--skip-backup"]);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(logLines().length, 2, `one line per failing table, none for the 40 that read:\n${logLines().join("\n")}`);

  const again = await runCli(["migrate", "--db-path", store, "--dialect", "mysql", "--skip-backup", "--force"]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(logLines().length, 2, "the same failures again: nothing new to record");
  assert.equal(await failuresReported(store), 2);

  // the DDL of one broken table is mended in the store; the next run reads it
  const table = await (await lancedb.connect(store)).openTable("schema_metadata");
  await table.update({ where: "identifier = 'shop.broken_a'", values: { definition: "CREATE TABLE broken_a (id int primary key)" } });
  const mended = await runCli(["migrate", "--db-path", store, "--dialect", "mysql", "--skip-backup", "--force"]);
  assert.equal(mended.code, 0, mended.stderr);
  const lines = logLines();
  assert.equal(lines.length, 3, `one more line, for the table that now reads:\n${lines.join("\n")}`);
  assert.deepEqual(JSON.parse(lines[2]).ok, true);
  assert.equal(await failuresReported(store), 1, "the report counts the table that still fails, not the mended one");
});
