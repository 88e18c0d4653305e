/**
 * A multimap from a pair of small integers (scope, key) to a list of (table, column) entries, kept in
 * typed arrays: no object per key or per entry. The catalog index holds several of these for 10^6 tables,
 * where a `Map<string, number[]>` would cost ~100 bytes per key.
 *
 * Keys live in an open-addressing table (linear probing); entries are a linked list in a shared pool,
 * newest first.
 */

import { grownShared, type Ints, sharedCopy, sharedInts, trimmedShared } from "./shared-arrays.js";

const EMPTY = -1;

/** A ChainMap's arrays in shared memory: other threads read the same map without a copy. */
export interface SharedChainMap {
  readonly slotScope: Int32Array;
  readonly slotKey: Int32Array;
  readonly slotHead: Int32Array;
  readonly entryTable: Int32Array;
  readonly entryColumn: Int32Array;
  readonly entryNext: Int32Array;
  readonly used: number;
}

/**
 * Built in shared memory (shared-arrays.ts): `share` hands out the map's own arrays, so the map must not be
 * added to after it (`CatalogIndex.share` freezes its maps' owner).
 */
export class ChainMap {
  /** Slot -> scope, key, head entry (EMPTY when the slot is free). */
  private slotScope: Ints = sharedInts(64);
  private slotKey: Ints = sharedInts(64);
  private slotHead: Ints = sharedInts(64).fill(EMPTY);
  private used = 0;
  /** Entry pool: table, column (or -1), next entry. */
  private entryTable: Ints = sharedInts(64);
  private entryColumn: Ints = sharedInts(64);
  private entryNext: Ints = sharedInts(64);
  private entries = 0;

  /** The map's arrays (trimmed) in shared memory; `ChainMap.open` reads them read-only in any thread. */
  share(): SharedChainMap {
    this.trim();
    return {
      slotScope: sharedCopy(this.slotScope),
      slotKey: sharedCopy(this.slotKey),
      slotHead: sharedCopy(this.slotHead),
      entryTable: sharedCopy(this.entryTable),
      entryColumn: sharedCopy(this.entryColumn),
      entryNext: sharedCopy(this.entryNext),
      used: this.used,
    };
  }

  /** A map over shared arrays; never `add` to it (other threads read the same memory). */
  static open(shared: SharedChainMap): ChainMap {
    const map = new ChainMap();
    map.slotScope = shared.slotScope;
    map.slotKey = shared.slotKey;
    map.slotHead = shared.slotHead;
    map.entryTable = shared.entryTable;
    map.entryColumn = shared.entryColumn;
    map.entryNext = shared.entryNext;
    map.used = shared.used;
    map.entries = shared.entryTable.length;
    return map;
  }

  /** Adds (table, column) under (scope, key). */
  add(scope: number, key: number, table: number, column = -1): void {
    if ((this.used + 1) * 2 > this.slotHead.length) this.rehash(this.slotHead.length * 2);
    const slot = this.find(scope, key);
    if (this.slotHead[slot] === EMPTY) {
      this.slotScope[slot] = scope;
      this.slotKey[slot] = key;
      this.used++;
    }
    const e = this.entries++;
    this.entryTable = grownShared(this.entryTable, this.entries);
    this.entryColumn = grownShared(this.entryColumn, this.entries);
    this.entryNext = grownShared(this.entryNext, this.entries);
    this.entryTable[e] = table;
    this.entryColumn[e] = column;
    this.entryNext[e] = this.slotHead[slot];
    this.slotHead[slot] = e;
  }

  /** The first entry under (scope, key), or -1; walk on with `next`. */
  head(scope: number, key: number): number {
    return this.slotHead[this.find(scope, key)];
  }

  next(entry: number): number {
    return this.entryNext[entry];
  }

  table(entry: number): number {
    return this.entryTable[entry];
  }

  column(entry: number): number {
    return this.entryColumn[entry];
  }

  /** Gives back the unused tail of the entry pool (after the last add of a build). */
  trim(): void {
    if (this.entryTable.length === this.entries) return;
    this.entryTable = trimmedShared(this.entryTable, this.entries);
    this.entryColumn = trimmedShared(this.entryColumn, this.entries);
    this.entryNext = trimmedShared(this.entryNext, this.entries);
  }

  /** Bytes held by the typed arrays. */
  get bytes(): number {
    return this.slotHead.length * 12 + this.entryTable.length * 12;
  }

  private find(scope: number, key: number): number {
    const mask = this.slotHead.length - 1;
    let slot = (Math.imul(scope, 0x9e3779b1) ^ Math.imul(key, 0x85ebca6b)) >>> 0;
    slot = (slot ^ (slot >>> 15)) & mask;
    while (this.slotHead[slot] !== EMPTY && (this.slotScope[slot] !== scope || this.slotKey[slot] !== key)) slot = (slot + 1) & mask;
    return slot;
  }

  private rehash(size: number): void {
    const [scopes, keys, heads] = [this.slotScope, this.slotKey, this.slotHead];
    this.slotScope = sharedInts(size);
    this.slotKey = sharedInts(size);
    this.slotHead = sharedInts(size).fill(EMPTY);
    for (let i = 0; i < heads.length; i++) {
      if (heads[i] === EMPTY) continue;
      const slot = this.find(scopes[i], keys[i]);
      this.slotScope[slot] = scopes[i];
      this.slotKey[slot] = keys[i];
      this.slotHead[slot] = heads[i];
    }
  }
}
