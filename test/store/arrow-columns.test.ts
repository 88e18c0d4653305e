/**
 * The v1 rows a migration writes are built as Arrow columns by hand (one buffer per column): what they hold
 * must be what apache-arrow's own builders make of the same values, and what LanceDB gives back after the write.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { Worker } from "node:worker_threads";
import * as lancedb from "@lancedb/lancedb";
import { type RecordBatch, type Table, vectorFromArray } from "apache-arrow";
import { canonicalIdentifier, type SourceTable, type V1Row } from "../../src/model.js";
import { catalogBatchOf, nonCanonicalIdentifiersOf, v0RowsToArrow, v1RowsToArrow } from "../../src/store/arrow-rows.js";
import { catalogSourceTables } from "../../src/engine/summarize-batch.js";
import { v1Schema } from "../../src/store/schemas.js";
import { tempDir } from "../helpers/env.js";
import { sampleV1Row } from "../helpers/store-rows.js";

const DIM = 4;

const row = sampleV1Row;

// values that differ between UTF-16 and UTF-8 in every way a DDL or a comment can hold them
const ROWS: V1Row[] = [
  row(0),
  row(1, { definition: null, table_comment: "Kunden – Stammdaten ä", business_tags: ["finance", "客户"] }),
  row(2, { search_text: "emoji 😀 and a lone surrogate \ud800 here", row_count: 9_007_199_254_740_991, table_type: "view" }),
  row(3, { definition: "", column_comments: JSON.stringify({ naïve: "𝔘𝔫𝔦𝔠𝔬𝔡𝔢" }), business_tags: [""] }),
  row(4, { definition: "x".repeat(70_000), metadata_version: 0, last_updated: 0 }),
  row(5, { catalog_name: "", schema_name: "Straße", table_name: "客户", definition: "CREATE TABLE 客户 (a INT) -- 😀", table_type: "mv" }),
  ...Array.from({ length: 300 }, (_, i) => row(6 + i, { business_tags: i % 3 === 0 ? [] : ["a", `tag${i}`] })),
];

/** A column's values as plain JSON-able values, whatever built it. */
function columnValues(column: { get(i: number): unknown }, rows: number): unknown[] {
  const plain = (x: unknown): unknown => (typeof x === "bigint" ? x.toString() : x);
  return Array.from({ length: rows }, (_, i) => {
    const v = column.get(i);
    return v === null || typeof v !== "object" ? plain(v) : JSON.stringify(Array.from(v as Iterable<unknown>, plain));
  });
}

function values(table: Table): Record<string, unknown[]> {
  return Object.fromEntries(table.schema.fields.map((f) => [f.name, columnValues(table.getChild(f.name)!, table.numRows)]));
}

function vectorsOf(n: number): Float32Array {
  return Float32Array.from({ length: n * DIM }, (_, i) => i / 7);
}

test("v1 rows become the Arrow columns apache-arrow's own builders make of them", () => {
  const vectors = vectorsOf(ROWS.length);
  const mine = v1RowsToArrow(ROWS, vectors, DIM);
  const schema = v1Schema(DIM);
  for (const field of schema.fields) {
    if (field.name === "vector") continue;
    const name = field.name as keyof V1Row;
    const raw = ROWS.map((r) => (name === "row_count" || name === "last_updated" ? BigInt(r[name]) : name === "business_tags" ? [...r.business_tags] : r[name]));
    const theirs = vectorFromArray(raw, field.type);
    const built = mine.getChild(field.name)!;
    assert.equal(built.nullCount, theirs.nullCount, field.name);
    assert.deepEqual(columnValues(built, ROWS.length), columnValues(theirs, ROWS.length), field.name);
  }
});

test("what LanceDB stores from those columns reads back as the rows", async (t) => {
  const db = await lancedb.connect(path.join(tempDir(t), "store"));
  const table = await db.createTable("schema_metadata", v1RowsToArrow(ROWS, vectorsOf(ROWS.length), DIM));
  const read = (await table.query().toArrow()) as unknown as Table;
  const got = values(read);
  assert.equal(read.numRows, ROWS.length);
  const byId = new Map(got.identifier.map((id, i) => [id, i]));
  for (const r of ROWS) {
    const i = byId.get(r.identifier)!;
    assert.equal(got.definition[i], r.definition, `${r.identifier} definition`);
    assert.equal(got.search_text[i], r.search_text.replace("\ud800", "\ufffd"), `${r.identifier} search_text`);
    assert.equal(got.table_comment[i], r.table_comment);
    assert.equal(got.column_comments[i], r.column_comments);
    assert.equal(got.business_tags[i], JSON.stringify(r.business_tags));
    assert.equal(got.row_count[i], String(r.row_count));
    assert.equal(got.metadata_version[i], r.metadata_version);
    assert.equal(got.last_updated[i], String(r.last_updated));
  }
  db.close();
});

test("the rows whose identifier is not their canonical one are found from the stored bytes as from the decoded names", () => {
  const names = ["orders", "Straße", "客户", "𝔘𝔫𝔦", "a.b", ""];
  const rows: SourceTable[] = [];
  for (const catalog of ["", "cat"]) {
    for (const database of ["", "db", "Straße"]) {
      for (const schema of ["", "public"]) {
        for (const table of names) {
          const parts = { catalogName: catalog, databaseName: database, schemaName: schema, tableName: table };
          const canonical = canonicalIdentifier(parts);
          // the canonical identifier, and the ways old stores got it wrong: a part missing, a prefix, a case change, a trailing dot, another separator
          for (const identifier of [canonical, canonical.slice(canonical.indexOf(".") + 1), `x.${canonical}`, canonical.toUpperCase(), `${canonical}.`, canonical.replace(".", "_"), ""]) {
            rows.push({ identifier, ...parts, tableType: "table", definition: "" });
          }
        }
      }
    }
  }
  const batch = v0RowsToArrow(rows, new Float32Array(rows.length * DIM), DIM).batches[0];
  const expected = rows.filter((t) => t.tableName === "" || canonicalIdentifier(t) !== t.identifier).map((t) => t.identifier);
  assert.ok(expected.length > 100 && expected.length < rows.length - 50, `${expected.length} of ${rows.length} rows not canonical`);
  assert.deepEqual(nonCanonicalIdentifiersOf(batch), expected);
});

test("the catalog pass hands each table to a worker as the bytes LanceDB stored, and the worker reads back the stored text", async (t) => {
  const db = await lancedb.connect(path.join(tempDir(t), "store"));
  // and a DDL that starts with a byte order mark, which apache-arrow's own reader would drop
  const rows = [...ROWS, row(ROWS.length, { definition: "\ufeffCREATE TABLE bom (a INT)" })];
  const table = await db.createTable("schema_metadata", v1RowsToArrow(rows, vectorsOf(rows.length), DIM));
  const batches = (await table.query().toArrow()).batches as unknown as RecordBatch[];
  const byId = new Map(rows.map((r) => [r.identifier, r]));
  let seen = 0;
  for (const batch of batches) {
    const text = catalogBatchOf(batch);
    assert.ok(text.bytes.buffer instanceof SharedArrayBuffer);
    const handed = { text, tables: Array.from({ length: batch.numRows }, (_, t) => t), dialect: "unknown" as const };
    // the worker's side, across a real thread boundary: what it decodes is the stored definition, null as ""
    const decoded = await new Promise<unknown>((resolve, reject) => {
      const code = `const { parentPort, workerData } = require("node:worker_threads");
        import(workerData.module).then((m) => parentPort.postMessage(m.catalogSourceTables(workerData.task)), (e) => parentPort.postMessage(String(e)));`;
      const worker = new Worker(code, { eval: true, workerData: { module: new URL("../../src/engine/summarize-batch.js", import.meta.url).href, task: handed } });
      worker.once("message", (m) => void worker.terminate().then(() => resolve(m)));
      worker.once("error", reject);
    });
    assert.deepEqual(decoded, catalogSourceTables(handed));
    for (const got of decoded as SourceTable[]) {
      const stored = byId.get(got.identifier)!;
      assert.equal(got.definition, stored.definition ?? "", got.identifier);
      assert.equal(got.definitionNull ?? false, stored.definition === null, got.identifier);
      assert.deepEqual(
        [got.catalogName, got.databaseName, got.schemaName, got.tableName, got.tableType],
        [stored.catalog_name, stored.database_name, stored.schema_name, stored.table_name, stored.table_type],
      );
      seen++;
    }
  }
  assert.equal(seen, rows.length);
  db.close();
});
