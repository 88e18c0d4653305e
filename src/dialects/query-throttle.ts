/**
 * `max_queries_per_second`: a pace for the statements a server source sends, shared by all its connections.
 * Statements start evenly spaced (1/rate apart), so a production database never sees a burst from this tool,
 * whatever `max_connections` allows.
 */

export class QueryThrottle {
  private next = 0;

  constructor(private readonly perSecond: number) {}

  /** Resolves when the next statement may start, and books that slot. */
  async acquire(): Promise<void> {
    const now = Date.now();
    const at = Math.max(now, this.next);
    this.next = at + 1000 / this.perSecond;
    if (at > now) await new Promise((resolve) => setTimeout(resolve, at - now));
  }
}

/** A throttle for a namespace's `max_queries_per_second`; undefined when it has none. */
export function throttleFor(perSecond: number | undefined): QueryThrottle | undefined {
  return perSecond === undefined ? undefined : new QueryThrottle(perSecond);
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
