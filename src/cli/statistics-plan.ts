/**
 * `--dry-run` with statistics: the statements the statistics would run against each table, with the rows
 * each would read (the catalog's estimates), none of them run. Only catalog queries reach the database; a
 * plan holds SQL text and estimates, never a value of the data.
 */
import pLimit from "p-limit";
import type { LiveSource, PlannedStatement, StatisticsOptions } from "../dialects/live-source.js";
import { describeError } from "../errors.js";
import type { LogFormat } from "../engine/progress.js";
import type { SourceTable } from "../model.js";
import { printable } from "../printable.js";
import { out } from "./output.js";

/** The plan of one table: its statements, or why none could be made. */
export interface TablePlan {
  readonly identifier: string;
  readonly statements?: readonly PlannedStatement[];
  readonly error?: string;
}

/** Plans the statistics of `tables` (catalog reads only, at most `maxConnections` at once), in the order given. */
export async function planStatistics(
  live: LiveSource,
  tables: readonly SourceTable[],
  rule: StatisticsOptions,
  maxConnections: number,
  signal?: AbortSignal,
): Promise<TablePlan[]> {
  const plan = live.planStatistics?.bind(live);
  if (!plan) return [];
  const limit = pLimit(Math.max(1, maxConnections));
  return Promise.all(
    tables.map((t) =>
      limit(async (): Promise<TablePlan> => {
        if (signal?.aborted) return { identifier: t.identifier, error: "not planned: the run was interrupted" };
        try {
          return { identifier: t.identifier, statements: await plan(t, rule) };
        } catch (err) {
          return { identifier: t.identifier, error: describeError(err) };
        }
      }),
    ),
  );
}

/** The one line said when the source cannot plan its statistics. */
export function printNoPlan(live: LiveSource, format: LogFormat): void {
  const message = `dry run: ${live.dialect} sources cannot list their statistics queries; nothing was read from the tables`;
  out(format === "json" ? JSON.stringify({ event: "dry_run_statistics", planned: false, dialect: live.dialect, message }) : message);
}

function rowsText(n: number | null): string {
  return n === null ? "unknown rows (no catalog estimate)" : `~${n} rows`;
}

/** Text: per table its statements, each with the rows it would read; then the total. JSON: one object per table, then one total. */
export function printStatisticsPlans(plans: readonly TablePlan[], format: LogFormat): void {
  let statements = 0;
  let rows = 0;
  let unknown = 0;
  let failed = 0;
  for (const p of plans) {
    if (!p.statements) {
      failed++;
      if (format === "json") out(JSON.stringify({ event: "dry_run_table", table: p.identifier, error: p.error ?? "" }));
      else out(`${printable(p.identifier)}: not planned: ${printable(p.error ?? "")}`);
      continue;
    }
    const known = p.statements.map((s) => s.estimatedRows).filter((n): n is number => n !== null);
    const tableRows = known.reduce((a, b) => a + b, 0);
    const tableUnknown = p.statements.length - known.length;
    statements += p.statements.length;
    rows += tableRows;
    unknown += tableUnknown;
    if (format === "json") {
      out(
        JSON.stringify({
          event: "dry_run_table",
          table: p.identifier,
          statements: p.statements.map((s) => ({ sql: s.sql, ...(s.params ? { params: s.params } : {}), estimated_rows: s.estimatedRows, purpose: s.purpose })),
          estimated_rows: tableRows,
          statements_without_estimate: tableUnknown,
        }),
      );
      continue;
    }
    out(`${printable(p.identifier)}: ${p.statements.length} statement(s), ${tableUnknown > 0 ? `${rowsText(tableRows)} + ${tableUnknown} unknown` : rowsText(tableRows)} read`);
    p.statements.forEach((s, i) => {
      out(`  ${i + 1}. ${printable(s.purpose)}: ${rowsText(s.estimatedRows)}`);
      out(`     ${printable(s.sql.replace(/\s*\n\s*/g, " "))}${s.params ? `  -- params ${JSON.stringify(s.params)}` : ""}`);
    });
  }
  const total = { tables: plans.length, statements, estimated_rows: rows, statements_without_estimate: unknown, tables_not_planned: failed };
  if (format === "json") out(JSON.stringify({ event: "dry_run", ...total }));
  else {
    out(
      `dry run total: ${plans.length} table(s), ${statements} statement(s), ~${rows} rows read` +
        `${unknown > 0 ? ` (+ ${unknown} statement(s) without an estimate)` : ""}${failed > 0 ? `, ${failed} table(s) not planned` : ""}; nothing was run`,
    );
  }
}
