/**
 * The worker side of live-database work (`live-work.ts` is the coordinator's): a batch of tables' statistics
 * or a batch of relationship checks, run in a Piscina worker beside the DDL tasks. Each task opens its own
 * source with exactly the connections the coordinator granted it (its share of `max_connections`), runs its
 * batch on them with retries and back-off, and closes them before it returns: a connection never outlives the
 * permits that allowed it, so the cap holds across every thread together.
 */
import pLimit from "p-limit";
import { describeError } from "../errors.js";
import type { LiveNamespace, LiveSource, StatisticsOptions } from "../dialects/live-source.js";
import type { ProfileRule } from "../dialects/column-profile.js";
import type { SourceTable, TableStatistics } from "../model.js";
import type { EdgeCheck, EdgeMeasure } from "../relationships/verify-with-data.js";

/** What every live task carries. */
export interface LiveTaskBase {
  readonly namespace: LiveNamespace;
  /** Connections granted to this task: its source opens at most these. */
  readonly connections: number;
  /** Set to non-zero by the coordinator on Ctrl-C/SIGTERM: running statements are interrupted, none start. */
  readonly stop: Int32Array;
  /** Attempts at one item before it is reported failed, and the first wait between them (x4 each time). */
  readonly attempts: number;
  readonly backoffMs: number;
}

export interface StatisticsTask extends LiveTaskBase {
  /** The tables, names only (their DDL stays with the coordinator). */
  readonly tables: readonly SourceTable[];
  readonly rule: StatisticsOptions;
}

export interface RelationshipCheckTask extends LiveTaskBase {
  readonly checks: readonly EdgeCheck[];
  readonly rule: ProfileRule;
}

/** One item's result: its value, or why it failed after `attempts` tries, or that the run was interrupted first. */
export type LiveOutcome<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly interrupted: false; readonly error: string; readonly attempts: number }
  | { readonly ok: false; readonly interrupted: true };

const INTERRUPTED = { ok: false, interrupted: true } as const;
/** How often a running task looks at the stop flag (a Ctrl-C interrupts its statements within this). */
const STOP_POLL_MS = 50;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function onSource<I, T>(task: LiveTaskBase, items: readonly I[], work: (source: LiveSource, item: I) => Promise<T>): Promise<LiveOutcome<T>[]> {
  const stopped = () => Atomics.load(task.stop, 0) !== 0;
  // loaded on first use: a pool that never reads a live database never loads the drivers
  const { openLiveSource } = await import("../dialects/live-source.js");
  let source: LiveSource | undefined;
  for (let attempt = 1; source === undefined; attempt++) {
    if (stopped()) return items.map(() => INTERRUPTED);
    try {
      source = await openLiveSource({ ...task.namespace, maxConnections: task.connections });
    } catch (err) {
      if (attempt >= task.attempts) return items.map(() => ({ ok: false, interrupted: false, error: describeError(err), attempts: attempt }));
      await sleep(task.backoffMs * 4 ** (attempt - 1));
    }
  }
  const opened = source;
  const watch = setInterval(() => {
    if (stopped()) opened.interrupt();
  }, STOP_POLL_MS);
  try {
    const limit = pLimit(Math.max(1, task.connections));
    return await Promise.all(
      items.map((item) =>
        limit(async (): Promise<LiveOutcome<T>> => {
          for (let attempt = 1; ; attempt++) {
            if (stopped()) return INTERRUPTED;
            try {
              return { ok: true, value: await work(opened, item) };
            } catch (err) {
              if (stopped()) return INTERRUPTED;
              if (attempt >= task.attempts) return { ok: false, interrupted: false, error: describeError(err), attempts: attempt };
              await sleep(task.backoffMs * 4 ** (attempt - 1));
            }
          }
        }),
      ),
    );
  } finally {
    clearInterval(watch);
    await opened.close();
  }
}

/** Named task `statistics`: each table's row count and column statistics. */
export function statisticsTask(task: StatisticsTask): Promise<LiveOutcome<TableStatistics>[]> {
  return onSource(task, task.tables, (source, table) => source.tableStatistics(table, task.rule));
}

/** Named task `checkRelationships`: each edge measured on the data (engines without checks: every item fails). */
export function relationshipCheckTask(task: RelationshipCheckTask): Promise<LiveOutcome<EdgeMeasure>[]> {
  return onSource(task, task.checks, (source, check) => {
    if (!source.checkRelationship) throw new Error(`${source.dialect} cannot check relationships against the data`);
    return source.checkRelationship(check, task.rule);
  });
}
