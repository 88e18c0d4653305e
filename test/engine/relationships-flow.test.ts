/**
 * Relationships from every signal, through the CLI: StarRocks TPC-H declares no foreign keys, so what the
 * store gets comes from names across the catalog and from the JOINs of the 22 TPC-H queries (--query-log).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import type { SourceTable } from "../../src/model.js";
import { writeV0Store } from "../../src/store/v0-store.js";
import { CORPUS, runCli, tempDir } from "../helpers/env.js";
import { TPCH_SPEC_FOREIGN_KEYS } from "../helpers/relationships-corpus.js";
import { readRows } from "../helpers/store-rows.js";

interface Edge {
  from_column: string;
  to_table: string;
  to_column: string;
  source: string;
  confidence: number;
}

function tpchRows(): SourceTable[] {
  const dir = path.join(CORPUS, "starrocks-tpch/ddl");
  return fs.readdirSync(dir).map((file) => {
    const table = file.replace(/\.sql$/, "");
    return { identifier: `tpch.${table}`, catalogName: "", databaseName: "tpch", schemaName: "", tableName: table, tableType: "table", definition: fs.readFileSync(path.join(dir, file), "utf8") };
  });
}

const edgeKey = (table: string, e: Edge) => `${table}.${e.from_column.toLowerCase()} -> ${e.to_table}.${e.to_column.toLowerCase()}`;

test("migrate --query-log: TPC-H gets the specification's foreign keys, pointing at key columns, and q5's non-key join only as a join path", async (t) => {
  const dir = tempDir(t);
  const store = path.join(dir, "datus_db_tpch");
  await writeV0Store(store, tpchRows());
  const run = await runCli(["migrate", "--db-path", store, "--dialect", "starrocks", "--skip-backup", "--query-log", path.join(CORPUS, "starrocks-tpch/queries")]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /Query log: 22 queries mined for JOINs \(0 not parsed\)/);
  assert.match(run.stdout, /^ {2}query_log: \d+$/m, "the report counts the query log as a relationship source");

  const rows = await readRows(store);
  const edges = new Set<string>();
  const joinPaths = new Map<string, string[]>();
  for (const row of rows) {
    const rel = JSON.parse(String(row.relationship_metadata)) as { foreign_keys?: Edge[]; join_paths?: string[] };
    for (const e of rel.foreign_keys ?? []) {
      assert.ok(e.confidence > 0 && e.confidence <= 1, `confidence in 0..1: ${JSON.stringify(e)}`);
      edges.add(edgeKey(String(row.table_name), e));
    }
    joinPaths.set(String(row.table_name), (rel.join_paths ?? []).map((p) => p.toLowerCase()));
  }
  const spec = TPCH_SPEC_FOREIGN_KEYS;
  for (const fk of spec) assert.ok(edges.has(fk), `${fk} found (have: ${[...edges].join(", ")})`);
  assert.deepEqual([...edges].filter((e) => !spec.includes(e)), [], "no foreign key outside the specification");
  assert.ok(!edges.has("customer.c_nationkey -> supplier.s_nationkey"), "q5's c_nationkey = s_nationkey is not a foreign key");
  assert.ok(joinPaths.get("customer")!.includes("customer.c_nationkey -> supplier.s_nationkey"), "but it is a join path");
});

test("--query-log is checked before anything is touched", async (t) => {
  const dir = tempDir(t);
  const store = path.join(dir, "datus_db_tpch");
  await writeV0Store(store, tpchRows());
  for (const args of [["--query-log", path.join(dir, "missing.sql")], ["--query-log", path.join(CORPUS, "starrocks-tpch/queries"), "--extract-relationships=false"]]) {
    const run = await runCli(["migrate", "--db-path", store, ...args]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /^error: --query-log/m);
  }
  assert.deepEqual(fs.readdirSync(dir), ["datus_db_tpch"], "no backup, nothing written");
});
