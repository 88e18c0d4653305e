/**
 * A migration's tables stay bytes in shared memory on the coordinator (`CatalogRow`) and reach the workers as
 * positions in those bytes: the rows a worker decodes, and the fields the coordinator reads, must be the rows
 * LanceDB stored, in the order the task had them, whichever scanned batches they came from.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { Worker } from "node:worker_threads";
import * as lancedb from "@lancedb/lancedb";
import type { RecordBatch } from "apache-arrow";
import { CatalogRow, catalogTableCount, sourceRows, sourcesOf, type TaskSources } from "../../src/engine/catalog-text.js";
import type { SourceTable, V1Row } from "../../src/model.js";
import { catalogBatchOf, v1RowsToArrow } from "../../src/store/arrow-rows.js";
import { tempDir } from "../helpers/env.js";
import { sampleV1Row } from "../helpers/store-rows.js";

const DIM = 4;

const row = sampleV1Row;

// more rows than LanceDB puts in one scanned batch (1,024), so a task can span two of them
const ROWS: V1Row[] = Array.from({ length: 1500 }, (_, i) =>
  i === 3
    ? row(i, { definition: null })
    : i === 5
      ? row(i, { catalog_name: "", schema_name: "Straße", table_name: "客户", definition: "\ufeffCREATE TABLE 客户 (a INT) -- 😀", table_type: "view" })
      : i === 1030
        ? row(i, { definition: "x".repeat(70_000), table_type: "mv" })
        : row(i),
);

/** What the store holds for a row, as a SourceTable (the truth, from the rows written). */
function stored(r: V1Row): Omit<SourceTable, "definitionNull"> & { definitionNull: boolean } {
  return {
    identifier: r.identifier,
    catalogName: r.catalog_name,
    databaseName: r.database_name,
    schemaName: r.schema_name,
    tableName: r.table_name,
    tableType: r.table_type as SourceTable["tableType"],
    definition: r.definition ?? "",
    definitionNull: r.definition === null,
  };
}

function fieldsOf(t: SourceTable): ReturnType<typeof stored> {
  return {
    identifier: t.identifier,
    catalogName: t.catalogName,
    databaseName: t.databaseName,
    schemaName: t.schemaName,
    tableName: t.tableName,
    tableType: t.tableType,
    definition: t.definition,
    definitionNull: t.definitionNull === true,
  };
}

async function scannedRows(t: test.TestContext): Promise<CatalogRow[][]> {
  const db = await lancedb.connect(path.join(tempDir(t), "store"));
  const vectors = new Float32Array(ROWS.length * DIM);
  const table = await db.createTable("schema_metadata", v1RowsToArrow(ROWS, vectors, DIM));
  const batches: CatalogRow[][] = [];
  for await (const batch of table.query()) {
    const text = catalogBatchOf(batch as unknown as RecordBatch);
    batches.push(Array.from({ length: catalogTableCount(text) }, (_, i) => new CatalogRow(text, i)));
  }
  return batches;
}

/** The task's sources decoded in a real worker thread, as the enrich worker decodes them. */
function decodedInWorker(sources: TaskSources): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const code = `const { parentPort, workerData } = require("node:worker_threads");
      import(workerData.module).then((m) => parentPort.postMessage(m.sourceRows(workerData.sources)), (e) => parentPort.postMessage(String(e)));`;
    const worker = new Worker(code, { eval: true, workerData: { module: new URL("../../src/engine/catalog-text.js", import.meta.url).href, sources } });
    worker.once("message", (m) => void worker.terminate().then(() => resolve(m)));
    worker.once("error", reject);
  });
}

test("a CatalogRow reads each field of the stored row, a null DDL as empty and marked", async (t) => {
  const batches = await scannedRows(t);
  assert.ok(batches.length >= 2, `${batches.length} scanned batch(es)`);
  const byId = new Map(ROWS.map((r) => [r.identifier, r]));
  const seen = batches.flat();
  assert.equal(seen.length, ROWS.length);
  for (const r of seen) assert.deepEqual(fieldsOf(r), stored(byId.get(r.identifier)!), r.identifier);
  const big = seen.find((r) => r.identifier === "cat.db.sch.t1030")!;
  assert.equal(big.ddlBytes, 70_000);
});

test("a task spanning two scanned batches reaches a worker as positions and is decoded there in its own order", async (t) => {
  const [first, second] = await scannedRows(t);
  const task = [...first.slice(-3), ...second.slice(0, 2), first[5], first[3]];
  const sources = sourcesOf(task);
  assert.ok("shared" in sources, "CatalogRows are sent as positions");
  assert.equal(sources.shared.length, 3, "one entry per run of rows of one batch");
  assert.ok(sources.shared.every((s) => s.text.bytes.buffer instanceof SharedArrayBuffer));
  const byId = new Map(ROWS.map((r) => [r.identifier, r]));
  const decoded = (await decodedInWorker(sources)) as SourceTable[];
  assert.deepEqual(
    decoded.map(fieldsOf),
    task.map((r) => stored(byId.get(r.identifier)!)),
  );
});

test("rows that are not all CatalogRows are sent decoded, never as fieldless clones", async (t) => {
  const [first] = await scannedRows(t);
  const plain: SourceTable = { identifier: "x.y.z.w", catalogName: "x", databaseName: "y", schemaName: "z", tableName: "w", tableType: "table", definition: "CREATE TABLE w (a INT)" };
  const sources = sourcesOf([first[5], plain, first[3]]);
  assert.ok("rows" in sources);
  const decoded = (await decodedInWorker(sources)) as SourceTable[];
  const byId = new Map(ROWS.map((r) => [r.identifier, r]));
  assert.deepEqual(decoded.map(fieldsOf), [stored(byId.get(first[5].identifier)!), fieldsOf(plain), stored(byId.get(first[3].identifier)!)]);
  assert.deepEqual(sourceRows({ rows: [plain] }), [plain]);
});
