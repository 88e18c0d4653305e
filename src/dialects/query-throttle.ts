/**
 * `max_queries_per_second`: a pace for the statements a server source sends, shared by all its connections and,
 * through a SharedArrayBuffer, by the sources every worker thread opens for the same run. Statements start
 * evenly spaced (1/rate apart), so a production database never sees a burst from this tool, whatever
 * `max_connections` allows or however many threads send.
 */

/** The slot holding when the next statement may start (microseconds since the epoch), shared across threads. */
export type PaceSlot = SharedArrayBuffer;

/** A new slot for one run's sources (main thread and workers alike). */
export function newPaceSlot(): PaceSlot {
  return new SharedArrayBuffer(BigInt64Array.BYTES_PER_ELEMENT);
}

export class QueryThrottle {
  private readonly next: BigInt64Array;
  private readonly spacingMicros: bigint;

  constructor(perSecond: number, slot: PaceSlot = newPaceSlot()) {
    this.next = new BigInt64Array(slot);
    this.spacingMicros = BigInt(Math.max(1, Math.round(1_000_000 / perSecond)));
  }

  /** Resolves when the next statement may start, and books that slot (atomically: threads never book the same one). */
  async acquire(): Promise<void> {
    for (;;) {
      const now = BigInt(Date.now()) * 1000n;
      const booked = Atomics.load(this.next, 0);
      const at = booked > now ? booked : now;
      if (Atomics.compareExchange(this.next, 0, booked, at + this.spacingMicros) !== booked) continue;
      const waitMs = Number((at - now) / 1000n);
      if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
      return;
    }
  }
}

/** A throttle for a namespace's `max_queries_per_second` (sharing `paceSlot` when it has one); undefined when it has no rate. */
export function throttleFor(ns: { readonly maxQueriesPerSecond?: number; readonly paceSlot?: PaceSlot }): QueryThrottle | undefined {
  return ns.maxQueriesPerSecond === undefined ? undefined : new QueryThrottle(ns.maxQueriesPerSecond, ns.paceSlot);
}

/**
 * `conn` with each named method waiting for the throttle before it runs (every other member as it is), so the
 * code that reads the catalog and the statistics is the same with or without a pace.
 */
export function paced<T extends object>(conn: T, throttle: QueryThrottle | undefined, methods: readonly string[]): T {
  if (throttle === undefined) return conn;
  return new Proxy(conn, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      const method = value as (...args: unknown[]) => unknown;
      if (typeof prop === "string" && methods.includes(prop)) return (...args: unknown[]) => throttle.acquire().then(() => method.apply(target, args));
      return method.bind(target);
    },
  });
}
