/** PostgreSQL SQL quirks in one place: identifier quoting and reading result cells as plain values. */

/** `"name"` with embedded double quotes doubled: safe for any identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The quoted `"schema"."table"` (a connection reads one database). */
export function qualifiedName(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}

/** `'text'` with embedded single quotes doubled (standard_conforming_strings is on in every supported release). */
export function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** A numeric cell (pg returns bigint and numeric as strings) as a finite number, null otherwise. */
export function finiteNumber(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const n = typeof value === "number" ? value : Number(value);
  return Number.isFinite(n) ? n : null;
}
