/**
 * Row count and column statistics of one StarRocks table, view or materialized view: the MySQL-protocol
 * statistics (`mysql/mysql-statistics.ts`: information_schema TABLE_ROWS first, exact count under
 * `exact_count_max_rows`, the first `sample_rows` rows, top values, provenance) with StarRocks' own types.
 * Columns of its aggregate-only and nested types (BITMAP, HLL, PERCENTILE, JSON, ARRAY, MAP, STRUCT) get
 * null_fraction only: count(DISTINCT …), min and max are not defined on them.
 */
import type { SourceTable, TableStatistics } from "../../model.js";
import type { ProfileRule } from "../column-profile.js";
import type { PlannedStatement } from "../live-source.js";
import { planTableStatistics as planMysqlProtocol, readTableStatistics as readMysqlProtocol, type StatisticsFlavour, type StatisticsKind } from "../mysql/mysql-statistics.js";
import type { RowsQuery } from "../mysql/mysql-connection.js";

const NUMERIC = new Set(["tinyint", "smallint", "mediumint", "int", "integer", "bigint", "largeint", "decimal", "decimalv2", "decimal32", "decimal64", "decimal128", "numeric", "float", "double", "real"]);
const TEMPORAL = new Set(["date", "datetime", "timestamp", "time", "year"]);
const TEXT = new Set(["char", "varchar", "string", "tinytext", "text", "mediumtext", "longtext", "enum", "set"]);
const OPAQUE = new Set(["bitmap", "hll", "percentile", "json", "array", "map", "struct", "binary", "varbinary", "blob", "variant"]);

/** The statistics kind of an information_schema DATA_TYPE (`decimal`, `array<int>`, `varchar`). */
export function statisticsKind(dataType: string): StatisticsKind {
  const t = dataType.toLowerCase().replace(/[<(].*$/s, "").trim();
  if (NUMERIC.has(t)) return "numeric";
  if (TEMPORAL.has(t)) return "temporal";
  if (TEXT.has(t)) return "text";
  if (OPAQUE.has(t)) return "opaque";
  return "other";
}

export const STARROCKS_FLAVOUR: StatisticsFlavour = { kindOf: statisticsKind, toDouble: (expr) => `CAST(${expr} AS DOUBLE)` };

export function readTableStatistics(query: RowsQuery, table: SourceTable, rule: ProfileRule): Promise<TableStatistics> {
  return readMysqlProtocol(query, table, rule, STARROCKS_FLAVOUR);
}

export function planTableStatistics(query: RowsQuery, table: SourceTable, rule: ProfileRule): Promise<PlannedStatement[]> {
  return planMysqlProtocol(query, table, rule, STARROCKS_FLAVOUR);
}
