/** MySQL/MariaDB SQL quirks in one place: identifier and literal quoting, reading cells as plain values. */

/** `` `name` `` with embedded backticks doubled: safe for any identifier. */
export function quoteIdent(name: string): string {
  return `\`${name.replace(/`/g, "``")}\``;
}

/** `'text'` with backslashes and single quotes escaped (MySQL reads backslash escapes in strings by default). */
export function quoteLiteral(text: string): string {
  return `'${text.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;
}

/** A numeric cell (mysql2 returns DECIMAL and BIGINT as strings) as a finite number, null otherwise. */
export function finiteNumber(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const n = typeof value === "number" ? value : typeof value === "bigint" ? Number(value) : Number(value);
  return Number.isFinite(n) ? n : null;
}

export type Row = Record<string, unknown>;
