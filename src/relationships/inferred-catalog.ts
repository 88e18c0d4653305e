/**
 * Name inference run once for the whole catalog, right after the catalog pass, and kept compactly: which
 * tables other tables point at (the catalog's answer to the tags' `isReferenced`), and every table's
 * inferred edges, which the relationship stage then reads instead of inferring a second time.
 *
 * Per edge: the from column (the index's interned string), the target table and key slot, the confidence in
 * percent; per table an offset. About 13 bytes an edge; one byte a table for `referenced`. Typed arrays only,
 * so `share` puts it in shared memory for the worker threads, beside the index.
 */
import type { RelationshipEdge } from "../model.js";
import { type Bytes, type Ints, sharedCopy } from "./shared-arrays.js";
import type { CatalogIndex, ColumnSlot, TableRef, TableSummary } from "./catalog-index.js";
import { inferFromNames, inferTargets, NAME_INFERENCE } from "./infer-from-names.js";

/** An inferred catalog in shared memory (`InferredCatalog.share`). */
export interface SharedInferred {
  readonly start: Ints;
  readonly from: Ints;
  readonly target: Ints;
  readonly slot: Ints;
  readonly percent: Bytes;
  readonly referencedBy: Bytes;
  /** From columns the index did not intern (ids -1, -2, ...). */
  readonly extraNames: readonly string[];
}

/** The edges of tables [from, to) (`InferredCatalog.inferPart`): plain typed arrays, moved between threads. */
export interface InferredPart {
  readonly from: number;
  readonly to: number;
  /** Per table of the part, its first edge (relative to the part's first); one more at the end. */
  readonly start: Int32Array<ArrayBuffer>;
  /** Each edge's from column: an index string id, or -1 - k for the part's `extraNames[k]`. */
  readonly column: Int32Array<ArrayBuffer>;
  readonly target: Int32Array<ArrayBuffer>;
  readonly slot: Int32Array<ArrayBuffer>;
  readonly percent: Uint8Array<ArrayBuffer>;
  /** The other tables the part's tables point at (a table may appear more than once). */
  readonly referenced: Int32Array<ArrayBuffer>;
  readonly extraNames: readonly string[];
}

function grown<T extends Ints | Bytes>(a: T, min: number, make: (n: number) => T): T {
  if (a.length >= min) return a;
  const next = make(Math.max(min, a.length * 2));
  next.set(a);
  return next;
}

export class InferredCatalog {
  private extraNames: string[] = [];
  private start: Ints;
  private from: Ints = new Int32Array(1024);
  private target: Ints = new Int32Array(1024);
  private slot: Ints = new Int32Array(1024);
  private percent: Bytes = new Uint8Array(1024);
  private referencedBy: Bytes;
  private count = 0;

  /** `tables`: how many tables it has room for (all of the index's, or none for a part). */
  private constructor(
    private readonly index: CatalogIndex,
    tables = index.size,
  ) {
    this.start = new Int32Array(tables + 1);
    this.referencedBy = new Uint8Array(tables);
  }

  /** Its arrays (trimmed) in shared memory; read with `InferredCatalog.open` beside the same index. */
  share(): SharedInferred {
    const n = this.count;
    return {
      start: sharedCopy(this.start),
      from: sharedCopy(this.from.subarray(0, n)),
      target: sharedCopy(this.target.subarray(0, n)),
      slot: sharedCopy(this.slot.subarray(0, n)),
      percent: sharedCopy(this.percent.subarray(0, n)),
      referencedBy: sharedCopy(this.referencedBy),
      extraNames: this.extraNames,
    };
  }

  /** Read-only, over shared memory, against `index` (the one it was built on, or that index opened from its share). */
  static open(shared: SharedInferred, index: CatalogIndex): InferredCatalog {
    const c = new InferredCatalog(index);
    c.start = shared.start;
    c.from = shared.from;
    c.target = shared.target;
    c.slot = shared.slot;
    c.percent = shared.percent;
    c.referencedBy = shared.referencedBy;
    c.extraNames = [...shared.extraNames];
    c.count = shared.from.length;
    return c;
  }

  /** Infers every base table's edges against `index` (complete: every table added), in this thread. */
  static build(index: CatalogIndex): InferredCatalog {
    return InferredCatalog.assemble(index, index.declaredTargets(), [InferredCatalog.inferPart(index, 0, index.size)]);
  }

  /**
   * The edges of tables [from, to) of `index`: one part of the catalog's inference, made in any thread over
   * the shared index (the parts of a large catalog are inferred in the worker pool, side by side).
   */
  static inferPart(index: CatalogIndex, from: number, to: number): InferredPart {
    const part = new InferredCatalog(index, 0);
    const start = new Int32Array(to - from + 1);
    const referenced: number[] = [];
    for (let t = from; t < to; t++) {
      start[t - from] = part.count;
      if (!index.isTargetable(t)) continue;
      for (const { edge, target } of inferTargets(index.summaryAt(t), index)) {
        if (target !== t) referenced.push(target);
        const slot = index.findColumn(target, edge.to_column);
        if (slot >= 0) part.push(edge.from_column, target, slot, edge.confidence);
      }
    }
    start[to - from] = part.count;
    const n = part.count;
    return {
      from,
      to,
      start,
      column: part.from.slice(0, n),
      target: part.target.slice(0, n),
      slot: part.slot.slice(0, n),
      percent: part.percent.slice(0, n),
      referenced: Int32Array.from(referenced),
      extraNames: part.extraNames,
    };
  }

  /**
   * The catalog's inference from its parts (in any order); `declared`: the tables declared foreign keys
   * point at (`CatalogIndex.declaredTargets` of the built index). Tables no part covers have no edges
   * (a run interrupted while inferring).
   */
  static assemble(index: CatalogIndex, declared: readonly TableRef[], parts: readonly InferredPart[]): InferredCatalog {
    const c = new InferredCatalog(index);
    for (const t of declared) c.referencedBy[t] = 1;
    const edges = parts.reduce((n, p) => n + p.column.length, 0);
    c.from = new Int32Array(edges);
    c.target = new Int32Array(edges);
    c.slot = new Int32Array(edges);
    c.percent = new Uint8Array(edges);
    const byFrom = [...parts].sort((a, b) => a.from - b.from);
    let t = 0;
    for (const part of byFrom) {
      for (; t < part.from; t++) c.start[t] = c.count;
      for (; t < part.to; t++) c.start[t] = c.count + part.start[t - part.from];
      for (const target of part.referenced) c.referencedBy[target] = 1;
      // from columns the index did not intern are the part's own (-1 - k): renumbered into the catalog's
      const extra = part.extraNames.map((name) => c.extraId(name));
      for (let e = 0; e < part.column.length; e++) {
        const id = part.column[e];
        c.from[c.count + e] = id >= 0 ? id : extra[-1 - id];
      }
      c.target.set(part.target, c.count);
      c.slot.set(part.slot, c.count);
      c.percent.set(part.percent, c.count);
      c.count += part.column.length;
    }
    for (; t <= index.size; t++) c.start[t] = c.count;
    return c;
  }

  /** Do other tables point at t (declared or inferred)? */
  referenced(t: TableRef): boolean {
    return t >= 0 && t < this.referencedBy.length && this.referencedBy[t] === 1;
  }

  /**
   * The name-inferred edges of a table as the stage sees it: the ones inferred in `build` when the summary
   * is the one the index holds (same columns), else inferred now (a structure recovered after the catalog
   * pass, by the LLM fallback).
   */
  edgesFor(summary: TableSummary): RelationshipEdge[] {
    const index = this.index;
    const t = index.locate(summary.databaseName, summary.schemaName, summary.tableName);
    if (t < 0 || t >= this.referencedBy.length || !this.sameColumns(t, summary)) return inferFromNames(summary, index);
    const out: RelationshipEdge[] = [];
    for (let e = this.start[t]; e < this.start[t + 1]; e++) {
      out.push({
        from_column: this.nameOf(this.from[e]),
        to_table: index.displayName(this.target[e], summary.databaseName, summary.schemaName),
        to_column: index.columnNameAt(this.slot[e]),
        source: NAME_INFERENCE,
        confidence: this.percent[e] / 100,
      });
    }
    return out;
  }

  /** Bytes held (an estimate). */
  get bytes(): number {
    return this.start.length * 4 + this.from.length * 13 + this.referencedBy.length + this.extraNames.reduce((n, s) => n + s.length + 56, 0);
  }

  private nameOf(id: number): string {
    return id >= 0 ? this.index.stringAt(id) : this.extraNames[-1 - id];
  }

  private sameColumns(t: TableRef, summary: TableSummary): boolean {
    const { start, count } = this.index.columnSlots(t);
    if (count !== summary.columns.length) return false;
    for (let i = 0; i < count; i++) if (this.index.columnNameAt(start + i) !== summary.columns[i]) return false;
    return true;
  }

  /** The id (-1, -2, ...) of a from column the index did not intern. */
  private extraId(name: string): number {
    const known = this.extraNames.indexOf(name);
    return -1 - (known >= 0 ? known : this.extraNames.push(name) - 1);
  }

  private push(fromColumn: string, target: TableRef, slot: ColumnSlot, confidence: number): void {
    const n = this.count + 1;
    this.from = grown(this.from, n, (k) => new Int32Array(k));
    this.target = grown(this.target, n, (k) => new Int32Array(k));
    this.slot = grown(this.slot, n, (k) => new Int32Array(k));
    this.percent = grown(this.percent, n, (k) => new Uint8Array(k));
    // a table's own columns are interned in the index; anything else (none expected) is kept here
    const id = this.index.idOf(fromColumn);
    this.from[this.count] = id >= 0 ? id : this.extraId(fromColumn);
    this.target[this.count] = target;
    this.slot[this.count] = slot;
    this.percent[this.count] = Math.round(confidence * 100);
    this.count = n;
  }
}
