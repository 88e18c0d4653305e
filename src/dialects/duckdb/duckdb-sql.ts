/**
 * DuckDB SQL quirks in one place: identifier and literal quoting, bound parameters, and reading
 * result rows as plain JS values.
 */
import type { DuckDBConnection, DuckDBType, JS } from "@duckdb/node-api";
import { duckdbApi } from "./duckdb-api.js";

/** A row as `getRowObjectsJS()` returns it. */
export type Row = Readonly<Record<string, JS>>;

/** `"name"` with embedded double quotes doubled: safe for any identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The fully qualified, quoted name `"db"."schema"."table"`. */
export function qualifiedName(database: string, schema: string, table: string): string {
  return [database, schema, table].map(quoteIdent).join(".");
}

/** `'text'` with embedded single quotes doubled. */
export function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/**
 * Runs `sql` with named VARCHAR parameters (`$name`; `null` binds SQL NULL) and returns the rows
 * as plain JS values (BIGINT as bigint, DECIMAL and DOUBLE as number, DATE/TIMESTAMP as Date).
 */
export async function queryRows(
  conn: DuckDBConnection,
  sql: string,
  params: Readonly<Record<string, string | null>> = {},
): Promise<Row[]> {
  const keys = Object.keys(params);
  const types: Record<string, DuckDBType> = {};
  if (keys.length > 0) {
    const { VARCHAR } = await duckdbApi();
    for (const key of keys) types[key] = VARCHAR;
  }
  const reader =
    keys.length === 0
      ? await conn.runAndReadAll(sql)
      : await conn.runAndReadAll(sql, { ...params }, types);
  return reader.getRowObjectsJS();
}

/** A text cell, `""` for NULL. */
export function text(row: Row, key: string): string {
  const v = row[key];
  return v === null || v === undefined ? "" : String(v);
}

/** A text cell, `undefined` for NULL. */
export function optionalText(row: Row, key: string): string | undefined {
  const v = row[key];
  return v === null || v === undefined ? undefined : String(v);
}

/** A numeric cell (BIGINT, DECIMAL, DOUBLE…) as a finite number, `null` for NULL, NaN or ±Infinity. */
export function finiteNumber(row: Row, key: string): number | null {
  const v = row[key];
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  return null;
}

/** A `VARCHAR[]` cell as an array of strings. */
export function textList(row: Row, key: string): string[] {
  const v = row[key];
  return Array.isArray(v) ? v.map((x) => String(x)) : [];
}
