/**
 * Checking an LLM's answer (the JSON of `ddl-prompt.ts`) against the DDL it was asked about.
 *
 * Decisions, all deliberate:
 * - The answer is read as JSON, also inside a ```json fence or with text around the object.
 * - Shapes are checked strictly: a wrong type where a list or object belongs rejects the answer; only
 *   scalar slips are forgiven (a non-string type or comment becomes "", a non-boolean nullable becomes true,
 *   a one-name string where a list of names belongs is read as that list).
 * - Every name (table and its qualifier parts, columns, key columns, referenced tables and columns) must
 *   occur in the DDL as an identifier: case-insensitive, quotes/backticks/brackets ignored, not as part of a
 *   longer name. One invented name rejects the whole answer (an answer that invents anything is not trusted).
 *   Names are stored as the DDL spells them.
 * - Comments, types and defaults that do not occur in the DDL are dropped, not trusted; the answer stays.
 *   Comments are compared after undoing SQL/backslash escaping and collapsing whitespace, case-sensitively.
 * - Rejected: no table name, no columns. Duplicated columns keep their first entry. Primary-key columns are
 *   not nullable (as the DDL reader does).
 */
import { splitQualifiedName } from "../dialects/registry.js";
import type { ColumnInfo, Dialect, ForeignKey, TableStructure, TableType } from "../model.js";

export type Verdict = { readonly ok: true; readonly structure: TableStructure } | { readonly ok: false; readonly reason: string };

class Rejection extends Error {}

function reject(reason: string): never {
  throw new Rejection(reason);
}

type Obj = Readonly<Record<string, unknown>>;

function isObj(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The JSON object in the model's text: as it is, inside a ``` fence, or between the first `{` and the last `}`. */
export function extractJson(content: string): unknown {
  const text = content.trim();
  const candidates = [text];
  const fenced = /```[a-zA-Z]*[ \t]*\r?\n?([\s\S]*?)```/.exec(text);
  if (fenced) candidates.push(fenced[1].trim());
  const open = text.indexOf("{");
  const close = text.lastIndexOf("}");
  if (open >= 0 && close > open) candidates.push(text.slice(open, close + 1));
  for (const candidate of candidates) {
    try {
      return JSON.parse(candidate) as unknown;
    } catch {
      // next candidate
    }
  }
  return reject("the answer is not JSON");
}

const IDENT_CHAR = "[\\p{L}\\p{N}_$]";

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** Strip one pair of identifier quotes around a name. */
function unquote(name: string): string {
  const t = name.trim();
  const first = t[0];
  const last = t[t.length - 1];
  if (t.length >= 2 && ((first === "`" && last === "`") || (first === '"' && last === '"') || (first === "[" && last === "]"))) {
    return t.slice(1, -1);
  }
  return t;
}

/** Undo string escaping and collapse whitespace, for comparing comments with the DDL text. */
function looseText(text: string): string {
  return text
    .replace(/\\(.)/gs, "$1")
    .replace(/''/g, "'")
    .replace(/""/g, '"')
    .replace(/\s+/g, " ")
    .trim();
}

/** The DDL text, prepared once for the checks of one answer. */
class DdlText {
  /** The DDL with identifier quotes removed (`, ", [, ]). */
  private readonly plain: string;
  private readonly loose: string;
  private readonly compactLower: string;

  constructor(readonly ddl: string) {
    this.plain = ddl.replace(/[`"[\]]/g, "");
    this.loose = looseText(ddl);
    this.compactLower = ddl.replace(/\s+/g, "").toLowerCase();
  }

  /** The DDL's spelling of `name` when it occurs as an identifier; undefined otherwise. */
  identifier(name: string): string | undefined {
    const bare = unquote(name);
    if (bare === "") return undefined;
    const re = new RegExp(`(?<!${IDENT_CHAR})${escapeRegExp(bare)}(?!${IDENT_CHAR})`, "iu");
    return re.exec(this.plain)?.[0];
  }

  comment(comment: string): boolean {
    const loose = looseText(comment);
    return loose === "" || this.loose.includes(loose);
  }

  type(type: string): string {
    const compact = type.replace(/\s+/g, "").toLowerCase();
    if (compact === "") return "";
    if (this.compactLower.includes(compact)) return type.trim();
    // the base type alone (`DECIMAL` of an invented `DECIMAL(38,10)`), when it is in the DDL
    const base = /^[\p{L}_][\p{L}\p{N}_]*/u.exec(type.trim())?.[0];
    return base !== undefined && this.identifier(base) !== undefined ? base : "";
  }

  value(value: string): boolean {
    const bare = value.trim().replace(/^(['"])([\s\S]*)\1$/, "$2");
    return bare === "" || this.ddl.toLowerCase().includes(bare.toLowerCase());
  }
}

/** A name list: `[string]`, or one string. Every name must occur in the DDL; returned as the DDL spells them. */
function names(value: unknown, what: string, ddl: DdlText): string[] {
  if (value === undefined || value === null) return [];
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list)) reject(`${what} is not a list of names`);
  const out: string[] = [];
  for (const item of list) {
    if (typeof item !== "string") reject(`${what} is not a list of names`);
    if (item.trim() === "") continue;
    out.push(identifier(item, what, ddl));
  }
  return out;
}

function identifier(name: string, what: string, ddl: DdlText): string {
  const found = ddl.identifier(name);
  if (found === undefined) reject(`${what} "${name}" does not occur in the DDL`);
  return found;
}

/** `db.table`-style name -> its parts, each checked against the DDL. */
function qualifiedName(name: string, what: string, ddl: DdlText): string[] {
  const parts = splitQualified(name);
  if (parts.length === 0) reject(`${what} is empty`);
  return parts.map((p) => identifier(p, what, ddl));
}

/** Split on dots outside identifier quotes. */
function splitQualified(name: string): string[] {
  const parts: string[] = [];
  let current = "";
  let quote: string | undefined;
  for (const ch of name.trim()) {
    if (quote !== undefined) {
      current += ch;
      if (ch === quote) quote = undefined;
    } else if (ch === "`" || ch === '"') {
      current += ch;
      quote = ch;
    } else if (ch === "[") {
      current += ch;
      quote = "]";
    } else if (ch === ".") {
      parts.push(current);
      current = "";
    } else current += ch;
  }
  parts.push(current);
  return parts.map((p) => unquote(p)).filter((p) => p !== "");
}

function tableTypeOf(ddl: string): TableType {
  const head = /\bcreate\s+(?:or\s+replace\s+)?(?:(?:global|local)\s+)?(?:temp(?:orary)?\s+)?(?:secure\s+)?(materialized\s+view|view|table)\b/i.exec(ddl);
  const kind = head?.[1].toLowerCase().replace(/\s+/g, " ");
  if (kind === "materialized view") return "mv";
  if (kind === "view") return "view";
  return "table";
}

function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function readColumn(value: unknown, index: number, ddl: DdlText): ColumnInfo {
  if (!isObj(value)) reject(`columns[${index}] is not an object`);
  if (typeof value.name !== "string" || value.name.trim() === "") reject(`columns[${index}] has no name`);
  const name = identifier(value.name, "column", ddl);
  const type = ddl.type(text(value.type));
  const nullable = typeof value.nullable === "boolean" ? value.nullable : true;
  const raw = value.default;
  const written = typeof raw === "string" ? raw : typeof raw === "number" || typeof raw === "boolean" ? String(raw) : undefined;
  const defaultValue = written !== undefined && written.trim() !== "" && ddl.value(written) ? written.trim() : undefined;
  const comment = text(value.comment).trim();
  return {
    name,
    type,
    nullable,
    ...(defaultValue !== undefined ? { defaultValue } : {}),
    comment: ddl.comment(comment) ? comment : "",
  };
}

function readForeignKey(value: unknown, index: number, ddl: DdlText): ForeignKey {
  if (!isObj(value)) reject(`foreign_keys[${index}] is not an object`);
  const fromColumns = names(value.columns, "foreign key column", ddl);
  if (fromColumns.length === 0) reject(`foreign_keys[${index}] has no columns`);
  if (typeof value.ref_table !== "string" || value.ref_table.trim() === "") reject(`foreign_keys[${index}] has no ref_table`);
  const toTable = qualifiedName(value.ref_table, "referenced table", ddl).join(".");
  const toColumns = names(value.ref_columns, "referenced column", ddl);
  return { fromColumns, toTable, toColumns };
}

function readAnswer(answer: unknown, ddlText: string, dialect: Dialect): TableStructure {
  if (!isObj(answer)) reject("the answer is not a JSON object");
  const ddl = new DdlText(ddlText);

  const table = answer.table;
  const tableObj: Obj = typeof table === "string" ? { name: table } : isObj(table) ? table : {};
  if (table !== undefined && table !== null && typeof table !== "string" && !isObj(table)) reject("table is not an object");
  if (typeof tableObj.name !== "string" || tableObj.name.trim() === "") reject("the answer names no table");
  const name = splitQualifiedName(qualifiedName(tableObj.name, "table", ddl), dialect);
  const tableComment = text(tableObj.comment).trim();

  if (!Array.isArray(answer.columns)) reject("columns is not a list");
  const columns: ColumnInfo[] = [];
  const seen = new Set<string>();
  answer.columns.forEach((c, i) => {
    const column = readColumn(c, i, ddl);
    const key = column.name.toLowerCase();
    if (seen.has(key)) return;
    seen.add(key);
    columns.push(column);
  });
  if (columns.length === 0) reject("the answer has no columns");

  const primaryKey = names(answer.primary_key ?? answer.primary_keys, "primary key column", ddl);
  const pk = new Set(primaryKey.map((c) => c.toLowerCase()));

  const rawUnique = answer.unique_keys ?? [];
  if (!Array.isArray(rawUnique)) reject("unique_keys is not a list of lists of names");
  const uniqueKeys: string[][] = [];
  const uniqueSeen = new Set<string>();
  for (const key of rawUnique) {
    if (!Array.isArray(key)) reject("unique_keys is not a list of lists of names");
    const cols = names(key, "unique key column", ddl);
    const id = cols.map((c) => c.toLowerCase()).join("\u0000");
    if (cols.length === 0 || uniqueSeen.has(id)) continue;
    uniqueSeen.add(id);
    uniqueKeys.push(cols);
  }

  const rawForeign = answer.foreign_keys ?? [];
  if (!Array.isArray(rawForeign)) reject("foreign_keys is not a list");
  const foreignKeys = rawForeign.map((fk, i) => readForeignKey(fk, i, ddl));

  return {
    ...name,
    tableType: tableTypeOf(ddlText),
    comment: ddl.comment(tableComment) ? tableComment : "",
    columns: columns.map((c) => (c.nullable && pk.has(c.name.toLowerCase()) ? { ...c, nullable: false } : c)),
    primaryKey,
    uniqueKeys,
    foreignKeys,
    source: "llm",
    dialect,
  };
}

/** The structure the answer `content` gives for `ddl`, or why it is not trusted. */
export function validateAnswer(content: string, ddl: string, dialect: Dialect): Verdict {
  try {
    return { ok: true, structure: readAnswer(extractJson(content), ddl, dialect) };
  } catch (err) {
    if (err instanceof Rejection) return { ok: false, reason: err.message };
    throw err;
  }
}
