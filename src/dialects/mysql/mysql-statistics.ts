/**
 * Row count and column statistics of one table or view of an engine that speaks the MySQL protocol (MySQL,
 * MariaDB, and StarRocks through its own {@link StatisticsFlavour}). The catalog first: information_schema
 * TABLE_ROWS (an estimate for InnoDB and StarRocks) decides whether to `count(*)` (at most
 * `exact_count_max_rows`). Then one aggregate query for every column, over the first `sampleRows` rows when the
 * table is larger (neither has TABLESAMPLE), and one for the values of low-cardinality columns over the same
 * rows. Names are quoted, the sample size bound; means and stds rounded to 12 significant digits.
 */
import { DatusError } from "../../errors.js";
import type { ColumnStatistics, SourceTable, TableStatistics } from "../../model.js";
import {
  cellText,
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
import type { RowsQuery } from "./mysql-connection.js";
import { finiteNumber, quoteIdent } from "./mysql-sql.js";

const NUMERIC = new Set(["tinyint", "smallint", "mediumint", "int", "integer", "bigint", "decimal", "numeric", "float", "double", "real"]);
const TEMPORAL = new Set(["date", "datetime", "timestamp", "time", "year"]);
const TEXT = new Set(["char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum", "set"]);

/**
 * How a column is profiled: numbers fully, dates and strings with min/max, `other` counted (nulls, distinct),
 * `opaque` (aggregate-state and nested types on which DISTINCT, min and max are not defined) nulls only.
 */
export type StatisticsKind = "numeric" | "temporal" | "text" | "other" | "opaque";

/** What differs between the engines of the MySQL protocol. */
export interface StatisticsFlavour {
  /** The kind of an information_schema DATA_TYPE. */
  readonly kindOf: (dataType: string) => StatisticsKind;
  /** `expr` as a double, in the engine's own words. */
  readonly toDouble: (expr: string) => string;
}

export const MYSQL_FLAVOUR: StatisticsFlavour = {
  kindOf(dataType) {
    const t = dataType.toLowerCase();
    if (NUMERIC.has(t)) return "numeric";
    if (TEMPORAL.has(t)) return "temporal";
    if (TEXT.has(t)) return "text";
    return "other";
  },
  toDouble: (expr) => `${expr} + 0E0`,
};

/** Kinds whose values may be listed as top values. */
const valueKind = (kind: StatisticsKind): boolean => kind === "numeric" || kind === "temporal" || kind === "text";



const COLUMNS_SQL = `
SELECT c.COLUMN_NAME AS name, c.DATA_TYPE AS type, t.TABLE_TYPE AS table_type, t.TABLE_ROWS AS estimate
  FROM information_schema.COLUMNS c
  JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
 WHERE c.TABLE_SCHEMA = ? AND c.TABLE_NAME = ?
 ORDER BY c.ORDINAL_POSITION`;

/** What the catalog says of a table before any statement reads it. */
interface Catalog {
  readonly from: string;
  /** TABLE_ROWS of a base table, when positive. */
  readonly estimate: number | null;
  readonly columns: readonly { readonly name: string; readonly kind: StatisticsKind }[];
}

async function readCatalog(query: RowsQuery, table: SourceTable, flavour: StatisticsFlavour): Promise<Catalog> {
  const columnRows = await query(COLUMNS_SQL, [table.databaseName, table.tableName]);
  if (columnRows.length === 0) {
    throw new DatusError("source", `table ${table.identifier} not found`, "the table may have been dropped or renamed since the catalog was read; run the command again");
  }
  const isTable = /BASE TABLE/i.test(String(columnRows[0].table_type ?? ""));
  const reported = finiteNumber(columnRows[0].estimate);
  return {
    from: `${quoteIdent(table.databaseName)}.${quoteIdent(table.tableName)}`,
    estimate: isTable && reported !== null && reported > 0 ? reported : null,
    columns: columnRows.map((r) => ({ name: String(r.name), kind: flavour.kindOf(String(r.type)) })),
  };
}

/** A statement and its bound values. */
interface Statement {
  readonly sql: string;
  readonly params: unknown[];
}

// The statements, built here only: the real run and the dry run's plan send the same text.
const countSql = (cat: Catalog) => `SELECT count(*) AS n FROM ${cat.from}`;

/** The rows the column statements read: the table, or its first `plan.rows` rows (MySQL has no TABLESAMPLE). */
function rowsRead(cat: Catalog, plan: ReadPlan): Statement {
  return plan.read === "sample" ? { sql: `(SELECT * FROM ${cat.from} LIMIT ?) AS sampled`, params: [plan.rows] } : { sql: cat.from, params: [] };
}

function statisticsSql(cat: Catalog, source: Statement, flavour: StatisticsFlavour): Statement {
  const parts = ["count(*) AS n"];
  const double = flavour.toDouble;
  cat.columns.forEach((col, i) => {
    const c = quoteIdent(col.name);
    parts.push(`count(${c}) AS c${i}_nn`);
    if (col.kind === "opaque") return;
    parts.push(`count(DISTINCT ${c}) AS c${i}_d`);
    if (col.kind === "numeric") {
      parts.push(`${double(`min(${c})`)} AS c${i}_min`, `${double(`max(${c})`)} AS c${i}_max`, `avg(${double(c)}) AS c${i}_mean`, `stddev_samp(${double(c)}) AS c${i}_std`);
    } else if (col.kind === "temporal" || col.kind === "text") {
      parts.push(`left(CAST(min(${c}) AS CHAR), ${MAX_VALUE_TEXT}) AS c${i}_min`, `left(CAST(max(${c}) AS CHAR), ${MAX_VALUE_TEXT}) AS c${i}_max`);
    }
  });
  return { sql: `SELECT ${parts.join(", ")} FROM ${source.sql}`, params: source.params };
}

/** MariaDB has no LATERAL: one GROUP BY per column, each over the same first rows. */
function topValuesSql(cat: Catalog, source: Statement, candidates: readonly number[]): Statement {
  const branches = candidates.map((c, j) => {
    const col = quoteIdent(cat.columns[c].name);
    return `SELECT ${j} AS k, left(CAST(${col} AS CHAR), ${MAX_VALUE_TEXT}) AS v, count(*) AS n FROM ${source.sql} WHERE ${col} IS NOT NULL GROUP BY ${col}`;
  });
  return { sql: branches.join(" UNION ALL "), params: candidates.flatMap(() => source.params) };
}

function planned(statement: Statement, estimatedRows: number | null, purpose: string): PlannedStatement {
  return { sql: statement.sql, ...(statement.params.length > 0 ? { params: statement.params } : {}), estimatedRows, purpose };
}

/** The statements {@link readTableStatistics} would run (see `LiveSource.planStatistics`); only the catalog is read. */
export async function planTableStatistics(query: RowsQuery, table: SourceTable, rule: ProfileRule, flavour: StatisticsFlavour = MYSQL_FLAVOUR): Promise<PlannedStatement[]> {
  const cat = await readCatalog(query, table, flavour);
  const out: PlannedStatement[] = [];
  if (countExactly(cat.estimate, rule)) out.push(planned({ sql: countSql(cat), params: [] }, cat.estimate, "row_count: count every row"));
  const plan = plannedRead(cat.estimate, rule);
  if (plan.read === "none") return out;
  const source = rowsRead(cat, plan);
  // the first rows only: as many as the sample
  const read = plan.read === "sample" ? plan.rows : cat.estimate;
  out.push(planned(statisticsSql(cat, source, flavour), read, statisticsPurpose(plan, cat.estimate, "first_rows", rule.sampleRows)));
  const candidates = possibleTopValueCandidates(cat.columns.map((c) => ({ name: c.name, eligible: valueKind(c.kind) })), rule);
  if (candidates.length > 0) {
    out.push(planned(topValuesSql(cat, source, candidates), read === null ? null : read * candidates.length, topValuesPurpose(candidates.map((c) => cat.columns[c].name), rule)));
  }
  return out;
}

export async function readTableStatistics(query: RowsQuery, table: SourceTable, rule: ProfileRule, flavour: StatisticsFlavour = MYSQL_FLAVOUR): Promise<TableStatistics> {
  const cat = await readCatalog(query, table, flavour);
  const { estimate } = cat;
  const exact = countExactly(estimate, rule);
  const rowCount = exact ? (finiteNumber((await query(countSql(cat)))[0]?.n) ?? 0) : (estimate ?? 0);
  const plan = readPlan(rowCount, rule);
  const provenance = provenanceOf(exact ? "exact" : "catalog_estimate", estimate, plan, "first_rows", rule);
  if (plan.read === "none") return { rowCount, columns: {}, provenance };
  const planned = cat.columns;
  const source = rowsRead(cat, plan);
  const statement = statisticsSql(cat, source, flavour);
  const stats = (await query(statement.sql, statement.params))[0] ?? {};
  const read = finiteNumber(stats.n) ?? 0;
  const method = columnMethod(plan, "first_rows");
  const columns: Record<string, ColumnStatistics> = {};
  planned.forEach((col, i) => {
    const nonNull = finiteNumber(stats[`c${i}_nn`]) ?? 0;
    const base: ColumnStatistics = {
      null_fraction: read === 0 ? null : (read - nonNull) / read,
      ...(col.kind === "opaque" ? {} : { distinct: finiteNumber(stats[`c${i}_d`]) }),
      sampled_rows: read,
      ...method,
    };
    if (col.kind === "numeric") {
      columns[col.name] = { min: finiteNumber(stats[`c${i}_min`]), max: finiteNumber(stats[`c${i}_max`]), mean: roundFigure(finiteNumber(stats[`c${i}_mean`])), std: roundFigure(finiteNumber(stats[`c${i}_std`])), ...base };
    } else if (col.kind === "temporal" || col.kind === "text") {
      columns[col.name] = { min: cellText(stats[`c${i}_min`]), max: cellText(stats[`c${i}_max`]), ...base };
    } else {
      columns[col.name] = base;
    }
  });
  const candidates = topValueCandidates(
    planned.map((c, i) => ({ name: c.name, distinct: finiteNumber(stats[`c${i}_d`]), eligible: valueKind(c.kind) })),
    rule,
  );
  if (candidates.length === 0) return { rowCount, columns, provenance };
  const values = topValuesSql(cat, source, candidates);
  const valueRows = await query(values.sql, values.params);
  const topRows = valueRows.map((r) => ({ column: candidates[Number(r.k)], value: cellText(r.v) ?? "", count: finiteNumber(r.n) ?? 0 }));
  return { rowCount, columns: withTopValues(columns, planned.map((c) => c.name), topRows, (i) => finiteNumber(stats[`c${i}_nn`]) ?? 0, rule), provenance };
}
