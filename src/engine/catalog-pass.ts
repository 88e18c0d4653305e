/**
 * The catalog pre-pass: relationships are inferred across the whole catalog, not per batch, so before the
 * main pass every table's names, columns and keys are read (in the workers) into one compact index.
 */
import type * as lancedb from "@lancedb/lancedb";
import type { Piscina } from "piscina";
import { parseDdl, unreadStructure } from "../ddl/parse-ddl.js";
import { sniffDialect } from "../ddl/sniff-dialect.js";
import type { Dialect, SourceTable } from "../model.js";
import { CatalogIndex, summarize, type TableSummary } from "../relationships/catalog-index.js";
import { sourceTablesOf } from "../store/arrow-rows.js";
import { scanBatches } from "../store/schema-store.js";
import type { Progress } from "./progress.js";
import { markStep, type StepMarker, type TableGuard } from "./table-guard.js";
import { runTask } from "./worker-tasks.js";

export interface SummarizeTask {
  readonly rows: readonly SourceTable[];
  readonly dialect: Dialect;
  /** Where the worker marks the table it is on (table-guard.ts). */
  readonly marker?: StepMarker;
}

/** Worker side: the summary of each table (names, columns, keys) from its DDL. */
export function summarizeBatch(task: SummarizeTask): TableSummary[] {
  return task.rows.map((row, i) => {
    markStep(task.marker, i);
    return summarize(row, parseDdl(row.definition, task.dialect === "unknown" ? sniffDialect(row.definition) : task.dialect));
  });
}

const SOURCE_COLUMNS = ["identifier", "catalog_name", "database_name", "schema_name", "table_name", "table_type", "definition"];

/**
 * Index every table of `table` (a snapshot), parsing in the pool with bounded in-flight batches. A table
 * whose DDL crashes or overruns a worker is set aside in `guard` and indexed by its names alone.
 */
export async function indexCatalog(pool: Piscina, table: lancedb.Table, dialect: Dialect, workers: number, progress: Progress, guard: TableGuard, signal?: AbortSignal): Promise<CatalogIndex> {
  const index = new CatalogIndex();
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  progress.start("indexing the catalog", await table.countRows());
  try {
    for await (const batch of scanBatches(table, { columns: SOURCE_COLUMNS })) {
      if (signal?.aborted || failure) break;
      const rows = sourceTablesOf(batch);
      const p: Promise<void> = guard
        .run(rows, (part, marker, abort) => runTask(pool, "summarize", { rows: part, dialect, marker }, abort))
        .then(({ done, setAside }) => {
          for (const { result } of done) for (const s of result) index.add(s);
          for (const { table: t, reason } of setAside) {
            progress.warn(`${t.identifier}: ${reason}; indexed by its name only`);
            index.add(summarize({ ...t, definition: "" }, unreadStructure(dialect, reason)));
          }
          progress.advance(rows.length);
        })
        .catch((err: unknown) => {
          failure ??= err;
        })
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
      while (inFlight.size >= Math.max(2, workers * 2)) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  } finally {
    progress.finish();
  }
  if (failure) throw failure;
  return index;
}
