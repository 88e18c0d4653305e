/**
 * Coverage figures of a store, read in Arrow batches (any shape: v0, v1, mixed). Read-only: never creates
 * a table, never loads a model.
 */
import { DatusError } from "../errors.js";
import type * as lancedb from "@lancedb/lancedb";
import type { RecordBatch } from "apache-arrow";
import { CoverageCounter, type CoverageFigures, type CoveragePart, DEFAULT_LACKING_CAP, type ParseFailure as ReportedParseFailure, type ReportRow, type VectorFigures } from "../report/coverage.js";
import { reportRowsOf, v1IdentifiersOf } from "../store/arrow-rows.js";
import { scannedBatchesIpc } from "../store/lancedb-arrow.js";
import { cfgIdentity, readDatusCfg } from "../store/datus-cfg.js";
import { type QueryLogRecord, readEmbeddingFailures, readParseFailures, readQueryLogRecord, readState, type ParseFailure } from "../store/migration-state.js";
import { scanBatches, SchemaStore } from "../store/schema-store.js";
import { SCHEMA_TABLE } from "../store/schemas.js";
import { staleVectors } from "../store/vector-state.js";
import { BoundedScheduler } from "./bounded-scheduler.js";
import { describeIdentity } from "./embedding-plan.js";
import { createEnrichPool, defaultWorkers } from "./pipeline.js";
import { runTask } from "./worker-tasks.js";

const REPORT_COLUMNS = [
  "identifier",
  "table_name",
  "table_comment",
  "column_comments",
  "column_enums",
  "business_tags",
  "row_count",
  "sample_statistics",
  "relationship_metadata",
  "metadata_version",
] as const;

export interface StoreReport {
  readonly figures: CoverageFigures;
  readonly parseFailures: readonly ReportedParseFailure[];
  readonly vectors?: VectorFigures;
  /** Tables whose embedding failed and was not retried successfully since. */
  readonly embeddingFailures: readonly { readonly identifier: string; readonly error: string }[];
  /** A migration this tool started and has not finished (killed, interrupted, or still running). */
  readonly unfinished?: { readonly startedAt: string; readonly pending: number; readonly preMigrationVersion: number };
  /** What the last run's --query-log gave. */
  readonly queryLog?: QueryLogRecord;
}

/** Rows from which the report reads the store in worker threads (below, starting them costs more than it saves). */
const PARALLEL_FROM_ROWS = 50_000;
/** Rows a worker reads at a time: scanned batches (about 1,000 rows) are too small a task to keep two workers busy. */
const PART_ROWS = 8_192;

export interface ReportOptions {
  /** Worker threads for a large store (default: the CPU cores). */
  readonly workers?: number;
  /** Rows from which the workers read it (default 50,000). */
  readonly parallelFrom?: number;
}

function isStaleV1(row: ReportRow, stale: ReadonlySet<string>): boolean {
  return row.metadata_version === 1 && row.identifier !== null && stale.has(row.identifier);
}

/** v1 rows of `batch` whose vectors are stale (only their identifiers are read, and only when something is stale). */
function staleV1Rows(batch: RecordBatch, stale: ReadonlySet<string>): number {
  if (stale.size === 0) return 0;
  return v1IdentifiersOf(batch).filter((id) => stale.has(id)).length;
}

async function countHere(table: lancedb.Table, columns: readonly string[], stale: ReadonlySet<string>): Promise<{ counter: CoverageCounter; v1Stale: number }> {
  const counter = new CoverageCounter();
  let v1Stale = 0;
  for await (const batch of scanBatches(table, { columns })) {
    for (const row of reportRowsOf(batch)) {
      counter.add(row);
      if (isStaleV1(row, stale)) v1Stale++;
    }
  }
  return { counter, v1Stale };
}

/**
 * The same count with the batches read in a pool: this thread scans and hands each batch over as Arrow
 * bytes; the parts come back in any order and are added in scan order, so the figures (and the first
 * identifiers lacking each field) are those of `countHere`.
 */
async function countInPool(table: lancedb.Table, columns: readonly string[], stale: ReadonlySet<string>, workers: number): Promise<{ counter: CoverageCounter; v1Stale: number }> {
  const counter = new CoverageCounter();
  const pool = createEnrichPool(workers);
  const scheduler = BoundedScheduler.forWorkers(workers);
  const parts = new Map<number, CoveragePart>();
  let absorbed = 0;
  let batches = 0;
  let firstRow = 0;
  let v1Stale = 0;
  let held: RecordBatch[] = [];
  let heldRows = 0;
  const send = async (): Promise<void> => {
    const index = batches++;
    const ipc = scannedBatchesIpc(held);
    const task = { ipc, firstRow, lackingCap: DEFAULT_LACKING_CAP };
    firstRow += heldRows;
    held = [];
    heldRows = 0;
    await scheduler.start(async () => {
      parts.set(index, await runTask(pool, "coverage", task, undefined, [ipc.buffer as ArrayBuffer]));
      // added as soon as every part before it is in: few parts wait, whatever the store's size
      for (let part = parts.get(absorbed); part !== undefined; part = parts.get(absorbed)) {
        counter.absorb(part);
        parts.delete(absorbed++);
      }
    });
  };
  try {
    for await (const batch of scanBatches(table, { columns })) {
      if (scheduler.stopped) break;
      v1Stale += staleV1Rows(batch, stale);
      held.push(batch);
      heldRows += batch.numRows;
      if (heldRows >= PART_ROWS) await send();
    }
    if (heldRows > 0 && !scheduler.stopped) await send();
    await scheduler.drain();
  } finally {
    await pool.destroy();
  }
  return { counter, v1Stale };
}

export async function reportStore(storePath: string, topTags: number, options: ReportOptions = {}): Promise<StoreReport> {
  const store = await SchemaStore.open(storePath, { create: false });
  if (!(await store.hasSchemaTable())) {
    throw new DatusError("empty", `no ${SCHEMA_TABLE} table in ${storePath}: no records to report`, "check --namespace / --db-path; run `datus-schema demo` for a sample store");
  }
  const table = await store.schemaTable();
  const present = new Set((await table.schema()).fields.map((f) => f.name));
  const columns = REPORT_COLUMNS.filter((c) => present.has(c));
  const stale = staleVectors(storePath);
  const rows = await table.countRows();
  const { counter, v1Stale } =
    rows >= (options.parallelFrom ?? PARALLEL_FROM_ROWS) ? await countInPool(table, columns, stale, options.workers ?? defaultWorkers()) : await countHere(table, columns, stale);
  // an empty table is reported as such (0 of 0), not as a failure: a bootstrap of an empty schema made it
  const figures = counter.result(topTags);
  const v1 = figures.metrics.v1_records.filled;
  let vectors: VectorFigures | undefined;
  if (present.has("vector")) {
    const v1None = present.has("metadata_version") ? await table.countRows("metadata_version = 1 AND vector IS NULL") : 0;
    const none = await table.countRows("vector IS NULL");
    const state = readState(storePath);
    const model = state?.vectors?.model ?? cfgIdentity(readDatusCfg(storePath));
    const legacy = state !== undefined && state.vectors === undefined && v1 > 0;
    vectors = {
      searchText: v1 - v1Stale - v1None,
      stale: figures.total - v1 - (none - v1None) + v1Stale,
      none,
      model: legacy ? "hashing (datus-schema 0.1)" : model ? describeIdentity(model) : undefined,
    };
  }
  const state = readState(storePath);
  const unfinished = state && state.phase !== "done" ? { startedAt: state.startedAt, pending: figures.total - v1, preMigrationVersion: state.preMigrationVersion } : undefined;
  return { figures, parseFailures: readParseFailures(storePath).map(withLlmReason), vectors, embeddingFailures: readEmbeddingFailures(storePath), unfinished, queryLog: readQueryLogRecord(storePath) };
}

/** A recorded parse failure with the LLM fallback's reason, when the run that recorded it asked the LLM (llm-recovery.ts). */
function withLlmReason(f: ParseFailure): ReportedParseFailure {
  const llm = (f as { readonly llm?: unknown }).llm;
  return typeof llm === "string" ? { identifier: f.identifier, dialect: f.dialect, error: f.error, llm } : f;
}
