/**
 * Typed arrays over SharedArrayBuffers, for structures built on the main thread and then read by every worker
 * thread (the catalog index, its strings and lookups). They are built in shared memory from the first add, so
 * sharing them copies nothing: at 10^6 tables a copy made at hand-over held ~200 MB twice (the built arrays
 * wait for V8's next major GC), which set the migration's peak RSS.
 */

export type Ints = Int32Array<ArrayBufferLike>;
export type Bytes = Uint8Array<ArrayBufferLike>;
export type Units = Uint16Array<ArrayBufferLike>;
type Typed = Ints | Bytes | Units;

/** An array of `length` elements of `like`'s type, zeroed, in shared memory. */
function sharedLike<T extends Typed>(like: T, length: number): T {
  const Ctor = like.constructor as new (buffer: SharedArrayBuffer) => T;
  return new Ctor(new SharedArrayBuffer(length * like.BYTES_PER_ELEMENT));
}

export function sharedInts(length: number): Int32Array<SharedArrayBuffer> {
  return new Int32Array(new SharedArrayBuffer(4 * length));
}

export function sharedBytes(length: number): Uint8Array<SharedArrayBuffer> {
  return new Uint8Array(new SharedArrayBuffer(length));
}

export function sharedUnits(length: number): Uint16Array<SharedArrayBuffer> {
  return new Uint16Array(new SharedArrayBuffer(2 * length));
}

/** True when `a` is the whole of a SharedArrayBuffer: posting it shares it as it is. */
function ownsSharedBuffer(a: Typed): boolean {
  return a.buffer instanceof SharedArrayBuffer && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength;
}

/** `a` with room for `min` elements at least: itself, or a shared copy twice as long (amortized growth). */
export function grownShared<T extends Typed>(a: T, min: number): T {
  if (a.length >= min) return a;
  const next = sharedLike(a, Math.max(min, a.length * 2));
  next.set(a);
  return next;
}

/** The first `length` elements of `a` as a whole shared array: `a` itself when it is one already. */
export function trimmedShared<T extends Typed>(a: T, length: number): T {
  if (a.length === length && ownsSharedBuffer(a)) return a;
  const out = sharedLike(a, length);
  out.set(a.subarray(0, length));
  return out;
}

/** `a` in shared memory (posting it to a worker then shares the memory instead of copying it): itself when it is there already. */
export function sharedCopy<T extends Typed>(a: T): T {
  return trimmedShared(a, a.length);
}
