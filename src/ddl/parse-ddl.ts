/**
 * DDL text -> TableStructure. The scanner reads first (fast, keeps types and comments as written,
 * tolerates truncated and StarRocks DDL, ~20x faster); node-sql-parser is asked only when the scanner
 * finds no table name, or column-list items it cannot read. Never throws: what cannot be read is
 * reported in `parseError` (no CREATE statement, no table name, or a table without columns).
 */
import { describeError } from "../errors.js";
import type { ColumnInfo, Dialect, ParseSource, TableKeys, TableStructure } from "../model.js";
import { newDraft, scanStatement, targets, type Amendment, type Draft, type DraftColumn } from "./scanner.js";
import { sniffDialect } from "./sniff-dialect.js";
import { parseWithSqlParser } from "./sql-parser-fallback.js";
import { groupStatements, lexRules, tokenize } from "./tokenize.js";

export { splitStatements } from "./tokenize.js";

interface Scanned {
  readonly creates: Draft[];
  readonly amendments: Amendment[];
  /** The text of each CREATE, for the fallback parser. */
  readonly createTexts: string[];
  /** The statement number of each CREATE and of each amendment (what came before what). */
  readonly createAt: number[];
  readonly amendAt: number[];
}

function scanText(definition: string, dialect: Dialect, firstOnly: boolean): Scanned {
  const statements = groupStatements(tokenize(definition, lexRules(dialect)));
  const creates: Draft[] = [];
  const createTexts: string[] = [];
  const amendments: Amendment[] = [];
  const createAt: number[] = [];
  const amendAt: number[] = [];
  for (const [at, tokens] of statements.entries()) {
    const first = tokens[0].upper;
    if (first !== "CREATE" && first !== "COMMENT" && first !== "ALTER") continue;
    // after the first table, only CREATE UNIQUE INDEX still matters (it adds a unique key)
    if (firstOnly && first === "CREATE" && creates.length > 0 && tokens[1]?.upper !== "UNIQUE") continue;
    const scanned = scanStatement(definition, tokens, dialect);
    if (scanned.kind === "create") {
      creates.push(scanned.draft);
      createTexts.push(definition.slice(tokens[0].start, tokens[tokens.length - 1].end));
      createAt.push(at);
    } else if (scanned.kind === "amend") {
      amendments.push(scanned.amendment);
      amendAt.push(at);
    }
  }
  return { creates, amendments, createTexts, createAt, amendAt };
}

function applyAmendments(draft: Draft, amendments: readonly Amendment[]): void {
  for (const a of amendments) if (targets(draft, a.target)) a.apply(draft);
}

function groupBy(indexes: Iterable<number>, name: (i: number) => string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const i of indexes) {
    const key = name(i).toLowerCase();
    const list = out.get(key);
    if (list === undefined) out.set(key, [i]);
    else list.push(i);
  }
  return out;
}

function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * PostgreSQL `INHERITS (parent)` and `PARTITION OF parent`: the child's columns are the parents'
 * columns first (in parent order), then its own; a column of its own with a parent's name merges into
 * the parent's position (PostgreSQL: "merging column with inherited definition"). The parent is taken
 * as it stood when the child was created (its CREATE plus the amendments before the child's CREATE), so
 * NOT NULL comes along, including the NOT NULL of a primary key declared by then; comments, keys and
 * foreign keys do not (PostgreSQL copies none of them to an inheriting table; partitions: see
 * {@link inheritPartitionKeys}). Runs before the script's amendments are applied, so that a COMMENT ON
 * COLUMN of an inherited column finds it. Returns each child's parent drafts.
 */
function inheritColumns(scanned: Scanned, amendmentsNamed: ReadonlyMap<string, number[]>): Map<Draft, Draft[]> {
  const { creates, amendments, createAt, amendAt } = scanned;
  const parentsOf = new Map<Draft, Draft[]>();
  if (!creates.some((d) => d.parents.length > 0)) return parentsOf;
  // by lower-cased table name (dumps with thousands of partitions stay linear)
  const createsNamed = groupBy(creates.keys(), (j) => creates[j].tableName);
  creates.forEach((child, i) => {
    if (child.parents.length === 0) return;
    const inherited: DraftColumn[] = [];
    const parents: Draft[] = [];
    for (const parts of child.parents) {
      const candidates = (createsNamed.get(parts[parts.length - 1].toLowerCase()) ?? []).filter(
        (j) => j < i && creates[j].tableType === "table" && targets(creates[j], parts),
      );
      if (candidates.length === 0) continue; // the parent is not in this text
      const parent = creates[candidates[candidates.length - 1]];
      parents.push(parent);
      const then: Draft = structuredClone(parent);
      for (const k of amendmentsNamed.get(then.tableName.toLowerCase()) ?? []) {
        if (amendAt[k] < createAt[i] && targets(then, amendments[k].target)) amendments[k].apply(then);
      }
      const pk = new Set(then.primaryKey.map((c) => c.toLowerCase()));
      for (const c of then.columns) {
        if (inherited.some((x) => sameName(x.name, c.name))) continue;
        const nullable = c.nullable && !pk.has(c.name.toLowerCase());
        inherited.push({ name: c.name, type: c.type, nullable, ...(c.defaultValue !== undefined ? { defaultValue: c.defaultValue } : {}), comment: "" });
      }
    }
    parentsOf.set(child, parents);
    if (inherited.length === 0) return;
    // a partition's column list holds options only (`b WITH OPTIONS NOT NULL`), no columns of its own
    const own = child.partitionOf ? child.columnOptions : child.columns;
    const merged = inherited.map((p): DraftColumn => {
      const o = own.find((c) => sameName(c.name, p.name));
      if (o === undefined) return p;
      const type = o.type === "" ? p.type : o.type;
      const defaultValue = o.defaultValue ?? p.defaultValue;
      return { name: p.name, type, nullable: p.nullable && o.nullable, ...(defaultValue !== undefined ? { defaultValue } : {}), comment: o.comment };
    });
    child.columns = [...merged, ...own.filter((c) => !inherited.some((p) => sameName(p.name, c.name)))];
  });
  return parentsOf;
}

/**
 * A partition (`PARTITION OF`) also has its parent's primary key, unique keys and foreign keys
 * (PostgreSQL clones them onto every partition, also when they are added to the parent later).
 * Runs after the amendments, on the parents as they end up.
 */
function inheritPartitionKeys(parentsOf: ReadonlyMap<Draft, Draft[]>): void {
  for (const [child, parents] of parentsOf) {
    if (!child.partitionOf) continue;
    for (const parent of parents) {
      if (child.primaryKey.length === 0) child.primaryKey = [...parent.primaryKey];
      child.uniqueKeys.push(...parent.uniqueKeys.map((k) => [...k]));
      for (const fk of parent.foreignKeys) {
        const from = fk.fromColumns.join(",").toLowerCase();
        if (!child.foreignKeys.some((own) => own.fromColumns.join(",").toLowerCase() === from && sameName(own.toTable, fk.toTable))) child.foreignKeys.push(fk);
      }
    }
  }
}

/**
 * Worth asking node-sql-parser? Only when the scanner found no name, or met column-list items it
 * could not read. A table that simply has no column list (INHERITS, LIKE, PARTITION OF) is not retried.
 */
function needsFallback(draft: Draft | undefined): boolean {
  return draft === undefined || draft.tableName === "" || (draft.tableType === "table" && draft.columns.length === 0 && draft.unreadItems > 0);
}

function freeze(draft: Draft, source: ParseSource, dialect: Dialect, parseError?: string): TableStructure {
  const pk = new Set(draft.primaryKey.map((c) => c.toLowerCase()));
  const columns: ColumnInfo[] = draft.columns.map((c) => ({
    name: c.name,
    type: c.type,
    // a primary key column is never null, whether or not the DDL says NOT NULL
    nullable: c.nullable && !pk.has(c.name.toLowerCase()),
    ...(c.defaultValue !== undefined ? { defaultValue: c.defaultValue } : {}),
    comment: c.comment,
  }));
  return {
    tableName: draft.tableName,
    schemaName: draft.schemaName,
    databaseName: draft.databaseName,
    tableType: draft.tableType,
    comment: draft.comment,
    columns,
    primaryKey: draft.primaryKey,
    uniqueKeys: dedupeKeys(draft.uniqueKeys),
    foreignKeys: draft.foreignKeys,
    source,
    ...(parseError !== undefined ? { parseError } : {}),
    dialect,
    ...(draft.temporary ? { temporary: true as const } : {}),
    ...(draft.parents.length > 0 ? { parents: draft.parents.map((p) => p.join(".")) } : {}),
    ...(draft.sortKey.length > 0 ? { sortKey: draft.sortKey } : {}),
    ...identityOf(draft),
  };
}

/** Types the database numbers itself (PostgreSQL serial, SQL Server/Sybase identity types). */
const SERIAL_TYPE = /^\s*(?:small|big)?serial[248]?\b/i;
/** Defaults that draw the next number of a sequence, or a generated row id (CockroachDB). */
const SEQUENCE_DEFAULT = /\b(?:nextval|unique_rowid|next\s+value\s+for)\b/i;

/** `identityColumns`: the columns marked as numbered by the database, and those whose type or default says so. */
function identityOf(draft: Draft): { identityColumns?: string[] } {
  const out = [...draft.identity];
  for (const c of draft.columns) {
    if (out.some((x) => sameName(x, c.name))) continue;
    if (SERIAL_TYPE.test(c.type) || (c.defaultValue !== undefined && SEQUENCE_DEFAULT.test(c.defaultValue))) out.push(c.name);
  }
  return out.length > 0 ? { identityColumns: out } : {};
}

function dedupeKeys(keys: readonly string[][]): string[][] {
  const seen = new Set<string>();
  return keys.filter((k) => {
    const id = k.join("\u0000");
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

function problem(draft: Draft | undefined): string | undefined {
  if (draft === undefined) return "no CREATE TABLE or CREATE VIEW statement found";
  if (draft.tableName === "") return "no table name found";
  if (draft.tableType === "table" && draft.columns.length === 0) return "no columns found";
  return undefined;
}

/** The final structure: the scanner's, or node-sql-parser's when the scanner fell short, or what was recovered. */
function resolve(draft: Draft | undefined, text: string | undefined, definition: string, dialect: Dialect): TableStructure {
  if (!needsFallback(draft)) return freeze(draft as Draft, "scanner", dialect, problem(draft));
  // a text without CREATE cannot be read by node-sql-parser either
  const viaParser = /\bcreate\b/i.test(text ?? definition) ? parseWithSqlParser(text ?? definition, dialect) : null;
  if (viaParser !== null && problem(viaParser) === undefined) {
    // the scanner's table comment is kept where the parser has none
    if (draft !== undefined && viaParser.comment === "") viaParser.comment = draft.comment;
    return freeze(viaParser, "node-sql-parser", dialect);
  }
  if (draft === undefined) return freeze(newDraft(), "none", dialect, problem(undefined));
  const source: ParseSource = draft.tableName !== "" || draft.columns.length > 0 ? "scanner" : "none";
  return freeze(draft, source, dialect, problem(draft));
}

function effectiveDialect(definition: string, dialect: Dialect): Dialect {
  return dialect === "unknown" ? sniffDialect(definition) : dialect;
}

/**
 * The structure of the first CREATE TABLE / CREATE VIEW in `definition`, with the COMMENT ON,
 * ALTER TABLE … ADD and CREATE UNIQUE INDEX statements of the same text that name it applied.
 * `unknown` sniffs the dialect (and reads MySQL-style when nothing is specific). Never throws.
 */
export function parseDdl(definition: string, dialect: Dialect): TableStructure {
  let read: Dialect = dialect;
  try {
    read = effectiveDialect(definition, dialect);
    const scanned = scanText(definition, read, true);
    const draft = scanned.creates[0];
    if (draft !== undefined) applyAmendments(draft, scanned.amendments);
    const structure = resolve(draft, scanned.createTexts[0], definition, read);
    const others = keysOfOthers(draft, scanned.amendments);
    return others.length > 0 ? { ...structure, keysOfOthers: others } : structure;
  } catch (err) {
    return freeze(newDraft(), "none", read, `DDL reader failed: ${describeError(err)}`);
  }
}

/**
 * The keys the text's amendments add to tables other than its first (pg_dump and MySQL dumps put every
 * `ALTER TABLE ... ADD CONSTRAINT` after all the CREATEs: a row may hold another table's). Each amendment
 * is applied to an empty draft of its table; what it adds to the keys is kept, the rest (comments) is not.
 */
function keysOfOthers(first: Draft | undefined, amendments: readonly Amendment[]): TableKeys[] {
  const byTable = new Map<string, { readonly table: string; readonly draft: Draft }>();
  for (const a of amendments) {
    if (a.target.length === 0 || (first !== undefined && targets(first, a.target))) continue;
    const table = a.target.join(".");
    let entry = byTable.get(table.toLowerCase());
    if (entry === undefined) {
      const draft = newDraft();
      draft.tableName = a.target[a.target.length - 1];
      entry = { table, draft };
      byTable.set(table.toLowerCase(), entry);
    }
    a.apply(entry.draft);
  }
  const out: TableKeys[] = [];
  for (const { table, draft: d } of byTable.values()) {
    if (d.primaryKey.length === 0 && d.uniqueKeys.length === 0 && d.foreignKeys.length === 0) continue;
    out.push({ table, primaryKey: d.primaryKey, uniqueKeys: d.uniqueKeys, foreignKeys: d.foreignKeys });
  }
  return out;
}

/** The structure of a table whose DDL is not read (it was set aside): nothing but the reason. */
export function unreadStructure(dialect: Dialect, reason: string): TableStructure {
  return freeze(newDraft(), "none", dialect, reason);
}

/**
 * Every CREATE TABLE / CREATE VIEW of a whole script (a dump, a schema file), in order, each with the
 * COMMENT ON / ALTER TABLE … ADD / CREATE UNIQUE INDEX statements that name it applied, and (PostgreSQL)
 * the columns it inherits from a parent table of the same script (INHERITS, PARTITION OF). Never throws.
 */
export function parseDdlScript(sql: string, dialect: Dialect): TableStructure[] {
  let read: Dialect = dialect;
  try {
    read = effectiveDialect(sql, dialect);
    const scanned = scanText(sql, read, false);
    // the amendments by the (lower-cased) table name they end with: dumps of thousands of tables stay linear
    const { amendments } = scanned;
    const amendmentsNamed = groupBy(amendments.keys(), (k) => amendments[k].target[amendments[k].target.length - 1] ?? "");
    const parentsOf = inheritColumns(scanned, amendmentsNamed);
    // each table with the amendments that name it, in script order
    for (const draft of scanned.creates) {
      for (const k of amendmentsNamed.get(draft.tableName.toLowerCase()) ?? []) {
        if (targets(draft, amendments[k].target)) amendments[k].apply(draft);
      }
    }
    inheritPartitionKeys(parentsOf);
    return scanned.creates.map((draft, i) => resolve(draft, scanned.createTexts[i], scanned.createTexts[i], read));
  } catch {
    return [];
  }
}
