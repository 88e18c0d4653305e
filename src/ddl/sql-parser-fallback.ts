/**
 * The second opinion: node-sql-parser, consulted only when the scanner cannot find a table name and
 * columns. It is ~20x slower than the scanner, rejects StarRocks clauses and normalises types
 * (`bigint(20)` comes back as `BIGINT` + length), so it is a fallback, not the first reader.
 */
import type { Dialect, ForeignKey } from "../model.js";
import { newDraft, type Draft, type DraftColumn } from "./scanner.js";
import { grammarOf, parserFor } from "./sql-grammars.js";
import { lexRules, tokenize } from "./tokenize.js";

type Obj = Readonly<Record<string, unknown>>;

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null;
}

function str(v: unknown): string {
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : "";
}

/** A column reference in any of the shapes the grammars produce: "a", {column:"a"}, {column:{expr:{value:"a"}}}. */
function columnName(ref: unknown): string {
  if (typeof ref === "string") return ref;
  if (!isObj(ref)) return "";
  const column = ref.column;
  if (typeof column === "string") return column;
  if (isObj(column) && isObj(column.expr)) return str(column.expr.value);
  if (isObj(ref.expr)) return str(ref.expr.value);
  return str(ref.value);
}

function columnNames(list: unknown): string[] {
  return Array.isArray(list) ? list.map(columnName).filter((c) => c !== "") : [];
}

function dataType(def: unknown): string {
  if (!isObj(def)) return "";
  let type = str(def.dataType);
  if (def.length !== undefined && def.length !== null) {
    type += `(${str(def.length)}${def.scale !== undefined && def.scale !== null ? `,${str(def.scale)}` : ""})`;
  }
  if (Array.isArray(def.suffix)) for (const s of def.suffix) if (typeof s === "string") type += ` ${s}`;
  return type;
}

function commentText(comment: unknown): string {
  if (!isObj(comment)) return "";
  const value = comment.value;
  if (isObj(value)) return str(value.value);
  return str(value).replace(/^(['"])([\s\S]*)\1$/, "$2");
}

function tableRef(table: unknown): { db: string; table: string } {
  const first = Array.isArray(table) ? table[0] : table;
  if (!isObj(first)) return { db: "", table: "" };
  return { db: str(first.db), table: str(first.table) };
}

/**
 * Parentheses nested deeper than this are not handed to node-sql-parser. Its grammars backtrack on text
 * they cannot read, and nesting makes that exponential: with PostgreSQL's, each level of unclosed or
 * unreadable parentheses doubles the time (10 levels half a second, 16 a quarter of a minute), and at
 * about 20 an internal array outgrows V8's limit and the whole process aborts ("Fatal JavaScript invalid
 * size error"). The scanner reads real DDL of any depth; what it cannot read does not nest this deep.
 */
export const MAX_NESTING = 10;

/** The deepest parenthesis nesting of `sql`, outside strings, quoted names and comments. */
export function nesting(sql: string, dialect: Dialect): number {
  let depth = 0;
  let deepest = 0;
  for (const t of tokenize(sql, lexRules(dialect))) {
    if (t.kind !== "punct") continue;
    if (t.value === "(") deepest = Math.max(deepest, ++depth);
    else if (t.value === ")" && depth > 0) depth--;
  }
  return deepest;
}

/**
 * Reads the first CREATE TABLE/VIEW of `sql` with node-sql-parser, or returns null when it cannot.
 * Comments on the table and its columns, PK, unique keys and FKs are mapped; DEFAULTs are not.
 */
export function parseWithSqlParser(sql: string, dialect: Dialect): Draft | null {
  const parser = parserFor(grammarOf(dialect));
  if (parser === null || nesting(sql, dialect) > MAX_NESTING) return null;
  let ast: unknown;
  try {
    ast = parser.astify(sql, { database: grammarOf(dialect) });
  } catch {
    return null;
  }
  const statements: unknown[] = Array.isArray(ast) ? ast : [ast];
  const create = statements.find(
    (s): s is Obj => isObj(s) && s.type === "create" && (s.keyword === "table" || s.keyword === "view"),
  );
  if (create === undefined) return null;
  const draft = newDraft();
  const ref = tableRef(create.keyword === "view" ? (create.view ?? create.table) : create.table);
  draft.tableName = ref.table;
  if (ref.db !== "") draft.databaseName = ref.db;
  draft.tableType = create.keyword === "view" ? "view" : "table";
  const defs = Array.isArray(create.create_definitions) ? create.create_definitions : [];
  for (const def of defs) {
    if (!isObj(def)) continue;
    if (def.resource === "column") {
      const nullable = isObj(def.nullable) ? def.nullable.type !== "not null" : true;
      const column: DraftColumn = { name: columnName(def.column), type: dataType(def.definition), nullable, comment: commentText(def.comment) };
      if (column.name === "") continue;
      draft.columns.push(column);
      if (typeof def.primary_key === "string" || typeof def.primary === "string") draft.primaryKey = [column.name];
      if (typeof def.unique === "string" || typeof def.unique_or_primary === "string") draft.uniqueKeys.push([column.name]);
      continue;
    }
    if (def.resource !== "constraint") continue;
    const kind = str(def.constraint_type).toLowerCase();
    const cols = columnNames(def.definition);
    if (kind === "primary key") draft.primaryKey = cols;
    else if (kind.startsWith("unique")) draft.uniqueKeys.push(cols);
    else if (kind === "foreign key" && isObj(def.reference_definition)) {
      const target = tableRef(def.reference_definition.table);
      const fk: ForeignKey = {
        ...(typeof def.constraint === "string" ? { name: def.constraint } : {}),
        fromColumns: cols,
        toTable: target.db !== "" ? `${target.db}.${target.table}` : target.table,
        toColumns: columnNames(def.reference_definition.definition),
      };
      draft.foreignKeys.push(fk);
    }
  }
  const options = Array.isArray(create.table_options) ? create.table_options : [];
  for (const option of options) {
    if (isObj(option) && str(option.keyword).toLowerCase() === "comment") draft.comment = commentText(option);
  }
  return draft.tableName === "" ? null : draft;
}
