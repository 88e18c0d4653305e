/**
 * The coordinator's side of live-database work: statistics and relationship checks go to the worker pool as
 * tasks (`live-task.ts`), beside the DDL tasks, while `max_connections` holds for all of them together. The
 * coordinator owns the permits: a task is sent only with the connections it was granted (at least one, at most
 * its thread's share of the cap), and they return when the task has settled, its source closed. A task the
 * pool loses (its worker ended) is sent once more, then its items are reported failed.
 */
import type { Piscina } from "piscina";
import { describeError } from "../errors.js";
import type { LiveNamespace, StatisticsOptions } from "../dialects/live-source.js";
import type { ProfileRule } from "../dialects/column-profile.js";
import { newPaceSlot } from "../dialects/query-throttle.js";
import type { SourceTable, TableStatistics } from "../model.js";
import type { EdgeCheck, EdgeChecker, EdgeMeasure } from "../relationships/verify-with-data.js";
import type { LiveOutcome, LiveTaskBase } from "./live-task.js";
import { runTask } from "./worker-tasks.js";

/** Tables (or checks) per task: small enough to spread over every granted connection, large enough that opening them is noise. */
const ITEMS_PER_TASK = 64;
/** Attempts at a table's statistics (or a check) before it is reported failed, and the first wait between them. */
export const LIVE_ATTEMPTS = 3;
export const LIVE_BACKOFF_MS = 250;

/** A counting semaphore whose holders take several permits at once (one per connection). */
class Permits {
  private waiting: (() => void)[] = [];

  constructor(private available: number) {}

  /** Waits for at least one permit, then takes up to `want` of those free. */
  async take(want: number): Promise<number> {
    while (this.available === 0) await new Promise<void>((resolve) => this.waiting.push(resolve));
    const n = Math.min(want, this.available);
    this.available -= n;
    return n;
  }

  give(n: number): void {
    this.available += n;
    const woken = this.waiting;
    this.waiting = [];
    for (const wake of woken) wake();
  }
}

export interface LiveWorkOptions {
  readonly maxConnections: number;
  /** Worker threads of the pool: each task takes at most its thread's share of the connections. */
  readonly workers: number;
  readonly signal?: AbortSignal;
}

export class LiveWork {
  private readonly permits: Permits;
  private readonly share: number;
  private readonly stop = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  private readonly namespace: LiveNamespace;

  constructor(
    private readonly pool: Piscina,
    namespace: LiveNamespace,
    options: LiveWorkOptions,
  ) {
    const max = Math.max(1, options.maxConnections);
    this.permits = new Permits(max);
    this.share = Math.max(1, Math.ceil(max / Math.max(1, options.workers)));
    // one pace for every thread's statements; the connection count is the task's, set per task
    this.namespace = { ...namespace, paceSlot: namespace.paceSlot ?? newPaceSlot() };
    const stop = () => Atomics.store(this.stop, 0, 1);
    if (options.signal?.aborted) stop();
    options.signal?.addEventListener("abort", stop, { once: true });
  }

  /** Each table's statistics (names only cross to the worker), in the order given. */
  async tableStatistics(tables: readonly SourceTable[], rule: StatisticsOptions): Promise<LiveOutcome<TableStatistics>[]> {
    const names = tables.map((t): SourceTable => ({ identifier: t.identifier, catalogName: t.catalogName, databaseName: t.databaseName, schemaName: t.schemaName, tableName: t.tableName, tableType: t.tableType, definition: "" }));
    return this.inTasks<SourceTable, TableStatistics>(names, (items, base) => runTask(this.pool, "statistics", { ...base, tables: items, rule }));
  }

  /**
   * A checker for the relationship stage: checks asked for in the same turn of the event loop go to one task.
   * Its `maxConnections` is how many checks may wait at once; the connections are this object's permits.
   */
  checker(rule: ProfileRule): EdgeChecker {
    let queued: { check: EdgeCheck; resolve: (m: EdgeMeasure) => void; reject: (e: Error) => void }[] = [];
    const flush = () => {
      const batch = queued;
      queued = [];
      this.inTasks<EdgeCheck, EdgeMeasure>(
        batch.map((q) => q.check),
        (items, base) => runTask(this.pool, "checkRelationships", { ...base, checks: items, rule }),
      ).then(
        (outcomes) =>
          outcomes.forEach((o, i) => {
            if (o.ok) batch[i].resolve(o.value);
            else batch[i].reject(new Error(o.interrupted ? "the run was interrupted" : o.error));
          }),
        (err: unknown) => batch.forEach((q) => q.reject(err instanceof Error ? err : new Error(String(err)))),
      );
    };
    return {
      maxConnections: 4 * ITEMS_PER_TASK,
      rule,
      checkRelationship: (check) =>
        new Promise<EdgeMeasure>((resolve, reject) => {
          if (queued.length === 0) setImmediate(flush);
          queued.push({ check, resolve, reject });
        }),
    };
  }

  /** `items` in tasks of at most ITEMS_PER_TASK, each sent with the connections it was granted. */
  private async inTasks<I, T>(items: readonly I[], send: (items: readonly I[], base: LiveTaskBase) => Promise<LiveOutcome<T>[]>): Promise<LiveOutcome<T>[]> {
    const parts: (readonly I[])[] = [];
    for (let i = 0; i < items.length; i += ITEMS_PER_TASK) parts.push(items.slice(i, i + ITEMS_PER_TASK));
    const results = await Promise.all(parts.map((part) => this.inOneTask(part, send)));
    return results.flat();
  }

  private async inOneTask<I, T>(items: readonly I[], send: (items: readonly I[], base: LiveTaskBase) => Promise<LiveOutcome<T>[]>): Promise<LiveOutcome<T>[]> {
    if (Atomics.load(this.stop, 0) !== 0) return items.map(() => ({ ok: false, interrupted: true }));
    const connections = await this.permits.take(Math.min(this.share, items.length));
    try {
      const base: LiveTaskBase = { namespace: this.namespace, connections, stop: this.stop, attempts: LIVE_ATTEMPTS, backoffMs: LIVE_BACKOFF_MS };
      let lastError: unknown;
      // a worker ended under the task (another task overran its budget on that thread): sent once more
      for (let attempt = 1; attempt <= 2; attempt++) {
        try {
          return await send(items, base);
        } catch (err) {
          lastError = err;
          if (Atomics.load(this.stop, 0) !== 0) return items.map(() => ({ ok: false, interrupted: true }));
        }
      }
      return items.map(() => ({ ok: false, interrupted: false, error: `its worker thread failed: ${describeError(lastError)}`, attempts: 2 }));
    } finally {
      this.permits.give(connections);
    }
  }
}
