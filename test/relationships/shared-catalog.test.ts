/**
 * The catalog index and its inferred edges, put in shared memory and read in a worker thread, give every
 * table exactly the relationships and tags the index built on the main thread gives (the truth here: that
 * path is what the rest of the relationship tests check against the corpus).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { syntheticCatalog } from "../../bench/synthetic-catalog.js";
import { inferCatalog } from "../../src/engine/catalog-pass.js";
import { enrichBatch, type EnrichResult, type EnrichTask } from "../../src/engine/enrich-batch.js";
import { createEnrichPool } from "../../src/engine/pipeline.js";
import { silentProgress } from "../../src/engine/progress.js";
import { referencedRows, relateRows, type Relationships, shareRelationships } from "../../src/engine/relationship-stage.js";
import { summarizeBatch } from "../../src/engine/summarize-batch.js";
import { canonicalIdentifier, type SourceTable } from "../../src/model.js";
import { CatalogIndex } from "../../src/relationships/catalog-index.js";
import { inferFromNames, inferTargets } from "../../src/relationships/infer-from-names.js";
import { InferredCatalog } from "../../src/relationships/inferred-catalog.js";
import { JoinEvidence, readQueryLog } from "../../src/relationships/query-log.js";
import { corpusTables } from "../helpers/corpus.js";
import { STARROCKS_TPCH } from "../helpers/ddl-corpus.js";
import { CORPUS } from "../helpers/env.js";

/** Several corpus schemas in several databases and schemas (so names are qualified across them), TPC-H without keys, generated tables. */
function catalog(): SourceTable[] {
  const tpch = STARROCKS_TPCH.map((name) => {
    const parts = { catalogName: "", databaseName: "tpch", schemaName: "", tableName: name };
    return { identifier: canonicalIdentifier(parts), ...parts, tableType: "table" as const, definition: fs.readFileSync(path.join(CORPUS, "starrocks-tpch/ddl", `${name}.sql`), "utf8") };
  });
  return [
    ...corpusTables("sakila/postgres-schema.sql", "postgresql", "sakila", "public"),
    ...corpusTables("chinook/chinook_mysql.sql", "mysql", "chinook"),
    ...corpusTables("chinook/chinook_sqlite.sql", "sqlite", "chinook", "copy"),
    ...corpusTables("employees/mysql-schema.sql", "mysql", "employees"),
    ...tpch,
    ...syntheticCatalog(1200),
  ];
}

const task = (rows: readonly SourceTable[]): EnrichTask => ({ rows, dialect: "unknown", vectors: { kind: "hashing", dim: 8 }, now: 0, extractRelationships: true });

/** The main-thread path: `referenced` from the built index, then the stage. */
function onMainThread(rows: readonly SourceTable[], built: Relationships): EnrichResult {
  return relateRows(enrichBatch({ ...task(rows), referenced: referencedRows(built)(rows) }), built);
}

async function built(rows: readonly SourceTable[]): Promise<Relationships> {
  const index = new CatalogIndex();
  for (const s of summarizeBatch({ rows, dialect: "unknown" })) index.add(s);
  const evidence = new JoinEvidence();
  for await (const sql of readQueryLog(path.join(CORPUS, "starrocks-tpch/queries"))) evidence.addQuery(sql, "starrocks");
  return { index, inferred: InferredCatalog.build(index), evidence };
}

/** Runs `enrichBatch` for `task` in a real worker thread and returns its result. */
function inWorker(input: EnrichTask): Promise<EnrichResult> {
  const module = pathToFileURL(path.resolve(import.meta.dirname, "../../src/engine/enrich-batch.js")).href;
  const source = `
    const { parentPort, workerData } = require("node:worker_threads");
    import(${JSON.stringify(module)}).then(({ enrichBatch }) => {
      const shared = workerData.relationships.index.tables.dbOf.buffer instanceof SharedArrayBuffer;
      parentPort.postMessage({ result: enrichBatch(workerData), shared });
    });`;
  return new Promise((resolve, reject) => {
    const worker = new Worker(source, { eval: true, workerData: input });
    worker.once("message", (m: { result: EnrichResult; shared: boolean }) => {
      assert.equal(m.shared, true, "the worker reads the index in shared memory");
      void worker.terminate();
      resolve(m.result);
    });
    worker.once("error", reject);
  });
}

describe("the relationship step on a shared catalog", () => {
  it("a worker thread relates and tags every row as the main thread does", async () => {
    const rows = catalog();
    const truth = await built(rows);
    const { shared } = shareRelationships(truth);
    const expected = onMainThread(rows, truth);
    const got = await inWorker({ ...task(rows), relationships: shared });
    assert.ok(expected.relationships > 500, `the catalog has relationships to compare (${expected.relationships})`);
    assert.equal(got.relationships, expected.relationships);
    assert.deepEqual(got.related, rows.map(() => true));
    assert.deepEqual(got.summaries, [], "summaries are not sent back once the rows are related");
    // every field, not only the relationships: the dialect the catalog pass sniffed reads each DDL as sniffing it again does
    assert.deepEqual(got.dialects, expected.dialects);
    assert.deepEqual(got.parsers, expected.parsers);
    for (const [i, row] of got.rows.entries()) assert.deepEqual(row, expected.rows[i], row.identifier);
  });

  it("a DDL that is not the one the catalog pass read (same names, other text) is sniffed again", async () => {
    const mysql = corpusTables("sakila/mysql-schema.sql", "mysql", "sakila");
    const postgres = new Map(corpusTables("sakila/postgres-schema.sql", "postgresql", "sakila").map((t) => [t.tableName.toLowerCase(), t.definition]));
    const { shared } = shareRelationships(await built(mysql));
    // the tables both scripts name alike
    const changed = mysql.filter((t) => postgres.has(t.tableName.toLowerCase())).map((t) => ({ ...t, definition: postgres.get(t.tableName.toLowerCase())! }));
    assert.ok(changed.length >= 5, `${changed.length} tables named alike`);
    const got = await inWorker({ ...task(changed), relationships: shared });
    assert.deepEqual(got.dialects, enrichBatch(task(changed)).dialects);
    assert.ok((got.dialects.postgresql ?? 0) >= 5 && got.dialects.mysql === undefined, JSON.stringify(got.dialects));
  });

  it("the index opened from shared memory answers inference as the built one", async () => {
    const rows = catalog();
    const truth = await built(rows);
    const { opened } = shareRelationships(truth);
    const summaries = summarizeBatch({ rows, dialect: "unknown" });
    for (const s of summaries) {
      assert.deepEqual(inferFromNames(s, opened.index), inferFromNames(s, truth.index), s.identifier);
      assert.deepEqual(opened.inferred.edgesFor(s), truth.inferred.edgesFor(s), s.identifier);
      const at = (index: CatalogIndex): number => index.locate(s.databaseName, s.schemaName, s.tableName);
      assert.equal(at(opened.index), at(truth.index));
      assert.equal(opened.inferred.referenced(at(opened.index)), truth.inferred.referenced(at(truth.index)), s.identifier);
    }
    assert.throws(() => opened.index.add(summaries[0]), /read-only/);
    // the built index shared its own memory (nothing was copied to share it): it cannot change under the readers
    assert.throws(() => truth.index.add(summaries[0]), /read-only/);
  });

  it("sharing an index built in shared memory copies nothing: the handles are the index's own arrays", async () => {
    const { index } = await built(catalog());
    const first = index.share();
    const again = index.share();
    const buffers = (s: ReturnType<CatalogIndex["share"]>): ArrayBufferLike[] => [
      ...Object.values(s.tables).map((a) => a.buffer),
      ...Object.values(s.columns).map((a) => a.buffer),
      ...Object.values(s.chains).flatMap((c) => [c.slotHead.buffer, c.entryTable.buffer, c.entryNext.buffer]),
      s.names.chars.buffer,
      s.strings.chars.buffer,
    ];
    for (const b of buffers(first)) assert.ok(b instanceof SharedArrayBuffer);
    assert.deepEqual(buffers(again), buffers(first));
    buffers(again).forEach((b, i) => assert.equal(b, buffers(first)[i], `array ${i} was copied`));
  });

  it("the worker pool infers the catalog in parts, and the parts give every table the edges one thread infers", async (t) => {
    const rows = catalog();
    const { index } = await built(rows);
    // the truth, inferred here table by table: each table's edges, and the tables some other table points at
    const pointedAt = new Set(index.declaredTargets());
    for (let u = 0; u < index.size; u++) {
      if (!index.isTargetable(u)) continue;
      for (const { target } of inferTargets(index.summaryAt(u), index)) if (target !== u) pointedAt.add(target);
    }
    const pool = createEnrichPool(2);
    t.after(() => pool.destroy());
    // another index of the same rows, since sharing leaves the built one to be dropped; 7-table parts: the corpus tables span several
    const { opened } = await inferCatalog(pool, (await built(rows)).index, undefined, 2, silentProgress, undefined, 7);
    let edges = 0;
    for (const s of summarizeBatch({ rows, dialect: "unknown" })) {
      const want = inferFromNames(s, index);
      assert.deepEqual(opened.inferred.edgesFor(s), want, s.identifier);
      edges += want.length;
      const at = index.locate(s.databaseName, s.schemaName, s.tableName);
      assert.equal(opened.inferred.referenced(opened.index.locate(s.databaseName, s.schemaName, s.tableName)), pointedAt.has(at), s.identifier);
    }
    assert.ok(edges > 400 && pointedAt.size > 30, `${edges} edges and ${pointedAt.size} referenced tables to compare`);
  });

  it("a row the LLM fallback recovered (not related) is related on the main thread; the others are left as they are", async () => {
    const rows = catalog().slice(0, 40);
    const truth = await built(rows);
    const { shared, opened } = shareRelationships(truth);
    const fromWorker = await inWorker({ ...task(rows), relationships: shared });
    const fresh = enrichBatch(task(rows));
    const i = fresh.rows.findIndex((r) => r.identifier.includes("film_actor"));
    assert.ok(i >= 0);
    const related = fromWorker.related!.map((r, k) => r && k !== i);
    const summaries = fresh.summaries.map((s, k) => (k === i ? s : undefined!));
    const rows2 = fromWorker.rows.map((r, k) => (k === i ? { ...r, relationship_metadata: "{}" } : r));
    const again = relateRows({ ...fromWorker, rows: rows2, summaries, related }, opened);
    assert.equal(again.rows[i].relationship_metadata, fromWorker.rows[i].relationship_metadata);
    assert.notEqual(again.rows[i].relationship_metadata, "{}");
    assert.equal(again.relationships, fromWorker.relationships);
  });
});
