/**
 * The pipeline's writer: it takes the enriched results, keeps the last row of each identifier, and commits them
 * to schema_metadata in merge-inserts of about `writeRows` rows, one commit at a time while the workers go on.
 * It owns what a commit implies: removing the old (non-canonical) identifiers a row replaces, holding back a row
 * whose identifier still holds another table's row (swapped identifiers), the vector and embedding-failure
 * records, the parse-failure log, the row ledger and the closing row-count check. A commit that fails while
 * nothing awaits it is kept as the writer's error and reported by the pipeline, never as an unhandled rejection.
 */
import type * as lancedb from "@lancedb/lancedb";
import type { V1Row } from "../model.js";
import { nonCanonicalIdentifiersOf, v1RowsToArrow } from "../store/arrow-rows.js";
import { ParseFailureLog, recordEmbeddingFailures } from "../store/migration-state.js";
import { scanBatches } from "../store/schema-store.js";
import { markVectors } from "../store/vector-state.js";
import type { EnrichResult } from "./enrich-batch.js";
import type { PipelineCounts, PipelineTarget } from "./pipeline.js";
import type { Progress } from "./progress.js";
import { describeRowCheck, IdentifierSet, refuseRowCheck, RowLedger } from "./row-ledger.js";

/** A v1 row on its way to the table, with the source identifiers it replaces. */
interface Entry {
  readonly row: V1Row;
  readonly vector: Float32Array;
  readonly stale: boolean;
  readonly none: boolean;
  readonly sources: readonly string[];
}

export interface BatchWriterOptions {
  /** Where to write; absent for a dry run (rows are counted, nothing is written). */
  readonly target?: PipelineTarget;
  readonly dim: number;
  /** Rows per commit. */
  readonly writeRows: number;
  /** This run's start (Unix seconds): rows updated since are this run's. */
  readonly now: number;
  readonly staleAtStart?: ReadonlySet<string>;
  readonly failedAtStart?: ReadonlySet<string>;
  readonly progress: Progress;
}

export class BatchWriter {
  private buffered: EnrichResult[] = [];
  private bufferedCount = 0;
  /** Rows held back because their identifier still holds another table's row that this run has not replaced. */
  private held: Entry[] = [];
  private writing: Promise<void> | undefined;
  private failure: { readonly error: unknown } | undefined;
  private readonly ledger = new RowLedger();
  private readonly failureLog: ParseFailureLog | undefined;
  /** A row this migration wrote is never deleted as some other table's old identifier. */
  private readonly keepOurs: string;

  private constructor(
    private readonly options: BatchWriterOptions,
    private readonly counts: PipelineCounts,
    private readonly startVersion: number | undefined,
    private readonly foreign: IdentifierSet | undefined,
  ) {
    const { target } = options;
    this.failureLog = target ? new ParseFailureLog(target.store.path, target.shardTag) : undefined;
    this.keepOurs = `COALESCE(metadata_version, 0) = 1 AND COALESCE(last_updated, 0) >= ${Math.floor(target?.writtenSince ?? options.now)}`;
  }

  /**
   * A writer for `options.target`. Reads, once, the identifiers of rows that are not under their own table's
   * canonical identifier (old conventions, swapped identifiers): a re-keyed row written onto one of them would
   * overwrite another table's row.
   */
  static async open(options: BatchWriterOptions, counts: PipelineCounts): Promise<BatchWriter> {
    const { target } = options;
    const startVersion = target ? await target.table.version() : undefined;
    const foreign = target && startVersion !== undefined ? await nonCanonicalIdentifiers(await target.store.snapshot(startVersion)) : undefined;
    return new BatchWriter(options, counts, startVersion, foreign);
  }

  /** Rows waiting for a commit. */
  get bufferedRows(): number {
    return this.bufferedCount;
  }

  /** The first error of a commit made in the background, if one failed. */
  get error(): { readonly error: unknown } | undefined {
    return this.failure;
  }

  add(result: EnrichResult): void {
    this.buffered.push(result);
    this.bufferedCount += result.rows.length;
  }

  /**
   * Starts a commit in the background once a commit's worth of rows is waiting (one at a time), and waits for
   * the running one when three commits' worth are waiting: memory stays flat however fast the workers are.
   */
  async keepUp(): Promise<void> {
    const { writeRows } = this.options;
    if (this.bufferedCount >= writeRows && !this.writing) {
      this.writing = this.flush()
        .catch((error: unknown) => {
          this.failure ??= { error };
        })
        .finally(() => (this.writing = undefined));
    }
    while (this.writing && this.bufferedCount >= 3 * writeRows) await this.writing;
  }

  /**
   * Commits everything still waiting (after the running commit), then the held rows that can go (see
   * `releaseHeld`). Called once, at the end, also after an interruption or another batch's failure: an
   * interrupted run loses nothing it finished.
   */
  async finish(): Promise<void> {
    await this.writing;
    await this.flush();
    await this.releaseHeld();
  }

  /** The run's closing check: the table's rows against what it found and wrote. A difference fails the run. */
  async checkRows(): Promise<void> {
    const { target, progress } = this.options;
    if (!target || this.startVersion === undefined) return;
    if (target.shared) {
      progress.log("row count check skipped: other shards write the table at the same time (run `datus-schema report` when all are done)");
      return;
    }
    this.counts.rowCheck = await this.ledger.check(await target.store.snapshot(this.startVersion), target.table);
    progress.log(`row count check: ${describeRowCheck(this.counts.rowCheck)}`);
    refuseRowCheck(this.counts.rowCheck, target.store.path);
  }

  /** Whether writing under `identifier` would overwrite a row of another table that is still there (and not in `writing`). */
  private occupied(identifier: string, writing: ReadonlySet<string>): boolean {
    return this.foreign !== undefined && this.foreign.has(identifier) && !this.ledger.replaced(identifier) && !writing.has(identifier);
  }

  /** Commit `entries` (distinct identifiers), then remove the old identifiers they replace. */
  private async write(entries: readonly Entry[]): Promise<void> {
    if (entries.length === 0) return;
    const { dim, target } = this.options;
    const rows = entries.map((e) => e.row);
    const vectors = new Float32Array(rows.length * dim);
    entries.forEach((e, i) => vectors.set(e.vector, i * dim));
    const nullRows = new Set(entries.flatMap((e, i) => (e.none ? [i] : [])));
    const written = new Set(rows.map((r) => r.identifier));
    const sources = entries.flatMap((e) => e.sources);
    // source identifiers that were not canonical: their old rows go, unless a row written in this run holds that identifier now
    const stale = [...new Set(sources)].filter((id) => !written.has(id) && !this.ledger.wrote(id));
    const staleVectors = entries.filter((e) => e.stale).map((e) => e.row.identifier);
    this.counts.staleVectors += staleVectors.length;
    if (target) {
      const { store, table, shardTag } = target;
      const { staleAtStart, failedAtStart } = this.options;
      // recorded before the write: a kill between the two leaves a row marked stale that is not, never the reverse
      markVectors(store.path, shardTag, staleVectors, true);
      await store.upsert(table, v1RowsToArrow(rows, vectors, dim, nullRows));
      this.ledger.record(rows.map((r) => r.identifier), sources);
      const refreshed = staleAtStart ? entries.filter((e) => !e.stale && staleAtStart.has(e.row.identifier)).map((e) => e.row.identifier) : [];
      markVectors(store.path, shardTag, refreshed, false);
      if (failedAtStart) recordEmbeddingFailures(store.path, shardTag, rows.filter((r) => failedAtStart.has(r.identifier)).map((r) => ({ identifier: r.identifier })));
      // only after the new rows are committed: never drop a v0 row before its v1 row exists
      this.counts.staleIdentifiersRemoved += await store.deleteIdentifiers(table, stale, this.keepOurs);
    }
    this.counts.written += rows.length;
    this.options.progress.advance(rows.length);
  }

  private async flush(): Promise<void> {
    if (this.bufferedCount === 0 && this.held.length === 0) return;
    const { dim } = this.options;
    const results = this.buffered;
    this.buffered = [];
    this.bufferedCount = 0;
    // the last row for an identifier wins; a store may hold one table under several old identifiers
    const byId = new Map<string, Entry>(this.held.map((e) => [e.row.identifier, e]));
    for (const r of results) {
      const none = new Set(r.withoutVector ?? []);
      for (let i = 0; i < r.rows.length; i++) {
        const earlier = byId.get(r.rows[i].identifier);
        byId.set(r.rows[i].identifier, {
          row: r.rows[i],
          vector: r.vectors.subarray(i * dim, (i + 1) * dim),
          stale: r.vectorsOf !== "search_text",
          none: none.has(i),
          sources: [...(earlier?.sources ?? []), r.sourceIdentifiers[i]],
        });
      }
    }
    // a row going where another table's row still is waits until that row is replaced (swapped identifiers)
    const candidates = [...byId.values()];
    const sources = new Set(candidates.flatMap((e) => e.sources));
    this.held = candidates.filter((e) => this.occupied(e.row.identifier, sources));
    const waiting = new Set(this.held);
    await this.write(candidates.filter((e) => !waiting.has(e)));
    this.failureLog?.record(
      results.flatMap((r) => r.parseFailures),
      results.flatMap((r) => r.parsedOk),
    );
  }

  /**
   * At the end: the held rows whose identifiers hold rows that are themselves being written now (two tables
   * that swapped identifiers) are committed together, in one commit, so that neither is ever lost; the
   * others stay pending (their rows untouched) for a later run.
   */
  private async releaseHeld(): Promise<void> {
    let group = this.held;
    for (;;) {
      const sources = new Set(group.flatMap((e) => e.sources));
      const next = group.filter((e) => !this.occupied(e.row.identifier, sources));
      if (next.length === group.length) break;
      group = next;
    }
    const going = new Set(group);
    const left = this.held.filter((e) => !going.has(e));
    this.held = [];
    await this.write(group);
    this.counts.leftPending += left.length;
    for (const e of left) this.options.progress.warn(`${e.row.identifier} was not written: that identifier still holds another table's row, which this run did not migrate (left pending; re-run once that table is migrated)`);
  }
}

/** Identifiers of `table` that are not their row's canonical identifier (or whose canonical one is not known). */
async function nonCanonicalIdentifiers(table: lancedb.Table): Promise<IdentifierSet> {
  const out = new IdentifierSet();
  for await (const batch of scanBatches(table, { columns: ["identifier", "catalog_name", "database_name", "schema_name", "table_name"] })) {
    for (const identifier of nonCanonicalIdentifiersOf(batch)) out.add(identifier);
  }
  return out;
}
