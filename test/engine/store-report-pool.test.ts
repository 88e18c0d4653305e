/**
 * On a large store the coverage report is read in worker threads, part by part, the parts added in scan
 * order: the figures must be the ones a single thread reads, the first identifiers lacking each field the
 * same and in the same order, and a row with neither identifier nor table name named by its place in the
 * whole store (truth: the rows this test wrote, in order).
 */
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import * as lancedb from "@lancedb/lancedb";
import { reportStore } from "../../src/engine/store-report.js";
import type { V1Row } from "../../src/model.js";
import { v1RowsToArrow } from "../../src/store/arrow-rows.js";
import { markVectors } from "../../src/store/vector-state.js";
import { tempDir } from "../helpers/env.js";
import { sampleV1Row } from "../helpers/store-rows.js";

const DIM = 4;
const ROWS = 20_000;

/** Row i: a mix of filled, empty and malformed fields that changes along the store, so every part differs. */
function rowAt(i: number): V1Row {
  const nameless = i % 4999 === 17;
  return sampleV1Row(i, {
    identifier: nameless ? "" : `cat.db.sch.t${i}`,
    table_name: nameless ? "" : `t${i}`,
    table_comment: i % 3 === 0 ? `comment ${i}` : "",
    column_comments: i % 5 === 0 ? JSON.stringify({ id: `key of ${i}` }) : i % 7 === 0 ? "{not json" : "{}",
    column_enums: i % 11 === 0 ? JSON.stringify({ status: [{ value: "a", label: "A" }] }) : "{}",
    business_tags: i % 2 === 0 ? [`tag${i % 13}`, "shared"] : [],
    // only the nameless rows lack a row count: their names are checked in every part
    row_count: nameless ? 0 : i + 1,
    sample_statistics: i % 10 === 0 ? JSON.stringify({ id: { min: 1 } }) : "{}",
    relationship_metadata: i % 6 === 0 ? JSON.stringify({ foreign_keys: [{ from_column: "x_id", to_table: "x", to_column: "id", source: i % 12 === 0 ? "ddl" : "heuristic" }], join_paths: [] }) : "{}",
    metadata_version: i % 8 === 7 ? 0 : 1,
  });
}

test("a large store's report read in worker threads equals the one read in this thread, lacking identifiers in scan order", async (t) => {
  const store = path.join(tempDir(t), "store");
  const rows = Array.from({ length: ROWS }, (_, i) => rowAt(i));
  const db = await lancedb.connect(store);
  await db.createTable("schema_metadata", v1RowsToArrow(rows, new Float32Array(ROWS * DIM), DIM));
  // stale vectors on v1 rows and on a v0 row, counted on the coordinator beside the parts
  markVectors(store, "test", ["cat.db.sch.t1", "cat.db.sch.t15001", "cat.db.sch.t7"], true);

  const here = await reportStore(store, 20, { parallelFrom: Number.POSITIVE_INFINITY });
  const pooled = await reportStore(store, 20, { parallelFrom: 0, workers: 2 });
  assert.deepEqual(pooled, here);

  // and both against the rows as written
  assert.equal(here.figures.total, ROWS);
  assert.equal(here.figures.metrics.v1_records.filled, rows.filter((r) => r.metadata_version === 1).length);
  assert.equal(here.figures.malformedJson.column_comments, rows.filter((r) => r.column_comments === "{not json").length);
  const nameless = rows.flatMap((r, i) => (r.identifier === "" ? [`(row ${i + 1})`] : []));
  assert.deepEqual(nameless, ["(row 18)", "(row 5017)", "(row 10016)", "(row 15015)"]);
  assert.deepEqual(pooled.figures.metrics.row_count.lacking, nameless);
  const lackingComment = rows.flatMap((r, i) => (r.table_comment === "" ? [r.identifier || `(row ${i + 1})`] : [])).slice(0, 1000);
  assert.deepEqual(pooled.figures.metrics.table_comment.lacking, lackingComment);
  const lackingEnums = rows.flatMap((r, i) => (r.column_enums === "{}" ? [r.identifier || `(row ${i + 1})`] : [])).slice(0, 1000);
  assert.deepEqual(pooled.figures.metrics.column_enums.lacking, lackingEnums);
  // t1 and t15001 are v1 with a stale vector; t7 is v0
  assert.equal(pooled.vectors?.searchText, here.figures.metrics.v1_records.filled - 2);
});
