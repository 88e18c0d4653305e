/**
 * A JSONL query log with lines that are no query (not JSON, no `sql` field): `migrate` and `bootstrap` say how
 * many were skipped and where the first are (`file:line`), and mine the rest.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { buildDemoDatabase } from "../../src/demo/demo-database.js";
import type { SourceTable } from "../../src/model.js";
import { writeV0Store } from "../../src/store/v0-store.js";
import { runCli, tempDir } from "../helpers/env.js";
import { hashingConfig } from "../helpers/tree.js";

const LINES = [
  JSON.stringify({ sql: "SELECT * FROM orders o JOIN customers c ON o.customer_id = c.id" }), // 1
  "SELECT this is not json", // 2
  JSON.stringify({ query: "SELECT 1" }), // 3: no sql field
  "", // 4: blank, not counted
  JSON.stringify({ sql: 42 }), // 5: sql is not text
  JSON.stringify({ sql: "SELECT * FROM orders o JOIN items i ON i.order_id = o.id" }), // 6
  "{broken", // 7
  "[1, 2]", // 8
  "null", // 9
  '"SELECT 1"', // 10
];

function table(name: string, ddl: string): SourceTable {
  return { identifier: `shop.${name}`, catalogName: "", databaseName: "shop", schemaName: "", tableName: name, tableType: "table", definition: ddl };
}

test("migrate and bootstrap report the query-log lines they skipped: how many, and file:line of the first", async (t) => {
  const dir = tempDir(t);
  const log = path.join(dir, "queries.jsonl");
  fs.writeFileSync(log, `${LINES.join("\n")}\n`);
  const where = (n: number) => `${log}:${n}`;
  const expected = new RegExp(`7 lines skipped \\(not JSON, or no string "sql" field\\): ${[2, 3, 5, 7, 8].map(where).join(", ").replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}, and 2 more`);

  const store = path.join(dir, "datus_db_shop");
  await writeV0Store(store, [
    table("customers", "CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(20))"),
    table("orders", "CREATE TABLE orders (id INT PRIMARY KEY, customer_id INT)"),
    table("items", "CREATE TABLE items (id INT PRIMARY KEY, order_id INT)"),
  ]);
  const cfg = hashingConfig(path.join(dir, "agent.yml"));
  const migrate = await runCli(["migrate", "--config", cfg, "--db-path", store, "--dialect", "mysql", "--skip-backup", "--query-log", log]);
  assert.equal(migrate.code, 0, migrate.stderr);
  assert.match(migrate.stderr, new RegExp(`^warning: query log .*queries\\.jsonl: ${expected.source}`, "m"), migrate.stderr);
  assert.match(migrate.stdout, new RegExp(`^Query log: 2 queries mined for JOINs \\(0 not parsed; ${expected.source}\\)$`, "m"), migrate.stdout);

  const json = await runCli(["migrate", "--config", cfg, "--db-path", store, "--dialect", "mysql", "--force", "--skip-backup", "--query-log", log, "--log-format=json"]);
  assert.equal(json.code, 0, json.stderr);
  const summary = json.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.event === "migrate")!;
  assert.deepEqual(summary.query_log, { queries: 2, failed: 0, skipped: 7, skipped_at: [2, 3, 5, 7, 8].map(where) });

  const db = path.join(dir, "demo.duckdb");
  await buildDemoDatabase(db);
  const nsCfg = hashingConfig(path.join(dir, "ns.yml"), { basePath: path.join(dir, "data"), lines: ["  namespace:", "    demo:", "      type: duckdb", `      uri: ${db}`] });
  const bootstrap = await runCli(["bootstrap", "--config", nsCfg, "--query-log", log, "--extract-statistics=false"]);
  assert.equal(bootstrap.code, 0, bootstrap.stderr);
  assert.match(bootstrap.stderr, new RegExp(`^warning: query log .*queries\\.jsonl: ${expected.source}`, "m"), bootstrap.stderr);
});
