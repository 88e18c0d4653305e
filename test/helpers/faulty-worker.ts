/**
 * The enrich worker, misbehaving on purpose where a table's DDL asks for it, for the crash-isolation tests
 * (the tests hand this file to migrate() as its worker module; nothing in the tool can load it).
 * A DDL holding `/* worker: exit *\/` ends the worker thread (process.exit in a worker), `throw` throws,
 * `overflow` overflows the stack, `spin` never returns; `always` exits even when the DDL is not read (a fault
 * that is not the DDL's).
 * The worker marks the table first, as the real one does before reading it.
 */
import enrichWorker, { embed, infer } from "../../workers/enrich-worker.js";
import { type CatalogTask, catalogSourceTables, summarizeBatch } from "../../src/engine/summarize-batch.js";
import { type EnrichMessage, type EnrichResult, type EnrichTask, enrichTaskOf } from "../../src/engine/enrich-batch.js";
import { markStep } from "../../src/engine/table-guard.js";

const MARK = /\/\* worker: (\w+) \*\//;

function deep(n: number): number {
  return n === Number.MAX_SAFE_INTEGER ? n : deep(n + 1) + 1;
}

function misbehave(task: Pick<EnrichTask, "rows" | "marker" | "unread">): void {
  task.rows.forEach((row, i) => {
    const what = MARK.exec(row.definition)?.[1];
    const unread = "unread" in task && task.unread?.[row.identifier] !== undefined;
    if (what === undefined || (unread && what !== "always")) return;
    markStep(task.marker, i);
    if (what === "exit" || what === "always") process.exit(70);
    if (what === "throw") throw new Error("the DDL reader threw");
    if (what === "overflow") deep(0);
    if (what === "spin") for (;;);
  });
}

export default async function faultyEnrichWorker(message: EnrichMessage): Promise<EnrichResult> {
  const task = enrichTaskOf(message);
  misbehave(task);
  return enrichWorker(task);
}

export function summarize(task: CatalogTask): ReturnType<typeof summarizeBatch> {
  const rows = catalogSourceTables(task);
  misbehave({ rows, marker: task.marker });
  return summarizeBatch({ rows, dialect: task.dialect, marker: task.marker });
}

export { embed, infer };
