/**
 * A per-table time budget and crash isolation for the worker tasks that read DDL.
 *
 * A task is a batch of tables. The worker marks which table it is on in a shared Int32Array (the step
 * marker); the coordinator watches the markers. A table that holds its worker longer than its budget gets
 * that worker ended (Piscina aborts a running task by terminating its thread, and starts a new one). A task
 * that fails (its worker threw, exited, overflowed its stack, or was ended for overrunning) is split at the
 * table it was on: that table is set aside with the reason, the other tables run again. A set-aside table is
 * then migrated from its names alone, without reading its DDL, and reported as a parse failure; the run goes
 * on. A failure before the first table started is no table's doing, and fails the run.
 *
 * What threads cannot isolate: a native abort (SIGABRT, SIGSEGV) in a worker ends the whole process, as it
 * would any Node process; the migration is resumable, so a re-run continues where it stopped.
 */
import { configError, describeError } from "../errors.js";
import type { SourceTable } from "../model.js";

/** A table's budget for a DDL of up to 1 MiB; a larger DDL gets proportionally more. */
export const DEFAULT_TABLE_TIMEOUT_MS = 30_000;
/** Seconds (decimals allowed) that replace DEFAULT_TABLE_TIMEOUT_MS. */
export const TABLE_TIMEOUT_ENV = "DATUS_SCHEMA_TABLE_TIMEOUT";

/** Shared between the coordinator and a worker: 0 before the task starts, then 1 + the step the worker is on. */
export type StepMarker = Int32Array;

/** Worker side: the task is now on `step` (table `step` of the batch; `rows.length` for the embedding after them). */
export function markStep(marker: StepMarker | undefined, step: number): void {
  if (marker) Atomics.store(marker, 0, step + 1);
}

/** The per-table budget from the environment (DATUS_SCHEMA_TABLE_TIMEOUT, seconds), or the default. */
export function tableTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const text = env[TABLE_TIMEOUT_ENV];
  if (text === undefined || text.trim() === "") return DEFAULT_TABLE_TIMEOUT_MS;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 86_400) {
    throw configError(`${TABLE_TIMEOUT_ENV}=${JSON.stringify(text)} is not a number of seconds between 0 and 86400`, `unset it (default ${DEFAULT_TABLE_TIMEOUT_MS / 1000} s a table) or give seconds, e.g. ${TABLE_TIMEOUT_ENV}=120`);
  }
  return Math.max(1, Math.round(seconds * 1000));
}

const MIB = 2 ** 20;

/**
 * What the guard needs of a table: its identifier, and its DDL or the DDL's size in bytes (the budget grows
 * with it).
 */
export type GuardedTable = { readonly identifier: string } & ({ readonly definition: string } | { readonly ddlBytes: number });

function ddlSize(table: GuardedTable): number {
  return "ddlBytes" in table ? table.ddlBytes : table.definition.length;
}

export interface SetAside<T extends GuardedTable = SourceTable> {
  readonly table: T;
  /** Why its DDL was not read, as the parse-failure report says it. */
  readonly reason: string;
}

export interface Guarded<R, T extends GuardedTable = SourceTable> {
  /** The tables of each task that finished, with its result. */
  readonly done: { readonly rows: readonly T[]; readonly result: R }[];
  readonly setAside: SetAside<T>[];
}

/** One attempt at a task: run `rows` in the pool with the marker, ended when `signal` aborts. */
export type Attempt<R, T extends GuardedTable = SourceTable> = (rows: readonly T[], marker: StepMarker, signal: AbortSignal) => Promise<R>;

interface Watch {
  readonly rows: readonly GuardedTable[];
  readonly marker: StepMarker;
  readonly controller: AbortController;
  seen: number;
  since: number;
  /** The step that overran its budget, once the watchdog ended the task. */
  overran?: number;
}

type Outcome<R> = { readonly ok: true; readonly result: R } | { readonly ok: false; readonly step: number; readonly error: unknown; readonly overran: boolean };

export class TableGuard {
  /** Tables set aside in this run (source identifier -> reason): later passes do not read their DDL again. */
  readonly setAside = new Map<string, string>();
  private readonly watches = new Set<Watch>();
  private timer: NodeJS.Timeout | undefined;

  /** `timeoutMs`: the budget of a table whose DDL is at most 1 MiB. */
  constructor(readonly timeoutMs: number = tableTimeoutMs()) {}

  /** How long table `table` may hold a worker. */
  budgetMs(table: GuardedTable): number {
    return this.timeoutMs * Math.max(1, ddlSize(table) / MIB);
  }

  /**
   * Run `rows` as one task, or, when it fails, as several around the tables that made it fail (set aside).
   * A step after the tables (embedding) gets a budget that grows with the batch.
   */
  async run<R, T extends GuardedTable = SourceTable>(rows: readonly T[], attempt: Attempt<R, T>): Promise<Guarded<R, T>> {
    const done: { rows: readonly T[]; result: R }[] = [];
    const setAside: SetAside<T>[] = [];
    const queue: (readonly T[])[] = [rows];
    for (let part = queue.shift(); part !== undefined; part = queue.shift()) {
      const outcome = await this.attempt(part, attempt);
      if (outcome.ok) {
        done.push({ rows: part, result: outcome.result });
        continue;
      }
      const { step, error, overran } = outcome;
      // nothing had started: the worker or its setup failed, not a table
      if (step < 0) throw error;
      if (step >= part.length && part.length > 1) {
        // after the tables (embedding): which one is not known, so halve
        const half = Math.ceil(part.length / 2);
        queue.push(part.slice(0, half), part.slice(half));
        continue;
      }
      const at = Math.min(step, part.length - 1);
      const table = part[at];
      const reason = overran
        ? `reading it took longer than its budget of ${(this.budgetMs(table) / 1000).toFixed(1)} s, so its worker was ended (${TABLE_TIMEOUT_ENV} sets the budget a table; --force re-reads it)`
        : `its worker failed ${step < part.length ? "reading" : "embedding"} it: ${describeError(error)}`;
      setAside.push({ table, reason });
      this.setAside.set(table.identifier, reason);
      if (at > 0) queue.push(part.slice(0, at));
      if (at + 1 < part.length) queue.push(part.slice(at + 1));
    }
    return { done, setAside };
  }

  private async attempt<R, T extends GuardedTable>(rows: readonly T[], attempt: Attempt<R, T>): Promise<Outcome<R>> {
    const watch: Watch = { rows, marker: new Int32Array(new SharedArrayBuffer(4)), controller: new AbortController(), seen: 0, since: 0 };
    this.watches.add(watch);
    this.timer ??= setInterval(() => this.tick(), Math.min(1000, Math.max(10, this.timeoutMs / 10))).unref();
    try {
      return { ok: true, result: await attempt(rows, watch.marker, watch.controller.signal) };
    } catch (error) {
      const step = watch.overran ?? Atomics.load(watch.marker, 0) - 1;
      return { ok: false, step, error, overran: watch.overran !== undefined };
    } finally {
      this.watches.delete(watch);
      if (this.watches.size === 0) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    }
  }

  /** End the tasks whose current step has held its worker longer than its budget. */
  private tick(): void {
    const now = performance.now();
    for (const w of this.watches) {
      const marked = Atomics.load(w.marker, 0);
      // 0: still queued, or the worker is loading its model; no table is being read
      if (marked === 0 || w.overran !== undefined) continue;
      if (marked !== w.seen) {
        w.seen = marked;
        w.since = now;
        continue;
      }
      const step = marked - 1;
      const budget = step < w.rows.length ? this.budgetMs(w.rows[step]) : this.timeoutMs * Math.max(1, w.rows.length / 64);
      if (now - w.since > budget) {
        w.overran = step;
        w.controller.abort(new Error(`step ${step} over its budget of ${budget} ms`));
      }
    }
  }
}
