/**
 * Row count and column statistics of one StarRocks table, view or materialized view: the exact `count(*)`,
 * then one aggregate query for every column over the first `sampleRows` rows when the table is larger.
 * Columns of StarRocks' aggregate-only and nested types (BITMAP, HLL, PERCENTILE, JSON, ARRAY, MAP, STRUCT)
 * get null_fraction only: count(DISTINCT …), min and max are not defined on them. Means and stds are
 * rounded to 12 significant digits.
 */
import { DatusError } from "../../errors.js";
import type { ColumnStatistics, SourceTable, TableStatistics } from "../../model.js";
import { MAX_VALUE_TEXT, roundFigure } from "../column-profile.js";
import { finiteNumber, quoteIdent } from "../mysql/mysql-sql.js";
import type { Query } from "./starrocks-introspection.js";

const NUMERIC = new Set(["tinyint", "smallint", "mediumint", "int", "integer", "bigint", "largeint", "decimal", "decimalv2", "decimal32", "decimal64", "decimal128", "numeric", "float", "double", "real"]);
const TEMPORAL = new Set(["date", "datetime", "timestamp", "time", "year"]);
const TEXT = new Set(["char", "varchar", "string", "tinytext", "text", "mediumtext", "longtext", "enum", "set"]);
const OPAQUE = new Set(["bitmap", "hll", "percentile", "json", "array", "map", "struct", "binary", "varbinary", "blob", "variant"]);

export type StatisticsKind = "numeric" | "temporal" | "text" | "other" | "opaque";

/** The statistics kind of an information_schema DATA_TYPE (`decimal`, `array<int>`, `varchar`). */
export function statisticsKind(dataType: string): StatisticsKind {
  const t = dataType.toLowerCase().replace(/[<(].*$/s, "").trim();
  if (NUMERIC.has(t)) return "numeric";
  if (TEMPORAL.has(t)) return "temporal";
  if (TEXT.has(t)) return "text";
  if (OPAQUE.has(t)) return "opaque";
  return "other";
}


export async function readTableStatistics(query: Query, table: SourceTable, sampleRows: number): Promise<TableStatistics> {
  const columnRows = await query("SELECT COLUMN_NAME AS name, DATA_TYPE AS type FROM information_schema.columns WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION", [table.databaseName, table.tableName]);
  if (columnRows.length === 0) {
    throw new DatusError("source", `table ${table.identifier} not found`, "the table may have been dropped or renamed since the catalog was read; run the command again");
  }
  const from = `${quoteIdent(table.databaseName)}.${quoteIdent(table.tableName)}`;
  const rowCount = finiteNumber((await query(`SELECT count(*) AS n FROM ${from}`))[0]?.n) ?? 0;
  const sample = Number.isFinite(sampleRows) ? Math.max(0, Math.floor(sampleRows)) : 0;
  if (sample === 0 || rowCount === 0) return { rowCount, columns: {} };
  const planned = columnRows.map((r) => ({ name: String(r.name), kind: statisticsKind(String(r.type)) }));
  const parts = ["count(*) AS n"];
  planned.forEach((col, i) => {
    const c = quoteIdent(col.name);
    parts.push(`count(${c}) AS c${i}_nn`);
    if (col.kind === "opaque") return;
    parts.push(`count(DISTINCT ${c}) AS c${i}_d`);
    if (col.kind === "numeric") {
      parts.push(`CAST(min(${c}) AS DOUBLE) AS c${i}_min`, `CAST(max(${c}) AS DOUBLE) AS c${i}_max`, `avg(CAST(${c} AS DOUBLE)) AS c${i}_mean`, `stddev_samp(CAST(${c} AS DOUBLE)) AS c${i}_std`);
    } else if (col.kind === "temporal" || col.kind === "text") {
      parts.push(`left(CAST(min(${c}) AS CHAR), ${MAX_VALUE_TEXT}) AS c${i}_min`, `left(CAST(max(${c}) AS CHAR), ${MAX_VALUE_TEXT}) AS c${i}_max`);
    }
  });
  const source = rowCount > sample ? `(SELECT * FROM ${from} LIMIT ${sample}) AS sampled` : from;
  const stats = (await query(`SELECT ${parts.join(", ")} FROM ${source}`))[0] ?? {};
  const sampled = finiteNumber(stats.n) ?? 0;
  const text = (v: unknown) => (v === null || v === undefined ? null : Buffer.isBuffer(v) ? v.toString("utf8") : String(v));
  const columns: Record<string, ColumnStatistics> = {};
  planned.forEach((col, i) => {
    const nonNull = finiteNumber(stats[`c${i}_nn`]) ?? 0;
    const base: ColumnStatistics = {
      null_fraction: sampled === 0 ? null : (sampled - nonNull) / sampled,
      ...(col.kind === "opaque" ? {} : { distinct: finiteNumber(stats[`c${i}_d`]) }),
      sampled_rows: sampled,
    };
    if (col.kind === "numeric") {
      columns[col.name] = { min: finiteNumber(stats[`c${i}_min`]), max: finiteNumber(stats[`c${i}_max`]), mean: roundFigure(finiteNumber(stats[`c${i}_mean`])), std: roundFigure(finiteNumber(stats[`c${i}_std`])), ...base };
    } else if (col.kind === "temporal" || col.kind === "text") {
      columns[col.name] = { min: text(stats[`c${i}_min`]), max: text(stats[`c${i}_max`]), ...base };
    } else {
      columns[col.name] = base;
    }
  });
  return { rowCount, columns };
}
