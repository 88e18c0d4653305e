/**
 * The catalog index's strings (table names, their entities, interned column and scope names), by position.
 * They are kept as UTF-16 code units in shared memory from the first one added, so every worker thread reads
 * the one copy instead of holding its own (at 10^6 tables a copy of the names alone is ~60 MB of JS heap per
 * thread).
 */
import { grownShared, sharedBytes, sharedCopy, sharedInts, sharedUnits, trimmedShared } from "./shared-arrays.js";

export interface StringList {
  at(i: number): string;
  readonly length: number;
  /** The position of `s`, or -1 (interned lists only). */
  indexOf(s: string): number;
  /** Bytes of its arrays. */
  readonly bytes: number;
  /** Strings i and j in code-unit order (as `<` orders JS strings): negative, 0 or positive. */
  compare(i: number, j: number): number;
  /** String i against `s`, in the same order. */
  compareTo(i: number, s: string): number;
}

/** A list's strings in shared memory: `starts[i]..starts[i+1]` of `chars`; `same[i] = 1`: the fallback list's string i. */
export interface SharedStrings {
  readonly chars: Uint16Array;
  readonly starts: Int32Array;
  readonly same?: Uint8Array;
  /** Open-addressing table of positions by `hashString` (-1: free), for `indexOf`; interned lists only. */
  readonly lookup?: Int32Array;
}

/** FNV-1a over UTF-16 code units. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h | 0;
}

function hashUnits(chars: Uint16Array<ArrayBufferLike>, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ chars[i], 0x01000193);
  return h | 0;
}

/** Decoded strings kept per list: a direct-mapped cache, so memory stays bounded however many are read. */
const CACHE_SLOTS = 1 << 14;

/**
 * Strings as UTF-16 code units in typed arrays: string i is `chars[starts[i] .. starts[i+1])`, or, where
 * `same[i]` is 1, the fallback list's string i (a table's entity is most often its name). No JS string is
 * kept per entry: at 10^6 tables the names alone were ~60 MB of JS heap, and their copy into shared memory
 * doubled them for a moment.
 */
abstract class CodeUnitStrings implements StringList {
  protected abstract chars: Uint16Array<ArrayBufferLike>;
  protected abstract starts: Int32Array<ArrayBufferLike>;
  protected abstract same: Uint8Array<ArrayBufferLike> | undefined;
  protected abstract lookup: Int32Array<ArrayBufferLike> | undefined;
  private readonly cacheId = new Int32Array(CACHE_SLOTS).fill(-1);
  private readonly cached: string[] = new Array<string>(CACHE_SLOTS).fill("");

  constructor(protected readonly fallback?: CodeUnitStrings) {}

  abstract get length(): number;

  get bytes(): number {
    return this.chars.byteLength + this.starts.byteLength + (this.same?.byteLength ?? 0) + (this.lookup?.byteLength ?? 0);
  }

  at(i: number): string {
    if (this.same?.[i] === 1) return this.fallback!.at(i);
    const k = i & (CACHE_SLOTS - 1);
    if (this.cacheId[k] === i) return this.cached[k];
    const s = this.decode(i);
    this.cacheId[k] = i;
    this.cached[k] = s;
    return s;
  }

  indexOf(s: string): number {
    const table = this.lookup;
    if (table === undefined) return -1;
    const mask = table.length - 1;
    for (let slot = hashString(s) & mask; table[slot] !== -1; slot = (slot + 1) & mask) if (this.compareTo(table[slot], s) === 0) return table[slot];
    return -1;
  }

  compare(i: number, j: number): number {
    return this.holder(i).compareOwnTo(i, this.holder(j), j);
  }

  compareTo(i: number, s: string): number {
    const { chars, starts } = this.holder(i);
    const start = starts[i];
    const n = starts[i + 1] - start;
    const m = Math.min(n, s.length);
    for (let k = 0; k < m; k++) {
      const d = chars[start + k] - s.charCodeAt(k);
      if (d !== 0) return d;
    }
    return n - s.length;
  }

  /** The list whose code units hold string i: this one, or the fallback. */
  private holder(i: number): CodeUnitStrings {
    return this.same?.[i] === 1 ? this.fallback! : this;
  }

  /** Own string i against string j of `other` (this list or the fallback, own there). */
  private compareOwnTo(i: number, other: CodeUnitStrings, j: number): number {
    const a = this.chars;
    const b = other.chars;
    let x = this.starts[i];
    let y = other.starts[j];
    const xEnd = this.starts[i + 1];
    const yEnd = other.starts[j + 1];
    for (; x < xEnd && y < yEnd; x++, y++) {
      const d = a[x] - b[y];
      if (d !== 0) return d;
    }
    return xEnd - x - (yEnd - y);
  }

  private decode(i: number): string {
    const { chars, starts } = this;
    const start = starts[i];
    const end = starts[i + 1];
    // `apply` with the typed array itself: 5x faster than spreading it (no iterator), in slices since the
    // arguments go on the stack
    if (end - start <= 4096) return String.fromCharCode.apply(null, chars.subarray(start, end) as unknown as number[]);
    let s = "";
    for (let at = start; at < end; at += 4096) s += String.fromCharCode.apply(null, chars.subarray(at, Math.min(end, at + 4096)) as unknown as number[]);
    return s;
  }
}

/** A list being built in one thread, in shared memory; `share` trims it and hands out its own arrays. */
export class GrowingStrings extends CodeUnitStrings {
  protected chars: Uint16Array<ArrayBufferLike> = sharedUnits(1 << 14);
  protected starts: Int32Array<ArrayBufferLike> = sharedInts(1024);
  protected same: Uint8Array<ArrayBufferLike> | undefined;
  protected lookup: Int32Array<ArrayBufferLike> | undefined;
  private count = 0;

  /** `interned`: each string once, found again by `intern`/`indexOf`. `fallback`: `pushSame` refers to its strings. */
  constructor(options: { readonly interned?: boolean; readonly fallback?: GrowingStrings } = {}) {
    super(options.fallback);
    this.lookup = options.interned ? sharedInts(1024).fill(-1) : undefined;
    this.same = options.fallback ? sharedBytes(1024) : undefined;
  }

  get length(): number {
    return this.count;
  }

  push(s: string): number {
    const i = this.next();
    const at = this.starts[i];
    this.chars = grownShared(this.chars, at + s.length);
    for (let k = 0; k < s.length; k++) this.chars[at + k] = s.charCodeAt(k);
    this.starts[i + 1] = at + s.length;
    return i;
  }

  /** Adds the fallback's string at this position, without storing it again. */
  pushSame(): number {
    const i = this.next();
    this.starts[i + 1] = this.starts[i];
    this.same![i] = 1;
    return i;
  }

  intern(s: string): number {
    const found = this.indexOf(s);
    if (found >= 0) return found;
    const id = this.push(s);
    if (2 * this.count > this.lookup!.length) this.rehash(2 * this.lookup!.length);
    else this.place(id);
    return id;
  }

  /** Its arrays, trimmed, for other threads: the list keeps the trimmed ones and must not grow after. */
  share(): SharedStrings {
    const n = this.count;
    this.chars = trimmedShared(this.chars, this.starts[n]);
    this.starts = trimmedShared(this.starts, n + 1);
    if (this.same) this.same = trimmedShared(this.same, n);
    return { chars: this.chars, starts: this.starts, ...(this.same ? { same: this.same } : {}), ...(this.lookup ? { lookup: this.lookup } : {}) };
  }

  /** Room for one more string: its position. */
  private next(): number {
    const i = this.count++;
    this.starts = grownShared(this.starts, this.count + 1);
    if (this.same) this.same = grownShared(this.same, this.starts.length);
    return i;
  }

  private place(id: number): void {
    const table = this.lookup!;
    const mask = table.length - 1;
    let slot = hashUnits(this.chars, this.starts[id], this.starts[id + 1]) & mask;
    while (table[slot] !== -1) slot = (slot + 1) & mask;
    table[slot] = id;
  }

  private rehash(size: number): void {
    this.lookup = sharedInts(size).fill(-1);
    for (let id = 0; id < this.count; id++) this.place(id);
  }
}

/** A shared list, read-only, in any thread. */
export class SharedStringList extends CodeUnitStrings {
  protected readonly chars: Uint16Array<ArrayBufferLike>;
  protected readonly starts: Int32Array<ArrayBufferLike>;
  protected readonly same: Uint8Array<ArrayBufferLike> | undefined;
  protected readonly lookup: Int32Array<ArrayBufferLike> | undefined;

  constructor(shared: SharedStrings, fallback?: SharedStringList) {
    super(fallback);
    this.chars = shared.chars;
    this.starts = shared.starts;
    this.same = shared.same;
    this.lookup = shared.lookup;
  }

  get length(): number {
    return this.starts.length - 1;
  }
}

/** `value` as JSON in shared memory: a task that carries it posts a handle, not a copy. */
export function sharedJson(value: unknown): Uint8Array<ArrayBufferLike> {
  return sharedCopy(new TextEncoder().encode(JSON.stringify(value)));
}

export function readSharedJson<T>(bytes: Uint8Array<ArrayBufferLike>): T {
  // TextDecoder refuses views of shared memory: decode a private copy
  return JSON.parse(new TextDecoder().decode(new Uint8Array(bytes))) as T;
}
