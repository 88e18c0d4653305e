/**
 * Row count and column statistics of one MySQL/MariaDB table or view: the exact `count(*)`, then one
 * aggregate query for every column, over the first `sampleRows` rows when the table is larger (MySQL has no
 * TABLESAMPLE). Names are quoted, values bound; means and stds rounded to 12 significant digits.
 */
import type mysql from "mysql2/promise";
import { DatusError } from "../../errors.js";
import type { ColumnStatistics, SourceTable, TableStatistics } from "../../model.js";
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

export async function readTableStatistics(conn: mysql.PoolConnection, table: SourceTable, sampleRows: number): Promise<TableStatistics> {
  const columnRows = await rows(conn, "SELECT COLUMN_NAME AS name, DATA_TYPE AS type FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION", [table.databaseName, table.tableName]);
  if (columnRows.length === 0) {
    throw new DatusError("source", `table ${table.identifier} not found`, "the table may have been dropped or renamed since the catalog was read; run the command again");
  }
  const from = `${quoteIdent(table.databaseName)}.${quoteIdent(table.tableName)}`;
  const rowCount = finiteNumber((await rows(conn, `SELECT count(*) AS n FROM ${from}`))[0]?.n) ?? 0;
  const sample = Number.isFinite(sampleRows) ? Math.max(0, Math.floor(sampleRows)) : 0;
  if (sample === 0 || rowCount === 0) return { rowCount, columns: {} };
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
  const source = rowCount > sample ? `(SELECT * FROM ${from} LIMIT ${sample}) AS sampled` : from;
  const stats = (await rows(conn, `SELECT ${parts.join(", ")} FROM ${source}`))[0] ?? {};
  const sampled = finiteNumber(stats.n) ?? 0;
  const columns: Record<string, ColumnStatistics> = {};
  planned.forEach((col, i) => {
    const nonNull = finiteNumber(stats[`c${i}_nn`]) ?? 0;
    const base: ColumnStatistics = { null_fraction: sampled === 0 ? null : (sampled - nonNull) / sampled, distinct: finiteNumber(stats[`c${i}_d`]), sampled_rows: sampled };
    const text = (v: unknown) => (v === null || v === undefined ? null : Buffer.isBuffer(v) ? v.toString("utf8") : String(v));
    if (col.kind === "numeric") {
      columns[col.name] = { min: finiteNumber(stats[`c${i}_min`]), max: finiteNumber(stats[`c${i}_max`]), mean: round(finiteNumber(stats[`c${i}_mean`])), std: round(finiteNumber(stats[`c${i}_std`])), ...base };
    } else if (col.kind === "temporal" || col.kind === "text") {
      columns[col.name] = { min: text(stats[`c${i}_min`]), max: text(stats[`c${i}_max`]), ...base };
    } else {
      columns[col.name] = base;
    }
  });
  return { rowCount, columns };
}
