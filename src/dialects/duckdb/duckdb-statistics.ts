/**
 * Row count and column statistics of one DuckDB table or view. The catalog first: duckdb_tables().estimated_size
 * decides whether to `count(*)` (at most `exact_count_max_rows`). Then one aggregate query for every column
 * over a seeded reservoir sample (`USING SAMPLE reservoir(n ROWS) REPEATABLE (42)`), or over the whole table
 * when it has no more rows than the sample would, and one for the values of low-cardinality columns over
 * the same sample (materialised once). Means and stds are rounded
 * to 12 significant digits so that the same data gives the same figures on every run.
 * Unlike the old tool (python-reference §2.11): names are quoted as identifiers and values bound,
 * DECIMAL(p,s) and every other numeric type count as numeric, a mean or std of 0 stays 0, and
 * every table gets statistics whatever its size.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
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
import {
  finiteNumber,
  optionalText,
  qualifiedName,
  queryRows,
  quoteIdent,
  text,
  type Row,
} from "./duckdb-sql.js";


/** How a column's min/max/mean/std are computed; every kind gets null_fraction and distinct. */
export type StatisticsKind = "numeric" | "temporal" | "text" | "other";


const NUMERIC =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL\(\d+,\s*\d+\)|VARINT|BIGNUM)$/;
const TEMPORAL = /^(DATE|TIME|TIMESTAMP|TIMESTAMP_S|TIMESTAMP_MS|TIMESTAMP_NS|TIMESTAMP WITH TIME ZONE|TIME WITH TIME ZONE)$/;
const TEXT = /^(VARCHAR|UUID|ENUM\(.*\))$/s;

/** The statistics kind of a DuckDB type name as `duckdb_columns().data_type` spells it. */
export function statisticsKind(dataType: string): StatisticsKind {
  const t = dataType.trim().toUpperCase();
  if (NUMERIC.test(t)) return "numeric";
  if (TEMPORAL.test(t)) return "temporal";
  if (TEXT.test(t)) return "text";
  return "other";
}

interface PlannedColumn {
  readonly name: string;
  readonly kind: StatisticsKind;
}

/** The SELECT list computing every column's aggregates; aliases are `c<i>_<stat>`. */
export function statisticsSelectList(columns: readonly PlannedColumn[]): string {
  const parts = ["count(*) AS n"];
  columns.forEach((col, i) => {
    const c = quoteIdent(col.name);
    parts.push(`count(${c}) AS c${i}_nn`, `count(DISTINCT ${c}) AS c${i}_d`);
    if (col.kind === "numeric") {
      parts.push(
        `CAST(min(${c}) AS DOUBLE) AS c${i}_min`,
        `CAST(max(${c}) AS DOUBLE) AS c${i}_max`,
        `avg(CAST(${c} AS DOUBLE)) AS c${i}_mean`,
        `stddev_samp(CAST(${c} AS DOUBLE)) AS c${i}_std`,
      );
    } else if (col.kind === "temporal") {
      parts.push(`CAST(min(${c}) AS VARCHAR) AS c${i}_min`, `CAST(max(${c}) AS VARCHAR) AS c${i}_max`);
    } else if (col.kind === "text") {
      parts.push(
        `left(CAST(min(${c}) AS VARCHAR), ${MAX_VALUE_TEXT}) AS c${i}_min`,
        `left(CAST(max(${c}) AS VARCHAR), ${MAX_VALUE_TEXT}) AS c${i}_max`,
      );
    }
  });
  return parts.join(",\n       ");
}

const COLUMNS_SQL = `
SELECT c.column_name, c.data_type, t.estimated_size
  FROM duckdb_columns() c
  LEFT JOIN duckdb_tables() t ON t.database_name = c.database_name AND t.schema_name = c.schema_name AND t.table_name = c.table_name
 WHERE c.database_name = $database AND c.schema_name = $schema AND c.table_name = $table
ORDER BY c.column_index`;

/** What the catalog says of a table before any statement reads it. */
interface Catalog {
  readonly from: string;
  /** duckdb_tables().estimated_size (none for views). */
  readonly estimate: number | null;
  readonly columns: readonly PlannedColumn[];
}

async function readCatalog(conn: DuckDBConnection, table: SourceTable): Promise<Catalog> {
  const columnRows = await queryRows(conn, COLUMNS_SQL, {
    database: table.databaseName,
    schema: table.schemaName,
    table: table.tableName,
  });
  if (columnRows.length === 0) {
    throw new DatusError(
      "source",
      `DuckDB table ${table.identifier} not found`,
      "the table may have been dropped or renamed since the catalog was read; run the command again",
    );
  }
  return {
    from: qualifiedName(table.databaseName, table.schemaName, table.tableName),
    estimate: finiteNumber(columnRows[0], "estimated_size"),
    columns: columnRows.map((row) => ({ name: text(row, "column_name"), kind: statisticsKind(text(row, "data_type")) })),
  };
}

// The statements, built here only: the real run and the dry run's plan send the same text.
const countSql = (cat: Catalog) => `SELECT count(*) AS n FROM ${cat.from}`;

/** A table that fits in the sample is read whole: exact figures, and no reservoir to pay for. */
const rowsRead = (cat: Catalog, plan: ReadPlan) => (plan.read === "all" ? cat.from : `(SELECT * FROM ${cat.from} USING SAMPLE reservoir(${plan.read === "sample" ? plan.rows : 0} ROWS) REPEATABLE (42))`);

const statisticsSql = (cat: Catalog, rows: string) => `SELECT ${statisticsSelectList(cat.columns)}\n  FROM ${rows}`;

/** A sample drawn once and materialised, then one GROUP BY per column. */
function topValuesSql(cat: Catalog, plan: ReadPlan, rows: string, candidates: readonly number[]): string {
  const branches = candidates.map((c, j) => {
    const col = quoteIdent(cat.columns[c].name);
    return `SELECT ${j} AS k, left(CAST(${col} AS VARCHAR), ${MAX_VALUE_TEXT}) AS v, count(*) AS n FROM s WHERE ${col} IS NOT NULL GROUP BY ${col}`;
  });
  return `WITH s AS ${plan.read === "all" ? `(SELECT * FROM ${cat.from})` : `MATERIALIZED ${rows}`}\n${branches.join("\nUNION ALL ")}`;
}

/** The statements {@link readTableStatistics} would run (see `LiveSource.planStatistics`); only the catalog is read. */
export async function planTableStatistics(conn: DuckDBConnection, table: SourceTable, rule: ProfileRule): Promise<PlannedStatement[]> {
  const cat = await readCatalog(conn, table);
  const out: PlannedStatement[] = [];
  if (countExactly(cat.estimate, rule)) out.push({ sql: countSql(cat), estimatedRows: cat.estimate, purpose: "row_count: count every row" });
  const plan = plannedRead(cat.estimate, rule);
  if (plan.read === "none") return out;
  const rows = rowsRead(cat, plan);
  // a reservoir sample reads the whole table to draw its rows
  out.push({ sql: statisticsSql(cat, rows), estimatedRows: cat.estimate, purpose: statisticsPurpose(plan, cat.estimate, "reservoir", rule.sampleRows) });
  const candidates = possibleTopValueCandidates(cat.columns.map((c) => ({ name: c.name, eligible: c.kind !== "other" })), rule);
  if (candidates.length > 0) {
    out.push({ sql: topValuesSql(cat, plan, rows, candidates), estimatedRows: cat.estimate, purpose: topValuesPurpose(candidates.map((c) => cat.columns[c].name), rule) });
  }
  return out;
}

/** Row count and column statistics of `table` (see the module comment). */
export async function readTableStatistics(conn: DuckDBConnection, table: SourceTable, rule: ProfileRule): Promise<TableStatistics> {
  const cat = await readCatalog(conn, table);
  const { estimate } = cat;
  const exact = countExactly(estimate, rule);
  const [countRow] = exact ? await queryRows(conn, countSql(cat)) : [];
  const rowCount = exact ? (finiteNumber(countRow, "n") ?? 0) : (estimate ?? 0);
  const plan = readPlan(rowCount, rule);
  const provenance = provenanceOf(exact ? "exact" : "catalog_estimate", estimate, plan, "reservoir", rule);
  if (plan.read === "none") return { rowCount, columns: {}, provenance };

  const planned = cat.columns;
  const rows = rowsRead(cat, plan);
  const names = planned.map((c) => c.name);
  const [stats] = await queryRows(conn, statisticsSql(cat, rows));
  const columns = columnStatistics(planned, stats, columnMethod(plan, "reservoir"));
  const candidates = topValueCandidates(planned.map((c, i) => ({ name: c.name, distinct: finiteNumber(stats, `c${i}_d`), eligible: c.kind !== "other" })), rule);
  if (candidates.length === 0) return { rowCount, columns, provenance };
  const valueRows = await queryRows(conn, topValuesSql(cat, plan, rows, candidates));
  const topRows = valueRows.map((r) => ({ column: candidates[Number(r.k)], value: cellText(r.v) ?? "", count: finiteNumber(r, "n") ?? 0 }));
  return { rowCount, columns: withTopValues(columns, names, topRows, (i) => finiteNumber(stats, `c${i}_nn`) ?? 0, rule), provenance };
}

function columnStatistics(columns: readonly PlannedColumn[], row: Row, method: Pick<ColumnStatistics, "method" | "sampling">): Record<string, ColumnStatistics> {
  const sampled = finiteNumber(row, "n") ?? 0;
  const out: Record<string, ColumnStatistics> = {};
  columns.forEach((col, i) => {
    const nonNull = finiteNumber(row, `c${i}_nn`) ?? 0;
    const base: ColumnStatistics = {
      null_fraction: sampled === 0 ? null : (sampled - nonNull) / sampled,
      distinct: finiteNumber(row, `c${i}_d`),
      sampled_rows: sampled,
      ...method,
    };
    if (col.kind === "numeric") {
      out[col.name] = {
        min: finiteNumber(row, `c${i}_min`),
        max: finiteNumber(row, `c${i}_max`),
        mean: roundFigure(finiteNumber(row, `c${i}_mean`)),
        std: roundFigure(finiteNumber(row, `c${i}_std`)),
        ...base,
      };
    } else if (col.kind === "temporal" || col.kind === "text") {
      out[col.name] = {
        min: optionalText(row, `c${i}_min`) ?? null,
        max: optionalText(row, `c${i}_max`) ?? null,
        ...base,
      };
    } else {
      out[col.name] = base;
    }
  });
  return out;
}

