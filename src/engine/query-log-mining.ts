/** JOINs mined from a query log (`--query-log`), with what the log gave and why it gave nothing when it did. */
import type { Dialect } from "../model.js";
import { JoinEvidence, readQueryLog, type UnparsedQuery } from "../relationships/query-log.js";
import type { Progress } from "./progress.js";

/** What a query log gave: statements read, those not parsed, lines that were no query (and where the first are). */
export interface QueryLogCounts {
  readonly queries: number;
  readonly failed: number;
  readonly skipped: number;
  readonly skippedAt: readonly string[];
  /** Why the log gave nothing: no file the reader takes, no query in its files, or not one query parsed. */
  readonly warnings: readonly string[];
  /** The first queries the parser could not read, with its reason (`report --details`). */
  readonly unparsed: readonly UnparsedQuery[];
}

/**
 * Read a query log and count the column equalities of its JOINs. A log that gives nothing is a warning, not
 * silence: a directory with no file the reader takes (`.tpl` templates, `.txt` exports), files without a
 * query, or queries of which not one parses.
 */
export async function mineQueryLog(path: string, dialect: Dialect, progress: Progress): Promise<{ evidence: JoinEvidence; counts: QueryLogCounts }> {
  const evidence = new JoinEvidence();
  const log = readQueryLog(path);
  for await (const sql of log) evidence.addQuery(sql, dialect === "unknown" ? "mysql" : dialect);
  evidence.skippedLines = { count: log.skipped, at: log.skippedAt };
  progress.log(`query log ${path}: ${evidence.queries} queries read, ${evidence.failed} not parsed (${log.files} file${log.files === 1 ? "" : "s"})`);
  if (log.skipped > 0) progress.warn(`query log ${path}: ${skippedLines(evidence.skippedLines)}`);
  const warnings: string[] = [];
  const { count: ignored, names } = log.ignoredFiles;
  if (log.files === 0) {
    const others = ignored > 0 ? `; it holds ${ignored} other file${ignored === 1 ? "" : "s"} (${names.join(", ")}${ignored > names.length ? ", ..." : ""})` : "";
    warnings.push(`query log ${path}: no file the reader takes (.sql, .jsonl, .ndjson)${others}: no joins were mined (rename or convert the files, or point --query-log at them)`);
  } else if (evidence.queries === 0) {
    warnings.push(`query log ${path}: no query in its ${log.files} file${log.files === 1 ? "" : "s"}: no joins were mined`);
  } else if (evidence.failed === evidence.queries) {
    warnings.push(`query log ${path}: not one of its ${evidence.queries} queries could be parsed (first: ${evidence.unparsed[0]?.reason ?? "?"}): no joins were mined; \`report --details\` lists them`);
  }
  for (const w of warnings) progress.warn(w);
  const counts: QueryLogCounts = {
    queries: evidence.queries,
    failed: evidence.failed,
    skipped: evidence.skippedLines.count,
    skippedAt: evidence.skippedLines.at,
    warnings,
    unparsed: evidence.unparsed,
  };
  return { evidence, counts };
}

/** `3 lines skipped (not JSON, or no "sql" field): a.jsonl:2, a.jsonl:7, ...` */
export function skippedLines(s: { readonly count: number; readonly at: readonly string[] }): string {
  const more = s.count > s.at.length ? `, and ${s.count - s.at.length} more` : "";
  return `${s.count} lines skipped (not JSON, or no string "sql" field): ${s.at.join(", ")}${more}`;
}
