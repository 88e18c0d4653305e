/**
 * Row count and column statistics of one SQLite table or view: the exact `count(*)` (SQLite keeps no row
 * estimate without ANALYZE), then one aggregate query for every column over the first `sample_rows` rows
 * when the table is larger (SQLite has no TABLESAMPLE), and one for the values of low-cardinality columns
 * over the same rows; provenance as the other engines record it. SQLite stores any value in any column, so numeric figures count only the INTEGER and REAL
 * values of a column of numeric affinity; std is the sample standard deviation, from the sum of squared
 * deviations from the mean (a second pass over the materialised sample, no cancellation of large sums).
 * Means and stds are rounded to 12 significant digits.
 */
import { DatusError } from "../../errors.js";
import type { ColumnStatistics, SourceTable, TableStatistics } from "../../model.js";
import {
  cellText,
  columnMethod,
  MAX_VALUE_TEXT,
  plannedRead,
  possibleTopValueCandidates,
  type ProfileRule,
  provenanceOf,
  type ReadPlan,
  readPlan,
  roundFigure,
  statisticsPurpose,
  topValueCandidates,
  topValuesPurpose,
  withTopValues,
} from "../column-profile.js";
import type { PlannedStatement } from "../live-source.js";
import { finiteNumber, quoteIdent, type Row, type SqliteConnection, text } from "./sqlite-sql.js";


export type StatisticsKind = "numeric" | "temporal" | "text" | "other";

/**
 * The statistics kind of a declared type, by SQLite's affinity rules (datatype3.html §3.1), with DATE and
 * TIME types (stored as text or numbers) read as temporal: min/max only.
 */
export function statisticsKind(declared: string): StatisticsKind {
  const t = declared.toUpperCase();
  if (/DATE|TIME/.test(t)) return "temporal";
  if (t.includes("INT")) return "numeric";
  if (/CHAR|CLOB|TEXT/.test(t)) return "text";
  if (t.includes("BLOB") || t.trim() === "") return "other";
  return "numeric"; // REAL, FLOA, DOUB, NUMERIC, DECIMAL, BOOLEAN …
}


/** What the catalog says of a table before any statement reads it. */
interface Catalog {
  readonly from: string;
  readonly columns: readonly { readonly name: string; readonly kind: StatisticsKind }[];
  /** sqlite_stat1's row count of the table's first index (kept by ANALYZE); null without one. */
  readonly estimate: number | null;
}

async function readCatalog(conn: SqliteConnection, table: SourceTable): Promise<Catalog> {
  const columnRows = (await conn.all(`SELECT name, type, hidden FROM pragma_table_xinfo(?) ORDER BY cid`, [table.tableName])).filter((c) => Number(c.hidden) !== 1);
  if (columnRows.length === 0) {
    throw new DatusError("source", `SQLite table ${table.identifier} not found`, "the table may have been dropped or renamed since the catalog was read; run the command again");
  }
  return {
    from: `main.${quoteIdent(table.tableName)}`,
    columns: columnRows.map((r) => ({ name: text(r.name), kind: statisticsKind(text(r.type)) })),
    estimate: await statEstimate(conn, table.tableName),
  };
}

/** ANALYZE's row count (the first number of sqlite_stat1.stat), when the file has that table and a row for this one. */
async function statEstimate(conn: SqliteConnection, tableName: string): Promise<number | null> {
  const has = await conn.all("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'");
  if (has.length === 0) return null;
  const [row] = await conn.all("SELECT stat FROM main.sqlite_stat1 WHERE tbl = ? LIMIT 1", [tableName]);
  const n = row === undefined ? null : finiteNumber(text(row.stat).split(" ")[0]);
  return n === null || n < 0 ? null : n;
}

// The statements, built here only: the real run and the dry run's plan send the same text.
const countSql = (cat: Catalog) => `SELECT count(*) AS n FROM ${cat.from}`;
const rowsRead = (cat: Catalog, plan: ReadPlan) => (plan.read === "sample" ? `SELECT * FROM ${cat.from} LIMIT ${plan.rows}` : `SELECT * FROM ${cat.from}`);

function statisticsSql(cat: Catalog, sampled: string): string {
  // numbers only: a TEXT value in a numeric column would count as 0 in avg()
  const num = (c: string) => `CASE WHEN typeof(${c}) IN ('integer', 'real') THEN ${c} END`;
  const means: string[] = [];
  const parts = ["count(*) AS n"];
  cat.columns.forEach((col, i) => {
    const c = `s.${quoteIdent(col.name)}`;
    parts.push(`count(${c}) AS c${i}_nn`, `count(DISTINCT ${c}) AS c${i}_d`);
    if (col.kind === "numeric") {
      means.push(`avg(${num(c)}) AS m${i}`);
      parts.push(`min(${num(c)}) AS c${i}_min`, `max(${num(c)}) AS c${i}_max`, `max(m.m${i}) AS c${i}_mean`, `count(${num(c)}) AS c${i}_k`);
      parts.push(`sum((${num(c)} - m.m${i}) * (${num(c)} - m.m${i})) AS c${i}_ss`);
    } else if (col.kind === "temporal" || col.kind === "text") {
      parts.push(`substr(CAST(min(${c}) AS TEXT), 1, ${MAX_VALUE_TEXT}) AS c${i}_min`, `substr(CAST(max(${c}) AS TEXT), 1, ${MAX_VALUE_TEXT}) AS c${i}_max`);
    }
  });
  return `WITH s AS MATERIALIZED (${sampled}), m AS (SELECT ${means.length > 0 ? `${means.join(", ")} FROM s` : "1 AS none"})\n` + `SELECT ${parts.join(", ")} FROM s, m`;
}

/** The same rows once more, one GROUP BY per candidate column. */
function topValuesSql(cat: Catalog, sampled: string, candidates: readonly number[]): string {
  const branches = candidates.map((c, j) => {
    const col = quoteIdent(cat.columns[c].name);
    return `SELECT ${j} AS k, substr(CAST(${col} AS TEXT), 1, ${MAX_VALUE_TEXT}) AS v, count(*) AS n FROM s WHERE ${col} IS NOT NULL GROUP BY ${col}`;
  });
  return `WITH s AS MATERIALIZED (${sampled})\n${branches.join("\nUNION ALL ")}`;
}

/** The statements {@link readTableStatistics} would run (see `LiveSource.planStatistics`); only the catalog is read. */
export async function planTableStatistics(conn: SqliteConnection, table: SourceTable, rule: ProfileRule): Promise<PlannedStatement[]> {
  const cat = await readCatalog(conn, table);
  // SQLite always counts (its estimate, when ANALYZE left one, only sizes the plan)
  const out: PlannedStatement[] = [{ sql: countSql(cat), estimatedRows: cat.estimate, purpose: "row_count: count every row" }];
  const plan = plannedRead(cat.estimate, rule);
  if (plan.read === "none") return out;
  const sampled = rowsRead(cat, plan);
  const read = plan.read === "sample" ? plan.rows : cat.estimate;
  out.push({ sql: statisticsSql(cat, sampled), estimatedRows: read, purpose: statisticsPurpose(plan, cat.estimate, "first_rows", rule.sampleRows) });
  const candidates = possibleTopValueCandidates(cat.columns.map((c) => ({ name: c.name, eligible: c.kind !== "other" })), rule);
  if (candidates.length > 0) {
    out.push({ sql: topValuesSql(cat, sampled, candidates), estimatedRows: read === null ? null : read * candidates.length, purpose: topValuesPurpose(candidates.map((c) => cat.columns[c].name), rule) });
  }
  return out;
}

export async function readTableStatistics(conn: SqliteConnection, table: SourceTable, rule: ProfileRule): Promise<TableStatistics> {
  const cat = await readCatalog(conn, table);
  const rowCount = finiteNumber((await conn.all(countSql(cat)))[0]?.n) ?? 0;
  const plan = readPlan(rowCount, rule);
  const provenance = provenanceOf("exact", null, plan, "first_rows", rule);
  if (plan.read === "none") return { rowCount, columns: {}, provenance };

  const planned = cat.columns;
  const sampled = rowsRead(cat, plan);
  const stats: Row = (await conn.all(statisticsSql(cat, sampled)))[0] ?? {};
  const n = finiteNumber(stats.n) ?? 0;
  const columns: Record<string, ColumnStatistics> = {};
  const method = columnMethod(plan, "first_rows");
  planned.forEach((col, i) => {
    const nonNull = finiteNumber(stats[`c${i}_nn`]) ?? 0;
    const base: ColumnStatistics = { null_fraction: n === 0 ? null : (n - nonNull) / n, distinct: finiteNumber(stats[`c${i}_d`]), sampled_rows: n, ...method };
    if (col.kind === "numeric") {
      const k = finiteNumber(stats[`c${i}_k`]) ?? 0;
      const ss = finiteNumber(stats[`c${i}_ss`]);
      const std = k > 1 && ss !== null ? Math.sqrt(Math.max(0, ss) / (k - 1)) : null;
      columns[col.name] = { min: finiteNumber(stats[`c${i}_min`]), max: finiteNumber(stats[`c${i}_max`]), mean: roundFigure(finiteNumber(stats[`c${i}_mean`])), std: roundFigure(std), ...base };
    } else if (col.kind === "temporal" || col.kind === "text") {
      const v = (x: unknown) => (x === null || x === undefined ? null : text(x));
      columns[col.name] = { min: v(stats[`c${i}_min`]), max: v(stats[`c${i}_max`]), ...base };
    } else {
      columns[col.name] = base;
    }
  });
  const candidates = topValueCandidates(planned.map((c, i) => ({ name: c.name, distinct: finiteNumber(stats[`c${i}_d`]), eligible: c.kind !== "other" })), rule);
  if (candidates.length === 0) return { rowCount, columns, provenance };
  // the values never leave this function but as top_values
  const valueRows = await conn.all(topValuesSql(cat, sampled, candidates));
  const topRows = valueRows.map((r) => ({ column: candidates[Number(r.k)], value: cellText(r.v) ?? "", count: finiteNumber(r.n) ?? 0 }));
  return { rowCount, columns: withTopValues(columns, planned.map((c) => c.name), topRows, (i) => finiteNumber(stats[`c${i}_nn`]) ?? 0, rule), provenance };
}
