/**
 * The whole catalog, as much of it as relationship inference needs: table names, columns and which
 * columns are keys. Built once in a pre-pass (one `add` per table), then read by `inferFromNames` and
 * `joinEdges` for every table, so inference sees the whole catalog, not one batch.
 *
 * Compact by construction, for 10^6 tables: strings are interned once (column names repeat across
 * tables), per-table facts live in typed arrays (struct of arrays, no object per table), and the lookups
 * are typed-array multimaps (`ChainMap`). Measured in test/relationships/catalog-index.test.ts.
 */
import type { ForeignKey, SourceTable, TableKeys, TableStructure, TableType } from "../model.js";
import { ChainMap, type SharedChainMap } from "./chain-map.js";
import { type Bytes, grownShared, type Ints, sharedBytes, sharedCopy, sharedInts, trimmedShared } from "./shared-arrays.js";
import { typeClass, type TypeClass } from "./column-types.js";
import { impliedKeyOf } from "./implied-key.js";
import { abbreviates, contracts, moduleStrippedEntity, prefixedStem, stemNames, tableEntity } from "./naming.js";
import { GrowingStrings, hashString, readSharedJson, sharedJson, type SharedStrings, SharedStringList, type StringList } from "./string-list.js";

/** What inference needs to know about one table (the engine builds one per table in its pre-pass). */
export interface TableSummary {
  readonly identifier: string;
  readonly databaseName: string;
  readonly schemaName: string;
  readonly tableName: string;
  readonly columns: readonly string[];
  readonly primaryKey: readonly string[];
  readonly uniqueKeys: readonly (readonly string[])[];
  /**
   * The key a table without a primary key implies (implied-key.ts: `id`, `<table>_id`, serial and identity
   * columns, TPC-H `c_custkey` ...), and how sure that is (0..1; absent: 0.8). Only set without a primary key.
   */
  readonly impliedKey?: string;
  readonly impliedKeyConfidence?: number;
  /** PostgreSQL `INHERITS (parent)` / `PARTITION OF parent`: the parent as written; its columns are this table's too. */
  readonly inherits?: string;
  /** `view` and `mv` get no foreign keys and are no targets; absent: `table`. */
  readonly tableType?: TableType;
  /** A temporary table: never a target. */
  readonly temporary?: boolean;
  /** The type of each column as written, in `columns` order (absent or "" when unknown). */
  readonly columnTypes?: readonly string[];
  /** The foreign keys the DDL (or a live catalog) declares, as read: turned into edges with the catalog's keys at hand. */
  readonly foreignKeys?: readonly ForeignKey[];
  /** Keys its definition adds to other tables (ALTER statements of a dump kept in this row): applied to those tables. */
  readonly keysOfOthers?: readonly TableKeys[];
  /** A view's own query: the column equalities it joins on (view-joins.ts), read by the enrichment workers only. */
  readonly viewJoins?: readonly string[];
  /**
   * The dialect sniffed for its DDL (stores without a configured dialect), with `hashString` of that DDL: the
   * enrichment reads the same DDL as this dialect instead of sniffing it a second time.
   */
  readonly sniffed?: { readonly dialect: string; readonly definitionHash: number };
}

function unquote(name: string): string {
  return name.replace(/[`"[\]]/g, "");
}

/**
 * The summary of one table, from the one reading of its DDL: names from the v0 row, columns, types, keys,
 * parents and declared foreign keys from the parsed structure, the implied key when none is declared.
 */
export function summarize(source: SourceTable, structure: TableStructure): TableSummary {
  const tableName = source.tableName !== "" ? source.tableName : structure.tableName;
  const tableType = source.tableType === "table" && structure.tableType !== "table" ? structure.tableType : source.tableType;
  const primaryKey = hiddenRowId(structure) ? [] : structure.primaryKey;
  const implied = impliedKeyOf({ ...structure, tableName, tableType, primaryKey });
  const parent = structure.parents?.[0];
  return {
    identifier: source.identifier,
    databaseName: source.databaseName !== "" ? source.databaseName : structure.databaseName,
    schemaName: source.schemaName !== "" ? source.schemaName : structure.schemaName,
    tableName,
    columns: structure.columns.map((c) => c.name),
    primaryKey,
    uniqueKeys: structure.uniqueKeys,
    ...(implied !== undefined ? { impliedKey: implied.column, impliedKeyConfidence: implied.confidence } : {}),
    ...(parent !== undefined ? { inherits: unquote(parent) } : {}),
    ...(tableType !== "table" ? { tableType } : {}),
    ...(structure.temporary ? { temporary: true } : {}),
    ...(structure.columns.some((c) => c.type !== "") ? { columnTypes: structure.columns.map((c) => c.type) } : {}),
    ...(structure.foreignKeys.length > 0 ? { foreignKeys: structure.foreignKeys } : {}),
    ...(structure.keysOfOthers !== undefined ? { keysOfOthers: structure.keysOfOthers } : {}),
  };
}

/**
 * CockroachDB gives a table created without a primary key a hidden `rowid ... DEFAULT unique_rowid()` key:
 * nothing references it, so for relationships the table has no declared key (its real one is implied).
 */
function hiddenRowId(structure: TableStructure): boolean {
  if (structure.primaryKey.length !== 1 || structure.primaryKey[0].toLowerCase() !== "rowid") return false;
  const column = structure.columns.find((c) => c.name.toLowerCase() === "rowid");
  return column?.defaultValue !== undefined && /\bunique_rowid\s*\(/i.test(column.defaultValue);
}

/** Whether other tables may point at this one: base tables only, never a view or a temporary table. */
function isTarget(t: TableSummary): boolean {
  return (t.tableType ?? "table") === "table" && t.temporary !== true;
}

/** A built catalog index in shared memory (`CatalogIndex.share`); structured-clones without copying its arrays. */
export interface SharedCatalog {
  readonly count: number;
  readonly columnsUsed: number;
  readonly strings: SharedStrings;
  readonly names: SharedStrings;
  readonly entities: SharedStrings;
  readonly tables: {
    readonly dbOf: Ints;
    readonly schemaOf: Ints;
    readonly scopeOfTable: Ints;
    readonly parentOf: Ints;
    readonly columnStart: Ints;
    readonly columnCount: Ints;
    readonly targetable: Bytes;
    readonly keyPercent: Bytes;
    readonly sniffedDialect: Ints;
    readonly definitionHash: Ints;
    readonly sortedByScope: Ints;
    readonly sortedGlobal: Ints;
  };
  readonly columns: { readonly columnName: Ints; readonly columnFlags: Bytes; readonly columnType: Bytes };
  readonly chains: { readonly byEntity: SharedChainMap; readonly byModuleEntity: SharedChainMap; readonly byKeyName: SharedChainMap; readonly byKeyStem: SharedChainMap };
  /** `SharedExtras` as JSON. */
  readonly extras: Bytes;
}

interface SharedExtras {
  /** Scope keys in id order (scope i + 1). */
  readonly scopes: readonly string[];
  readonly declaredElsewhere: readonly (readonly [TableRef, ForeignKey[]])[];
}

/** Key flags of a column slot. */
export const KEY = {
  /** The whole primary key. */
  soleKey: 1,
  /** One column of a composite primary key. */
  keyPart: 2,
  /** The whole of a unique key. */
  soleUnique: 4,
  /** The implied key of a table that declares none (implied-key.ts). */
  implied: 8,
} as const;

/** Any single-column key: what a foreign key may point at. */
const SINGLE_KEY = KEY.soleKey | KEY.soleUnique | KEY.implied;

/** Scope 0 of the lookups: the whole catalog. Real scopes (database + schema) are 1, 2, ... */
const GLOBAL = 0;

/** A table of the index is its position (0 .. size-1); a column is a slot in the column pool. */
export type TableRef = number;
export type ColumnSlot = number;

/** Answers of `tablesByAbbreviation` kept at most (a bound on the memory of a million-table catalog's). */
const ABBREVIATION_HITS_KEPT = 200_000;

export class CatalogIndex {
  // interned strings (names as written, and lower-case lookup keys)
  private strings: StringList = new GrowingStrings({ interned: true });
  // per table
  private names: StringList = new GrowingStrings();
  /** `tableEntity(name)`: stored once, in `names`, when they are equal. */
  private entities: StringList = new GrowingStrings({ fallback: this.names as GrowingStrings });
  /** Shared (`share`) or read from shared memory (`open`): other threads read its arrays, nothing may be added. */
  private frozen = false;
  private dbOf: Ints = sharedInts(1024);
  private schemaOf: Ints = sharedInts(1024);
  private scopeOfTable: Ints = sharedInts(1024);
  private parentOf: Ints = sharedInts(1024);
  private columnStart: Ints = sharedInts(1024);
  private columnCount: Ints = sharedInts(1024);
  /** 1 when other tables may point at it (a base table, not temporary); else 0. */
  private targetable: Bytes = sharedBytes(1024);
  /** The implied key's confidence in percent (100 when the key is declared, or there is none). */
  private keyPercent: Bytes = sharedBytes(1024);
  /** The sniffed dialect (an interned string; -1: none) and the hash of the DDL it was sniffed from. */
  private sniffedDialect: Ints = sharedInts(1024);
  private definitionHash: Ints = sharedInts(1024);
  // column pool
  private columnName: Ints = sharedInts(4096);
  private columnFlags: Bytes = sharedBytes(4096);
  private columnType: Bytes = sharedBytes(4096);
  private columnsUsed = 0;
  // scopes: lower "db\0schema" -> 1, 2, ...
  private scopes = new Map<string, number>();
  // lookups (entity chains are keyed by a hash of the entity, so table entities need no interning)
  private byEntity = new ChainMap();
  private byModuleEntity = new ChainMap();
  private byKeyName = new ChainMap();
  private byKeyStem = new ChainMap();
  // abbreviation search: tables sorted by (scope, entity) and by entity; rebuilt after adds
  private sortedByScope: Int32Array<ArrayBufferLike> | null = null;
  /** Answers of `tablesByAbbreviation` since the last `add` (the index does not change between adds). */
  private readonly abbreviationHits = new Map<string, readonly TableRef[]>();
  private sortedGlobal: Int32Array<ArrayBufferLike> | null = null;
  private count = 0;
  /** False after an add, until the next lookup trims the arrays' spare capacity. */
  private settled = true;
  /** Keys rows declare for other tables, applied when the index settles (the targets may come later). */
  private pendingKeys: { readonly scope: number; readonly keys: readonly TableKeys[] }[] = [];
  /** Foreign keys other rows declare for a table (ALTER statements kept in another table's definition). */
  private declaredElsewhere = new Map<TableRef, ForeignKey[]>();
  /** The tables declared foreign keys name, as written, with the scope of the table that declares them. */
  private readonly declaredTargetNames: { readonly scope: number; readonly name: string }[] = [];
  /** Bumped by every add: lets caches built on the index (JoinEvidence's resolution) notice changes. */
  generation = 0;

  get size(): number {
    return this.count;
  }

  /** Adds one table. Tables with the same name in other databases or schemas are kept apart. */
  add(t: TableSummary): void {
    if (this.frozen) throw new Error("a shared catalog index is read-only");
    const ref = this.count++;
    this.generation++;
    this.sortedByScope = null;
    this.sortedGlobal = null;
    this.settled = false;
    this.abbreviationHits.clear();
    this.ensureTables(this.count);
    const scope = this.scopeId(t.databaseName, t.schemaName, true);
    if (t.keysOfOthers !== undefined && t.keysOfOthers.length > 0) this.pendingKeys.push({ scope, keys: t.keysOfOthers });
    for (const fk of t.foreignKeys ?? []) this.declaredTargetNames.push({ scope, name: fk.toTable });
    (this.names as GrowingStrings).push(t.tableName);
    this.dbOf[ref] = this.intern(t.databaseName);
    this.schemaOf[ref] = this.intern(t.schemaName);
    this.scopeOfTable[ref] = scope;
    const entity = tableEntity(t.tableName);
    if (entity === t.tableName) (this.entities as GrowingStrings).pushSame();
    else (this.entities as GrowingStrings).push(entity);
    this.parentOf[ref] = t.inherits !== undefined ? this.intern(lastPart(t.inherits).toLowerCase()) : -1;
    const target = isTarget(t);
    this.targetable[ref] = target ? 1 : 0;
    this.keyPercent[ref] = t.impliedKey !== undefined ? Math.round(100 * (t.impliedKeyConfidence ?? 0.8)) : 100;
    this.sniffedDialect[ref] = t.sniffed !== undefined ? this.intern(t.sniffed.dialect) : -1;
    this.definitionHash[ref] = t.sniffed?.definitionHash ?? 0;
    // the whole catalog is searched by entity through the sorted order (a cold path), not a second chain
    this.byEntity.add(scope, hash(entity), ref);
    const moduleEntity = target ? moduleStrippedEntity(t.tableName) : undefined;
    if (moduleEntity !== undefined) this.byModuleEntity.add(scope, hash(moduleEntity), ref);

    const start = this.columnsUsed;
    this.columnsUsed += t.columns.length;
    this.columnName = grownShared(this.columnName, this.columnsUsed);
    this.columnFlags = grownShared(this.columnFlags, this.columnsUsed);
    this.columnType = grownShared(this.columnType, this.columnsUsed);
    this.columnStart[ref] = start;
    this.columnCount[ref] = t.columns.length;
    // a view or a temporary table has no key another table could point at
    const flagsOf = target ? keyFlags(t) : new Map<string, number>();
    for (let i = 0; i < t.columns.length; i++) {
      const slot = start + i;
      const name = t.columns[i];
      this.columnName[slot] = this.intern(name);
      this.columnType[slot] = typeClass(t.columnTypes?.[i] ?? "");
      const flags = flagsOf.get(name.toLowerCase()) ?? 0;
      this.columnFlags[slot] = flags;
      if ((flags & SINGLE_KEY) !== 0) this.listKey(scope, ref, slot);
    }
  }

  /** Makes a single-column key findable by its name and by its prefixed stem. */
  private listKey(scope: number, ref: TableRef, slot: ColumnSlot): void {
    const name = this.columnNameAt(slot);
    const lower = this.intern(name.toLowerCase());
    this.byKeyName.add(scope, lower, ref, slot);
    this.byKeyName.add(GLOBAL, lower, ref, slot);
    const stem = prefixedStem(name);
    if (stem !== undefined) {
      const stemId = this.intern(stem);
      this.byKeyStem.add(scope, stemId, ref, slot);
      this.byKeyStem.add(GLOBAL, stemId, ref, slot);
    }
  }

  /**
   * Applies the keys rows declared for other tables: a primary key where the table declares none (it
   * replaces an implied one), single-column unique keys, and foreign keys kept for `foreignKeysDeclaredFor`.
   */
  private applyKeysOfOthers(): void {
    const pending = this.pendingKeys;
    this.pendingKeys = [];
    for (const { scope, keys } of pending) {
      for (const k of keys) {
        // as qualified, else by its bare name in the declaring row's scope (`public.store` in a store without schema names)
        let t = this.parentNamed(k.table, scope);
        if (t < 0) t = this.locateInScope(scope, lastPart(k.table));
        if (t < 0 || this.targetable[t] !== 1) continue;
        const slots = (names: readonly string[]): ColumnSlot[] => names.map((c) => this.ownColumn(t, c));
        const start = this.columnStart[t];
        const end = start + this.columnCount[t];
        const declared = (): boolean => {
          for (let s = start; s < end; s++) if (this.columnFlags[s] & (KEY.soleKey | KEY.keyPart)) return true;
          return false;
        };
        const before = this.columnFlags.slice(start, end);
        const pk = slots(k.primaryKey);
        if (pk.length > 0 && pk.every((s) => s >= 0) && !declared()) {
          for (let s = start; s < end; s++) this.columnFlags[s] &= ~KEY.implied;
          this.keyPercent[t] = 100;
          if (pk.length === 1) this.columnFlags[pk[0]] |= KEY.soleKey;
          else for (const s of pk) this.columnFlags[s] |= KEY.keyPart;
        }
        for (const uk of k.uniqueKeys) {
          const [s] = slots(uk);
          if (uk.length === 1 && s >= 0) this.columnFlags[s] |= KEY.soleUnique;
        }
        for (let s = start; s < end; s++) if (this.columnFlags[s] & SINGLE_KEY && !(before[s - start] & SINGLE_KEY)) this.listKey(this.scopeOfTable[t], t, s);
        if (k.foreignKeys.length > 0) this.declaredElsewhere.set(t, [...(this.declaredElsewhere.get(t) ?? []), ...k.foreignKeys]);
      }
    }
  }

  /** The slot of t's own column `name` (case-insensitive), or -1. */
  private ownColumn(t: TableRef, name: string): ColumnSlot {
    const lower = name.toLowerCase();
    const start = this.columnStart[t];
    for (let s = start; s < start + this.columnCount[t]; s++) if (this.strings.at(this.columnName[s]).toLowerCase() === lower) return s;
    return -1;
  }

  /** The tables declared foreign keys point at (in a row's own DDL, or declared for it elsewhere), each once. */
  declaredTargets(): TableRef[] {
    this.settle();
    const out = new Set<TableRef>();
    for (const { scope, name } of this.declaredTargetNames) {
      const t = this.parentNamed(name, scope);
      if (t >= 0) out.add(t);
    }
    for (const [t, fks] of this.declaredElsewhere) {
      for (const fk of fks) {
        const target = this.parentNamed(fk.toTable, this.scopeOfTable[t]);
        if (target >= 0) out.add(target);
      }
    }
    return [...out];
  }

  /**
   * Table t as inference reads a summary, rebuilt from the index (names, columns, keys, parent; types come
   * from the index itself): lets a caller infer for every table without keeping the summaries.
   */
  summaryAt(t: TableRef): TableSummary {
    this.settle();
    const start = this.columnStart[t];
    const end = start + this.columnCount[t];
    const columns: string[] = [];
    const keyParts: string[] = [];
    const uniqueKeys: string[][] = [];
    let sole: string | undefined;
    let implied: string | undefined;
    for (let s = start; s < end; s++) {
      const name = this.columnNameAt(s);
      columns.push(name);
      const f = this.columnFlags[s];
      if (f & KEY.soleKey) sole = name;
      if (f & KEY.keyPart) keyParts.push(name);
      if (f & KEY.soleUnique) uniqueKeys.push([name]);
      if (f & KEY.implied) implied = name;
    }
    const parent = this.parentOf[t] >= 0 ? this.strings.at(this.parentOf[t]) : undefined;
    return {
      identifier: "",
      databaseName: this.databaseName(t),
      schemaName: this.schemaName(t),
      tableName: this.names.at(t),
      columns,
      primaryKey: sole !== undefined ? [sole] : keyParts,
      uniqueKeys,
      ...(implied !== undefined ? { impliedKey: implied, impliedKeyConfidence: this.keyPercent[t] / 100 } : {}),
      ...(parent !== undefined ? { inherits: parent } : {}),
      ...(this.targetable[t] === 1 ? {} : { temporary: true }),
    };
  }

  /** Foreign keys of t that other rows' definitions declare (a dump's ALTER statements kept elsewhere). */
  foreignKeysDeclaredFor(t: TableRef): readonly ForeignKey[] {
    this.settle();
    return this.declaredElsewhere.get(t) ?? [];
  }

  // ---- names and scopes ----

  /** The scope (database + schema) of a name pair, 0 when no table of the index lives there. */
  scopeOf(databaseName: string, schemaName: string): number {
    return this.scopeId(databaseName, schemaName, false);
  }

  tableScope(t: TableRef): number {
    return this.scopeOfTable[t];
  }

  tableName(t: TableRef): string {
    return this.names.at(t);
  }

  databaseName(t: TableRef): string {
    return this.strings.at(this.dbOf[t]);
  }

  schemaName(t: TableRef): string {
    return this.strings.at(this.schemaOf[t]);
  }

  sameDatabase(t: TableRef, databaseName: string): boolean {
    return this.strings.at(this.dbOf[t]).toLowerCase() === databaseName.toLowerCase();
  }

  /** How an edge from a table in (databaseName, schemaName) names table t: bare in the same scope, else qualified. */
  displayName(t: TableRef, databaseName: string, schemaName: string): string {
    const db = this.databaseName(t);
    const schema = this.schemaName(t);
    if (db.toLowerCase() === databaseName.toLowerCase() && schema.toLowerCase() === schemaName.toLowerCase()) return this.names.at(t);
    const parts = db.toLowerCase() === databaseName.toLowerCase() && schema !== "" ? [schema, this.names.at(t)] : [db, schema, this.names.at(t)];
    return parts.filter((p) => p !== "").join(".");
  }

  /** The table with exactly these names (case-insensitive), or -1. */
  locate(databaseName: string, schemaName: string, tableName: string): TableRef {
    const scope = this.scopeOf(databaseName, schemaName);
    if (scope === GLOBAL) return -1;
    this.settle();
    return this.locateInScope(scope, tableName);
  }

  /** The table named `tableName` (case-insensitive) in `scope`, or -1. */
  private locateInScope(scope: number, tableName: string): TableRef {
    const lower = tableName.toLowerCase();
    for (let e = this.byEntity.head(scope, hash(tableEntity(tableName))); e >= 0; e = this.byEntity.next(e)) {
      const t = this.byEntity.table(e);
      if (this.names.at(t).toLowerCase() === lower) return t;
    }
    return -1;
  }

  /**
   * The tables a name as written in a query may mean: `t`, `schema.t`, `db.t` or `db.schema.t`,
   * case-insensitive. At most `limit + 1` are returned (more than `limit` means: too many to tell).
   */
  tablesNamed(qualifiedName: string, limit = 16): TableRef[] {
    const written = qualifiedName.split(".").map((p) => unquote(p));
    const parts = written.map((p) => p.toLowerCase());
    const name = parts[parts.length - 1];
    const qualifiers = parts.slice(0, -1);
    const out: TableRef[] = [];
    const order = this.globalOrder();
    // the entity as the name is written (`InvoiceLine` is invoice_line), else as lower case (a query's `invoiceline`)
    const asWritten = tableEntity(written[written.length - 1]);
    for (const entity of asWritten === tableEntity(name) ? [asWritten] : [asWritten, tableEntity(name)]) {
      for (let i = this.lowerBound(order, GLOBAL, entity); i < order.length && this.entities.at(order[i]) === entity && out.length <= limit; i++) {
        const t = order[i];
        if (this.names.at(t).toLowerCase() !== name) continue;
        const own = [this.databaseName(t).toLowerCase(), this.schemaName(t).toLowerCase()];
        if (qualifiers.every((q) => own.includes(q))) out.push(t);
      }
      if (out.length > 0) break;
    }
    return out;
  }

  /** The parent table of an inheriting table (`INHERITS`, `PARTITION OF`), looked up in its own scope first. */
  parent(t: TableRef): TableRef {
    return this.parentNamed(this.parentOf[t] < 0 ? undefined : this.strings.at(this.parentOf[t]), this.scopeOfTable[t]);
  }

  /** A parent named as written, from a table in `scope`; -1 when unknown. */
  parentNamed(name: string | undefined, scope: number): TableRef {
    if (name === undefined) return -1;
    const candidates = this.tablesNamed(name, 8);
    return candidates.find((c) => this.scopeOfTable[c] === scope) ?? (candidates.length === 1 ? candidates[0] : -1);
  }

  // ---- columns and keys ----

  columnSlots(t: TableRef): { readonly start: number; readonly count: number } {
    return { start: this.columnStart[t], count: this.columnCount[t] };
  }

  columnNameAt(slot: ColumnSlot): string {
    return this.strings.at(this.columnName[slot]);
  }

  keyFlagsAt(slot: ColumnSlot): number {
    this.settle();
    return this.columnFlags[slot];
  }

  /** What values the column holds (column-types.ts); `unknown` when its type was not read. */
  typeClassAt(slot: ColumnSlot): TypeClass {
    return this.columnType[slot] as TypeClass;
  }

  /** How sure the key at `slot` is: the implied key's confidence, 1 for a declared key. */
  keyConfidenceAt(t: TableRef, slot: ColumnSlot): number {
    return (this.columnFlags[slot] & KEY.implied) !== 0 ? this.keyPercent[t] / 100 : 1;
  }

  /** The dialect the catalog pass sniffed for t's DDL, if that DDL hashes to `definitionHash` (else it was another text). */
  sniffedDialectOf(t: TableRef, definitionHash: number): string | undefined {
    const id = this.sniffedDialect[t];
    return id >= 0 && this.definitionHash[t] === definitionHash ? this.strings.at(id) : undefined;
  }

  /** May other tables point at t? (a base table; not a view, not a temporary table) */
  isTargetable(t: TableRef): boolean {
    return this.targetable[t] === 1;
  }

  /** The slot of t's column `name` (case-insensitive), or -1. An inheriting table's parent columns count. */
  findColumn(t: TableRef, name: string, depth = 0): ColumnSlot {
    const lower = name.toLowerCase();
    const start = this.columnStart[t];
    for (let s = start; s < start + this.columnCount[t]; s++) if (this.strings.at(this.columnName[s]).toLowerCase() === lower) return s;
    const parent = this.parentOf[t] >= 0 && depth < 4 ? this.parent(t) : -1;
    return parent >= 0 && parent !== t ? this.findColumn(parent, name, depth + 1) : -1;
  }

  /** Is the slot a single-column key (primary, unique or implied)? */
  isSingleKey(slot: ColumnSlot): boolean {
    this.settle();
    return slot >= 0 && (this.columnFlags[slot] & SINGLE_KEY) !== 0;
  }

  /**
   * The column a reference to t means when it names no column: the single-column primary key, else the
   * implied key, else the one single-column unique key. -1 when t has none of these (or several unique keys).
   */
  soleKey(t: TableRef): ColumnSlot {
    this.settle();
    const start = this.columnStart[t];
    const end = start + this.columnCount[t];
    let implied = -1;
    let unique = -1;
    let uniques = 0;
    for (let s = start; s < end; s++) {
      const f = this.columnFlags[s];
      if (f & KEY.soleKey) return s;
      if (f & KEY.implied) implied = s;
      if (f & KEY.soleUnique) {
        unique = s;
        uniques++;
      }
    }
    if (implied >= 0) return implied;
    return uniques === 1 ? unique : -1;
  }

  /**
   * The columns a reference to t without column names means (`REFERENCES t`): its primary key (a composite
   * one in column order), else its implied key, else its one single-column unique key; empty when none.
   */
  primaryKeyColumns(t: TableRef): string[] {
    const start = this.columnStart[t];
    const end = start + this.columnCount[t];
    const parts: string[] = [];
    for (let s = start; s < end; s++) if (this.columnFlags[s] & KEY.keyPart) parts.push(this.columnNameAt(s));
    if (parts.length > 0) return parts;
    const key = this.soleKey(t);
    return key >= 0 ? [this.columnNameAt(key)] : [];
  }

  // ---- lookups for inference (each returns at most limit + 1 hits) ----

  /** Tables whose entity (`tableEntity`) is `entity`, in `scope` (0: anywhere; a binary search, not a hash lookup). */
  tablesByEntity(entity: string, scope: number, limit: number): TableRef[] {
    if (scope !== GLOBAL) return this.collectTables(this.byEntity, entity, scope, limit, (t) => this.entities.at(t));
    const order = this.globalOrder();
    const out: TableRef[] = [];
    for (let i = this.lowerBound(order, GLOBAL, entity); i < order.length && this.entities.at(order[i]) === entity && out.length <= limit; i++) {
      if (this.targetable[order[i]] === 1) out.push(order[i]);
    }
    return out;
  }

  /**
   * Tables whose entity without a module prefix is `entity` (`oms_order` for `order`), in `scope`. Module
   * prefixes are a convention inside one database: the whole catalog (scope 0) is not searched.
   */
  tablesByModuleEntity(entity: string, scope: number, limit: number): TableRef[] {
    if (scope === GLOBAL) return [];
    return this.collectTables(this.byModuleEntity, entity, scope, limit, (t) => moduleStrippedEntity(this.names.at(t)));
  }

  /** Single-column key columns named `lowerName`, as [table, slot]. */
  keyColumnsNamed(lowerName: string, scope: number, limit: number): [TableRef, ColumnSlot][] {
    return this.collectColumns(this.byKeyName, lowerName, scope, limit);
  }

  /** Single-column key columns with the prefixed stem `stem` (`c_custkey` has custkey), as [table, slot]. */
  keyColumnsWithStem(stem: string, scope: number, limit: number): [TableRef, ColumnSlot][] {
    return this.collectColumns(this.byKeyStem, stem, scope, limit);
  }

  /**
   * Tables whose entity's first word `abbreviation` abbreviates (`cust` -> customer, customer_address).
   * Scans at most `scan` entities sharing the prefix: a catalog with thousands of `warehouse_N` tables made
   * every `warehouse_id` column scan them all (200k tables: 300 tables/s); past that many, an abbreviation
   * is too ambiguous to name one table anyway.
   */
  tablesByAbbreviation(abbreviation: string, scope: number, limit: number, scan = 256): readonly TableRef[] {
    // a catalog asks the same abbreviation in the same scope once per column that uses it (every `cust_id`)
    const key = `${scope}\u0000${limit}\u0000${scan}\u0000${abbreviation}`;
    const known = this.abbreviationHits.get(key);
    if (known !== undefined) return known;
    const hits = this.scanAbbreviation(abbreviation, scope, limit, scan);
    if (this.abbreviationHits.size >= ABBREVIATION_HITS_KEPT) this.abbreviationHits.clear();
    this.abbreviationHits.set(key, hits);
    return hits;
  }

  private scanAbbreviation(abbreviation: string, scope: number, limit: number, scan: number): TableRef[] {
    const sorted = scope === GLOBAL ? this.globalOrder() : this.scopeOrder();
    const keyOf = (t: number): string => this.entities.at(t);
    const scopeKey = (t: number): number => (scope === GLOBAL ? 0 : this.scopeOfTable[t]);
    const out: TableRef[] = [];
    const from = this.lowerBound(sorted, scope, abbreviation);
    for (let i = from; i < sorted.length && i - from < scan && out.length <= limit; i++) {
      const t = sorted[i];
      if (scopeKey(t) !== scope || !keyOf(t).startsWith(abbreviation)) break;
      if (this.targetable[t] === 1 && abbreviates(abbreviation, keyOf(t))) out.push(t);
    }
    return out;
  }

  /**
   * Tables of `scope` (not the whole catalog: too many) whose entity's first word `contraction` contracts
   * (`dept` -> department). Scans the entities that share its first two letters, at most `scan` of them.
   */
  tablesByContraction(contraction: string, scope: number, limit: number, scan = 256): TableRef[] {
    if (scope === GLOBAL || contraction.length < 3) return [];
    const sorted = this.scopeOrder();
    const start = contraction.slice(0, 2);
    const out: TableRef[] = [];
    const from = this.lowerBound(sorted, scope, start);
    for (let i = from; i < sorted.length && i - from < scan && out.length <= limit; i++) {
      const t = sorted[i];
      if (this.scopeOfTable[t] !== scope || !this.entities.at(t).startsWith(start)) break;
      if (this.targetable[t] === 1 && contracts(contraction, this.entities.at(t))) out.push(t);
    }
    return out;
  }

  /**
   * Tables of `scope` whose multi-word entity the words name one for one, abbreviated or contracted
   * (`cust_addr` -> customer_address; naming.ts `stemNames`). Same scope only; at most `scan` entities
   * sharing the first two letters are looked at.
   */
  tablesByWords(words: readonly string[], scope: number, limit: number, scan = 256): TableRef[] {
    if (scope === GLOBAL || words.length < 2 || words[0].length < 2) return [];
    const sorted = this.scopeOrder();
    const start = words[0].slice(0, 2);
    const out: TableRef[] = [];
    const from = this.lowerBound(sorted, scope, start);
    for (let i = from; i < sorted.length && i - from < scan && out.length <= limit; i++) {
      const t = sorted[i];
      if (this.scopeOfTable[t] !== scope || !this.entities.at(t).startsWith(start)) break;
      if (this.targetable[t] === 1 && stemNames(words, this.entities.at(t))) out.push(t);
    }
    return out;
  }

  /**
   * The built index in shared memory: post it to worker threads (its arrays are shared, not copied) and
   * read it there with `CatalogIndex.open`. Build-only state (`declaredTargets`) is not carried over.
   */
  share(): SharedCatalog {
    this.settle();
    this.scopeOrder();
    this.globalOrder();
    this.frozen = true;
    return {
      count: this.count,
      columnsUsed: this.columnsUsed,
      strings: (this.strings as GrowingStrings).share(),
      names: (this.names as GrowingStrings).share(),
      entities: (this.entities as GrowingStrings).share(),
      tables: {
        dbOf: sharedCopy(this.dbOf),
        schemaOf: sharedCopy(this.schemaOf),
        scopeOfTable: sharedCopy(this.scopeOfTable),
        parentOf: sharedCopy(this.parentOf),
        columnStart: sharedCopy(this.columnStart),
        columnCount: sharedCopy(this.columnCount),
        targetable: sharedCopy(this.targetable),
        keyPercent: sharedCopy(this.keyPercent),
        sniffedDialect: sharedCopy(this.sniffedDialect),
        definitionHash: sharedCopy(this.definitionHash),
        sortedByScope: sharedCopy(this.sortedByScope!),
        sortedGlobal: sharedCopy(this.sortedGlobal!),
      },
      columns: { columnName: sharedCopy(this.columnName), columnFlags: sharedCopy(this.columnFlags), columnType: sharedCopy(this.columnType) },
      chains: { byEntity: this.byEntity.share(), byModuleEntity: this.byModuleEntity.share(), byKeyName: this.byKeyName.share(), byKeyStem: this.byKeyStem.share() },
      extras: sharedJson({ scopes: [...this.scopes.keys()], declaredElsewhere: [...this.declaredElsewhere] } satisfies SharedExtras),
    };
  }

  /** A read-only index over shared memory (`share`), in any thread. */
  static open(shared: SharedCatalog): CatalogIndex {
    const index = new CatalogIndex();
    index.frozen = true;
    index.count = shared.count;
    index.columnsUsed = shared.columnsUsed;
    index.strings = new SharedStringList(shared.strings);
    index.names = new SharedStringList(shared.names);
    index.entities = new SharedStringList(shared.entities, index.names as SharedStringList);
    const t = shared.tables;
    [index.dbOf, index.schemaOf, index.scopeOfTable, index.parentOf, index.columnStart, index.columnCount] = [t.dbOf, t.schemaOf, t.scopeOfTable, t.parentOf, t.columnStart, t.columnCount];
    [index.targetable, index.keyPercent, index.sortedByScope, index.sortedGlobal] = [t.targetable, t.keyPercent, t.sortedByScope, t.sortedGlobal];
    [index.sniffedDialect, index.definitionHash] = [t.sniffedDialect, t.definitionHash];
    [index.columnName, index.columnFlags, index.columnType] = [shared.columns.columnName, shared.columns.columnFlags, shared.columns.columnType];
    const c = shared.chains;
    [index.byEntity, index.byModuleEntity, index.byKeyName, index.byKeyStem] = [ChainMap.open(c.byEntity), ChainMap.open(c.byModuleEntity), ChainMap.open(c.byKeyName), ChainMap.open(c.byKeyStem)];
    const extras = readSharedJson<SharedExtras>(shared.extras);
    index.scopes = new Map(extras.scopes.map((key, i) => [key, i + 1]));
    index.declaredElsewhere = new Map(extras.declaredElsewhere);
    return index;
  }

  /** Bytes held by the index's arrays (its strings included). */
  get bytes(): number {
    const strings = this.strings.bytes + this.names.bytes + this.entities.bytes;
    const tableArrays = this.dbOf.length * (4 * 8 + 2);
    const columnArrays = this.columnName.length * 6;
    const sorted = (this.sortedByScope?.length ?? 0) * 4 + (this.sortedGlobal?.length ?? 0) * 4;
    const chains = this.byEntity.bytes + this.byModuleEntity.bytes + this.byKeyName.bytes + this.byKeyStem.bytes;
    return strings + tableArrays + columnArrays + sorted + chains;
  }

  // ---- internals ----

  /** The first position of `order` (sorted by scope, then entity; scope 0: by entity only) at or after (scope, entity). */
  private lowerBound(order: Int32Array, scope: number, entity: string): number {
    let lo = 0;
    let hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const t = order[mid];
      const s = scope === GLOBAL ? GLOBAL : this.scopeOfTable[t];
      if (s < scope || (s === scope && this.entities.compareTo(t, entity) < 0)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Tables under a hashed key, checked against the key itself (hashes collide). */
  private collectTables(map: ChainMap, key: string, scope: number, limit: number, keyOf: (t: TableRef) => string | undefined): TableRef[] {
    this.settle();
    const out: TableRef[] = [];
    for (let e = map.head(scope, hash(key)); e >= 0 && out.length <= limit; e = map.next(e)) {
      const t = map.table(e);
      if (keyOf(t) === key && this.targetable[t] === 1) out.push(t);
    }
    return out;
  }

  /** Key columns under an interned name. */
  private collectColumns(map: ChainMap, key: string, scope: number, limit: number): [TableRef, ColumnSlot][] {
    this.settle();
    const id = this.idOf(key);
    const out: [TableRef, ColumnSlot][] = [];
    if (id < 0) return out;
    for (let e = map.head(scope, id); e >= 0 && out.length <= limit; e = map.next(e)) out.push([map.table(e), map.column(e)]);
    return out;
  }

  /** After a build, before the first lookup: give back spare capacity (up to half of each array). */
  private settle(): void {
    if (this.settled) return;
    this.settled = true;
    if (this.pendingKeys.length > 0) this.applyKeysOfOthers();
    const n = this.count;
    this.dbOf = trimmedShared(this.dbOf, n);
    this.schemaOf = trimmedShared(this.schemaOf, n);
    this.scopeOfTable = trimmedShared(this.scopeOfTable, n);
    this.parentOf = trimmedShared(this.parentOf, n);
    this.columnStart = trimmedShared(this.columnStart, n);
    this.columnCount = trimmedShared(this.columnCount, n);
    this.targetable = trimmedShared(this.targetable, n);
    this.keyPercent = trimmedShared(this.keyPercent, n);
    this.sniffedDialect = trimmedShared(this.sniffedDialect, n);
    this.definitionHash = trimmedShared(this.definitionHash, n);
    this.columnName = trimmedShared(this.columnName, this.columnsUsed);
    this.columnFlags = trimmedShared(this.columnFlags, this.columnsUsed);
    this.columnType = trimmedShared(this.columnType, this.columnsUsed);
    for (const map of [this.byEntity, this.byModuleEntity, this.byKeyName, this.byKeyStem]) map.trim();
  }

  private scopeOrder(): Int32Array {
    this.settle();
    if (this.sortedByScope === null) {
      const order = this.allTables();
      order.sort((a, b) => this.scopeOfTable[a] - this.scopeOfTable[b] || this.entities.compare(a, b));
      this.sortedByScope = order;
    }
    return this.sortedByScope;
  }

  private globalOrder(): Int32Array {
    this.settle();
    if (this.sortedGlobal === null) {
      const order = this.allTables();
      order.sort((a, b) => this.entities.compare(a, b));
      this.sortedGlobal = order;
    }
    return this.sortedGlobal;
  }

  private allTables(): Int32Array<SharedArrayBuffer> {
    const order = sharedInts(this.count);
    for (let i = 0; i < this.count; i++) order[i] = i;
    return order;
  }

  private ensureTables(n: number): void {
    if (n <= this.dbOf.length) return;
    this.dbOf = grownShared(this.dbOf, n);
    this.schemaOf = grownShared(this.schemaOf, n);
    this.scopeOfTable = grownShared(this.scopeOfTable, n);
    this.parentOf = grownShared(this.parentOf, n);
    this.columnStart = grownShared(this.columnStart, n);
    this.columnCount = grownShared(this.columnCount, n);
    this.targetable = grownShared(this.targetable, n);
    this.keyPercent = grownShared(this.keyPercent, n);
    this.sniffedDialect = grownShared(this.sniffedDialect, n);
    this.definitionHash = grownShared(this.definitionHash, n);
  }

  private scopeId(databaseName: string, schemaName: string, create: boolean): number {
    const key = `${databaseName.toLowerCase()}\u0000${schemaName.toLowerCase()}`;
    let id = this.scopes.get(key);
    if (id === undefined) {
      if (!create) return GLOBAL;
      id = this.scopes.size + 1;
      this.scopes.set(key, id);
    }
    return id;
  }

  private intern(s: string): number {
    return (this.strings as GrowingStrings).intern(s);
  }

  /** The interned string's id, or -1 when no table has it. */
  idOf(s: string): number {
    return this.strings.indexOf(s);
  }

  /** An interned string by id (`idOf`). */
  stringAt(id: number): string {
    return this.strings.at(id);
  }
}

/** The key of a hashed lookup. */
const hash = hashString;

function lastPart(name: string): string {
  const i = name.lastIndexOf(".");
  return unquote(i < 0 ? name : name.slice(i + 1));
}

/** Lower-case column name -> key flags, from the summary's keys. */
function keyFlags(t: TableSummary): Map<string, number> {
  const flags = new Map<string, number>();
  const set = (column: string, flag: number): void => {
    const lower = column.toLowerCase();
    flags.set(lower, (flags.get(lower) ?? 0) | flag);
  };
  if (t.primaryKey.length === 1) set(t.primaryKey[0], KEY.soleKey);
  else for (const c of t.primaryKey) set(c, KEY.keyPart);
  for (const uk of t.uniqueKeys) if (uk.length === 1) set(uk[0], KEY.soleUnique);
  if (t.impliedKey !== undefined) set(t.impliedKey, KEY.implied);
  return flags;
}
