/**
 * What a run wrote, so that it can (1) never delete a row it wrote itself when it removes a table's old
 * identifier, and (2) end by checking the table's row count against what it read: the rows it did not
 * replace, plus one row per identifier it wrote. A difference means a row was lost or left twice; the
 * run says so and fails instead of reporting success.
 *
 * Identifiers are kept as 64-bit hashes in a typed-array set (16 bytes a table at most), not as strings,
 * so a run over 10^6 tables stays small.
 */
import type * as lancedb from "@lancedb/lancedb";
import { DatusError } from "../errors.js";
import { scanBatches } from "../store/schema-store.js";

/** Two independent 32-bit halves of a string hash (cyrb53's mixing, both halves kept). */
function hash64(text: string): [number, number] {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  h1 >>>= 0;
  h2 >>>= 0;
  // (0, 0) marks an empty slot
  return h1 === 0 && h2 === 0 ? [0, 1] : [h1, h2];
}

/** A set of strings by their 64-bit hash (open addressing; a false "present" needs a 64-bit collision). */
export class IdentifierSet {
  private slots = new Uint32Array(2 * 1024);
  private count = 0;

  get size(): number {
    return this.count;
  }

  has(text: string): boolean {
    const [a, b] = hash64(text);
    const at = this.find(a, b);
    return this.slots[at] !== 0 || this.slots[at + 1] !== 0;
  }

  add(text: string): void {
    const [a, b] = hash64(text);
    const at = this.find(a, b);
    if (this.slots[at] !== 0 || this.slots[at + 1] !== 0) return;
    this.slots[at] = a;
    this.slots[at + 1] = b;
    if (++this.count * 2 > this.slots.length / 2) this.grow();
  }

  /** The slot holding (a, b), or the empty slot where it would go. */
  private find(a: number, b: number): number {
    const mask = this.slots.length / 2 - 1;
    for (let i = (a ^ Math.imul(b, 0x9e3779b1)) & mask; ; i = (i + 1) & mask) {
      const x = this.slots[2 * i];
      const y = this.slots[2 * i + 1];
      if ((x === 0 && y === 0) || (x === a && y === b)) return 2 * i;
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Uint32Array(old.length * 2);
    for (let i = 0; i < old.length; i += 2) {
      if (old[i] === 0 && old[i + 1] === 0) continue;
      const at = this.find(old[i], old[i + 1]);
      this.slots[at] = old[i];
      this.slots[at + 1] = old[i + 1];
    }
  }
}

export interface RowCheck {
  /** Rows in the table when the run started writing. */
  readonly before: number;
  /** v1 rows the run wrote (one per identifier per commit). */
  readonly written: number;
  /** Rows the table should hold now: those the run did not replace, plus one per identifier written. */
  readonly expected: number;
  /** Rows the table holds. */
  readonly found: number;
}

export class RowLedger {
  /** Identifiers the run wrote v1 rows under. */
  private readonly written = new IdentifierSet();
  /** Identifiers of the source rows those v1 rows replace (the same, unless the source's was not canonical). */
  private readonly replacedIds = new IdentifierSet();
  private rows = 0;

  /** After a commit: the identifiers written, and the source identifiers they replace. */
  record(identifiers: readonly string[], sourceIdentifiers: Iterable<string>): void {
    for (const id of identifiers) this.written.add(id);
    for (const id of sourceIdentifiers) this.replacedIds.add(id);
    this.rows += identifiers.length;
  }

  /** Whether a v1 row of this run replaced the source row stored under `identifier`. */
  replaced(identifier: string): boolean {
    return this.replacedIds.has(identifier);
  }

  /** Whether the run wrote a row under `identifier` (such a row is never deleted as a stale identifier). */
  wrote(identifier: string): boolean {
    return this.written.has(identifier);
  }

  /** Count the table's rows against `before` (the table as the run found it). */
  async check(before: lancedb.Table, now: lancedb.Table): Promise<RowCheck> {
    let rowsBefore = 0;
    let untouched = 0;
    for await (const batch of scanBatches(before, { columns: ["identifier"] })) {
      const ids = batch.getChild("identifier");
      for (let i = 0; i < batch.numRows; i++) {
        rowsBefore++;
        const id = String(ids?.get(i) ?? "");
        if (!this.replacedIds.has(id) && !this.written.has(id)) untouched++;
      }
    }
    return { before: rowsBefore, written: this.rows, expected: untouched + this.written.size, found: await now.countRows() };
  }
}

export function describeRowCheck(c: RowCheck): string {
  return `${c.before} rows before, ${c.written} written, ${c.expected} expected after, ${c.found} found`;
}

/** A check that does not add up is a failure of the run (exit 1): committed work stays, and rollback undoes it. */
export function refuseRowCheck(c: RowCheck, storePath: string): void {
  if (c.expected === c.found) return;
  throw new DatusError(
    "failed",
    `row count check failed for ${storePath}: ${describeRowCheck(c)} (${c.found < c.expected ? `${c.expected - c.found} rows missing` : `${c.found - c.expected} rows more than expected`})`,
    "what was written is committed; `datus-schema rollback` returns the table to before the migration. Please report this with the store's migration log",
  );
}
