/**
 * What the data's figures do to an inferred edge: confirmed, lowered, or rejected as a foreign key; declared edges
 * untouched. With a stand-in checker (the figures an engine would measure), then on a real DuckDB file.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { DuckDBInstance } from "@duckdb/node-api";
import { DEFAULT_SAMPLING } from "../../src/dialects/column-profile.js";
import { DuckDbSource } from "../../src/dialects/duckdb/duckdb-source.js";
import { type CheckCatalog, type CheckCounts, type EdgeMeasure, confidenceAfter, figuresOf, verifyRelationships } from "../../src/relationships/verify-with-data.js";

const catalog: CheckCatalog = {
  resolve: (toTable) => ({ databaseName: "db", schemaName: "main", tableName: toTable.split(".").pop()! }),
  unique: (_table, column) => column === "id",
};

test("figures: containment, orphan rate, cardinality from keys, how they were read", () => {
  const f = figuresOf({ rows: 10, distinctValues: 4, foundValues: 3, orphanRows: 2, sampling: "bernoulli" }, false, true);
  assert.deepEqual(f, { containment: 0.75, orphan_rate: 0.2, cardinality: "N:1", data_check: { method: "sampled", sampling: "bernoulli", rows: 10, distinct_values: 4, rows_per_value: 2.5 } });
  assert.equal(figuresOf({ rows: 3, distinctValues: 3, foundValues: 3, orphanRows: 0 }, false, true).cardinality, "N:1", "distinct values today do not make 1:1");
  assert.equal(figuresOf({ rows: 3, distinctValues: 3, foundValues: 3, orphanRows: 0 }, true, true).cardinality, "1:1");
  assert.equal(figuresOf({ rows: 3, distinctValues: 3, foundValues: 3, orphanRows: 0 }, false, false).cardinality, "N:M");
  assert.equal(figuresOf({ rows: 0, distinctValues: 0, foundValues: 0, orphanRows: 0 }, false, true).containment, null);
  assert.equal(confidenceAfter(0.8, figuresOf({ rows: 10, distinctValues: 10, foundValues: 10, orphanRows: 0 }, false, true)), 0.96);
  assert.equal(confidenceAfter(0.8, figuresOf({ rows: 10, distinctValues: 10, foundValues: 9, orphanRows: 1 }, false, true)), 0.72);
  assert.equal(confidenceAfter(0.8, figuresOf({ rows: 10, distinctValues: 10, foundValues: 8, orphanRows: 2 }, false, true)), null);
});

test("an edge with low containment leaves foreign_keys and join_paths for rejected_foreign_keys; declared edges are not checked", async () => {
  const measured: string[] = [];
  const figures: Record<string, EdgeMeasure> = {
    customer_id: { rows: 100, distinctValues: 50, foundValues: 50, orphanRows: 0 },
    store_id: { rows: 100, distinctValues: 30, foundValues: 0, orphanRows: 100 },
  };
  const checker = {
    maxConnections: 2,
    rule: DEFAULT_SAMPLING,
    checkRelationship: async (check: { fromColumn: string }) => {
      measured.push(check.fromColumn);
      return figures[check.fromColumn];
    },
  };
  const input = {
    foreign_keys: [
      { from_column: "film_id", to_table: "film", to_column: "id", source: "catalog", confidence: 1 },
      { from_column: "customer_id", to_table: "customer", to_column: "id", source: "name_inference", confidence: 0.8 },
      { from_column: "store_id", to_table: "store", to_column: "id", source: "query_log", confidence: 0.7 },
    ],
    join_paths: ["t.film_id -> film.id", "t.customer_id -> customer.id", "t.store_id -> store.id"],
    source: "catalog+query_log+name_inference",
  };
  const counts: CheckCounts = { checked: 0, confirmed: 0, rejected: 0, failed: 0 };
  const out = JSON.parse(await verifyRelationships(JSON.stringify(input), { databaseName: "db", schemaName: "main", tableName: "t" }, catalog, checker, counts, () => assert.fail("no warning")));
  assert.deepEqual(measured.sort(), ["customer_id", "store_id"]);
  assert.deepEqual(out.foreign_keys.map((e: { from_column: string }) => e.from_column), ["film_id", "customer_id"]);
  assert.equal(out.foreign_keys[0].containment, undefined, "declared: not measured");
  assert.equal(out.foreign_keys[1].containment, 1);
  assert.equal(out.foreign_keys[1].confidence, 0.96);
  assert.deepEqual(out.join_paths, ["t.film_id -> film.id", "t.customer_id -> customer.id"]);
  assert.equal(out.source, "catalog+name_inference");
  assert.equal(out.rejected_foreign_keys[0].from_column, "store_id");
  assert.equal(out.rejected_foreign_keys[0].containment, 0);
  assert.equal(out.rejected_foreign_keys[0].reason, "low_containment");
  assert.deepEqual(counts, { checked: 2, confirmed: 1, rejected: 1, failed: 0 });
});

test("a check that fails keeps the edge as inferred, and the warning carries no value", async () => {
  const warnings: string[] = [];
  const checker = { maxConnections: 1, rule: DEFAULT_SAMPLING, checkRelationship: async () => Promise.reject(new Error("canceling statement due to statement timeout")) };
  const input = JSON.stringify({ foreign_keys: [{ from_column: "a_id", to_table: "a", to_column: "id", source: "name_inference", confidence: 0.8 }], join_paths: ["t.a_id -> a.id"], source: "name_inference" });
  const counts: CheckCounts = { checked: 0, confirmed: 0, rejected: 0, failed: 0 };
  const out = JSON.parse(await verifyRelationships(input, { databaseName: "db", schemaName: "main", tableName: "t" }, catalog, checker, counts, (m) => warnings.push(m)));
  assert.equal(out.foreign_keys[0].confidence, 0.8);
  assert.equal(counts.failed, 1);
  assert.match(warnings[0], /t\.a_id -> a\.id not checked against the data: .*statement timeout/);
});

test("DuckDB measures an edge on its data: found keys, orphans, a sample on a large table, quoted names", async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "datus-check-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, "shop.duckdb");
  const instance = await DuckDBInstance.create(file);
  const conn = await instance.connect();
  await conn.run(`CREATE TABLE "Store ""x""" (id INTEGER PRIMARY KEY); INSERT INTO "Store ""x""" VALUES (1), (2);
    CREATE TABLE orders (id INTEGER, store_id INTEGER, odd INTEGER);
    INSERT INTO orders SELECT i, 1 + i % 2, CASE WHEN i % 4 = 0 THEN 7 ELSE 1 END FROM range(5000) t(i);`);
  conn.closeSync();
  instance.closeSync();
  const source = await DuckDbSource.open(file);
  t.after(() => source.close());
  const from = { databaseName: "shop", schemaName: "main", tableName: "orders" };
  const to = { databaseName: "shop", schemaName: "main", tableName: 'Store "x"' };
  const whole = await source.checkRelationship({ from, fromColumn: "store_id", to, toColumn: "id" }, DEFAULT_SAMPLING);
  assert.deepEqual(whole, { rows: 5000, distinctValues: 2, foundValues: 2, orphanRows: 0, fromUniqueIndex: false, toUniqueIndex: true });
  const odd = await source.checkRelationship({ from, fromColumn: "odd", to, toColumn: "id" }, DEFAULT_SAMPLING);
  assert.deepEqual([odd.distinctValues, odd.foundValues, odd.orphanRows], [2, 1, 1250]);
  const sampled = await source.checkRelationship({ from, fromColumn: "store_id", to, toColumn: "id" }, { ...DEFAULT_SAMPLING, sampleRows: 1000 });
  assert.equal(sampled.sampling, "reservoir");
  assert.equal(sampled.rows, 1000);
});
