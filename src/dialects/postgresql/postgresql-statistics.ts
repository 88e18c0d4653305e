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
import {
  columnMethod,
  countExactly,
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
import { finiteNumber, qualifiedName, quoteIdent } from "./postgresql-sql.js";


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
      parts.push(`left(min(${c})::text, ${MAX_VALUE_TEXT}) AS c${i}_min`, `left(max(${c})::text, ${MAX_VALUE_TEXT}) AS c${i}_max`);
    }
  });
  return parts.join(", ");
}


/** What the catalog says of a table before any statement reads it. */
interface Catalog {
  readonly from: string;
  readonly isView: boolean;
  /** pg_class.reltuples, when meaningful. */
  readonly estimate: number | null;
  readonly columns: readonly { readonly name: string; readonly kind: Kind; readonly category: string }[];
}

async function readCatalog(client: pg.ClientBase, table: SourceTable): Promise<Catalog> {
  const columnRows = (await client.query<{ name: string; category: string; kind: string; estimate: number }>(COLUMNS_SQL, [table.schemaName, table.tableName])).rows;
  if (columnRows.length === 0) {
    throw new DatusError("source", `PostgreSQL table ${table.identifier} not found`, "the table may have been dropped or renamed since the catalog was read; run the command again");
  }
  const isView = columnRows[0].kind === "v";
  // reltuples: -1 (PostgreSQL 14+) or 0 before the first VACUUM/ANALYZE, meaningless for views
  const reltuples = finiteNumber(columnRows[0].estimate);
  return {
    from: qualifiedName(table.schemaName, table.tableName),
    isView,
    estimate: isView || reltuples === null || reltuples <= 0 ? null : Math.round(reltuples),
    columns: columnRows.map((r) => ({ name: r.name, kind: kindOf(r.category), category: r.category })),
  };
}

// The statements, built here only: the real run and the dry run's plan send the same text.
const countSql = (cat: Catalog) => `SELECT count(*) AS n FROM ${cat.from}`;
const samplingOf = (cat: Catalog): SamplingMethod => (cat.isView ? "first_rows" : "bernoulli");

/** The rows the column statements read: the table, or a sample of it. */
function rowsRead(cat: Catalog, plan: ReadPlan): string {
  if (plan.read !== "sample") return cat.from;
  return cat.isView ? `(SELECT * FROM ${cat.from} LIMIT ${plan.rows}) AS sampled` : `${cat.from} TABLESAMPLE BERNOULLI (${(100 * plan.fraction).toFixed(6)}) REPEATABLE (42)`;
}

const statisticsSql = (cat: Catalog, rows: string) => `SELECT ${selectList(cat.columns)} FROM ${rows}`;

/** One scan of the sample: each row fans out into (column, value) pairs of the candidate columns. */
function topValuesSql(cat: Catalog, rows: string, candidates: readonly number[]): string {
  const pairs = candidates.map((c, j) => `(${j}, left(${quoteIdent(cat.columns[c].name)}::text, ${MAX_VALUE_TEXT}))`).join(", ");
  return `SELECT p.k, p.v, count(*) AS n FROM ${rows} CROSS JOIN LATERAL (VALUES ${pairs}) AS p(k, v) WHERE p.v IS NOT NULL GROUP BY p.k, p.v`;
}

/** The statements {@link readTableStatistics} would run (see `LiveSource.planStatistics`); only the catalog is read. */
export async function planTableStatistics(client: pg.ClientBase, table: SourceTable, rule: ProfileRule): Promise<PlannedStatement[]> {
  const cat = await readCatalog(client, table);
  const out: PlannedStatement[] = [];
  if (countExactly(cat.estimate, rule)) out.push({ sql: countSql(cat), estimatedRows: cat.estimate, purpose: "row_count: count every row" });
  const plan = plannedRead(cat.estimate, rule);
  if (plan.read === "none") return out;
  const rows = rowsRead(cat, plan);
  // a Bernoulli sample reads every page of the table; a view's first rows are only as many as the sample
  const read = plan.read === "sample" && cat.isView ? plan.rows : cat.estimate;
  out.push({ sql: statisticsSql(cat, rows), estimatedRows: read, purpose: statisticsPurpose(plan, cat.estimate, samplingOf(cat), rule.sampleRows) });
  const candidates = possibleTopValueCandidates(cat.columns.map((c) => ({ name: c.name, eligible: VALUE_CATEGORIES.has(c.category) })), rule);
  if (candidates.length > 0) out.push({ sql: topValuesSql(cat, rows, candidates), estimatedRows: read, purpose: topValuesPurpose(candidates.map((c) => cat.columns[c].name), rule) });
  return out;
}

export async function readTableStatistics(client: pg.ClientBase, table: SourceTable, rule: ProfileRule): Promise<TableStatistics> {
  const cat = await readCatalog(client, table);
  const { estimate } = cat;
  const exact = countExactly(estimate, rule);
  const rowCount = exact ? (finiteNumber((await client.query<{ n: string }>(countSql(cat))).rows[0]?.n) ?? 0) : (estimate ?? 0);
  const plan = readPlan(rowCount, rule);
  const sampling = samplingOf(cat);
  const provenance = provenanceOf(exact ? "exact" : "catalog_estimate", estimate, plan, sampling, rule);
  if (plan.read === "none") return { rowCount, columns: {}, provenance };
  const planned = cat.columns;
  const rows = rowsRead(cat, plan);
  const stats = (await client.query<Record<string, unknown>>(statisticsSql(cat, rows))).rows[0] ?? {};
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
        mean: roundFigure(finiteNumber(stats[`c${i}_mean`])),
        std: roundFigure(finiteNumber(stats[`c${i}_std`])),
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
  const valueRows = (await client.query<{ k: number; v: string; n: string }>(topValuesSql(cat, rows, candidates))).rows;
  const topRows = valueRows.map((r) => ({ column: candidates[Number(r.k)], value: r.v, count: finiteNumber(r.n) ?? 0 }));
  return { rowCount, columns: withTopValues(columns, planned.map((c) => c.name), topRows, (i) => finiteNumber(stats[`c${i}_nn`]) ?? 0, rule), provenance };
}
