/**
 * Row count and column statistics of one MySQL/MariaDB table or view. The catalog first: information_schema
 * TABLE_ROWS (an estimate for InnoDB) decides whether to `count(*)` (at most `exact_count_max_rows`). Then one
 * aggregate query for every column, over the first `sampleRows` rows when the table is larger (MySQL has no
 * TABLESAMPLE), and one for the values of low-cardinality columns over the same rows. Names are quoted, the
 * sample size bound; means and stds rounded to 12 significant digits.
 */
import type mysql from "mysql2/promise";
import { DatusError } from "../../errors.js";
import type { ColumnStatistics, SourceTable, TableStatistics } from "../../model.js";
import { cellText, columnMethod, countExactly, MAX_VALUE_TEXT, type ProfileRule, provenanceOf, readPlan, topValueCandidates, withTopValues } from "../column-profile.js";
import { finiteNumber, quoteIdent, type Row } from "./mysql-sql.js";

const FLOAT_DIGITS = 12;
const MAX_TEXT = 200;
const NUMERIC = new Set(["tinyint", "smallint", "mediumint", "int", "integer", "bigint", "decimal", "numeric", "float", "double", "real"]);
const TEMPORAL = new Set(["date", "datetime", "timestamp", "time", "year"]);
const TEXT = new Set(["char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum", "set"]);

type Kind = "numeric" | "temporal" | "text" | "other";

function kindOf(dataType: string): Kind {
  const t = dataType.toLowerCase();
  if (NUMERIC.has(t)) return "numeric";
  if (TEMPORAL.has(t)) return "temporal";
  if (TEXT.has(t)) return "text";
  return "other";
}

async function rows(conn: mysql.PoolConnection, sql: string, params: unknown[] = []): Promise<Row[]> {
  const [result] = await conn.query(sql, params);
  return result as Row[];
}

function round(v: number | null): number | null {
  return v === null ? null : Number(v.toPrecision(FLOAT_DIGITS));
}

const COLUMNS_SQL = `
SELECT c.COLUMN_NAME AS name, c.DATA_TYPE AS type, t.TABLE_TYPE AS table_type, t.TABLE_ROWS AS estimate
  FROM information_schema.COLUMNS c
  JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
 WHERE c.TABLE_SCHEMA = ? AND c.TABLE_NAME = ?
 ORDER BY c.ORDINAL_POSITION`;

export async function readTableStatistics(conn: mysql.PoolConnection, table: SourceTable, rule: ProfileRule): Promise<TableStatistics> {
  const columnRows = await rows(conn, COLUMNS_SQL, [table.databaseName, table.tableName]);
  if (columnRows.length === 0) {
    throw new DatusError("source", `table ${table.identifier} not found`, "the table may have been dropped or renamed since the catalog was read; run the command again");
  }
  const from = `${quoteIdent(table.databaseName)}.${quoteIdent(table.tableName)}`;
  const isTable = /BASE TABLE/i.test(String(columnRows[0].table_type ?? ""));
  const reported = finiteNumber(columnRows[0].estimate);
  const estimate = isTable && reported !== null && reported > 0 ? reported : null;
  const exact = countExactly(estimate, rule);
  const rowCount = exact ? (finiteNumber((await rows(conn, `SELECT count(*) AS n FROM ${from}`))[0]?.n) ?? 0) : (estimate ?? 0);
  const plan = readPlan(rowCount, rule);
  const provenance = provenanceOf(exact ? "exact" : "catalog_estimate", estimate, plan, "first_rows", rule);
  if (plan.read === "none") return { rowCount, columns: {}, provenance };
  const planned = columnRows.map((r) => ({ name: String(r.name), kind: kindOf(String(r.type)) }));
  const parts = ["count(*) AS n"];
  planned.forEach((col, i) => {
    const c = quoteIdent(col.name);
    parts.push(`count(${c}) AS c${i}_nn`, `count(DISTINCT ${c}) AS c${i}_d`);
    if (col.kind === "numeric") {
      parts.push(`min(${c}) + 0E0 AS c${i}_min`, `max(${c}) + 0E0 AS c${i}_max`, `avg(${c} + 0E0) AS c${i}_mean`, `stddev_samp(${c} + 0E0) AS c${i}_std`);
    } else if (col.kind === "temporal" || col.kind === "text") {
      parts.push(`left(CAST(min(${c}) AS CHAR), ${MAX_TEXT}) AS c${i}_min`, `left(CAST(max(${c}) AS CHAR), ${MAX_TEXT}) AS c${i}_max`);
    }
  });
  const sampled = plan.read === "sample";
  const source = sampled ? `(SELECT * FROM ${from} LIMIT ?) AS sampled` : from;
  const params = sampled ? [plan.rows] : [];
  const stats = (await rows(conn, `SELECT ${parts.join(", ")} FROM ${source}`, params))[0] ?? {};
  const read = finiteNumber(stats.n) ?? 0;
  const method = columnMethod(plan, "first_rows");
  const columns: Record<string, ColumnStatistics> = {};
  planned.forEach((col, i) => {
    const nonNull = finiteNumber(stats[`c${i}_nn`]) ?? 0;
    const base: ColumnStatistics = { null_fraction: read === 0 ? null : (read - nonNull) / read, distinct: finiteNumber(stats[`c${i}_d`]), sampled_rows: read, ...method };
    if (col.kind === "numeric") {
      columns[col.name] = { min: finiteNumber(stats[`c${i}_min`]), max: finiteNumber(stats[`c${i}_max`]), mean: round(finiteNumber(stats[`c${i}_mean`])), std: round(finiteNumber(stats[`c${i}_std`])), ...base };
    } else if (col.kind === "temporal" || col.kind === "text") {
      columns[col.name] = { min: cellText(stats[`c${i}_min`]), max: cellText(stats[`c${i}_max`]), ...base };
    } else {
      columns[col.name] = base;
    }
  });
  const candidates = topValueCandidates(
    planned.map((c, i) => ({ name: c.name, distinct: finiteNumber(stats[`c${i}_d`]), eligible: c.kind !== "other" })),
    rule,
  );
  if (candidates.length === 0) return { rowCount, columns, provenance };
  // MariaDB has no LATERAL: one GROUP BY per column, each over the same first rows
  const branches = candidates.map((c, j) => {
    const col = quoteIdent(planned[c].name);
    return `SELECT ${j} AS k, left(CAST(${col} AS CHAR), ${MAX_VALUE_TEXT}) AS v, count(*) AS n FROM ${source} WHERE ${col} IS NOT NULL GROUP BY ${col}`;
  });
  const valueRows = await rows(conn, branches.join(" UNION ALL "), candidates.flatMap(() => params));
  const topRows = valueRows.map((r) => ({ column: candidates[Number(r.k)], value: cellText(r.v) ?? "", count: finiteNumber(r.n) ?? 0 }));
  return { rowCount, columns: withTopValues(columns, planned.map((c) => c.name), topRows, (i) => finiteNumber(stats[`c${i}_nn`]) ?? 0, rule), provenance };
}
