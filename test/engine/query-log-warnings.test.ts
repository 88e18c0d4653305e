/**
 * A query log that gives nothing says so: a `--query-log` directory with no file the reader takes (TPC-H's
 * `.tpl` templates, `.txt` exports) or a log of which not one query parses is a warning in the run's summary
 * and in `report`; `report --details` lists the unparsed queries with the parser's reason.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import type { SourceTable } from "../../src/model.js";
import { writeV0Store } from "../../src/store/v0-store.js";
import { runCli, tempDir } from "../helpers/env.js";
import { hashingConfig } from "../helpers/tree.js";

function table(name: string, ddl: string): SourceTable {
  return { identifier: `shop.${name}`, catalogName: "", databaseName: "shop", schemaName: "", tableName: name, tableType: "table", definition: ddl };
}

async function shop(dir: string): Promise<string> {
  const store = path.join(dir, "datus_db_shop");
  await writeV0Store(store, [
    table("customers", "CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(20))"),
    table("orders", "CREATE TABLE orders (id INT PRIMARY KEY, customer_id INT)"),
  ]);
  return store;
}

test("a --query-log directory with no file the reader takes: a warning in the summary and in the report", async (t) => {
  const dir = tempDir(t);
  const store = await shop(dir);
  const logs = path.join(dir, "queries");
  fs.mkdirSync(logs);
  fs.writeFileSync(path.join(logs, "q1.tpl"), "SELECT * FROM orders o JOIN customers c ON o.customer_id = c.id");
  fs.writeFileSync(path.join(logs, "q2.txt"), "SELECT 1");
  const cfg = hashingConfig(path.join(dir, "agent.yml"));
  const run = await runCli(["migrate", "--config", cfg, "--db-path", store, "--dialect", "mysql", "--skip-backup", "--query-log", logs]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^Query log: 0 queries mined for JOINs \(0 not parsed\)$/m);
  assert.match(run.stdout, /^ {2}warning: query log .*queries: no file the reader takes \(\.sql, \.jsonl, \.ndjson\); it holds 2 other files \(.*q1\.tpl, .*q2\.txt\)/m, run.stdout);
  assert.match(run.stderr, /^warning: query log .*no file the reader takes/m, run.stderr);

  const json = await runCli(["migrate", "--config", cfg, "--db-path", store, "--dialect", "mysql", "--force", "--skip-backup", "--query-log", logs, "--log-format=json"]);
  assert.equal(json.code, 0, json.stderr);
  const summary = json.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.event === "migrate")!;
  const queryLog = summary.query_log as { warnings: string[] };
  assert.equal(queryLog.warnings.length, 1);
  assert.match(queryLog.warnings[0], /no file the reader takes/);

  const report = await runCli(["report", "--config", cfg, "--db-path", store]);
  assert.equal(report.code, 0, report.stderr);
  assert.match(report.stdout, /^Query log .*queries \(.*\): 0 queries, 0 not parsed$/m, report.stdout);
  assert.match(report.stdout, /^ {2}warning: query log .*no file the reader takes/m);
});

test("a log of which not one query parses: a warning, and report --details lists each query with the parser's reason", async (t) => {
  const dir = tempDir(t);
  const store = await shop(dir);
  const log = path.join(dir, "broken.sql");
  fs.writeFileSync(log, "SELEKT * FROM orders o JOIN customers c ON o.customer_id = c.id;\nSELECT FROM WHERE;\n");
  const cfg = hashingConfig(path.join(dir, "agent.yml"));
  const run = await runCli(["migrate", "--config", cfg, "--db-path", store, "--dialect", "mysql", "--skip-backup", "--query-log", log]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^Query log: 2 queries mined for JOINs \(2 not parsed\)$/m);
  assert.match(run.stdout, /^ {2}warning: query log .*broken\.sql: not one of its 2 queries could be parsed \(first: mysql: .+\): no joins were mined/m, run.stdout);

  const report = await runCli(["report", "--config", cfg, "--db-path", store]);
  assert.match(report.stdout, /^Query log .*broken\.sql .*: 2 queries, 2 not parsed; --details lists them$/m, report.stdout);
  assert.match(report.stdout, /^ {2}warning: .*not one of its 2 queries could be parsed/m);
  const details = await runCli(["report", "--config", cfg, "--db-path", store, "--details"]);
  assert.equal(details.code, 0, details.stderr);
  assert.match(details.stdout, /^ {4}SELEKT \* FROM orders o JOIN customers c ON o\.customer_id = c\.id: mysql: .+$/m, details.stdout);
  assert.match(details.stdout, /^ {4}SELECT FROM WHERE: mysql: .+$/m);
  const json = await runCli(["report", "--config", cfg, "--db-path", store, "--json"]);
  const figures = JSON.parse(json.stdout) as { query_log: { failed: number; unparsed: { sql: string; reason: string }[] } };
  assert.equal(figures.query_log.failed, 2);
  assert.equal(figures.query_log.unparsed.length, 2);
  assert.ok(figures.query_log.unparsed.every((u) => u.reason.length > 0));
});
