/**
 * StarRocks' DDL quirks: the CREATE text in a SHOW CREATE TABLE / VIEW / MATERIALIZED VIEW result row, and
 * the keys StarRocks keeps only as table PROPERTIES (`unique_constraints`, `foreign_key_constraints`, which
 * declare keys for query rewrite; information_schema's key views are empty in StarRocks).
 */
import type { ForeignKey } from "../../model.js";
import type { Row } from "../mysql/mysql-sql.js";

const text = (v: unknown): string => (v === null || v === undefined ? "" : Buffer.isBuffer(v) ? v.toString("utf8") : String(v));

/** The CREATE statement of a SHOW CREATE result row (`Create Table`, `Create View` or `Create Materialized View`). */
export function showCreateText(row: Row | undefined): string {
  if (row === undefined) return "";
  const key = Object.keys(row).find((k) => /^create /i.test(k));
  return key === undefined ? "" : text(row[key]);
}

/** The value of `"name" = "value"` in the PROPERTIES (…) of a StarRocks CREATE text, or undefined. */
export function property(ddl: string, name: string): string | undefined {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const m = new RegExp(`"${escaped}"\\s*=\\s*"((?:[^"\\\\]|\\\\.)*)"`, "i").exec(ddl);
  return m === null ? undefined : m[1].replace(/\\(.)/g, "$1");
}

/** `a, b` / `` `a`,`b` `` as names. */
function names(list: string): string[] {
  return list
    .split(",")
    .map((s) => s.trim().replace(/^`(.*)`$/s, "$1").trim())
    .filter((s) => s !== "");
}

/** The last part of `[catalog.][db.]table`, unquoted, with the qualifier kept as written (without the catalog). */
function tableName(written: string): string {
  const parts = written.split(".").map((p) => p.trim().replace(/^`(.*)`$/s, "$1"));
  return parts.slice(-2).join(".");
}

/**
 * The foreign keys of `"foreign_key_constraints" = "(c) REFERENCES [catalog.][db.]t(k); …"`; a materialized
 * view's entries name their table first: `t1(c) REFERENCES t2(k)`, and only those of `self` are its own.
 */
export function foreignKeyConstraints(ddl: string, self: string): ForeignKey[] {
  const value = property(ddl, "foreign_key_constraints");
  if (value === undefined) return [];
  const out: ForeignKey[] = [];
  for (const entry of value.split(";")) {
    const m = /^\s*([^()]*?)\s*\(([^)]*)\)\s*REFERENCES\s+([^()]+?)\s*\(([^)]*)\)\s*$/i.exec(entry);
    if (m === null) continue;
    const owner = m[1].trim();
    if (owner !== "" && tableName(owner).split(".").pop() !== self) continue;
    const fromColumns = names(m[2]);
    const toColumns = names(m[4]);
    if (fromColumns.length > 0 && fromColumns.length === toColumns.length) out.push({ fromColumns, toTable: tableName(m[3]), toColumns });
  }
  return out;
}

/** The unique keys of `"unique_constraints" = "a,b; c"` (each `;`-separated entry one key; a `t.` prefix names the table). */
export function uniqueConstraints(ddl: string, self: string): string[][] {
  const value = property(ddl, "unique_constraints");
  if (value === undefined) return [];
  const out: string[][] = [];
  for (const entry of value.split(";")) {
    const cols = names(entry).map((c) => c.split(".").map((p) => p.replace(/^`(.*)`$/s, "$1")));
    if (cols.length === 0) continue;
    // `t.c` (materialized views name the table): keep only this table's
    if (cols.some((c) => c.length > 1 && c[c.length - 2] !== self)) continue;
    out.push(cols.map((c) => c[c.length - 1]));
  }
  return out;
}
