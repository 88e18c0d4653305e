/**
 * Row count and column statistics of one PostgreSQL table or view. The catalog first: pg_class.reltuples gives
 * the estimate that decides whether to `count(*)` (at most `exact_count_max_rows`) and how much to sample.
 * Then one aggregate query for every column, over a repeatable Bernoulli sample of about `sampleRows` rows
 * when the table is larger (views: the first `sampleRows` rows), and one more for the values of
 * low-cardinality columns (a single scan of the same sample, LATERAL VALUES). Names are quoted, nothing spliced
 * but quoted identifiers and numbers; means and stds rounded to 12 significant digits for stable figures.
 */
import type pg from "pg";
import { DatusError } from "../../errors.js";
import type { ColumnStatistics, SamplingMethod, SourceTable, TableStatistics } from "../../model.js";
import { columnMethod, countExactly, MAX_VALUE_TEXT, type ProfileRule, provenanceOf, readPlan, topValueCandidates, withTopValues } from "../column-profile.js";
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

/** Categories whose values are listed as top values: numbers, dates, strings, booleans, enums. */
const VALUE_CATEGORIES = new Set(["N", "D", "S", "B", "E"]);

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

export async function readTableStatistics(client: pg.ClientBase, table: SourceTable, rule: ProfileRule): Promise<TableStatistics> {
  const columnRows = (await client.query<{ name: string; category: string; kind: string; estimate: number }>(COLUMNS_SQL, [table.schemaName, table.tableName])).rows;
  if (columnRows.length === 0) {
    throw new DatusError("source", `PostgreSQL table ${table.identifier} not found`, "the table may have been dropped or renamed since the catalog was read; run the command again");
  }
  const from = qualifiedName(table.schemaName, table.tableName);
  const isView = columnRows[0].kind === "v";
  // reltuples: -1 (PostgreSQL 14+) or 0 before the first VACUUM/ANALYZE, meaningless for views
  const reltuples = finiteNumber(columnRows[0].estimate);
  const estimate = isView || reltuples === null || reltuples <= 0 ? null : Math.round(reltuples);
  const exact = countExactly(estimate, rule);
  const rowCount = exact ? (finiteNumber((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${from}`)).rows[0]?.n) ?? 0) : (estimate ?? 0);
  const plan = readPlan(rowCount, rule);
  const sampling: SamplingMethod = isView ? "first_rows" : "bernoulli";
  const provenance = provenanceOf(exact ? "exact" : "catalog_estimate", estimate, plan, sampling, rule);
  if (plan.read === "none") return { rowCount, columns: {}, provenance };
  const planned = columnRows.map((r) => ({ name: r.name, kind: kindOf(r.category), category: r.category }));
  const rows =
    plan.read === "all"
      ? from
      : isView
        ? `(SELECT * FROM ${from} LIMIT ${plan.rows}) AS sampled`
        : `${from} TABLESAMPLE BERNOULLI (${(100 * plan.fraction).toFixed(6)}) REPEATABLE (42)`;
  const stats = (await client.query<Record<string, unknown>>(`SELECT ${selectList(planned)} FROM ${rows}`)).rows[0] ?? {};
  const sampled = finiteNumber(stats.n) ?? 0;
  const method = columnMethod(plan, sampling);
  const columns: Record<string, ColumnStatistics> = {};
  planned.forEach((col, i) => {
    const nonNull = finiteNumber(stats[`c${i}_nn`]) ?? 0;
    const base: ColumnStatistics = { null_fraction: sampled === 0 ? null : (sampled - nonNull) / sampled, distinct: finiteNumber(stats[`c${i}_d`]), sampled_rows: sampled, ...method };
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
  const candidates = topValueCandidates(
    planned.map((c, i) => ({ name: c.name, distinct: finiteNumber(stats[`c${i}_d`]), eligible: VALUE_CATEGORIES.has(c.category) })),
    rule,
  );
  if (candidates.length === 0) return { rowCount, columns, provenance };
  // one scan of the same sample: each row fans out into (column, value) pairs of the candidate columns
  const pairs = candidates.map((c, j) => `(${j}, left(${quoteIdent(planned[c].name)}::text, ${MAX_VALUE_TEXT}))`).join(", ");
  const valueRows = (
    await client.query<{ k: number; v: string; n: string }>(
      `SELECT p.k, p.v, count(*) AS n FROM ${rows} CROSS JOIN LATERAL (VALUES ${pairs}) AS p(k, v) WHERE p.v IS NOT NULL GROUP BY p.k, p.v`,
    )
  ).rows;
  const topRows = valueRows.map((r) => ({ column: candidates[Number(r.k)], value: r.v, count: finiteNumber(r.n) ?? 0 }));
  return { rowCount, columns: withTopValues(columns, planned.map((c) => c.name), topRows, (i) => finiteNumber(stats[`c${i}_nn`]) ?? 0, rule), provenance };
}
