/**
 * The tolerant DDL scanner: reads CREATE TABLE / CREATE VIEW statements (and the COMMENT ON,
 * ALTER TABLE … ADD and CREATE UNIQUE INDEX statements around them) from tokens, statement by statement.
 *
 * It reads what is there and skips what it does not know, so truncated DDL (no closing paren, a
 * trailing comma), StarRocks clauses (ENGINE=OLAP, DUPLICATE KEY, DISTRIBUTED BY, PARTITION BY,
 * PROPERTIES) and DDL whose commas an old tool stripped between backticked columns all still give
 * names, types, comments and keys. Types and defaults are kept as written.
 */
import { profileOf, splitQualifiedName } from "../dialects/registry.js";
import type { Dialect, ForeignKey, TableType } from "../model.js";
import type { Token } from "./tokenize.js";

export interface DraftColumn {
  name: string;
  type: string;
  nullable: boolean;
  defaultValue?: string;
  comment: string;
}

/** A table being read: mutable while statements are applied, frozen into a TableStructure at the end. */
export interface Draft {
  tableName: string;
  schemaName: string;
  databaseName: string;
  tableType: TableType;
  comment: string;
  columns: DraftColumn[];
  primaryKey: string[];
  uniqueKeys: string[][];
  foreignKeys: ForeignKey[];
  /** Column-list items the scanner could not read as a column or a constraint. */
  unreadItems: number;
  /**
   * The tables this one takes its leading columns from, as written in parts: PostgreSQL
   * `INHERITS (a, b)` and `PARTITION OF a`. Only a whole script can resolve them (parseDdlScript).
   */
  parents: string[][];
  /** `PARTITION OF` (the partition also takes the parent's keys) rather than `INHERITS`. */
  partitionOf: boolean;
  /**
   * `PARTITION OF p (b WITH OPTIONS NOT NULL)`: options on columns the partition takes from its parent,
   * not columns of its own (type ""); applied when the parent is resolved.
   */
  columnOptions: DraftColumn[];
  /** `CREATE TEMPORARY TABLE` (TEMP, GLOBAL/LOCAL TEMPORARY, VOLATILE). */
  temporary: boolean;
  /** StarRocks/Doris `DUPLICATE KEY (…)` / `AGGREGATE KEY (…)`. */
  sortKey: string[];
  /** Columns marked AUTO_INCREMENT / IDENTITY / GENERATED … AS IDENTITY (here or by a later ALTER), or owned by a sequence. */
  identity: string[];
}

/** A statement that adds to a table created elsewhere in the same text. */
export interface Amendment {
  /** The name of the table it applies to, as written, in parts (`public.users` -> ["public", "users"]). */
  readonly target: readonly string[];
  readonly apply: (draft: Draft) => void;
}

export type ScannedStatement =
  | { readonly kind: "create"; readonly draft: Draft }
  | { readonly kind: "amend"; readonly amendment: Amendment }
  | { readonly kind: "other" };

/** Reads one statement. Never throws on odd input (it returns `other` or a partial draft). */
export function scanStatement(src: string, ts: readonly Token[], dialect: Dialect): ScannedStatement {
  const first = ts[0];
  if (first === undefined || first.kind !== "word") return OTHER;
  switch (first.upper) {
    case "CREATE":
      return scanCreate(src, ts, dialect);
    case "COMMENT":
      return scanCommentOn(ts);
    case "ALTER":
      return scanAlterTable(src, ts, dialect);
    default:
      return OTHER;
  }
}

const OTHER: ScannedStatement = { kind: "other" };

// ---------------------------------------------------------------------------------------------
// token helpers

function isWord(t: Token | undefined, upper: string): boolean {
  return t !== undefined && t.kind === "word" && t.upper === upper;
}

function isPunct(t: Token | undefined, ch: string): boolean {
  return t !== undefined && t.kind === "punct" && t.value === ch;
}

function isNameToken(t: Token | undefined): boolean {
  return t !== undefined && (t.kind === "word" || t.kind === "qident" || t.kind === "dq");
}

/** A text value: '...' or (MySQL family, StarRocks) "...". */
function isText(t: Token | undefined): boolean {
  return t !== undefined && (t.kind === "string" || t.kind === "dq");
}

/** Index of the `)` matching the `(` at `open`, or `to` when the text ends first (truncated). */
function matchParen(ts: readonly Token[], open: number, to: number): number {
  let depth = 0;
  for (let k = open; k < to; k++) {
    const t = ts[k];
    if (t.kind !== "punct") continue;
    if (t.value === "(") depth++;
    else if (t.value === ")") {
      depth--;
      if (depth === 0) return k;
    }
  }
  return to;
}

const ANGLE_TYPES: ReadonlySet<string> = new Set(["STRUCT", "ARRAY", "MAP", "UNIONTYPE"]);

/** `<` opening a generic type: STRUCT<…>, ARRAY<…>, MAP<…> (BigQuery, Hive, StarRocks). */
function opensAngle(ts: readonly Token[], k: number): boolean {
  return k > 0 && isPunct(ts[k], "<") && ts[k - 1].kind === "word" && ANGLE_TYPES.has(ts[k - 1].upper);
}

/** Index of the `>` closing the generic type opened at `open`, or `to` when the text ends first. */
function matchAngle(ts: readonly Token[], open: number, to: number): number {
  let depth = 0;
  for (let k = open; k < to; k++) {
    if (isPunct(ts[k], "<")) depth++;
    else if (isPunct(ts[k], ">")) {
      depth--;
      if (depth === 0) return k;
    }
  }
  return to;
}

/** Splits [from, to) on commas at paren depth 0; empty pieces (a trailing comma) are dropped. */
function splitTopLevel(ts: readonly Token[], from: number, to: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let depth = 0;
  let start = from;
  for (let k = from; k < to; k++) {
    const t = ts[k];
    if (t.kind !== "punct") continue;
    if (opensAngle(ts, k)) {
      k = matchAngle(ts, k, to);
      continue;
    }
    if (t.value === "(") depth++;
    else if (t.value === ")") depth--;
    else if (t.value === "," && depth === 0) {
      if (k > start) out.push([start, k]);
      start = k + 1;
    }
  }
  if (to > start) out.push([start, to]);
  return out;
}

/** The source text of tokens [from, to), one space wherever the source had a gap (comments dropped). */
function render(src: string, ts: readonly Token[], from: number, to: number): string {
  let out = "";
  for (let k = from; k < to; k++) {
    if (k > from && ts[k].start > ts[k - 1].end) out += " ";
    out += src.slice(ts[k].start, ts[k].end);
  }
  return out;
}

interface Name {
  readonly parts: string[];
  readonly next: number;
}

/**
 * A possibly qualified name `a.b.c` starting at `i`. With `splitQuoted` (BigQuery), one backticked
 * `project.dataset.table` counts as three parts.
 */
function readName(ts: readonly Token[], i: number, to: number, splitQuoted = false): Name {
  const parts: string[] = [];
  let k = i;
  while (k < to && isNameToken(ts[k])) {
    const t = ts[k];
    // BigQuery writes `project.dataset.table` inside one pair of backticks
    if (t.kind === "qident" && splitQuoted && t.value.includes(".")) parts.push(...t.value.split("."));
    else parts.push(t.value);
    k++;
    if (k < to && isPunct(ts[k], ".") && isNameToken(ts[k + 1])) k++;
    else break;
  }
  return { parts, next: k };
}

/** The names inside `( a, b, c )` at `open` (expressions and ASC/DESC/lengths are reduced to the name). */
function readNameList(ts: readonly Token[], open: number, to: number): { names: string[]; next: number } {
  if (!isPunct(ts[open], "(")) return { names: [], next: open };
  const close = matchParen(ts, open, to);
  const names: string[] = [];
  for (const [a] of splitTopLevel(ts, open + 1, close)) {
    if (isNameToken(ts[a])) names.push(ts[a].value);
  }
  return { names, next: close < to ? close + 1 : to };
}

/** The table's name parts as the dialect's profile splits them (`db.table`, `schema.table`, `catalog.db.table`). */
function assignName(draft: Draft, parts: readonly string[], dialect: Dialect): void {
  if (parts.length === 0) return;
  Object.assign(draft, splitQualifiedName(parts, dialect));
}

/** Does the dialect write `project.dataset.table` inside one pair of quotes (BigQuery)? */
function splitsQuoted(dialect: Dialect): boolean {
  return profileOf(dialect).names.splitQuotedDots;
}

export function newDraft(): Draft {
  return {
    tableName: "",
    schemaName: "",
    databaseName: "",
    tableType: "table",
    comment: "",
    columns: [],
    primaryKey: [],
    uniqueKeys: [],
    foreignKeys: [],
    unreadItems: 0,
    parents: [],
    partitionOf: false,
    columnOptions: [],
    temporary: false,
    sortKey: [],
    identity: [],
  };
}

// ---------------------------------------------------------------------------------------------
// CREATE

/** Object kinds after CREATE that are not tables or views. */
const NOT_A_TABLE: ReadonlySet<string> = new Set([
  "TRIGGER",
  "FUNCTION",
  "PROCEDURE",
  "SEQUENCE",
  "TYPE",
  "DOMAIN",
  "SCHEMA",
  "DATABASE",
  "USER",
  "ROLE",
  "EXTENSION",
  "RULE",
  "AGGREGATE",
  "LANGUAGE",
  "EVENT",
  "CATALOG",
  "RESOURCE",
  "PACKAGE",
  "SYNONYM",
  "STAGE",
  "PIPE",
  "STREAM",
  "TASK",
  "ROUTINE",
  "POLICY",
  "PUBLICATION",
  "SUBSCRIPTION",
  "SERVER",
  "TABLESPACE",
]);

/** Words before TABLE that make it a temporary table (Teradata's VOLATILE too). */
const TEMPORARY: ReadonlySet<string> = new Set(["TEMP", "TEMPORARY", "VOLATILE"]);

function scanCreate(src: string, ts: readonly Token[], dialect: Dialect): ScannedStatement {
  const n = ts.length;
  let k = 1;
  let materialized = false;
  let unique = false;
  let temporary = false;
  for (; k < n && k < 40; k++) {
    const t = ts[k];
    if (t.kind === "punct" && t.value === "(") return OTHER;
    if (t.kind !== "word") continue;
    if (t.upper === "TABLE" || t.upper === "VIEW") break;
    if (t.upper === "MATERIALIZED") materialized = true;
    else if (TEMPORARY.has(t.upper)) temporary = true;
    else if (t.upper === "UNIQUE") unique = true;
    else if (t.upper === "INDEX") return unique ? scanUniqueIndex(ts, k + 1, dialect) : OTHER;
    else if (NOT_A_TABLE.has(t.upper)) return OTHER;
  }
  if (k >= n || k >= 40) return OTHER;
  const draft = newDraft();
  const isView = ts[k].upper === "VIEW";
  draft.tableType = isView ? (materialized ? "mv" : "view") : "table";
  draft.temporary = temporary;
  k++;
  if (isWord(ts[k], "IF") && isWord(ts[k + 1], "NOT") && isWord(ts[k + 2], "EXISTS")) k += 3;
  const name = readName(ts, k, n, splitsQuoted(dialect));
  assignName(draft, name.parts, dialect);
  k = name.next;
  if (isView) scanViewBody(src, ts, k, draft);
  else scanTableBody(src, ts, k, draft);
  return { kind: "create", draft };
}

function scanTableBody(src: string, ts: readonly Token[], k: number, draft: Draft): void {
  const n = ts.length;
  // PostgreSQL `PARTITION OF parent [(column options)] FOR VALUES …`: the columns are the parent's
  if (isWord(ts[k], "PARTITION") && isWord(ts[k + 1], "OF")) {
    const parent = readName(ts, k + 2, n);
    if (parent.parts.length > 0) {
      draft.parents.push(parent.parts);
      draft.partitionOf = true;
    }
    k = parent.next;
  }
  // `OF type` has no column list of its own
  if (isPunct(ts[k], "(")) {
    const close = matchParen(ts, k, n);
    const items = splitTopLevel(ts, k + 1, close);
    for (const [a, b] of items) readTableElement(src, ts, a, b, draft);
    if (draft.partitionOf) {
      draft.columnOptions = draft.columns.map((c) => ({ ...c, type: "" }));
      draft.columns = [];
    }
    k = close + 1;
  }
  const selectAt = readTableOptions(ts, k, n, draft);
  if (selectAt >= 0 && draft.columns.length === 0) draft.columns = selectListColumns(ts, selectAt, n);
}

function scanViewBody(src: string, ts: readonly Token[], k: number, draft: Draft): void {
  const n = ts.length;
  if (isPunct(ts[k], "(")) {
    // CREATE VIEW v (a COMMENT 'x', b) AS …
    const close = matchParen(ts, k, n);
    for (const [a, b] of splitTopLevel(ts, k + 1, close)) {
      if (!isNameToken(ts[a])) continue;
      const column: DraftColumn = { name: ts[a].value, type: "", nullable: true, comment: "" };
      for (let j = a + 1; j < b; j++) {
        if (isWord(ts[j], "COMMENT") && isText(ts[j + 1])) column.comment = ts[j + 1].value;
      }
      draft.columns.push(column);
    }
    k = close + 1;
  }
  const selectAt = readTableOptions(ts, k, n, draft);
  if (selectAt >= 0 && draft.columns.length === 0) draft.columns = selectListColumns(ts, selectAt, n);
}

/**
 * Table options after the column list: COMMENT [=] '…' (MySQL, StarRocks, Snowflake), StarRocks
 * PRIMARY KEY(…)/UNIQUE KEY(…) models, BigQuery OPTIONS(description=…), PostgreSQL INHERITS (…).
 * Everything else is skipped.
 * Returns the index of the SELECT of an `AS SELECT` body, or -1.
 */
function readTableOptions(ts: readonly Token[], k: number, n: number, draft: Draft): number {
  while (k < n) {
    const t = ts[k];
    if (t.kind === "punct" && t.value === "(") {
      k = matchParen(ts, k, n) + 1;
      continue;
    }
    if (t.kind === "word") {
      switch (t.upper) {
        case "COMMENT": {
          let j = k + 1;
          if (isPunct(ts[j], "=")) j++;
          if (isText(ts[j])) {
            if (draft.comment === "") draft.comment = ts[j].value;
            k = j + 1;
            continue;
          }
          break;
        }
        case "PRIMARY":
          if (isWord(ts[k + 1], "KEY") && isPunct(ts[k + 2], "(")) {
            const list = readNameList(ts, k + 2, n);
            if (draft.primaryKey.length === 0) draft.primaryKey = list.names;
            k = list.next;
            continue;
          }
          break;
        case "UNIQUE":
          if (isWord(ts[k + 1], "KEY") && isPunct(ts[k + 2], "(")) {
            const list = readNameList(ts, k + 2, n);
            if (list.names.length > 0) draft.uniqueKeys.push(list.names);
            k = list.next;
            continue;
          }
          break;
        case "DUPLICATE":
        case "AGGREGATE":
          if (isWord(ts[k + 1], "KEY") && isPunct(ts[k + 2], "(")) {
            const list = readNameList(ts, k + 2, n);
            if (draft.sortKey.length === 0) draft.sortKey = list.names;
            k = list.next;
            continue;
          }
          break;
        case "OPTIONS":
          if (isPunct(ts[k + 1], "(")) {
            const close = matchParen(ts, k + 1, n);
            const description = optionDescription(ts, k + 2, close);
            if (description !== undefined && draft.comment === "") draft.comment = description;
            k = close + 1;
            continue;
          }
          break;
        case "INHERITS":
          // PostgreSQL `INHERITS (parent, other.parent)`
          if (isPunct(ts[k + 1], "(")) {
            const close = matchParen(ts, k + 1, n);
            for (const [a, b] of splitTopLevel(ts, k + 2, close)) {
              const parent = readName(ts, a, b);
              if (parent.parts.length > 0) draft.parents.push(parent.parts);
            }
            k = close + 1;
            continue;
          }
          break;
        case "AS":
          if (isWord(ts[k + 1], "SELECT") || isWord(ts[k + 1], "WITH") || isPunct(ts[k + 1], "(")) return findSelect(ts, k + 1, n);
          break;
        case "SELECT":
          return k;
        default:
          break;
      }
    }
    k++;
  }
  return -1;
}

/** BigQuery `OPTIONS(description = "…")`. */
function optionDescription(ts: readonly Token[], from: number, to: number): string | undefined {
  for (let j = from; j + 2 < to + 1; j++) {
    if (isNameToken(ts[j]) && ts[j].value.toLowerCase() === "description" && isPunct(ts[j + 1], "=") && isText(ts[j + 2])) {
      return ts[j + 2].value;
    }
  }
  return undefined;
}

/** The top-level SELECT of a query body starting at `k` (steps into an opening paren, skips WITH … AS (…) bodies). */
function findSelect(ts: readonly Token[], k: number, n: number): number {
  for (let j = k; j < n; j++) {
    const t = ts[j];
    if (isPunct(t, "(")) {
      if (j > k) j = matchParen(ts, j, n);
      continue;
    }
    if (isWord(t, "SELECT")) return j;
  }
  return -1;
}

const SELECT_LIST_END: ReadonlySet<string> = new Set([
  "FROM",
  "INTO",
  "WHERE",
  "GROUP",
  "ORDER",
  "LIMIT",
  "UNION",
  "HAVING",
  "WINDOW",
  "QUALIFY",
  "EXCEPT",
  "INTERSECT",
]);
const SELECT_MODIFIERS: ReadonlySet<string> = new Set(["DISTINCT", "ALL", "DISTINCTROW", "STRAIGHT_JOIN", "SQL_CALC_FOUND_ROWS", "SQL_NO_CACHE"]);
const NOT_AN_ALIAS: ReadonlySet<string> = new Set(["END", "NULL", "TRUE", "FALSE", "DISTINCT", "CURRENT_TIMESTAMP", "CURRENT_DATE"]);

/** Output column names of the select list at `selectAt` (a view's or CTAS's columns, type unknown). */
function selectListColumns(ts: readonly Token[], selectAt: number, n: number): DraftColumn[] {
  let k = selectAt + 1;
  while (k < n && ts[k].kind === "word" && SELECT_MODIFIERS.has(ts[k].upper)) k++;
  if (isWord(ts[k], "TOP")) k += isPunct(ts[k + 1], "(") ? matchParen(ts, k + 1, n) - k + 1 : 2;
  let end = k;
  let depth = 0;
  for (; end < n; end++) {
    const t = ts[end];
    if (t.kind === "punct") {
      if (t.value === "(") depth++;
      else if (t.value === ")") {
        depth--;
        if (depth < 0) break;
      }
    } else if (depth === 0 && t.kind === "word" && SELECT_LIST_END.has(t.upper)) break;
  }
  const columns: DraftColumn[] = [];
  const seen = new Set<string>();
  for (const [a, b] of splitTopLevel(ts, k, end)) {
    const last = ts[b - 1];
    const prev = b - 2 >= a ? ts[b - 2] : undefined;
    let name: string | undefined;
    if (isPunct(last, "*")) continue;
    if (isWord(prev, "AS") && (isNameToken(last) || last.kind === "string")) name = last.value;
    else if (isNameToken(last) && isSimpleReference(ts, a, b)) name = last.value;
    else if (
      isNameToken(last) &&
      prev !== undefined &&
      !(last.kind === "word" && NOT_AN_ALIAS.has(last.upper)) &&
      (isPunct(prev, ")") || isNameToken(prev) || prev.kind === "string" || prev.kind === "number")
    ) {
      name = last.value; // implicit alias: `expr alias`
    }
    if (name === undefined || name === "" || seen.has(name)) continue;
    seen.add(name);
    columns.push({ name, type: "", nullable: true, comment: "" });
  }
  return columns;
}

/** `a` or `t.a` or `s.t.a`: a plain column reference. */
function isSimpleReference(ts: readonly Token[], a: number, b: number): boolean {
  for (let j = a; j < b; j++) {
    const even = (j - a) % 2 === 0;
    if (even ? !isNameToken(ts[j]) : !isPunct(ts[j], ".")) return false;
  }
  return (b - a) % 2 === 1;
}

// ---------------------------------------------------------------------------------------------
// table elements: columns and constraints

/** Words that end a column's type (they start a column constraint or attribute). */
const TYPE_END: ReadonlySet<string> = new Set([
  "NOT",
  "NULL",
  "DEFAULT",
  "COMMENT",
  "PRIMARY",
  "UNIQUE",
  "REFERENCES",
  "CHECK",
  "CONSTRAINT",
  "AUTO_INCREMENT",
  "AUTOINCREMENT",
  "IDENTITY",
  "GENERATED",
  "AS",
  "COLLATE",
  "CHARSET",
  "ON",
  "ENCODE",
  "DISTKEY",
  "SORTKEY",
  "KEY",
  "VISIBLE",
  "INVISIBLE",
  "STORED",
  "VIRTUAL",
  "OPTIONS",
  "MASKING",
  "AFTER",
  "FIRST",
  "SPARSE",
  "ROWGUIDCOL",
  "FILESTREAM",
  "CODEC",
  "TTL",
  "ENABLE",
  "DISABLE",
  "AUTO_RANDOM",
  "SRID",
]);

/** StarRocks aggregate-model markers after a type (`v INT SUM`): they end the type, but never start one. */
const AGGREGATE_MARKERS: ReadonlySet<string> = new Set([
  "SUM",
  "MIN",
  "MAX",
  "REPLACE",
  "REPLACE_IF_NOT_NULL",
  "HLL_UNION",
  "BITMAP_UNION",
  "PERCENTILE_UNION",
]);

/** Words that end a DEFAULT expression. */
const DEFAULT_END: ReadonlySet<string> = new Set([
  "NOT",
  "NULL",
  "COMMENT",
  "PRIMARY",
  "UNIQUE",
  "REFERENCES",
  "CHECK",
  "CONSTRAINT",
  "ON",
  "AUTO_INCREMENT",
  "AUTOINCREMENT",
  "COLLATE",
  "GENERATED",
  "KEY",
  "VISIBLE",
  "INVISIBLE",
  "ENCODE",
  "OPTIONS",
  "MASKING",
  "AFTER",
  "FIRST",
  "IDENTITY",
]);

/** A backticked or bracketed name: in a column's tail it can only start the next column (a lost comma). */
function isHardQuotedName(src: string, t: Token): boolean {
  if (t.kind !== "qident") return false;
  const c = src.charCodeAt(t.start);
  return c === 96 || c === 91;
}

/** `KEY idx (a)` / `INDEX (a)` (an index) versus a column called key/index (`key varchar(10)`). */
function isIndexElement(ts: readonly Token[], a: number, b: number): boolean {
  let j = a + 1;
  if (isPunct(ts[j], "(")) return true;
  if (!isNameToken(ts[j])) return false;
  j++;
  if (isWord(ts[j], "USING")) return true;
  if (!isPunct(ts[j], "(")) return false;
  // `varchar(10)` holds numbers, an index holds names
  for (let x = j + 1; x < b && !isPunct(ts[x], ")"); x++) if (isNameToken(ts[x])) return true;
  return false;
}

function readTableElement(src: string, ts: readonly Token[], a: number, b: number, draft: Draft): void {
  let k = a;
  let constraintName: string | undefined;
  if (isWord(ts[k], "CONSTRAINT")) {
    if (isNameToken(ts[k + 1]) && !isConstraintKeyword(ts[k + 1])) {
      constraintName = ts[k + 1].value;
      k += 2;
    } else k += 1;
  }
  const t = ts[k];
  if (t === undefined || k >= b) return;
  if (t.kind === "word") {
    switch (t.upper) {
      case "PRIMARY":
        if (isWord(ts[k + 1], "KEY")) {
          const list = readNameList(ts, skipIndexName(ts, k + 2, b), b);
          if (list.names.length > 0) draft.primaryKey = list.names;
          return;
        }
        break;
      case "UNIQUE": {
        let j = k + 1;
        if (isWord(ts[j], "KEY") || isWord(ts[j], "INDEX")) j++;
        const list = readNameList(ts, skipIndexName(ts, j, b), b);
        if (list.names.length > 0) draft.uniqueKeys.push(list.names);
        return;
      }
      case "FOREIGN":
        if (isWord(ts[k + 1], "KEY")) {
          readForeignKey(ts, skipIndexName(ts, k + 2, b), b, constraintName, draft);
          return;
        }
        break;
      case "KEY":
      case "INDEX":
        if (isIndexElement(ts, k, b)) return;
        break;
      case "FULLTEXT":
      case "SPATIAL":
        // `FULLTEXT KEY idx (a)`, `FULLTEXT idx (a)`, `FULLTEXT (a)` is an index; `fulltext tsvector NOT NULL`
        // (PostgreSQL Sakila) is a column called fulltext
        if (isWord(ts[k + 1], "KEY") || isWord(ts[k + 1], "INDEX") || isIndexElement(ts, k, b)) return;
        break;
      case "CHECK":
      case "EXCLUDE":
        if (isPunct(ts[k + 1], "(") || isWord(ts[k + 1], "USING")) return;
        break;
      case "LIKE":
        // PostgreSQL `LIKE source_table INCLUDING ALL`
        if (isNameToken(ts[k + 1])) return;
        break;
      case "PERIOD":
        if (isWord(ts[k + 1], "FOR")) return;
        break;
      default:
        break;
    }
  }
  if (constraintName !== undefined) return; // CONSTRAINT x <something unknown>
  readColumns(src, ts, k, b, draft);
}

function isConstraintKeyword(t: Token): boolean {
  return t.kind === "word" && (t.upper === "PRIMARY" || t.upper === "FOREIGN" || t.upper === "UNIQUE" || t.upper === "CHECK");
}

/** Skips an optional index/constraint name (and USING BTREE) before a `(`. */
function skipIndexName(ts: readonly Token[], j: number, b: number): number {
  while (j < b && !isPunct(ts[j], "(")) j++;
  return j;
}

function readForeignKey(ts: readonly Token[], open: number, b: number, name: string | undefined, draft: Draft): void {
  const from = readNameList(ts, open, b);
  let j = from.next;
  if (!isWord(ts[j], "REFERENCES") || from.names.length === 0) return;
  const target = readName(ts, j + 1, b);
  if (target.parts.length === 0) return;
  j = target.next;
  const to = isPunct(ts[j], "(") ? readNameList(ts, j, b).names : [];
  draft.foreignKeys.push({
    ...(name !== undefined ? { name } : {}),
    fromColumns: from.names,
    toTable: target.parts.join("."),
    toColumns: to,
  });
}

/**
 * One column definition (or several, when an old tool stripped the commas between backticked columns).
 * Reads: name, type as written, NOT NULL / NULL, DEFAULT as written, COMMENT, inline PRIMARY KEY /
 * UNIQUE / REFERENCES, BigQuery OPTIONS(description=…).
 */
function readColumns(src: string, ts: readonly Token[], k: number, b: number, draft: Draft): void {
  while (k < b) {
    const nameToken = ts[k];
    if (!isNameToken(nameToken)) {
      draft.unreadItems++;
      return;
    }
    const column: DraftColumn = { name: nameToken.value, type: "", nullable: true, comment: "" };
    k++;
    // type
    const typeStart = k;
    while (k < b) {
      const t = ts[k];
      if (t.kind === "punct" && t.value === "(") {
        k = Math.min(matchParen(ts, k, b) + 1, b);
        continue;
      }
      if (opensAngle(ts, k)) {
        k = Math.min(matchAngle(ts, k, b) + 1, b);
        continue;
      }
      if (t.kind === "word") {
        if (TYPE_END.has(t.upper)) break;
        if (t.upper === "CHARACTER" && isWord(ts[k + 1], "SET")) break;
        if (k > typeStart && AGGREGATE_MARKERS.has(t.upper)) break;
      } else if (k > typeStart && isHardQuotedName(src, t)) break;
      else if (t.kind === "string" || t.kind === "dq") break;
      k++;
    }
    // SQL Server brackets type names (`[nchar](5)`); `integer[]` / `int[3]` arrays keep theirs
    column.type = render(src, ts, typeStart, k).replace(/\[([A-Za-z_][\w ]*)\]/g, "$1");
    // constraints and attributes
    let nextColumn = false;
    while (k < b && !nextColumn) {
      const t = ts[k];
      // SQL Server names inline constraints: `[Freight] money CONSTRAINT [DF_x] DEFAULT (0)`
      if (isWord(t, "CONSTRAINT") && isNameToken(ts[k + 1]) && !isConstraintKeyword(ts[k + 1])) {
        k += 2;
        continue;
      }
      if (isHardQuotedName(src, t)) {
        nextColumn = true;
        break;
      }
      if (t.kind === "punct" && t.value === "(") {
        k = matchParen(ts, k, b) + 1;
        continue;
      }
      if (t.kind !== "word") {
        k++;
        continue;
      }
      switch (t.upper) {
        case "NOT":
          if (isWord(ts[k + 1], "NULL")) {
            column.nullable = false;
            k += 2;
          } else k++;
          break;
        case "DEFAULT": {
          const from = k + 1;
          let j = from;
          while (j < b) {
            const v = ts[j];
            if (j > from) {
              if (v.kind === "word" && DEFAULT_END.has(v.upper)) break;
              if (isHardQuotedName(src, v)) break;
            }
            j = isPunct(v, "(") ? Math.min(matchParen(ts, j, b) + 1, b) : j + 1;
          }
          if (j > from) column.defaultValue = render(src, ts, from, j);
          k = j;
          break;
        }
        case "COMMENT": {
          let j = k + 1;
          if (isPunct(ts[j], "=")) j++;
          if (isText(ts[j])) {
            column.comment = ts[j].value;
            j++;
          }
          k = j;
          break;
        }
        case "PRIMARY":
          if (isWord(ts[k + 1], "KEY")) {
            if (isPunct(ts[k + 2], "(")) {
              // a table-level PRIMARY KEY (…) whose comma was lost
              const list = readNameList(ts, k + 2, b);
              if (list.names.length > 0) draft.primaryKey = list.names;
              k = list.next;
            } else {
              draft.primaryKey = [column.name];
              k += 2;
            }
          } else k++;
          break;
        case "KEY":
          // MySQL: `id INT KEY` is a primary key
          draft.primaryKey = draft.primaryKey.length > 0 ? draft.primaryKey : [column.name];
          k++;
          break;
        case "AUTO_INCREMENT":
        case "AUTOINCREMENT":
        case "IDENTITY":
          markIdentity(draft, column.name);
          k++;
          break;
        case "GENERATED": {
          // GENERATED ALWAYS|BY DEFAULT [ON NULL] AS IDENTITY; GENERATED ALWAYS AS (expr) is a computed column
          let j = k + 1;
          while (j < b && j < k + 6 && !isWord(ts[j], "AS")) j++;
          if (isWord(ts[j + 1], "IDENTITY")) markIdentity(draft, column.name);
          k++;
          break;
        }
        case "UNIQUE":
          draft.uniqueKeys.push([column.name]);
          k += isWord(ts[k + 1], "KEY") ? 2 : 1;
          break;
        case "REFERENCES": {
          const target = readName(ts, k + 1, b);
          let j = target.next;
          let to: string[] = [];
          if (isPunct(ts[j], "(")) {
            const list = readNameList(ts, j, b);
            to = list.names;
            j = list.next;
          }
          if (target.parts.length > 0) {
            draft.foreignKeys.push({ fromColumns: [column.name], toTable: target.parts.join("."), toColumns: to });
          }
          k = j;
          break;
        }
        case "OPTIONS":
          if (isPunct(ts[k + 1], "(")) {
            const close = matchParen(ts, k + 1, b);
            const description = optionDescription(ts, k + 2, close);
            if (description !== undefined) column.comment = description;
            k = close + 1;
          } else k++;
          break;
        default:
          k++;
          break;
      }
    }
    if (column.name !== "") draft.columns.push(column);
  }
}

// ---------------------------------------------------------------------------------------------
// statements that amend a table: COMMENT ON, ALTER TABLE … ADD, CREATE UNIQUE INDEX

function scanCommentOn(ts: readonly Token[]): ScannedStatement {
  if (!isWord(ts[1], "ON")) return OTHER;
  let k = 2;
  let what = ts[k]?.upper ?? "";
  if (what === "MATERIALIZED" || what === "FOREIGN") {
    k++;
    what = "TABLE";
  }
  if (what === "VIEW") what = "TABLE";
  if (what !== "TABLE" && what !== "COLUMN") return OTHER;
  const name = readName(ts, k + 1, ts.length);
  const isAt = name.next;
  if (!isWord(ts[isAt], "IS")) return OTHER;
  const valueToken = ts[isAt + 1];
  const text = isText(valueToken) ? valueToken.value : "";
  if (what === "TABLE") {
    if (name.parts.length === 0) return OTHER;
    return { kind: "amend", amendment: { target: name.parts, apply: (d) => void (d.comment = text) } };
  }
  if (name.parts.length < 2) return OTHER;
  const columnName = name.parts[name.parts.length - 1];
  return {
    kind: "amend",
    amendment: {
      target: name.parts.slice(0, -1),
      apply: (d) => {
        const column = findColumn(d, columnName);
        if (column !== undefined) column.comment = text;
      },
    },
  };
}

function findColumn(d: Draft, name: string): DraftColumn | undefined {
  return d.columns.find((c) => c.name === name) ?? d.columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
}

function markIdentity(d: Draft, column: string): void {
  if (!d.identity.some((c) => sameName(c, column))) d.identity.push(column);
}

function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** PostgreSQL `ALTER SEQUENCE s OWNED BY t.c`: the column is numbered by that sequence (pg_dump's serial columns). */
function scanAlterSequence(ts: readonly Token[]): ScannedStatement {
  const n = ts.length;
  let k = 2;
  while (k < n && !(isWord(ts[k], "OWNED") && isWord(ts[k + 1], "BY"))) k++;
  if (k >= n) return OTHER;
  const owner = readName(ts, k + 2, n);
  if (owner.parts.length < 2) return OTHER;
  const column = owner.parts[owner.parts.length - 1];
  return { kind: "amend", amendment: { target: owner.parts.slice(0, -1), apply: (d) => markIdentity(d, column) } };
}

function scanAlterTable(src: string, ts: readonly Token[], dialect: Dialect): ScannedStatement {
  if (isWord(ts[1], "SEQUENCE")) return scanAlterSequence(ts);
  if (!isWord(ts[1], "TABLE")) return OTHER;
  const n = ts.length;
  let k = 2;
  if (isWord(ts[k], "ONLY")) k++;
  if (isWord(ts[k], "IF") && isWord(ts[k + 1], "EXISTS")) k += 2;
  const name = readName(ts, k, n, splitsQuoted(dialect));
  if (name.parts.length === 0) return OTHER;
  let from = name.next;
  // SQL Server: ALTER TABLE t WITH NOCHECK ADD CONSTRAINT …
  if (isWord(ts[from], "WITH") && (isWord(ts[from + 1], "CHECK") || isWord(ts[from + 1], "NOCHECK"))) from += 2;
  const actions = splitTopLevel(ts, from, n);
  return {
    kind: "amend",
    amendment: {
      target: name.parts,
      apply: (d) => {
        for (const [a, b] of actions) applyAlterAction(src, ts, a, b, d);
      },
    },
  };
}

function applyAlterAction(src: string, ts: readonly Token[], a: number, b: number, d: Draft): void {
  const t = ts[a];
  if (isWord(t, "ADD")) {
    let k = a + 1;
    if (isWord(ts[k], "COLUMN")) k++;
    if (isWord(ts[k], "IF") && isWord(ts[k + 1], "NOT") && isWord(ts[k + 2], "EXISTS")) k += 3;
    if (isPunct(ts[k], "(")) {
      // ADD (col type, col type)
      const close = matchParen(ts, k, b);
      for (const [x, y] of splitTopLevel(ts, k + 1, close)) readTableElement(src, ts, x, y, d);
      return;
    }
    readTableElement(src, ts, k, b, d);
    return;
  }
  // MySQL `MODIFY [COLUMN] c type …` / `CHANGE [COLUMN] old new type …` (dumps add AUTO_INCREMENT this way)
  if (isWord(t, "MODIFY") || isWord(t, "CHANGE")) {
    let k = a + 1;
    if (isWord(ts[k], "COLUMN")) k++;
    const oldName = isWord(t, "CHANGE") && isNameToken(ts[k]) ? ts[k++].value : undefined;
    redefineColumn(src, ts, k, b, d, oldName);
    return;
  }
  // PostgreSQL `ALTER [COLUMN] c SET DEFAULT …` / `SET NOT NULL` / `ADD GENERATED … AS IDENTITY`
  if (isWord(t, "ALTER")) {
    let k = a + 1;
    if (isWord(ts[k], "COLUMN")) k++;
    const column = isNameToken(ts[k]) ? findColumn(d, ts[k].value) : undefined;
    if (column === undefined) return;
    if (isWord(ts[k + 1], "SET") && isWord(ts[k + 2], "DEFAULT") && k + 3 < b) column.defaultValue = render(src, ts, k + 3, b);
    else if (isWord(ts[k + 1], "SET") && isWord(ts[k + 2], "NOT") && isWord(ts[k + 3], "NULL")) column.nullable = false;
    else if (isWord(ts[k + 1], "ADD") && isWord(ts[k + 2], "GENERATED")) markIdentity(d, column.name);
    return;
  }
  // ALTER TABLE t COMMENT = '…' (MySQL) / SET COMMENT = '…' (Snowflake)
  let k = a;
  if (isWord(ts[k], "SET")) k++;
  if (isWord(ts[k], "COMMENT")) {
    k++;
    if (isPunct(ts[k], "=")) k++;
    if (isText(ts[k])) d.comment = ts[k].value;
  }
}

/** A column read again (MODIFY/CHANGE): its type, nullability, default and comment replace the old ones; keys are added. */
function redefineColumn(src: string, ts: readonly Token[], k: number, b: number, d: Draft, oldName?: string): void {
  const read = newDraft();
  readColumns(src, ts, k, b, read);
  const next = read.columns[0];
  if (next === undefined) return;
  const column = findColumn(d, oldName ?? next.name);
  if (column === undefined) return;
  column.name = next.name;
  column.type = next.type;
  column.nullable = next.nullable;
  if (next.defaultValue !== undefined) column.defaultValue = next.defaultValue;
  if (next.comment !== "") column.comment = next.comment;
  if (read.primaryKey.length > 0) d.primaryKey = [column.name];
  d.uniqueKeys.push(...read.uniqueKeys);
  d.foreignKeys.push(...read.foreignKeys);
  for (const c of read.identity) markIdentity(d, c);
}

function scanUniqueIndex(ts: readonly Token[], k: number, dialect: Dialect): ScannedStatement {
  const n = ts.length;
  while (k < n && !isWord(ts[k], "ON")) k++;
  if (k >= n) return OTHER;
  k++;
  if (isWord(ts[k], "ONLY")) k++;
  const name = readName(ts, k, n, splitsQuoted(dialect));
  if (name.parts.length === 0) return OTHER;
  let j = name.next;
  if (isWord(ts[j], "USING")) j += 2;
  const list = readNameList(ts, j, n);
  if (list.names.length === 0) return OTHER;
  return { kind: "amend", amendment: { target: name.parts, apply: (d) => void d.uniqueKeys.push(list.names) } };
}

/** Does an amendment naming `target` apply to `draft`? (last part, case-insensitive; qualifiers when both have them) */
export function targets(draft: Draft, target: readonly string[]): boolean {
  const n = target.length;
  if (n === 0 || target[n - 1].toLowerCase() !== draft.tableName.toLowerCase()) return false;
  if (n >= 2) {
    const qualifier = target[n - 2].toLowerCase();
    const own = [draft.schemaName, draft.databaseName].filter((p) => p !== "").map((p) => p.toLowerCase());
    if (own.length > 0 && !own.includes(qualifier)) return false;
  }
  return true;
}
