/**
 * The machine's limit for a migration, from its stages measured alone on the same generated catalog, one
 * thread each, in CPU seconds per table (user + system of the whole process, so LanceDB's native threads
 * count): reading the DDL (the catalog pass and the enrichment each read it), enrichment beyond reading,
 * relationship inference over the whole catalog, the hashing embedding, Arrow conversion, merge-insert.
 * The limit is cores / (sum of those CPU seconds per table): what the machine could do if every core did
 * nothing but these stages. Also a serial baseline that works as the Python tool does (one thread, one
 * table at a time, 100-row appends), so the engine's gain is a ratio taken in the same run.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as lancedb from "@lancedb/lancedb";
import { parseDdl } from "../src/ddl/parse-ddl.js";
import { sniffDialect } from "../src/ddl/sniff-dialect.js";
import { hashedTextEmbedding } from "../src/embed/hashed-embedding.js";
import { summarizeBatch } from "../src/engine/summarize-batch.js";
import { enrichBatch, type EnrichResult } from "../src/engine/enrich-batch.js";
import { shareRelationships } from "../src/engine/relationship-stage.js";
import type { SourceTable } from "../src/model.js";
import { CatalogIndex } from "../src/relationships/catalog-index.js";
import { InferredCatalog } from "../src/relationships/inferred-catalog.js";
import { v1RowsToArrow } from "../src/store/arrow-rows.js";
import { SCHEMA_TABLE, v1Schema } from "../src/store/schemas.js";

export interface StageFigure {
  readonly stage: string;
  /** CPU seconds per 1,000 tables, one thread (plus whatever native threads the stage starts). */
  readonly cpuSecondsPer1000: number;
  /** Tables per second of wall time, as run. */
  readonly tablesPerSecond: number;
}

export interface StageFigures {
  readonly tables: number;
  readonly stages: StageFigure[];
  /** cores / sum of the stages' CPU seconds per table. */
  readonly machineLimit: number;
  readonly cores: number;
  readonly serial: { readonly tablesPerSecond: number; readonly cpuSecondsPer1000: number; readonly seconds: number };
}

function figure(stage: string, tables: number, m: { cpu: number; wall: number }): StageFigure {
  return { stage, cpuSecondsPer1000: (1000 * m.cpu) / tables, tablesPerSecond: tables / m.wall };
}

const BATCH = 256;

function inBatches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** A stage's accumulated CPU and wall seconds, over the small steps it is timed in. */
class StageClock {
  cpu = 0;
  wall = 0;

  run<T>(work: () => T): T {
    const cpu = process.cpuUsage();
    const started = process.hrtime.bigint();
    try {
      return work();
    } finally {
      this.wall += Number(process.hrtime.bigint() - started) / 1e9;
      const used = process.cpuUsage(cpu);
      this.cpu += (used.user + used.system) / 1e6;
    }
  }

  async runAsync<T>(work: () => Promise<T>): Promise<T> {
    const cpu = process.cpuUsage();
    const started = process.hrtime.bigint();
    try {
      return await work();
    } finally {
      this.wall += Number(process.hrtime.bigint() - started) / 1e9;
      const used = process.cpuUsage(cpu);
      this.cpu += (used.user + used.system) / 1e6;
    }
  }
}

/**
 * Each stage timed on its own, batch by batch as the engine runs them (256 tables a task, 2,000 rows a commit),
 * so no stage is charged for a heap the engine never holds.
 */
export async function stageBench(catalog: readonly SourceTable[], scratch: string, dim: number): Promise<StageFigures> {
  const tables = catalog.length;
  const batches = inBatches(catalog, BATCH);
  const clocks = {
    reading: new StageClock(),
    catalogPass: new StageClock(),
    enrichment: new StageClock(),
    inference: new StageClock(),
    embedding: new StageClock(),
    arrow: new StageClock(),
    write: new StageClock(),
  };
  for (const rows of batches) clocks.reading.run(() => rows.forEach((t) => parseDdl(t.definition, sniffDialect(t.definition))));

  // the catalog pass: summaries read from the DDL (a worker's part) and the index they go into
  const index = new CatalogIndex();
  for (const rows of batches) {
    const summaries = clocks.catalogPass.run(() => summarizeBatch({ rows, dialect: "unknown" }));
    clocks.inference.run(() => summaries.forEach((s) => index.add(s)));
  }
  // as the engine does: built once on the main thread, then read by the workers from shared memory
  const { shared } = clocks.inference.run(() => shareRelationships({ index, inferred: InferredCatalog.build(index) }));

  const dir = path.join(scratch, "stage-write");
  fs.rmSync(dir, { recursive: true, force: true });
  const table = await (await lancedb.connect(dir)).createEmptyTable(SCHEMA_TABLE, v1Schema(dim));
  let pending: EnrichResult["rows"] = [];
  let pendingVectors: Float32Array[] = [];
  const commit = async () => {
    if (pending.length === 0) return;
    const rows = pending;
    const vectors = new Float32Array(rows.length * dim);
    pendingVectors.reduce((at, v) => (vectors.set(v, at), at + v.length), 0);
    pending = [];
    pendingVectors = [];
    const data = clocks.arrow.run(() => v1RowsToArrow(rows, vectors, dim));
    await clocks.write.runAsync(() => table.mergeInsert("identifier").whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(data));
  };
  for (const rows of batches) {
    // the worker's task: enrichment (the dialect sniffed in the catalog pass), then the relationships of its rows
    const related = clocks.enrichment.run(() => enrichBatch({ rows, dialect: "unknown", vectors: { kind: "hashing", dim }, now: 0, extractRelationships: true, relationships: shared }));
    const vectors = clocks.embedding.run(() => {
      const out = new Float32Array(related.rows.length * dim);
      related.rows.forEach((row, i) => hashedTextEmbedding(row.search_text, dim, out.subarray(i * dim, (i + 1) * dim)));
      return out;
    });
    pending.push(...related.rows);
    pendingVectors.push(vectors);
    if (pending.length >= 2000) await commit();
  }
  await commit();
  fs.rmSync(dir, { recursive: true, force: true });

  const stages = [
    figure("DDL reading (once)", tables, clocks.reading),
    figure("catalog pass (reads the DDL, summaries)", tables, clocks.catalogPass),
    figure("enrichment and relationships (reads the DDL again)", tables, clocks.enrichment),
    figure("relationship index and inference (once)", tables, clocks.inference),
    figure("embedding (hashing)", tables, clocks.embedding),
    figure("Arrow conversion", tables, clocks.arrow),
    figure("merge-insert (2,000-row commits)", tables, clocks.write),
  ];
  const cores = os.availableParallelism();
  // the stages the engine runs per table (reading is inside the catalog pass and the enrichment)
  const perTable = stages.filter((s) => s.stage !== "DDL reading (once)").reduce((sum, s) => sum + s.cpuSecondsPer1000 / 1000, 0);
  const serial = await serialBaseline(catalog, scratch, dim);
  return { tables, stages, machineLimit: cores / perTable, cores, serial };
}

/**
 * What the Python tool does (python-reference §1.5): one thread, one table at a time (read, enrich, embed),
 * `table.add` of every 100 rows. No catalog-wide inference: it has none.
 */
async function serialBaseline(catalog: readonly SourceTable[], scratch: string, dim: number): Promise<StageFigures["serial"]> {
  const dir = path.join(scratch, "serial-write");
  fs.rmSync(dir, { recursive: true, force: true });
  const table = await (await lancedb.connect(dir)).createEmptyTable(SCHEMA_TABLE, v1Schema(dim));
  const run = new StageClock();
  await run.runAsync(async () => {
    let pending: EnrichResult["rows"] = [];
    let pendingVectors: Float32Array[] = [];
    const flush = async () => {
      if (pending.length === 0) return;
      const vectors = new Float32Array(pending.length * dim);
      pendingVectors.forEach((v, i) => vectors.set(v, i * dim));
      await table.add(v1RowsToArrow(pending, vectors, dim));
      pending = [];
      pendingVectors = [];
    };
    for (const t of catalog) {
      const result = enrichBatch({ rows: [t], dialect: "unknown", vectors: { kind: "hashing", dim }, now: 0, extractRelationships: true });
      pending.push(result.rows[0]);
      pendingVectors.push(hashedTextEmbedding(result.rows[0].search_text, dim));
      if (pending.length === 100) await flush();
    }
    await flush();
  });
  fs.rmSync(dir, { recursive: true, force: true });
  return { tablesPerSecond: catalog.length / run.wall, cpuSecondsPer1000: (1000 * run.cpu) / catalog.length, seconds: run.wall };
}
