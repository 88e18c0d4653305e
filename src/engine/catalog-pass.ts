/**
 * The catalog pre-pass: relationships are inferred across the whole catalog, not per batch, so before the
 * main pass every table's names, columns and keys are read (in the workers) into one compact index.
 */
import { randomUUID } from "node:crypto";
import type * as lancedb from "@lancedb/lancedb";
import type { Piscina } from "piscina";
import { unreadStructure } from "../ddl/parse-ddl.js";
import { type Dialect, SOURCE_COLUMNS } from "../model.js";
import { CatalogIndex, summarize } from "../relationships/catalog-index.js";
import { InferredCatalog, type InferredPart } from "../relationships/inferred-catalog.js";
import type { JoinEvidence } from "../relationships/query-log.js";
import { catalogBatchOf } from "../store/arrow-rows.js";
import { scanBatches } from "../store/schema-store.js";
import { catalogRows, catalogTableAt } from "./catalog-text.js";
import type { Progress } from "./progress.js";
import type { TableGuard } from "./table-guard.js";
import { runTask } from "./worker-tasks.js";
import { BoundedScheduler } from "./bounded-scheduler.js";
import { type Relationships, type SharedIndex, type SharedRelationships, shareWithIndex } from "./relationship-stage.js";


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
      // the batch stays bytes in shared memory: this thread holds no JS string of it while the workers read it
      const text = catalogBatchOf(batch);
      const rows = catalogRows(text);
      await scheduler.start(async () => {
        const { done, setAside } = await guard.run(rows, (part, marker, abort) => runTask(pool, "summarize", { text, tables: part.map((r) => r.at), dialect, marker }, abort));
        for (const { result } of done) for (const s of result) index.add(s);
        for (const { table, reason } of setAside) {
          progress.warn(`${table.identifier}: ${reason}; indexed by its name only`);
          index.add(summarize({ ...catalogTableAt(text, table.at), definition: "" }, unreadStructure(dialect, reason)));
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

/** Tables per inference task: small enough that the parts spread evenly over the workers and progress moves. */
const INFER_PART = 10_000;

/**
 * Puts the built index in shared memory, then infers every table's edges from names in the pool, a range of
 * tables per task, over that memory. The built index is not used after: its caller drops it, so its strings
 * and maps can go while the migration runs. Returns the shared handles for the tasks and this thread's view.
 */
export function inferCatalog(
  pool: Piscina,
  built: CatalogIndex,
  evidence: JoinEvidence | undefined,
  workers: number,
  progress: Progress,
  signal?: AbortSignal,
  partTables = INFER_PART,
): Promise<{ readonly shared: SharedRelationships; readonly opened: Relationships }> {
  // not async: no suspended frame keeps `built` while the workers infer
  return inferShared(pool, { id: randomUUID(), shared: built.share() }, built.declaredTargets(), evidence, workers, progress, signal, partTables);
}

async function inferShared(
  pool: Piscina,
  index: SharedIndex,
  declared: readonly number[],
  evidence: JoinEvidence | undefined,
  workers: number,
  progress: Progress,
  signal: AbortSignal | undefined,
  partTables: number,
): Promise<{ readonly shared: SharedRelationships; readonly opened: Relationships }> {
  const opened = CatalogIndex.open(index.shared);
  const parts: InferredPart[] = [];
  const scheduler = BoundedScheduler.forWorkers(workers);
  progress.start("inferring relationships", opened.size);
  try {
    for (let from = 0; from < opened.size && !signal?.aborted && !scheduler.stopped; from += partTables) {
      const to = Math.min(opened.size, from + partTables);
      await scheduler.start(async () => {
        parts.push(await runTask(pool, "infer", { index, from, to }));
        progress.advance(to - from);
      });
    }
    await scheduler.drain();
  } finally {
    progress.finish();
  }
  return shareWithIndex(index, opened, InferredCatalog.assemble(opened, declared, parts), evidence);
}
