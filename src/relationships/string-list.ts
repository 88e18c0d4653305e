/**
 * The catalog index's strings (table names, their entities, interned column and scope names), by position.
 * While the index is built they are ordinary JS strings; once built, they move into shared memory as UTF-16
 * code units, so every worker thread reads the one copy instead of holding its own (at 10^6 tables a copy
 * of the names alone is ~60 MB of JS heap per thread).
 */
import { sharedCopy } from "./chain-map.js";

export interface StringList {
  at(i: number): string;
  readonly length: number;
  /** The position of `s`, or -1 (interned lists only). */
  indexOf(s: string): number;
}

/** A list being built in one thread. */
export class GrowingStrings implements StringList {
  readonly list: string[] = [];
  private readonly ids: Map<string, number> | undefined;

  /** `interned`: each string once, found again by `intern`/`indexOf`. */
  constructor(interned: boolean) {
    this.ids = interned ? new Map() : undefined;
  }

  get length(): number {
    return this.list.length;
  }

  at(i: number): string {
    return this.list[i];
  }

  push(s: string): void {
    this.list.push(s);
  }

  intern(s: string): number {
    let id = this.ids!.get(s);
    if (id === undefined) {
      id = this.list.length;
      this.list.push(s);
      this.ids!.set(s, id);
    }
    return id;
  }

  indexOf(s: string): number {
    return this.ids?.get(s) ?? -1;
  }
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

/**
 * `list` in shared memory. With `fallback`, a string equal to the fallback's at the same position is not
 * stored again (a table's entity is most often its name). `interned` adds the lookup `indexOf` needs.
 */
export function shareStrings(list: StringList, options: { readonly fallback?: StringList; readonly interned?: boolean } = {}): SharedStrings {
  const n = list.length;
  const starts = new Int32Array(new SharedArrayBuffer(4 * (n + 1)));
  const same = options.fallback ? new Uint8Array(new SharedArrayBuffer(n)) : undefined;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const s = list.at(i);
    if (same && s === options.fallback!.at(i)) same[i] = 1;
    else total += s.length;
  }
  const chars = new Uint16Array(new SharedArrayBuffer(2 * total));
  let at = 0;
  for (let i = 0; i < n; i++) {
    starts[i] = at;
    if (same?.[i] === 1) continue;
    const s = list.at(i);
    for (let k = 0; k < s.length; k++) chars[at + k] = s.charCodeAt(k);
    at += s.length;
  }
  starts[n] = at;
  let lookup: Int32Array | undefined;
  if (options.interned) {
    let size = 16;
    while (size < 2 * n) size *= 2;
    const table = new Int32Array(size).fill(-1);
    for (let i = 0; i < n; i++) {
      let slot = hashString(list.at(i)) & (size - 1);
      while (table[slot] !== -1) slot = (slot + 1) & (size - 1);
      table[slot] = i;
    }
    lookup = sharedCopy(table);
  }
  return { chars, starts, ...(same ? { same } : {}), ...(lookup ? { lookup } : {}) };
}

/** Decoded strings kept per thread: a direct-mapped cache, so memory stays bounded however many are read. */
const CACHE_SLOTS = 1 << 14;

/** A shared list, read-only, in any thread. */
export class SharedStringList implements StringList {
  private readonly cacheId = new Int32Array(CACHE_SLOTS).fill(-1);
  private readonly cached: string[] = new Array<string>(CACHE_SLOTS).fill("");

  constructor(
    private readonly shared: SharedStrings,
    private readonly fallback?: StringList,
  ) {}

  get length(): number {
    return this.shared.starts.length - 1;
  }

  at(i: number): string {
    if (this.shared.same?.[i] === 1) return this.fallback!.at(i);
    const k = i & (CACHE_SLOTS - 1);
    if (this.cacheId[k] === i) return this.cached[k];
    const s = this.decode(i);
    this.cacheId[k] = i;
    this.cached[k] = s;
    return s;
  }

  indexOf(s: string): number {
    const table = this.shared.lookup;
    if (table === undefined) return -1;
    const mask = table.length - 1;
    for (let slot = hashString(s) & mask; table[slot] !== -1; slot = (slot + 1) & mask) if (this.equals(table[slot], s)) return table[slot];
    return -1;
  }

  private equals(i: number, s: string): boolean {
    const { chars, starts } = this.shared;
    const start = starts[i];
    if (starts[i + 1] - start !== s.length) return false;
    for (let k = 0; k < s.length; k++) if (chars[start + k] !== s.charCodeAt(k)) return false;
    return true;
  }

  private decode(i: number): string {
    const { chars, starts } = this.shared;
    const start = starts[i];
    const end = starts[i + 1];
    // in slices: String.fromCharCode spreads its arguments on the stack
    let s = "";
    for (let at = start; at < end; at += 4096) s += String.fromCharCode(...chars.subarray(at, Math.min(end, at + 4096)));
    return s;
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
