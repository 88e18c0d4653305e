/**
 * The pipeline every write path shares: batches of source tables -> worker pool (parse, enrich, embed)
 * -> optional live statistics under a connection cap -> batched merge-insert into schema_metadata.
 * In-flight work is bounded on both sides (tasks queued to the pool, rows waiting for the writer),
 * so memory stays flat however large the store is.
 */
import os from "node:os";
import { fileURLToPath } from "node:url";
import type * as lancedb from "@lancedb/lancedb";
import { Piscina } from "piscina";
import { DatusError, describeError } from "../errors.js";
import type { LiveNamespace, StatisticsOptions } from "../dialects/live-source.js";
import { mergeObservedEnums } from "../enrich/observed-enums.js";
import { PROVENANCE_KEY, type Dialect, type SourceTable, type TableStatistics, type TableStructure, type V1Row } from "../model.js";
import { type SchemaStore, storedStatistics } from "../store/schema-store.js";
import { recordEmbeddingFailures } from "../store/migration-state.js";
import type { EnrichMessage, EnrichResult, TableFailure } from "./enrich-batch.js";
import { BatchWriter } from "./batch-writer.js";
import { BoundedScheduler } from "./bounded-scheduler.js";
import { LiveWork } from "./live-work.js";
import type { LiveOutcome } from "./live-task.js";
import type { Progress } from "./progress.js";
import type { RowCheck } from "./row-ledger.js";
import { sourcesOf } from "./catalog-text.js";
import { TableGuard } from "./table-guard.js";
import type { VectorSource } from "./vector-source.js";
import type { SharedRelationships } from "./relationship-stage.js";
import { runTask } from "./worker-tasks.js";

/**
 * Statistics from a namespace's live database. They are read in the worker pool (`live-work.ts`), at most
 * `maxConnections` connections at once across every thread.
 */
export interface StatisticsSource {
  readonly namespace: LiveNamespace;
  readonly maxConnections: number;
  /** The namespace's sampling rule; absent: `sampleRows` of the pipeline options, other keys their defaults. */
  readonly rule?: StatisticsOptions;
  /**
   * A dry run: each table is handed here instead of being read (its statements are planned later, from the
   * catalog); no statistics task is sent and the row keeps what it has.
   */
  readonly planOnly?: (table: SourceTable) => void;
}

/**
 * A main-thread stage after the workers (LLM recovery of unread DDL, catalog-wide relationships): it takes a
 * batch's result and its source rows and returns the result to write. Stages run in the order given.
 */
export type ResultStage = (result: EnrichResult, sources: readonly SourceTable[]) => Promise<EnrichResult> | EnrichResult;

export interface PipelineTarget {
  readonly store: SchemaStore;
  readonly table: lancedb.Table;
  readonly shardTag: string;
  /**
   * v1 rows last updated at or after this time (Unix seconds) were written by this migration: removing a
   * table's old identifier never deletes one of them (another table's row may now hold that identifier).
   * Default: when this run started.
   */
  readonly writtenSince?: number;
  /** Other processes (shards) write the table at the same time: the closing row-count check cannot apply. */
  readonly shared?: boolean;
}

export interface PipelineOptions {
  readonly dialect: Dialect;
  /** How rows get their vectors (and their dimension). */
  readonly vectors: VectorSource;
  /** Identifiers recorded with a stale vector when the run started: those written with a fresh one are recorded fresh. */
  readonly staleAtStart?: ReadonlySet<string>;
  /** Identifiers whose embedding failed in an earlier run: those written now are recorded resolved. */
  readonly failedAtStart?: ReadonlySet<string>;
  readonly extractRelationships: boolean;
  readonly statistics?: StatisticsSource;
  /** The live work of this run, when a stage (relationship checks) shares its connection permits; else made here. */
  readonly liveWork?: LiveWork;
  readonly sampleRows?: number;
  /** Write target; absent for --dry-run. */
  readonly target?: PipelineTarget;
  readonly workers: number;
  readonly signal?: AbortSignal;
  readonly progress: Progress;
  /** Rows per merge-insert commit. */
  readonly writeRows?: number;
  readonly stages?: readonly ResultStage[];
  /** business_terms.yml text, for the workers' tag dictionary. */
  readonly tagTermsYaml?: string;
  /** The per-table time budget and the tables set aside so far (the catalog pass may have found some). */
  readonly guard?: TableGuard;
  /** The catalog-wide relationship data in shared memory: the workers relate each batch (and tell `referenced`) themselves. */
  readonly relationships?: SharedRelationships;
  /**
   * The stages read no row's fields (only identifiers), nor relate rows the workers did not: the workers may
   * send their rows packed as Arrow (`EnrichTask.pack`). Taken only where nothing else reads rows on this
   * thread: no live statistics, vectors made in the workers.
   */
  readonly packRows?: boolean;
}

export interface PipelineCounts {
  /** Tables whose v1 row was committed (or, in a dry run, produced). */
  written: number;
  parseFailures: TableFailure[];
  parseFailureCount: number;
  dialects: Record<string, number>;
  parsers: Record<string, number>;
  relationships: number;
  statisticsFailures: number;
  /** Tables whose embedding failed: not written, so they stay pending and the next run retries them. */
  embeddingFailures: { readonly identifier: string; readonly error: string }[];
  embeddingFailureCount: number;
  /** Rows written with a vector that is not of their search_text (--keep-vectors). */
  staleVectors: number;
  staleIdentifiersRemoved: number;
  interrupted: boolean;
  /** The table's rows counted against what the run read and wrote (absent for a dry run or shards). */
  rowCheck?: RowCheck;
  /** Tables not written because their identifier holds another table's row this run did not migrate. */
  leftPending: number;
}

/** Failures kept in memory for the summary; the full list goes to the store's failure log. */
const FAILURES_KEPT = 200;

export function defaultWorkers(): number {
  return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
}

const ENRICH_WORKER = fileURLToPath(new URL("../../workers/enrich-worker.js", import.meta.url));

/**
 * A worker keeps about 30 MiB live between tasks, yet each sat at 130 MiB of heap. An 8 MiB young generation
 * took a 300,000-table migration (`--workers 2`, hashing) from 941 to 874 MiB peak RSS at the same CPU seconds.
 * Without a bound on the old generation V8 sizes a worker's heap from the machine's memory (24 GiB here) and
 * lets it grow: once the workers also related rows, the same migration peaked at 1,114-1,178 MiB; bounded at
 * 512 MiB it peaks at 873 MiB, for about 9% more CPU seconds (178 vs 164; 128 and 256 MiB gave the same
 * memory and CPU). 512 MiB leaves room for a very large DDL: a worker that still runs out is replaced and its
 * table set aside (table-guard.ts), as for any worker crash.
 * Since the rows come back packed (packed-rows.ts) the young generation is 16 MiB, which the memory now allows
 * (a batch's short-lived objects are likelier to die young: a reading the figures fit, not traced). 1,000,000
 * tables (`--workers 2`): 176 s / 327 CPU s / 939 MiB at 16, against 185 s / 344-345 CPU s / 931-939 MiB at 8
 * (two runs); at 32, 166 s / 307 CPU s but 1,016 MiB.
 */
const WORKER_HEAP = { maxYoungGenerationSizeMb: 16, maxOldGenerationSizeMb: 512 } as const;

/**
 * The worker pool; `filename` is the worker module (tests give one that misbehaves on purpose). With `liveTasks`
 * a thread takes a second task while one waits on the live database, so statistics never leave a core idle.
 */
export function createEnrichPool(workers: number, filename = ENRICH_WORKER, options: { readonly liveTasks?: boolean } = {}): Piscina {
  const pool = new Piscina({ filename, minThreads: workers, maxThreads: workers, idleTimeout: 60_000, concurrentTasksPerWorker: options.liveTasks ? 2 : 1, resourceLimits: WORKER_HEAP });
  // a worker that fails between tasks is replaced by Piscina; its tasks (none) have nothing to report
  pool.on("error", (err: unknown) => process.emitWarning(`a worker thread failed between tasks and was replaced: ${describeError(err)}`));
  return pool;
}

function merge(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

/**
 * The row with the table's statistics: row_count, sample_statistics (each column's figures, and how they were
 * obtained under `_provenance` unless a column has that name), and column_enums checked against the values seen.
 */
function withStatistics(row: V1Row, stats: TableStatistics): V1Row {
  const sample = stats.provenance && !(PROVENANCE_KEY in stats.columns) ? { ...stats.columns, [PROVENANCE_KEY]: stats.provenance } : stats.columns;
  return { ...row, row_count: stats.rowCount, sample_statistics: JSON.stringify(sample), column_enums: mergeObservedEnums(row.column_enums, stats.columns) };
}

/**
 * Run `batches` through the pool into the target. Stops taking work when `signal` aborts, then commits
 * what is already enriched: an interrupted run loses nothing it finished.
 */
export async function runPipeline(
  pool: Piscina,
  batches: AsyncIterable<readonly SourceTable[]>,
  options: PipelineOptions,
  catalogOf?: (rows: readonly SourceTable[]) => Record<string, TableStructure> | undefined,
): Promise<PipelineCounts> {
  const counts: PipelineCounts = {
    written: 0,
    parseFailures: [],
    parseFailureCount: 0,
    dialects: {},
    parsers: {},
    relationships: 0,
    statisticsFailures: 0,
    embeddingFailures: [],
    embeddingFailureCount: 0,
    staleVectors: 0,
    staleIdentifiersRemoved: 0,
    interrupted: false,
    leftPending: 0,
  };
  const dim = options.vectors.dim;
  const writeRows = options.writeRows ?? 2000;
  const scheduler = BoundedScheduler.forWorkers(options.workers);
  const now = Math.floor(Date.now() / 1000);
  const guard = options.guard ?? new TableGuard();
  const pack = options.packRows === true && (options.statistics === undefined || options.statistics.planOnly !== undefined) && options.vectors.plan.kind !== "remote";

  const writer = await BatchWriter.open(
    { target: options.target, dim, writeRows, now, staleAtStart: options.staleAtStart, failedAtStart: options.failedAtStart, progress: options.progress },
    counts,
  );

  const statistics = options.statistics;
  const liveWork =
    statistics && !statistics.planOnly ? (options.liveWork ?? new LiveWork(pool, statistics.namespace, { maxConnections: statistics.maxConnections, workers: options.workers, signal: options.signal })) : undefined;
  type StatisticsOutcomes = Map<string, LiveOutcome<TableStatistics>>;

  /** Sends a batch's statistics to the pool (beside its DDL task); by source identifier. */
  function startStatistics(rows: readonly SourceTable[]): Promise<StatisticsOutcomes> | undefined {
    if (!statistics) return undefined;
    if (statistics.planOnly) {
      rows.forEach((r) => statistics.planOnly!(r));
      return undefined;
    }
    const read = liveWork!.tableStatistics(rows, statistics.rule ?? { sampleRows: options.sampleRows ?? 10_000 });
    return read.then((outcomes) => new Map(rows.map((r, i) => [r.identifier, outcomes[i]])));
  }

  async function addStatistics(result: EnrichResult, outcomes: StatisticsOutcomes | undefined): Promise<EnrichResult> {
    if (!outcomes) return result;
    const rows = await Promise.all(
      result.rows.map(async (row, i) => {
        const outcome = outcomes.get(result.sourceIdentifiers[i]);
        if (outcome === undefined) return row;
        if (outcome.ok) return withStatistics(row, outcome.value);
        // interrupted: no new statements against the source; the row keeps what the store had
        if (!outcome.interrupted) {
          counts.statisticsFailures++;
          options.progress.warn(`statistics failed for ${row.identifier} after ${outcome.attempts} attempt(s): ${outcome.error} (what the store had for it is kept)`);
        }
        return keepStoredStatistics(row);
      }),
    );
    return { ...result, rows };
  }

  /** A table whose statistics could not be read keeps what the store already has for it: never blanked. */
  async function keepStoredStatistics(row: V1Row): Promise<V1Row> {
    if (!options.target) return row;
    const stored = await storedStatistics(options.target.table, row.identifier);
    return stored ? { ...row, row_count: stored.rowCount, sample_statistics: stored.sampleStatistics } : row;
  }

  /** Embed the rows of a result whose vectors are still to come (remote models); rows that fail are left out. */
  async function embedPending(result: EnrichResult): Promise<EnrichResult> {
    if (result.vectorsOf !== "pending" || result.rows.length === 0) return result;
    const { vectors, failed } = await options.vectors.embed(result.rows.map((r) => r.search_text));
    if (failed.length === 0) return { ...result, vectors, vectorsOf: "search_text" };
    const dropped = new Set(failed.map((f) => f.index));
    counts.embeddingFailureCount += failed.length;
    if (options.target) recordEmbeddingFailures(options.target.store.path, options.target.shardTag, failed.map((f) => ({ identifier: result.rows[f.index].identifier, error: f.error })));
    for (const f of failed) {
      const identifier = result.rows[f.index].identifier;
      if (counts.embeddingFailures.length < FAILURES_KEPT) counts.embeddingFailures.push({ identifier, error: f.error });
      options.progress.warn(`embedding failed for ${identifier}: ${f.error} (left pending; the next run retries it)`);
    }
    const keep = result.rows.map((_, i) => i).filter((i) => !dropped.has(i));
    const kept = new Float32Array(keep.length * dim);
    keep.forEach((from, to) => kept.set(vectors.subarray(from * dim, (from + 1) * dim), to * dim));
    const ids = new Set(keep.map((i) => result.rows[i].identifier));
    return {
      ...result,
      rows: keep.map((i) => result.rows[i]),
      vectors: kept,
      vectorsOf: "search_text",
      sourceIdentifiers: keep.map((i) => result.sourceIdentifiers[i]),
      summaries: keep.map((i) => result.summaries[i]),
      ...(result.related ? { related: keep.map((i) => result.related![i]) } : {}),
      parsedOk: result.parsedOk.filter((id) => ids.has(id)),
      parseFailures: result.parseFailures.filter((f) => ids.has(f.identifier)),
    };
  }

  function collect(result: EnrichResult): void {
    merge(counts.dialects, result.dialects);
    merge(counts.parsers, result.parsers);
    counts.relationships += result.relationships;
    counts.parseFailureCount += result.parseFailures.length;
    for (const f of result.parseFailures) if (counts.parseFailures.length < FAILURES_KEPT) counts.parseFailures.push(f);
    writer.add(result);
  }

  function taskOf(rows: readonly SourceTable[], unread?: Record<string, string>): EnrichMessage {
    return {
      ...sourcesOf(rows),
      dialect: options.dialect,
      vectors: options.vectors.plan,
      now,
      extractRelationships: options.extractRelationships,
      tagTermsYaml: options.tagTermsYaml,
      catalog: catalogOf?.(rows),
      unread,
      ...(options.relationships ? { relationships: options.relationships } : {}),
      ...(pack ? { pack } : {}),
    };
  }

  /**
   * Enrich a batch in the pool under the per-table budget. Tables that crash or overrun a worker (now or
   * in the catalog pass) are migrated from their names only; if even that fails, the fault is not the
   * DDL's, and the run stops.
   */
  async function enrich(rows: readonly SourceTable[]): Promise<{ rows: readonly SourceTable[]; result: EnrichResult }[]> {
    const known = rows.filter((r) => guard.setAside.has(r.identifier));
    const fresh = known.length === 0 ? rows : rows.filter((r) => !guard.setAside.has(r.identifier));
    const { done, setAside } = fresh.length === 0 ? { done: [], setAside: [] } : await guard.run(fresh, (part, marker, signal) => runTask(pool, "enrich", { ...taskOf(part), marker }, signal));
    for (const { table, reason } of setAside) options.progress.warn(`${table.identifier}: ${reason}; migrated from its names only`);
    const unread = [...known, ...setAside.map((s) => s.table)];
    if (unread.length === 0) return done;
    const reasons = Object.fromEntries(unread.map((t) => [t.identifier, guard.setAside.get(t.identifier) ?? ""]));
    const again = await guard.run(unread, (part, marker, signal) => runTask(pool, "enrich", { ...taskOf(part, reasons), marker }, signal));
    if (again.setAside.length > 0) {
      const { table, reason } = again.setAside[0];
      throw new DatusError("failed", `a worker failed on ${table.identifier} even without reading its DDL: ${reason}`, "this is not the DDL's doing: check the embedding model and the machine's memory, then re-run to resume");
    }
    return [...done, ...again.done];
  }

  for await (const rows of batches) {
    if (options.signal?.aborted || scheduler.stopped || writer.error) break;
    if (rows.length === 0) continue;
    // the live database is read while the workers read the DDL
    const measured = startStatistics(rows);
    measured?.catch(() => undefined);
    await scheduler.start(async () => {
      const parts = await enrich(rows);
      const outcomes = await measured;
      for (const part of parts) {
        let staged = part.result;
        for (const stage of options.stages ?? []) staged = await stage(staged, part.rows);
        collect(await embedPending(await addStatistics(staged, outcomes)));
      }
    });
    await writer.keepUp();
  }
  await scheduler.settle();
  if (options.signal?.aborted) counts.interrupted = true;
  // commit what was finished, even when interrupted or when another batch failed
  await writer.finish();
  await scheduler.drain();
  if (writer.error) throw writer.error.error;
  await writer.checkRows();
  return counts;
}

/** Group a stream of single tables into task-sized batches. */
export async function* inBatches<T>(items: AsyncIterable<readonly T[]>, size: number): AsyncGenerator<T[]> {
  let current: T[] = [];
  for await (const chunk of items) {
    for (const item of chunk) {
      current.push(item);
      if (current.length >= size) {
        yield current;
        current = [];
      }
    }
  }
  if (current.length) yield current;
}
