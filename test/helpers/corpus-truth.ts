/**
 * The shared corpus read by the tests themselves, not by the code under test: the CREATE statements of a
 * script exactly as written, the foreign keys its ALTER statements and its CREATE statements declare, the
 * column types, and the definitions with every foreign-key clause cut out. Small regular expressions and a
 * quote-aware statement end finder: independent of src/ddl, so the truth cannot share its mistakes.
 */

/** One CREATE TABLE / CREATE VIEW statement of a script, exactly as written (up to and with its `;`). */
export interface CreateStatement {
  /** Where it starts in the script. */
  readonly at: number;
  readonly text: string;
  readonly name: string;
  readonly type: "table" | "view";
  readonly temporary: boolean;
}

/** One foreign-key column pair: `table.column -> target.column`, lower-case, names without qualifiers. */
export interface TruthEdge {
  readonly table: string;
  readonly column: string;
  readonly toTable: string;
  readonly toColumn: string;
}

const NAME = String.raw`(?:[\`"\[]?[\w$]+[\`"\]]?)(?:\.[\`"\[]?[\w$]+[\`"\]]?)*`;
const CREATE_START = new RegExp(
  String.raw`(?:^|\n)[ \t]*(CREATE\s+(?:OR\s+REPLACE\s+)?(?:DEFINER\s*=\s*\S+\s+)?(?:SQL\s+SECURITY\s+\w+\s+)?(?:(?:GLOBAL|LOCAL)\s+)?(?:(TEMP|TEMPORARY)\s+)?(?:MATERIALIZED\s+)?(TABLE|VIEW)\s+(?:IF\s+NOT\s+EXISTS\s+)?(${NAME}))`,
  "gi",
);

/** The last part of a name, unquoted and lower-cased: `public."Film"` -> film. */
export function bareName(name: string): string {
  return name.split(".").pop()!.replace(/[`"[\]]/g, "").toLowerCase();
}

function names(list: string): string[] {
  return list.split(",").map((n) => bareName(n.trim().split(/\s+/)[0])).filter((n) => n !== "");
}

/** Where the statement starting at `from` ends: the `;` outside quotes, comments and parentheses (or the text's end). */
function statementEnd(text: string, from: number): number {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const ch = text[i];
    if (ch === "'" || ch === '"' || ch === "`") {
      const close = ch;
      for (i++; i < text.length; i++) {
        if (text[i] === "\\" && close === "'") i++;
        else if (text[i] === close) {
          if (text[i + 1] === close) i++;
          else break;
        }
      }
    } else if (ch === "-" && text[i + 1] === "-") {
      const nl = text.indexOf("\n", i);
      i = nl < 0 ? text.length : nl;
    } else if (ch === "/" && text[i + 1] === "*") {
      const close = text.indexOf("*/", i + 2);
      i = close < 0 ? text.length : close + 1;
    } else if (ch === "(") depth++;
    else if (ch === ")") depth = Math.max(0, depth - 1);
    else if (ch === ";" && depth === 0) return i + 1;
  }
  return text.length;
}

/** Every CREATE TABLE / VIEW of a script, also those inside a routine's body (a temporary table), in order. */
export function createStatements(script: string): CreateStatement[] {
  const out: CreateStatement[] = [];
  for (const m of script.matchAll(CREATE_START)) {
    const start = m.index + m[0].indexOf(m[1]);
    const text = script.slice(start, statementEnd(script, start));
    out.push({ at: start, text, name: m[4].split(".").pop()!.replace(/[`"[\]]/g, ""), type: m[3].toUpperCase() === "VIEW" ? "view" : "table", temporary: m[2] !== undefined });
  }
  return out;
}

const ALTER_START = /(?:^|\n)[ \t]*(ALTER\s+TABLE)\b/gi;

/** Every ALTER TABLE statement of a script, exactly as written, with where it starts. */
export function alterStatements(script: string): { readonly at: number; readonly text: string }[] {
  return [...script.matchAll(ALTER_START)].map((m) => {
    const start = m.index + m[0].indexOf(m[1]);
    return { at: start, text: script.slice(start, statementEnd(script, start)) };
  });
}

const ALTER_FK = new RegExp(
  String.raw`ALTER\s+TABLE\s+(?:ONLY\s+)?(?:IF\s+EXISTS\s+)?(${NAME})\s+ADD\s+(?:CONSTRAINT\s+${NAME}\s+)?FOREIGN\s+KEY\s*\(([^)]*)\)\s*REFERENCES\s+(${NAME})\s*\(([^)]*)\)`,
  "gi",
);
const TABLE_FK = new RegExp(String.raw`FOREIGN\s+KEY\s*\(([^)]*)\)\s*REFERENCES\s+(${NAME})\s*\(([^)]*)\)`, "gi");
const COLUMN_FK = new RegExp(String.raw`(?:^|[(,])\s*(${NAME})\s+[^,()]*(?:\([^)]*\)[^,()]*)?\bREFERENCES\s+(${NAME})\s*\(([^)]*)\)`, "gi");

function pairs(table: string, from: string[], toTable: string, to: string[]): TruthEdge[] {
  return from.slice(0, to.length).map((column, i) => ({ table: bareName(table), column, toTable: bareName(toTable), toColumn: to[i] }));
}

/** The foreign keys `ALTER TABLE ... ADD [CONSTRAINT c] FOREIGN KEY (...) REFERENCES t (...)` add, anywhere in the script. */
export function alterForeignKeys(script: string): TruthEdge[] {
  return [...script.matchAll(ALTER_FK)].flatMap((m) => pairs(m[1], names(m[2]), m[3], names(m[4])));
}

/** The foreign keys a CREATE TABLE statement declares itself (table constraints and column REFERENCES). */
export function inlineForeignKeys(create: CreateStatement): TruthEdge[] {
  if (create.type !== "table") return [];
  const out = [...create.text.matchAll(TABLE_FK)].flatMap((m) => pairs(create.name, names(m[1]), m[2], names(m[3])));
  const withoutTableFks = create.text.replace(TABLE_FK, "");
  for (const m of withoutTableFks.matchAll(COLUMN_FK)) out.push(...pairs(create.name, [bareName(m[1])], m[2], names(m[3])));
  return out;
}

const FK_ACTIONS = String.raw`(?:\s+(?:ON\s+(?:DELETE|UPDATE)\s+(?:NO\s+ACTION|SET\s+NULL|SET\s+DEFAULT|CASCADE|RESTRICT)|MATCH\s+\w+|NOT\s+DEFERRABLE|DEFERRABLE|INITIALLY\s+\w+))*`;
const STRIP_TABLE_FK = new RegExp(String.raw`,\s*(?:CONSTRAINT\s+${NAME}\s+)?FOREIGN\s+KEY\s*\([^)]*\)\s*REFERENCES\s+${NAME}\s*(?:\([^)]*\))?${FK_ACTIONS}`, "gi");
const STRIP_COLUMN_FK = new RegExp(String.raw`\s+REFERENCES\s+${NAME}\s*(?:\([^)]*\))?${FK_ACTIONS}`, "gi");

/** The statement with every foreign-key clause cut out (what is left for name inference alone). */
export function withoutForeignKeys(text: string): string {
  return text.replace(STRIP_TABLE_FK, "").replace(STRIP_COLUMN_FK, "");
}

/** What values a column can hold, by its declared type; `other` for types the test does not judge (domains, enums). */
export type TypeFamily = "integer" | "decimal" | "text" | "time" | "boolean" | "other";

export function typeFamily(type: string): TypeFamily {
  const t = type.toLowerCase();
  if (/^(?:(?:tiny|small|medium|big)?int(?:eger|\d)?|(?:small|big)?serial\d?|largeint)$/.test(t)) return "integer";
  if (/^(?:numeric|decimal|number|float\d?|double|real|money)$/.test(t)) return "decimal";
  if (/^(?:n?varchar2?|n?char|character|text|string|citext|clob|tinytext|mediumtext|longtext)$/.test(t)) return "text";
  if (/^(?:date|datetime|timestamp|timestamptz|time)$/.test(t)) return "time";
  if (/^(?:bool|boolean|bit)$/.test(t)) return "boolean";
  return "other";
}

/** Whether values of `a` can be values of `b` (integers fit decimals; `other` is not judged). */
export function compatible(a: TypeFamily, b: TypeFamily): boolean {
  if (a === "other" || b === "other" || a === b) return true;
  return (a === "integer" && b === "decimal") || (a === "decimal" && b === "integer");
}

/** Column name (lower-case) -> the first word of its type, from the statement's column list. */
export function columnTypes(create: CreateStatement): Map<string, string> {
  const out = new Map<string, string>();
  const open = create.text.indexOf("(");
  if (create.type !== "table" || open < 0) return out;
  let depth = 0;
  let item = "";
  const items: string[] = [];
  for (const ch of create.text.slice(open + 1)) {
    if (ch === "(") depth++;
    if (ch === ")" && depth-- === 0) break;
    if (ch === "," && depth === 0) {
      items.push(item);
      item = "";
    } else item += ch;
  }
  items.push(item);
  for (const raw of items) {
    const text = raw.replace(/--[^\n]*/g, "").trim();
    const m = /^([`"[]?[\w$]+[`"\]]?)\s+([A-Za-z]\w*)/.exec(text);
    if (m === null || /^(?:CONSTRAINT|PRIMARY|FOREIGN|UNIQUE|KEY|INDEX|CHECK|FULLTEXT|SPATIAL)$/i.test(m[1])) continue;
    out.set(bareName(m[1]), m[2]);
  }
  return out;
}

/** The parent a PostgreSQL table inherits its columns from (`INHERITS (p)` or `PARTITION OF p`), lower-case. */
export function inheritsFrom(create: CreateStatement): string | undefined {
  const m = new RegExp(String.raw`(?:INHERITS\s*\(\s*|PARTITION\s+OF\s+)(${NAME})`, "i").exec(create.text);
  return m === null ? undefined : bareName(m[1]);
}

export function truthKey(e: TruthEdge): string {
  return `${e.table}.${e.column} -> ${e.toTable}.${e.toColumn}`;
}
