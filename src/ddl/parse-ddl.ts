/**
 * DDL text -> TableStructure. The scanner reads first (fast, keeps types and comments as written,
 * tolerates truncated and StarRocks DDL, ~20x faster); node-sql-parser is asked only when the scanner
 * finds no table name, or column-list items it cannot read. Never throws: what cannot be read is
 * reported in `parseError` (no CREATE statement, no table name, or a table without columns).
 */
import { describeError } from "../errors.js";
import type { ColumnInfo, Dialect, ParseSource, TableStructure } from "../model.js";
import { newDraft, scanStatement, targets, type Amendment, type Draft } from "./scanner.js";
import { sniffDialect } from "./sniff-dialect.js";
import { parseWithSqlParser } from "./sql-parser-fallback.js";
import { groupStatements, lexRules, tokenize } from "./tokenize.js";

export { splitStatements } from "./tokenize.js";

interface Scanned {
  readonly creates: Draft[];
  readonly amendments: Amendment[];
  /** The text of each CREATE, for the fallback parser. */
  readonly createTexts: string[];
}

function scanText(definition: string, dialect: Dialect, firstOnly: boolean): Scanned {
  const statements = groupStatements(tokenize(definition, lexRules(dialect)));
  const creates: Draft[] = [];
  const createTexts: string[] = [];
  const amendments: Amendment[] = [];
  for (const tokens of statements) {
    const first = tokens[0].upper;
    if (first !== "CREATE" && first !== "COMMENT" && first !== "ALTER") continue;
    // after the first table, only CREATE UNIQUE INDEX still matters (it adds a unique key)
    if (firstOnly && first === "CREATE" && creates.length > 0 && tokens[1]?.upper !== "UNIQUE") continue;
    const scanned = scanStatement(definition, tokens, dialect);
    if (scanned.kind === "create") {
      creates.push(scanned.draft);
      createTexts.push(definition.slice(tokens[0].start, tokens[tokens.length - 1].end));
    } else if (scanned.kind === "amend") amendments.push(scanned.amendment);
  }
  return { creates, amendments, createTexts };
}

function applyAmendments(draft: Draft, amendments: readonly Amendment[]): void {
  for (const a of amendments) if (targets(draft, a.target)) a.apply(draft);
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
  };
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
    return resolve(draft, scanned.createTexts[0], definition, read);
  } catch (err) {
    return freeze(newDraft(), "none", read, `DDL reader failed: ${describeError(err)}`);
  }
}

/**
 * Every CREATE TABLE / CREATE VIEW of a whole script (a dump, a schema file), in order, each with the
 * COMMENT ON / ALTER TABLE … ADD / CREATE UNIQUE INDEX statements that name it applied. Never throws.
 */
export function parseDdlScript(sql: string, dialect: Dialect): TableStructure[] {
  let read: Dialect = dialect;
  try {
    read = effectiveDialect(sql, dialect);
    const scanned = scanText(sql, read, false);
    return scanned.creates.map((draft, i) => {
      applyAmendments(draft, scanned.amendments);
      return resolve(draft, scanned.createTexts[i], scanned.createTexts[i], read);
    });
  } catch {
    return [];
  }
}
