/**
 * Relationships observed in a query log: which columns queries equate (`JOIN ... ON a.x = b.y`, WHERE of
 * multi-table FROMs, correlated subqueries, `IN (SELECT ...)`), counted once per query, and turned into
 * foreign keys where one side is the other table's key.
 *
 * `readQueryLog` streams the statements of a log; `JoinEvidence` counts their equalities without needing the
 * catalog; `joinEdges` resolves them against the `CatalogIndex` (once per index state) and gives one table
 * its edges.
 */
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { joinPath } from "../enrich/relationships.js";
import { usageError } from "../errors.js";
import type { Dialect, RelationshipEdge } from "../model.js";
import { splitStatements } from "../ddl/parse-ddl.js";
import type { CatalogIndex, ColumnSlot, TableRef, TableSummary } from "./catalog-index.js";
import { KEY } from "./catalog-index.js";
import { decodeEquality, decodeGroup, decodeRef, extractJoins } from "./join-extract.js";
import { parseQuery } from "./sql-grammar.js";

export const QUERY_LOG = "query_log";

// ---------------------------------------------------------------------------------------------------------
// reading

/** The statements of a query log, streamed; `skipped` counts JSONL lines that were not a query. */
export interface QueryLog extends AsyncIterable<string> {
  /** JSONL lines skipped so far: not JSON, or without a string `sql` field. Blank lines are not counted. */
  readonly skipped: number;
  /** Where the first SKIPPED_SHOWN of them are: `file:line` (lines counted from 1, blank ones included). */
  readonly skippedAt: readonly string[];
  /** Files read so far. */
  readonly files: number;
  /** Files of a directory the reader does not take (not .sql, .jsonl or .ndjson), and the first SKIPPED_SHOWN names. */
  readonly ignoredFiles: { readonly count: number; readonly names: readonly string[] };
}

/** How many skipped lines are located by `file:line`; the rest are only counted. */
export const SKIPPED_SHOWN = 5;

const JSONL = /\.(?:jsonl|ndjson)$/i;
const SQL = /\.sql$/i;

class QueryLogReader implements QueryLog {
  skipped = 0;
  readonly skippedAt: string[] = [];
  files = 0;
  readonly ignoredFiles = { count: 0, names: [] as string[] };

  constructor(private readonly root: string) {}

  async *[Symbol.asyncIterator](): AsyncIterator<string> {
    let stat: fs.Stats;
    try {
      stat = await fs.promises.stat(this.root);
    } catch {
      throw usageError(`query log not found: ${this.root}`, "--query-log takes a .sql file, a directory of .sql files, or a JSONL file with a `sql` field per line");
    }
    const files = stat.isDirectory() ? await logFiles(this.root, this.ignoredFiles) : [this.root];
    for (const file of files) {
      this.files++;
      if (JSONL.test(file) || (!SQL.test(file) && (await startsWithBrace(file)))) yield* this.jsonl(file);
      else yield* splitStatements(await fs.promises.readFile(file, "utf8"), "unknown");
    }
  }

  private async *jsonl(file: string): AsyncGenerator<string> {
    const lines = readline.createInterface({ input: fs.createReadStream(file, "utf8"), crlfDelay: Infinity });
    let lineNumber = 0;
    for await (const line of lines) {
      lineNumber++;
      if (line.trim() === "") continue;
      let sql: unknown;
      try {
        const parsed: unknown = JSON.parse(line);
        sql = typeof parsed === "object" && parsed !== null ? (parsed as { sql?: unknown }).sql : undefined;
      } catch {
        sql = undefined;
      }
      if (typeof sql === "string" && sql.trim() !== "") {
        yield sql;
        continue;
      }
      this.skipped++;
      if (this.skippedAt.length < SKIPPED_SHOWN) this.skippedAt.push(`${file}:${lineNumber}`);
    }
  }
}

/** .sql, .jsonl and .ndjson files under a directory, recursively, in name order; the other files are counted in `ignored`. */
async function logFiles(dir: string, ignored: { count: number; names: string[] }): Promise<string[]> {
  const out: string[] = [];
  const entries = await fs.promises.readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await logFiles(p, ignored)));
    else if (e.isFile() && (SQL.test(e.name) || JSONL.test(e.name))) out.push(p);
    else if (e.isFile()) {
      ignored.count++;
      if (ignored.names.length < SKIPPED_SHOWN) ignored.names.push(p);
    }
  }
  return out;
}

async function startsWithBrace(file: string): Promise<boolean> {
  const handle = await fs.promises.open(file, "r");
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(256), 0, 256, 0);
    return buffer.subarray(0, bytesRead).toString("utf8").trimStart().startsWith("{");
  } finally {
    await handle.close();
  }
}

/**
 * The queries of a log: a `.sql` file (split into statements), a directory of them (recursive; `.jsonl` files
 * in it are read as JSONL), or a JSONL file (`.jsonl`/`.ndjson`, or any file whose text starts with `{`) with a
 * `sql` field per line. Bad JSONL lines are skipped and counted in `skipped`. A missing path fails on
 * iteration with a usage error.
 */
export function readQueryLog(logPath: string): QueryLog {
  return new QueryLogReader(logPath);
}

// ---------------------------------------------------------------------------------------------------------
// counting

/** One resolved column-to-column join of a table. */
interface Join {
  readonly slot: ColumnSlot;
  readonly other: TableRef;
  readonly otherSlot: ColumnSlot;
  count: number;
}

/** A join on several column pairs at once between two table instances (`l_partkey = ps_partkey AND l_suppkey = ps_suppkey`). */
interface CompositeJoin {
  readonly slots: readonly ColumnSlot[];
  readonly other: TableRef;
  readonly otherSlots: readonly ColumnSlot[];
  count: number;
}

/** The evidence resolved against one catalog index (what `joinEdges` reads). */
export interface ResolvedJoins {
  readonly joins: Map<TableRef, Join[]>;
  readonly composites: Map<TableRef, CompositeJoin[]>;
  /** Per table: columns joined to another table's single-column key (its foreign-key columns, as observed). */
  readonly referencing: Map<TableRef, Set<ColumnSlot>>;
}

/** How many unparsed queries are kept, with the parser's reason, for `report --details`. */
const UNPARSED_KEPT = 100;

/** A query the parser could not read, cut to its first 300 characters, and why. */
export interface UnparsedQuery {
  readonly sql: string;
  readonly reason: string;
}

/** Equality counts over a query log. Nothing here needs the catalog; `joinEdges` resolves against it. */
/** JoinEvidence's counted equalities and groups (`counts`), as plain data. */
export interface JoinCounts {
  readonly equalities: readonly (readonly [string, number])[];
  readonly groups: readonly (readonly [string, number])[];
}

export class JoinEvidence {
  /** The first UNPARSED_KEPT queries that could not be parsed. */
  readonly unparsed: UnparsedQuery[] = [];
  /** Lines of the log that were not a query (JSONL without JSON or a `sql` field), and where the first are. */
  skippedLines: { readonly count: number; readonly at: readonly string[] } = { count: 0, at: [] };
  private readonly equalityCounts = new Map<string, number>();
  private readonly groupCounts = new Map<string, number>();
  private parsed = 0;
  private unreadable = 0;
  private version = 0;
  private cache: { index: CatalogIndex; generation: number; version: number; resolved: ResolvedJoins } | undefined;

  /** Statements offered (parsed or not). */
  get queries(): number {
    return this.parsed + this.unreadable;
  }

  /** Statements node-sql-parser could not read (in the dialect's grammar nor the fallback one). */
  get failed(): number {
    return this.unreadable;
  }

  /** Distinct column equalities seen. */
  get size(): number {
    return this.equalityCounts.size;
  }

  addQuery(sql: string, dialect: Dialect): void {
    const parsed = parseQuery(sql, dialect);
    if ("reason" in parsed) {
      this.unreadable++;
      if (this.unparsed.length < UNPARSED_KEPT) this.unparsed.push({ sql: sql.trim().replace(/\s+/g, " ").slice(0, 300), reason: parsed.reason });
      return;
    }
    this.parsed++;
    const { equalities, groups } = extractJoins(parsed.ast);
    for (const e of equalities) this.equalityCounts.set(e, (this.equalityCounts.get(e) ?? 0) + 1);
    for (const g of groups) this.groupCounts.set(g, (this.groupCounts.get(g) ?? 0) + 1);
    if (equalities.size > 0) this.version++;
  }

  /** What another thread needs to resolve the evidence itself: the equalities and groups, counted. */
  counts(): JoinCounts {
    return { equalities: [...this.equalityCounts], groups: [...this.groupCounts] };
  }

  /** Evidence from `counts()` (in a worker thread): resolves as the original does; holds no queries. */
  static fromCounts(counts: JoinCounts): JoinEvidence {
    const evidence = new JoinEvidence();
    for (const [e, n] of counts.equalities) evidence.equalityCounts.set(e, n);
    for (const [g, n] of counts.groups) evidence.groupCounts.set(g, n);
    evidence.version = 1;
    return evidence;
  }

  /** The evidence resolved against `index`; computed once per state of both. */
  resolve(index: CatalogIndex): ResolvedJoins {
    const c = this.cache;
    if (c !== undefined && c.index === index && c.generation === index.generation && c.version === this.version) return c.resolved;
    const resolved = resolveEvidence(this.equalityCounts, this.groupCounts, index);
    this.cache = { index, generation: index.generation, version: this.version, resolved };
    return resolved;
  }
}

/** A side of a resolved equality: the table, its instance in the query, the column. */
interface Side {
  readonly table: TableRef;
  readonly instance: string;
  readonly slot: ColumnSlot;
}

/** The tables an encoded reference can mean: the first scope level where some candidate has the column. */
function resolveRef(encoded: string, index: CatalogIndex, memo: Map<string, Side[]>): Side[] {
  let sides = memo.get(encoded);
  if (sides !== undefined) return sides;
  sides = [];
  const ref = decodeRef(encoded);
  for (const level of ref.levels) {
    for (const item of level) {
      for (const t of index.tablesNamed(item.table, 8).slice(0, 8)) {
        const slot = index.findColumn(t, ref.column);
        if (slot >= 0) sides.push({ table: t, instance: `${item.table}@${item.instance}`, slot });
      }
    }
    if (sides.length > 0) break;
  }
  memo.set(encoded, sides);
  return sides;
}

/** The one pair an equality means (same scope preferred when names repeat across schemas), or undefined. */
function resolvePair(encoded: string, index: CatalogIndex, memo: Map<string, Side[]>): [Side, Side] | undefined {
  const [ra, rb] = decodeEquality(encoded);
  const a = resolveRef(ra, index, memo);
  const b = resolveRef(rb, index, memo);
  if (a.length === 0 || b.length === 0) return undefined;
  let pair: [Side, Side] | undefined;
  if (a.length === 1 && b.length === 1) pair = [a[0], b[0]];
  else {
    const same = a.flatMap((x) => b.filter((y) => index.tableScope(x.table) === index.tableScope(y.table)).map((y): [Side, Side] => [x, y]));
    if (same.length === 1) pair = same[0];
  }
  if (pair === undefined) return undefined;
  const [x, y] = pair;
  // one instance compared with itself, or a self-join on the same column, says nothing about relationships
  if (x.instance === y.instance || (x.table === y.table && x.slot === y.slot)) return undefined;
  return pair;
}

function resolveEvidence(equalities: ReadonlyMap<string, number>, groups: ReadonlyMap<string, number>, index: CatalogIndex): ResolvedJoins {
  const memo = new Map<string, Side[]>();
  const joins = new Map<TableRef, Join[]>();
  const pairs = new Map<string, Join>();
  const addJoin = (from: Side, to: Side, count: number): void => {
    const key = `${from.table}:${from.slot}:${to.table}:${to.slot}`;
    const j = pairs.get(key);
    if (j !== undefined) {
      j.count += count;
      return;
    }
    const join: Join = { slot: from.slot, other: to.table, otherSlot: to.slot, count };
    pairs.set(key, join);
    const list = joins.get(from.table);
    if (list === undefined) joins.set(from.table, [join]);
    else list.push(join);
  };
  for (const [encoded, count] of equalities) {
    const pair = resolvePair(encoded, index, memo);
    if (pair === undefined) continue;
    addJoin(pair[0], pair[1], count);
    addJoin(pair[1], pair[0], count);
  }

  const referencing = new Map<TableRef, Set<ColumnSlot>>();
  for (const [table, list] of joins) {
    for (const j of list) {
      if (!index.isSingleKey(j.otherSlot) || index.isSingleKey(j.slot)) continue;
      let set = referencing.get(table);
      if (set === undefined) referencing.set(table, (set = new Set()));
      set.add(j.slot);
    }
  }

  const composites = new Map<TableRef, CompositeJoin[]>();
  const compositeByKey = new Map<string, CompositeJoin>();
  for (const [encoded, count] of groups) {
    // the column pairs of one condition, per pair of table instances
    const byInstances = new Map<string, [Side, Side][]>();
    for (const eq of decodeGroup(encoded)) {
      const pair = resolvePair(eq, index, memo);
      if (pair === undefined) continue;
      const [x, y] = pair.slice().sort((p, q) => p.table - q.table || (p.instance < q.instance ? -1 : 1));
      const key = `${x.table}@${x.instance}|${y.table}@${y.instance}`;
      const list = byInstances.get(key);
      if (list === undefined) byInstances.set(key, [[x, y]]);
      else list.push([x, y]);
    }
    for (const list of byInstances.values()) {
      const distinct = new Map(list.map(([x, y]) => [`${x.slot}:${y.slot}`, [x, y] as const]));
      if (distinct.size < 2) continue;
      const sorted = [...distinct.values()].sort((p, q) => p[0].slot - q[0].slot);
      for (const flip of [false, true]) {
        const from = sorted.map(([x, y]) => (flip ? y : x));
        const to = sorted.map(([x, y]) => (flip ? x : y));
        const key = `${from[0].table}:${from.map((s) => s.slot).join(",")}|${to[0].table}:${to.map((s) => s.slot).join(",")}`;
        const existing = compositeByKey.get(key);
        if (existing !== undefined) {
          existing.count += count;
          continue;
        }
        const composite: CompositeJoin = { slots: from.map((s) => s.slot), other: to[0].table, otherSlots: to.map((s) => s.slot), count };
        compositeByKey.set(key, composite);
        const own = composites.get(from[0].table);
        if (own === undefined) composites.set(from[0].table, [composite]);
        else own.push(composite);
      }
    }
  }
  return { joins, composites, referencing };
}

// ---------------------------------------------------------------------------------------------------------
// edges

/** Confidence of an observed join: 0.65 for one query, 0.75 for three, 0.85 for seven, at most 0.95. */
export function joinConfidence(queries: number): number {
  return Math.round(Math.min(0.95, 0.55 + 0.1 * Math.log2(1 + queries)) * 100) / 100;
}

function sameSet(a: Iterable<number>, b: ReadonlySet<number>): boolean {
  const s = new Set(a);
  if (s.size !== b.size) return false;
  for (const x of s) if (!b.has(x)) return false;
  return true;
}

/** The composite key of a table: its composite primary key, else (no declared key at all) the columns it is observed to reference. */
function compositeKey(index: CatalogIndex, table: TableRef, resolved: ResolvedJoins): ReadonlySet<ColumnSlot> | undefined {
  const { start, count } = index.columnSlots(table);
  const parts = new Set<ColumnSlot>();
  let anyKey = false;
  for (let s = start; s < start + count; s++) {
    const f = index.keyFlagsAt(s);
    if (f & KEY.keyPart) parts.add(s);
    if (f !== 0) anyKey = true;
  }
  if (parts.size > 1) return parts;
  if (anyKey) return undefined;
  // a bridge table without a declared key (TPC-H partsupp) is identified by the references it carries
  const referencing = resolved.referencing.get(table);
  return referencing !== undefined && referencing.size > 1 ? referencing : undefined;
}

/**
 * One table's edges from the query log (source `query_log`). A join whose other side is that table's
 * single-column key (primary, unique, or implied for StarRocks) is a foreign key from this side; a join on
 * several columns that together are the other table's composite key is a foreign key per column pair; a
 * join between two non-key columns (or two keys) is only a join path. Join paths name both ends.
 */
export function joinEdges(table: TableSummary, evidence: JoinEvidence, index: CatalogIndex): { foreignKeys: RelationshipEdge[]; joinPaths: string[] } {
  const t = index.locate(table.databaseName, table.schemaName, table.tableName);
  const foreignKeys: RelationshipEdge[] = [];
  const joinPaths: string[] = [];
  if (t < 0) return { foreignKeys, joinPaths };
  const resolved = evidence.resolve(index);
  const seenPaths = new Set<string>();
  const seenEdges = new Map<string, number>();
  const edge = (slot: ColumnSlot, other: TableRef, otherSlot: ColumnSlot, count: number): void => {
    const key = `${slot}:${other}:${otherSlot}`;
    const at = seenEdges.get(key);
    const e: RelationshipEdge = {
      from_column: index.columnNameAt(slot),
      to_table: index.displayName(other, table.databaseName, table.schemaName),
      to_column: index.columnNameAt(otherSlot),
      source: QUERY_LOG,
      confidence: joinConfidence(count),
    };
    if (at === undefined) {
      seenEdges.set(key, foreignKeys.length);
      foreignKeys.push(e);
    } else if (foreignKeys[at].confidence < e.confidence) foreignKeys[at] = e;
    path(slot, other, otherSlot);
  };
  const path = (slot: ColumnSlot, other: TableRef, otherSlot: ColumnSlot): void => {
    const p = joinPath(table.tableName, index.columnNameAt(slot), index.displayName(other, table.databaseName, table.schemaName), index.columnNameAt(otherSlot));
    if (seenPaths.has(p)) return;
    seenPaths.add(p);
    joinPaths.push(p);
  };

  const joins = [...(resolved.joins.get(t) ?? [])].sort((a, b) => b.count - a.count || a.slot - b.slot);
  for (const j of joins) {
    const mine = index.isSingleKey(j.slot);
    const theirs = index.isSingleKey(j.otherSlot);
    if (theirs && !mine) edge(j.slot, j.other, j.otherSlot, j.count);
    else if (!mine || theirs) path(j.slot, j.other, j.otherSlot);
    // mine && !theirs: the other table holds the foreign key
  }
  for (const c of resolved.composites.get(t) ?? []) {
    const theirKey = compositeKey(index, c.other, resolved);
    if (theirKey === undefined || !sameSet(c.otherSlots, theirKey)) continue;
    const myKey = compositeKey(index, t, resolved);
    if (myKey !== undefined && sameSet(c.slots, myKey)) continue; // key = key: 1:1, not a reference
    c.slots.forEach((slot, i) => edge(slot, c.other, c.otherSlots[i], c.count));
  }
  return { foreignKeys, joinPaths };
}

// ---------------------------------------------------------------------------------------------------------
// views

/**
 * A view's join paths: the joins of its own query, each once, between tables (or views) found in the view's
 * own database and schema first (the catalog may hold the same names elsewhere), else named once in the
 * catalog; written from the referencing column to the key when one side is a key.
 */
export function viewJoinPaths(view: TableSummary, equalities: readonly string[], index: CatalogIndex): string[] {
  if (equalities.length === 0) return [];
  const scope = index.scopeOf(view.databaseName, view.schemaName);
  const side = (encoded: string): { table: TableRef; slot: ColumnSlot } | undefined => {
    const ref = decodeRef(encoded);
    for (const level of ref.levels) {
      for (const item of level) {
        const named = index.tablesNamed(item.table, 8);
        const t = named.find((c) => index.tableScope(c) === scope) ?? (named.length === 1 ? named[0] : -1);
        const slot = t >= 0 ? index.findColumn(t, ref.column) : -1;
        if (slot >= 0) return { table: t, slot };
      }
    }
    return undefined;
  };
  const name = (t: TableRef, slot: ColumnSlot): string => `${index.displayName(t, view.databaseName, view.schemaName)}.${index.columnNameAt(slot)}`;
  const paths = new Set<string>();
  for (const encoded of equalities) {
    const [ra, rb] = decodeEquality(encoded);
    const a = side(ra);
    const b = side(rb);
    if (a === undefined || b === undefined || (a.table === b.table && a.slot === b.slot)) continue;
    // toward the key: the side holding a single-column key is the target
    const flip = index.isSingleKey(a.slot) && !index.isSingleKey(b.slot);
    const [from, to] = flip ? [b, a] : [a, b];
    paths.add(`${name(from.table, from.slot)} -> ${name(to.table, to.slot)}`);
  }
  return [...paths];
}
