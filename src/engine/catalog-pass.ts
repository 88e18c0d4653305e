/**
 * The catalog pre-pass: relationships are inferred across the whole catalog, not per batch, so before the
 * main pass every table's names, columns and keys are read (in the workers) into one compact index.
 */
import type * as lancedb from "@lancedb/lancedb";
import type { Piscina } from "piscina";
import { unreadStructure } from "../ddl/parse-ddl.js";
import type { Dialect } from "../model.js";
import { CatalogIndex, summarize } from "../relationships/catalog-index.js";
import { sourceTablesOf } from "../store/arrow-rows.js";
import { scanBatches } from "../store/schema-store.js";
import type { Progress } from "./progress.js";
import type { TableGuard } from "./table-guard.js";
import { runTask } from "./worker-tasks.js";
import { BoundedScheduler } from "./bounded-scheduler.js";

const SOURCE_COLUMNS = ["identifier", "catalog_name", "database_name", "schema_name", "table_name", "table_type", "definition"];

/**
 * Index every table of `table` (a snapshot), parsing in the pool with bounded in-flight batches. A table
 * whose DDL crashes or overruns a worker is set aside in `guard` and indexed by its names alone.
 */
export async function indexCatalog(pool: Piscina, table: lancedb.Table, dialect: Dialect, workers: number, progress: Progress, guard: TableGuard, signal?: AbortSignal): Promise<CatalogIndex> {
  const index = new CatalogIndex();
  const scheduler = BoundedScheduler.forWorkers(workers);
  progress.start("indexing the catalog", await table.countRows());
  try {
    for await (const batch of scanBatches(table, { columns: SOURCE_COLUMNS })) {
      if (signal?.aborted || scheduler.stopped) break;
      const rows = sourceTablesOf(batch);
      await scheduler.start(async () => {
        const { done, setAside } = await guard.run(rows, (part, marker, abort) => runTask(pool, "summarize", { rows: part, dialect, marker }, abort));
        for (const { result } of done) for (const s of result) index.add(s);
        for (const { table: t, reason } of setAside) {
          progress.warn(`${t.identifier}: ${reason}; indexed by its name only`);
          index.add(summarize({ ...t, definition: "" }, unreadStructure(dialect, reason)));
        }
        progress.advance(rows.length);
      });
    }
    await scheduler.drain();
  } finally {
    progress.finish();
  }
  return index;
}
