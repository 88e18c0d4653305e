/**
 * What the commands print at the end: the run's summary and the store's coverage report. Names that come
 * from a store or a database are escaped for the terminal (printable.ts); secrets of the config are redacted.
 */
import type { ImportOutcome } from "../engine/import-live.js";
import type { MigrateOutcome } from "../engine/migrate.js";
import { skippedLines } from "../engine/query-log-mining.js";
import type { LogFormat } from "../engine/progress.js";
import { describeRowCheck } from "../engine/row-ledger.js";
import { reportStore } from "../engine/store-report.js";
import { printable } from "../printable.js";
import { formatReport, llmFallbackReasons, parseFailuresPerDialect, reportJson } from "../report/coverage.js";
import { redactSecrets } from "../secrets.js";
import { DatusError } from "../errors.js";
import { reportFailure } from "./failure.js";

/** One line (or several, already escaped) on stdout. */
/** User + system CPU seconds of the whole process so far (every thread), for the JSON summaries. */
export function cpuSeconds(): number {
  const { userCPUTime, systemCPUTime } = process.resourceUsage();
  return Math.round((userCPUTime + systemCPUTime) / 1000) / 1000;
}

export function out(line: string): void {
  process.stdout.write(`${redactSecrets(line)}\n`);
}

function perKey(counter: Record<string, number>): string {
  const entries = Object.entries(counter).sort((a, b) => b[1] - a[1]);
  return entries.length ? entries.map(([k, v]) => `${printable(k)} ${v}`).join(", ") : "none";
}

/** The distinct reasons of a counter, most frequent first, at most `max`. */
function topReasons(counter: Readonly<Record<string, number>>, max: number): [string, number][] {
  return Object.entries(counter).sort((a, b) => b[1] - a[1]).slice(0, max);
}

/** The store directory's bytes before and after a run (its backups, beside it, not counted). */
export interface StoreSize {
  readonly before: number;
  readonly after: number;
}

function sizeText(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${(bytes / 1e3).toFixed(1)} kB`;
}

function sizeLine(size: StoreSize | undefined): void {
  if (size) out(`Store size: ${sizeText(size.before)} before, ${sizeText(size.after)} after (the table keeps its earlier versions for rollback; backups not counted)`);
}

const sizeJson = (size: StoreSize | undefined) => (size ? { before: size.before, after: size.after } : null);

export function printMigrateSummary(o: MigrateOutcome, format: LogFormat, size?: StoreSize): void {
  const c = o.counts;
  if (format === "json") {
    out(
      JSON.stringify({
        event: "migrate",
        status: o.status,
        store: o.storePath,
        total_rows: o.totalRows,
        todo: o.todo,
        written: c?.written ?? 0,
        resumed: o.resumed,
        parse_failures: c?.parseFailureCount ?? 0,
        dialects: c?.dialects ?? {},
        parsers: c?.parsers ?? {},
        tables_with_relationships: c?.relationships ?? 0,
        statistics_failures: c?.statisticsFailures ?? 0,
        embedding_failures: c?.embeddingFailureCount ?? 0,
        stale_vectors_written: c?.staleVectors ?? 0,
        duplicate_rows: o.duplicateRows ?? 0,
        row_check: c?.rowCheck ?? null,
        left_pending: c?.leftPending ?? 0,
        indexes: o.indexesBuilt ?? [],
        llm: o.llm ?? null,
        query_log: o.queryLog ? { queries: o.queryLog.queries, failed: o.queryLog.failed, skipped: o.queryLog.skipped, skipped_at: o.queryLog.skippedAt, ...(o.queryLog.warnings.length > 0 ? { warnings: o.queryLog.warnings } : {}) } : null,
        identifiers_changed: o.identifiers ?? null,
        backup: o.backupPath ?? null,
        pre_migration_version: o.preMigrationVersion ?? null,
        // kilobytes; covers the worker threads and LanceDB's native memory (one process)
        peak_rss_kb: process.resourceUsage().maxRSS,
        cpu_seconds: cpuSeconds(),
        store_bytes: sizeJson(size),
      }),
    );
    return;
  }
  out("");
  out(o.status === "dry-run" ? "MIGRATION DRY RUN (nothing was written)" : "MIGRATION SUMMARY");
  out("=".repeat(80));
  out(`Store: ${printable(o.storePath)}`);
  switch (o.status) {
    case "nothing-to-do":
      out(`Status: nothing to do: all ${o.totalRows} tables are already v1 (use --force to redo every table)`);
      break;
    case "dry-run":
      out(`Would migrate: ${o.todo} of ${o.totalRows} tables`);
      break;
    case "interrupted":
      out(`Status: INTERRUPTED after ${c?.written ?? 0} of ${o.todo} tables; what was written is committed. Re-run the same command to resume.`);
      break;
    case "migrated":
      out(`Status: migrated ${c?.written ?? 0} of ${o.todo} tables${o.resumed ? " (resumed an earlier run)" : ""}`);
      break;
  }
  if (o.duplicateRows) out(`Duplicate identifiers: ${o.duplicateRows} rows of the v0 table repeated an identifier; the first of each was kept (rollback restores the others)`);
  if (c) {
    if (c.rowCheck) out(`Row check: ${describeRowCheck(c.rowCheck)}`);
    out(`Dialects: ${perKey(c.dialects)}`);
    out(`Parsed by: ${perKey(c.parsers)}`);
    out(`Tables with relationships: ${c.relationships}`);
    out(`DDL parse failures: ${c.parseFailureCount}${c.parseFailureCount ? " (migrated with what could be read; `report --details` lists them)" : ""}`);
    for (const f of c.parseFailures.slice(0, o.status === "dry-run" ? 20 : 5)) out(`  ${printable(f.identifier)} [${f.dialect}]: ${printable(f.error)}`);
    if (c.parseFailureCount > 5 && o.status !== "dry-run") out(`  ... and ${c.parseFailureCount - 5} more`);
    if (c.statisticsFailures) out(`Statistics failures: ${c.statisticsFailures} tables (migrated without statistics)`);
    if (c.embeddingFailureCount) {
      out(`Embedding failures: ${c.embeddingFailureCount} tables were not written and stay pending (re-run to retry):`);
      for (const f of c.embeddingFailures.slice(0, 5)) out(`  ${printable(f.identifier)}: ${printable(f.error)}`);
    }
    const ids = o.identifiers;
    if (ids && ids.rekeyed) {
      out(`Identifiers re-keyed: ${ids.rekeyed} rows got a v1 identifier their stored one does not spell (made of their name columns; anything keyed on the old identifier will not find them):`);
      for (const e of ids.examples.filter((x) => x.kind === "rekeyed")) out(`  ${printable(e.from)} -> ${printable(e.to)}`);
    }
    if (ids && ids.normalised) {
      const e = ids.examples.find((x) => x.kind === "normalised");
      out(`Identifiers normalised: ${ids.normalised} old-format identifiers written canonically${e ? ` (e.g. ${printable(e.from)} -> ${printable(e.to)})` : ""}`);
    }
    if (c.leftPending) out(`Left pending: ${c.leftPending} tables, each under an identifier that still holds another table's row which this run did not migrate; re-run once that table is migrated`);
    if (c.staleVectors) out(`Vectors kept: ${c.staleVectors} rows keep a vector of their definition (--keep-vectors): run \`datus-schema embed\` to embed their search_text`);
  }
  if (o.indexesBuilt?.length) out(`Indexes: ${o.indexesBuilt.join("; ")}`);
  if (o.llm) {
    out(`LLM fallback: ${o.llm.recovered} tables read by the LLM, ${o.llm.unrecovered} it could not read`);
    // the cause once, not once per table: a wrong key fails every table the same way
    for (const [reason, n] of topReasons(o.llm.failures, 3)) out(`  no answer for ${n}: ${printable(reason)}`);
    if (o.llm.rejected) out(`  answers rejected for ${o.llm.rejected} (not the asked JSON, or naming what the DDL does not hold; \`report --details\` says why per table)`);
  }
  if (o.queryLog) {
    out(`Query log: ${o.queryLog.queries} queries mined for JOINs (${o.queryLog.failed} not parsed${o.queryLog.skipped ? `; ${printable(skippedLines({ count: o.queryLog.skipped, at: o.queryLog.skippedAt }))}` : ""})`);
    for (const w of o.queryLog.warnings) out(`  warning: ${printable(w)}`);
  }
  if (o.status !== "dry-run") {
    out(`Backup: ${o.backupPath ?? "none (--skip-backup, or taken by an earlier run)"}`);
    sizeLine(size);
    if (o.preMigrationVersion !== undefined) out(`Undo with: datus-schema rollback --db-path ${o.storePath}   (returns to table version ${o.preMigrationVersion})`);
  }
}

export function printImportSummary(o: ImportOutcome, storePath: string, format: LogFormat, size?: StoreSize): void {
  const c = o.counts;
  if (format === "json") {
    out(
      JSON.stringify({
        event: "import",
        store: storePath,
        listed: o.listed,
        unchanged: o.unchanged,
        removed: o.removed,
        written: c.written,
        interrupted: c.interrupted,
        parse_failures: c.parseFailureCount,
        statistics_failures: c.statisticsFailures,
        embedding_failures: c.embeddingFailureCount,
        indexes: o.indexesBuilt ?? [],
        peak_rss_kb: process.resourceUsage().maxRSS,
        cpu_seconds: cpuSeconds(),
        store_bytes: sizeJson(size),
      }),
    );
    return;
  }
  out("");
  out("LIVE IMPORT SUMMARY");
  out("=".repeat(80));
  out(`Store: ${printable(storePath)}`);
  out(`Tables in the live database: ${o.listed}${o.unchanged ? ` (${o.unchanged} unchanged, skipped)` : ""}`);
  out(`Written: ${c.written}${c.interrupted ? " (INTERRUPTED: re-run to finish)" : ""}`);
  if (o.removed) out(`Removed: ${o.removed} tables the database no longer has (still in the table history and the backup)`);
  if (c.rowCheck) out(`Row check: ${describeRowCheck(c.rowCheck)}`);
  if (c.statisticsFailures) out(`Statistics failures: ${c.statisticsFailures}`);
  if (c.parseFailureCount) out(`DDL parse failures: ${c.parseFailureCount} (catalog structure used)`);
  if (c.embeddingFailureCount) {
    out(`Embedding failures: ${c.embeddingFailureCount} tables were not written (re-run to retry):`);
    for (const f of c.embeddingFailures.slice(0, 5)) out(`  ${printable(f.identifier)}: ${printable(f.error)}`);
  }
  if (o.indexesBuilt?.length) out(`Indexes: ${o.indexesBuilt.join("; ")}`);
  if (o.backupPath) out(`Backup: ${o.backupPath}`);
  sizeLine(size);
}

/** `workers`: threads that read a large store (the run's --workers; default the CPU cores). */
export async function printStoreReport(storePath: string, topTags: number, format: LogFormat, details: boolean, workers?: number): Promise<void> {
  const { figures, parseFailures, vectors, embeddingFailures, unfinished, queryLog } = await reportStore(storePath, topTags, { workers });
  if (format === "json") {
    out(
      JSON.stringify({
        ...reportJson(figures),
        parse_failures: { total: parseFailures.length, per_dialect: parseFailuresPerDialect(parseFailures), llm_fallback: llmFallbackReasons(parseFailures) },
        vectors: vectors ? { search_text: vectors.searchText, definition: vectors.stale, none: vectors.none, model: vectors.model ?? null } : null,
        embedding_failures: { total: embeddingFailures.length, tables: embeddingFailures.slice(0, 1000) },
        unfinished_migration: unfinished ? { started_at: unfinished.startedAt, pending: unfinished.pending, pre_migration_version: unfinished.preMigrationVersion } : null,
        query_log: queryLog ? { path: queryLog.path, at: queryLog.at, queries: queryLog.queries, failed: queryLog.failed, skipped: queryLog.skipped, warnings: queryLog.warnings, unparsed: queryLog.unparsed } : null,
      }),
    );
    return;
  }
  out("");
  out(formatReport(figures, { dbPath: storePath, tty: Boolean(process.stdout.isTTY), details, parseFailures, vectors, embeddingFailures, unfinished, queryLog }));
}

/**
 * Exit status of a run whose other work is done: 1 when tables could not be embedded (they stay pending,
 * committed work stays committed), with the error and hint every failure ends with.
 */
export function reportEmbeddingFailures(count: number, format: LogFormat): number {
  if (count === 0) return 0;
  return reportFailure(
    new DatusError("failed", `${count} tables could not be embedded and were left pending (everything else is committed)`, "see the embedding failures above and `datus-schema report --details`; re-run the same command to retry them"),
    format,
  );
}
