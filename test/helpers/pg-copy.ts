/**
 * The data of a pg_dump file written as `COPY ... FROM stdin` blocks (text format), loaded through a plain pg
 * client as batched, parameterised INSERTs (the pg driver has no COPY FROM STDIN of its own).
 */
import type pg from "pg";

export interface CopyBlock {
  readonly table: string;
  readonly columns: readonly string[];
  readonly rows: readonly (string | null)[][];
}

const ESCAPES: Readonly<Record<string, string>> = { b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v", "\\": "\\" };

/** A field of COPY's text format: `\N` is NULL; backslash escapes (`\t`, `\\`, octal, `\x..`) decoded. */
function field(text: string): string | null {
  if (text === "\\N") return null;
  return text.replace(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)/g, (_, e: string) => {
    if (e[0] === "x") return String.fromCharCode(parseInt(e.slice(1), 16));
    if (/^[0-7]/.test(e)) return String.fromCharCode(parseInt(e, 8));
    return ESCAPES[e] ?? e;
  });
}

/** Every `COPY table (cols) FROM stdin;` block of a dump, with its rows. */
export function copyBlocks(sql: string): CopyBlock[] {
  const out: CopyBlock[] = [];
  const lines = sql.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = /^COPY\s+(\S+)\s*\(([^)]*)\)\s+FROM\s+stdin;/i.exec(lines[i]);
    if (!m) continue;
    const rows: (string | null)[][] = [];
    for (i++; i < lines.length && lines[i] !== "\\."; i++) rows.push(lines[i].split("\t").map(field));
    out.push({ table: m[1], columns: m[2].split(",").map((c) => c.trim()), rows });
  }
  return out;
}

/** Inserts every block's rows, 500 a statement, with triggers, rules and foreign-key checks off (as pg_restore does). */
export async function loadCopyBlocks(client: pg.ClientBase, blocks: readonly CopyBlock[]): Promise<number> {
  let total = 0;
  await client.query("SET session_replication_role = replica");
  try {
    for (const b of blocks) {
      for (let i = 0; i < b.rows.length; i += 500) {
        const chunk = b.rows.slice(i, i + 500);
        const values = chunk.map((_, r) => `(${b.columns.map((__, c) => `$${r * b.columns.length + c + 1}`).join(", ")})`).join(", ");
        await client.query(`INSERT INTO ${b.table} (${b.columns.join(", ")}) VALUES ${values}`, chunk.flat());
        total += chunk.length;
      }
    }
  } finally {
    await client.query("SET session_replication_role = DEFAULT");
  }
  return total;
}
