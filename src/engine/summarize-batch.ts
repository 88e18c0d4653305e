/**
 * The worker side of the catalog pre-pass (catalog-pass.ts is the coordinator's): each table's summary (names,
 * columns, keys) from its DDL. Kept apart so the worker threads never load the store layer.
 */
import { parseDdl } from "../ddl/parse-ddl.js";
import { sniffDialect } from "../ddl/sniff-dialect.js";
import type { CatalogText, Dialect, SourceTable } from "../model.js";
import { catalogTableAt } from "./catalog-text.js";
import { summarize, type TableSummary } from "../relationships/catalog-index.js";
import { hashString } from "../relationships/string-list.js";
import { markStep, type StepMarker } from "./table-guard.js";

export interface SummarizeTask {
  readonly rows: readonly SourceTable[];
  readonly dialect: Dialect;
  /** Where the worker marks the table it is on (table-guard.ts). */
  readonly marker?: StepMarker;
}

/** Worker side: the summary of each table (names, columns, keys) from its DDL, and the dialect sniffed for it. */
export function summarizeBatch(task: SummarizeTask): TableSummary[] {
  return task.rows.map((row, i) => {
    markStep(task.marker, i);
    if (task.dialect !== "unknown") return summarize(row, parseDdl(row.definition, task.dialect));
    const dialect = sniffDialect(row.definition);
    return { ...summarize(row, parseDdl(row.definition, dialect)), sniffed: { dialect, definitionHash: hashString(row.definition) } };
  });
}

/** Tables of a catalog-pass batch (positions in `text`) for a worker to summarize. */
export interface CatalogTask {
  readonly text: CatalogText;
  readonly tables: readonly number[];
  readonly dialect: Dialect;
  readonly marker?: StepMarker;
}

/** The task's tables, decoded. */
export function catalogSourceTables(task: CatalogTask): SourceTable[] {
  return task.tables.map((t) => catalogTableAt(task.text, t));
}

/** Worker side of the catalog pass: `summarizeBatch` over the task's tables. */
export function summarizeCatalog(task: CatalogTask): TableSummary[] {
  return summarizeBatch({ rows: catalogSourceTables(task), dialect: task.dialect, marker: task.marker });
}
