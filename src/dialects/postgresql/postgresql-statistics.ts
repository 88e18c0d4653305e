/**
 * Row count and column statistics of one PostgreSQL table or view: the exact `count(*)`, then one aggregate
 * query for every column, over a repeatable Bernoulli sample of about `sampleRows` rows when the planner's
 * estimate says the table is larger (views: the first `sampleRows` rows). Names are quoted, nothing spliced
 * but quoted identifiers and numbers; means and stds rounded to 12 significant digits for stable figures.
 */
import type pg from "pg";
import { DatusError } from "../../errors.js";
import type { ColumnStatistics, SourceTable, TableStatistics } from "../../model.js";
import { finiteNumber, qualifiedName, quoteIdent } from "./postgresql-sql.js";

const FLOAT_DIGITS = 12;
const MAX_TEXT = 200;

/** How a column is profiled, from pg_type.typcategory: N numeric, D date/time, S string, others only counted. */
type Kind = "numeric" | "temporal" | "text" | "other";

function kindOf(category: string): Kind {
  if (category === "N") return "numeric";
  if (category === "D") return "temporal";
  if (category === "S") return "text";
  return "other";
}

const COLUMNS_SQL = `
SELECT a.attname AS name, t.typcategory AS category, c.relkind AS kind, c.reltuples AS estimate
  FROM pg_attribute a
  JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_type t ON t.oid = a.atttypid
 WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped
 ORDER BY a.attnum`;

function selectList(columns: readonly { name: string; kind: Kind }[]): string {
  const parts = ["count(*) AS n"];
  columns.forEach((col, i) => {
    const c = quoteIdent(col.name);
    // text equality works for every type (json has no equality operator of its own)
    parts.push(`count(${c}) AS c${i}_nn`, `count(DISTINCT ${col.kind === "other" ? `${c}::text` : c}) AS c${i}_d`);
    if (col.kind === "numeric") {
      const f = `CAST(CAST(${c} AS numeric) AS float8)`;
      parts.push(`min(${f}) AS c${i}_min`, `max(${f}) AS c${i}_max`, `avg(${f}) AS c${i}_mean`, `stddev_samp(${f}) AS c${i}_std`);
    } else if (col.kind === "temporal" || col.kind === "text") {
      parts.push(`left(min(${c})::text, ${MAX_TEXT}) AS c${i}_min`, `left(max(${c})::text, ${MAX_TEXT}) AS c${i}_max`);
    }
  });
  return parts.join(", ");
}

function round(v: number | null): number | null {
  return v === null ? null : Number(v.toPrecision(FLOAT_DIGITS));
}

export async function readTableStatistics(client: pg.ClientBase, table: SourceTable, sampleRows: number): Promise<TableStatistics> {
  const columnRows = (await client.query<{ name: string; category: string; kind: string; estimate: number }>(COLUMNS_SQL, [table.schemaName, table.tableName])).rows;
  if (columnRows.length === 0) {
    throw new DatusError("source", `PostgreSQL table ${table.identifier} not found`, "the table may have been dropped or renamed since the catalog was read; run the command again");
  }
  const from = qualifiedName(table.schemaName, table.tableName);
  const rowCount = finiteNumber((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${from}`)).rows[0]?.n) ?? 0;
  const sample = Number.isFinite(sampleRows) ? Math.max(0, Math.floor(sampleRows)) : 0;
  if (sample === 0 || rowCount === 0) return { rowCount, columns: {} };
  const planned = columnRows.map((r) => ({ name: r.name, kind: kindOf(r.category) }));
  const isView = columnRows[0].kind === "v";
  let rows = from;
  if (rowCount > sample) {
    const percent = Math.min(100, (100 * sample) / rowCount);
    rows = isView ? `(SELECT * FROM ${from} LIMIT ${sample}) AS sampled` : `${from} TABLESAMPLE BERNOULLI (${percent.toFixed(6)}) REPEATABLE (42)`;
  }
  const stats = (await client.query<Record<string, unknown>>(`SELECT ${selectList(planned)} FROM ${rows}`)).rows[0] ?? {};
  const sampled = finiteNumber(stats.n) ?? 0;
  const columns: Record<string, ColumnStatistics> = {};
  planned.forEach((col, i) => {
    const nonNull = finiteNumber(stats[`c${i}_nn`]) ?? 0;
    const base: ColumnStatistics = { null_fraction: sampled === 0 ? null : (sampled - nonNull) / sampled, distinct: finiteNumber(stats[`c${i}_d`]), sampled_rows: sampled };
    if (col.kind === "numeric") {
      columns[col.name] = {
        min: finiteNumber(stats[`c${i}_min`]),
        max: finiteNumber(stats[`c${i}_max`]),
        mean: round(finiteNumber(stats[`c${i}_mean`])),
        std: round(finiteNumber(stats[`c${i}_std`])),
        ...base,
      };
    } else if (col.kind === "temporal" || col.kind === "text") {
      const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
      columns[col.name] = { min: text(stats[`c${i}_min`]), max: text(stats[`c${i}_max`]), ...base };
    } else {
      columns[col.name] = base;
    }
  });
  return { rowCount, columns };
}
