/**
 * A migration's rows cross from the workers packed as Arrow (packed-rows.ts): what LanceDB stores from the
 * writer's slices of them must be the rows the workers made, and the workers must still never load LanceDB.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import * as lancedb from "@lancedb/lancedb";
import type { V1Row } from "../../src/model.js";
import { type PackedRows, selectedBatches, tableOfBatches, unpackV1Rows } from "../../src/store/packed-rows.js";
import { v1Schema } from "../../src/store/schemas.js";
import { readRows } from "../helpers/store-rows.js";
import { tempDir } from "../helpers/env.js";

const DIM = 3;

function row(i: number): V1Row {
  return {
    identifier: `db.s.t${i}`,
    catalog_name: "",
    database_name: "db",
    schema_name: "s",
    table_name: `t${i}`,
    table_type: i % 5 === 0 ? "view" : "table",
    definition: i % 7 === 0 ? null : `CREATE TABLE t${i} (id INT, naïve_${i} TEXT) -- 客户 😀`.repeat(1 + (i % 3)),
    search_text: `t${i} ${"x".repeat(i)}`,
    table_comment: i % 2 === 0 ? "" : `Kunden – ${i}`,
    column_comments: JSON.stringify({ id: `key ${i}` }),
    column_enums: "{}",
    business_tags: i % 3 === 0 ? [] : ["a", `tag${i}`],
    row_count: i * 1_000_003,
    sample_statistics: "{}",
    relationship_metadata: i % 4 === 0 ? "{}" : JSON.stringify({ foreign_keys: [{ to: `t${i - 1}` }] }),
    metadata_version: 1,
    last_updated: 1_764_547_200 + i,
  };
}

/** Packs rows in a real worker thread and moves the bytes back, as the pool does. */
function packInWorker(rows: readonly V1Row[], vectors: Float32Array, nullRows: readonly number[]): Promise<PackedRows> {
  const code = `const { parentPort, workerData } = require("node:worker_threads");
    import(workerData.module).then((m) => {
      const packed = m.packV1Rows(workerData.rows, workerData.vectors, ${DIM}, new Set(workerData.nullRows));
      parentPort.postMessage(packed, [packed.ipc.buffer]);
    }, (e) => parentPort.postMessage(String(e)));`;
  const module = new URL("../../src/store/packed-rows.js", import.meta.url).href;
  return new Promise((resolve, reject) => {
    const worker = new Worker(code, { eval: true, workerData: { module, rows, vectors, nullRows } });
    worker.once("message", (m: PackedRows | string) => void worker.terminate().then(() => (typeof m === "string" ? reject(new Error(m)) : resolve(m))));
    worker.once("error", reject);
  });
}

test("rows packed in a worker, then sliced around the rows the writer drops, are stored as the worker made them", async (t) => {
  const first = Array.from({ length: 40 }, (_, i) => row(i));
  const second = Array.from({ length: 25 }, (_, i) => row(100 + i));
  // each row's vector from its number (exact in float32), so a row written with another's vector shows
  const vectorOf = (r: V1Row): number[] => Array.from({ length: DIM }, (_, k) => Number(r.table_name.slice(1)) * 4 + k);
  const vectorsOf = (rows: readonly V1Row[]): Float32Array => Float32Array.from(rows.flatMap(vectorOf));
  const packed = [await packInWorker(first, vectorsOf(first), [3, 17]), await packInWorker(second, vectorsOf(second), [])];
  assert.deepEqual(packed[0].identifiers, first.map((r) => r.identifier));
  // the writer keeps a subset: gaps at the start, the middle (a run) and the end, and one batch whole
  const keepFirst = Array.from({ length: 40 }, (_, i) => i).filter((i) => i !== 0 && !(i >= 10 && i < 15) && i !== 39);
  const keepSecond = Array.from({ length: 25 }, (_, i) => i);
  const schema = v1Schema(DIM);
  const batches = [...selectedBatches(unpackV1Rows(packed[0]), keepFirst), ...selectedBatches(unpackV1Rows(packed[1]), keepSecond)];
  const store = path.join(tempDir(t), "store");
  const db = await lancedb.connect(store);
  await db.createTable("schema_metadata", tableOfBatches(schema, batches));
  db.close();

  const expected = [...keepFirst.map((i) => ({ row: first[i], nullVector: i === 3 || i === 17 })), ...keepSecond.map((i) => ({ row: second[i], nullVector: false }))];
  const stored = new Map((await readRows(store)).map((r) => [r.identifier as string, r]));
  assert.equal(stored.size, expected.length);
  for (const { row: r, nullVector } of expected) {
    const got = stored.get(r.identifier);
    assert.ok(got, r.identifier);
    const { vector, ...fields } = got;
    assert.deepEqual(fields, { ...r, business_tags: [...r.business_tags] }, r.identifier);
    assert.deepEqual(vector, nullVector ? null : vectorOf(r), `${r.identifier} vector`);
  }
});

test("the worker threads never load LanceDB: their module graph reaches no @lancedb import", () => {
  const root = fileURLToPath(new URL("../../", import.meta.url));
  const seen = new Set<string>();
  const bare = new Set<string>();
  const walk = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const m of fs.readFileSync(file, "utf8").matchAll(/^(?:import|export)\s[^;]*?from\s*"([^"]+)"/gm)) {
      if (/^import\s+type\s/.test(m[0]) || /^export\s+type\s/.test(m[0])) continue;
      if (m[1].startsWith(".")) walk(path.resolve(path.dirname(file), m[1]));
      else bare.add(m[1]);
    }
  };
  walk(path.join(root, "workers/enrich-worker.js"));
  assert.ok(seen.size > 20, `${seen.size} modules: the walk followed the imports`);
  assert.ok(bare.has("apache-arrow"), "the packing reaches apache-arrow");
  assert.deepEqual([...bare].filter((name) => name.includes("lancedb")), []);
  const store = [...seen].map((f) => path.relative(root, f)).filter((f) => f.includes(`store${path.sep}`));
  assert.deepEqual(store.sort(), ["src/store/arrow-rows.js", "src/store/packed-rows.js", "src/store/schemas.js"]);
});
