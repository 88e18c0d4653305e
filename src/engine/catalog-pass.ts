/**
 * The catalog pre-pass: relationships are inferred across the whole catalog, not per batch, so before the
 * main pass every table's names, columns and keys are read (in the workers) into one compact index.
 */
import type * as lancedb from "@lancedb/lancedb";
import type { Piscina } from "piscina";
import { parseDdl } from "../ddl/parse-ddl.js";
import { sniffDialect } from "../ddl/sniff-dialect.js";
import type { Dialect, SourceTable } from "../model.js";
import { CatalogIndex, summarize, type TableSummary } from "../relationships/catalog-index.js";
import { sourceTablesOf } from "../store/arrow-rows.js";
import { scanBatches } from "../store/schema-store.js";
import type { Progress } from "./progress.js";

export interface SummarizeTask {
  readonly rows: readonly SourceTable[];
  readonly dialect: Dialect;
}

/** Worker side: the summary of each table (names, columns, keys) from its DDL. */
export function summarizeBatch(task: SummarizeTask): TableSummary[] {
  return task.rows.map((row) => summarize(row, parseDdl(row.definition, task.dialect === "unknown" ? sniffDialect(row.definition) : task.dialect)));
}

const SOURCE_COLUMNS = ["identifier", "catalog_name", "database_name", "schema_name", "table_name", "table_type", "definition"];

/** Index every table of `table` (a snapshot), parsing in the pool with bounded in-flight batches. */
export async function indexCatalog(pool: Piscina, table: lancedb.Table, dialect: Dialect, workers: number, progress: Progress, signal?: AbortSignal): Promise<CatalogIndex> {
  const index = new CatalogIndex();
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  progress.start("indexing the catalog", await table.countRows());
  try {
    for await (const batch of scanBatches(table, { columns: SOURCE_COLUMNS })) {
      if (signal?.aborted || failure) break;
      const rows = sourceTablesOf(batch);
      const task: SummarizeTask = { rows, dialect };
      const p: Promise<void> = (pool.run(task, { name: "summarize" }) as Promise<TableSummary[]>)
        .then((summaries) => {
          for (const s of summaries) index.add(s);
          progress.advance(summaries.length);
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
