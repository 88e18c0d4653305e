/**
 * The pipeline's writer: it takes the enriched results, keeps the last row of each identifier, and commits them
 * to schema_metadata in merge-inserts of about `writeRows` rows, one commit at a time while the workers go on.
 * It owns what a commit implies: removing the old (non-canonical) identifiers a row replaces, holding back a row
 * whose identifier still holds another table's row (swapped identifiers), the vector and embedding-failure
 * records, the parse-failure log, the row ledger and the closing row-count check. A commit that fails while
 * nothing awaits it is kept as the writer's error and reported by the pipeline, never as an unhandled rejection.
 */
import type * as lancedb from "@lancedb/lancedb";
import type { RecordBatch, Table } from "apache-arrow";
import type { V1Row } from "../model.js";
import { nonCanonicalIdentifiersOf, ScratchBytes, v1RowsToArrow } from "../store/arrow-rows.js";
import { selectedBatches, tableOfBatches, unpackV1Rows } from "../store/packed-rows.js";
import { v1Schema } from "../store/schemas.js";
import { ParseFailureLog, recordEmbeddingFailures } from "../store/migration-state.js";
import { scanBatches } from "../store/schema-store.js";
import { markVectors } from "../store/vector-state.js";
import { type EnrichResult, identifiersOf, rowCount } from "./enrich-batch.js";
import type { PipelineCounts, PipelineTarget } from "./pipeline.js";
import type { Progress } from "./progress.js";
import { describeRowCheck, IdentifierSet, refuseRowCheck, RowLedger } from "./row-ledger.js";

/** A v1 row on its way to the table, with the source identifiers it replaces. */
interface Entry {
  readonly identifier: string;
  /** The row as an object, with its vector (`none`: written with a null one)... */
  readonly row?: { readonly value: V1Row; readonly vector: Float32Array; readonly none: boolean };
  /** ...or its place in a batch a worker packed. */
  readonly packed?: { readonly table: Table; readonly index: number };
  readonly stale: boolean;
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
  /** The text of the commit being written: LanceDB copies it out before the commit ends, and one commit runs at a time. */
  private readonly scratch = new ScratchBytes();

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
    this.bufferedCount += rowCount(result);
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

  /** The entries as Arrow batches: the object rows converted, the packed ones sliced from their workers' batches. */
  private batchesOf(entries: readonly Entry[]): RecordBatch[] {
    const { dim } = this.options;
    const objects = entries.flatMap((e) => (e.row ? [e.row] : []));
    const vectors = new Float32Array(objects.length * dim);
    objects.forEach((r, i) => vectors.set(r.vector, i * dim));
    const nullRows = new Set(objects.flatMap((r, i) => (r.none ? [i] : [])));
    this.scratch.reset();
    const batches = objects.length > 0 ? [...v1RowsToArrow(objects.map((r) => r.value), vectors, dim, nullRows, this.scratch.take).batches] : [];
    const kept = new Map<Table, number[]>();
    for (const { packed } of entries) {
      if (!packed) continue;
      const rows = kept.get(packed.table);
      if (rows) rows.push(packed.index);
      else kept.set(packed.table, [packed.index]);
    }
    for (const [table, rows] of kept) batches.push(...selectedBatches(table, rows.sort((a, b) => a - b)));
    return batches;
  }

  /** Commit `entries` (distinct identifiers), then remove the old identifiers they replace. */
  private async write(entries: readonly Entry[]): Promise<void> {
    if (entries.length === 0) return;
    const { dim, target } = this.options;
    const identifiers = entries.map((e) => e.identifier);
    const written = new Set(identifiers);
    const sources = entries.flatMap((e) => e.sources);
    // source identifiers that were not canonical: their old rows go, unless a row written in this run holds that identifier now
    const stale = [...new Set(sources)].filter((id) => !written.has(id) && !this.ledger.wrote(id));
    const staleVectors = entries.filter((e) => e.stale).map((e) => e.identifier);
    this.counts.staleVectors += staleVectors.length;
    if (target) {
      const { store, table, shardTag } = target;
      const { staleAtStart, failedAtStart } = this.options;
      // recorded before the write: a kill between the two leaves a row marked stale that is not, never the reverse
      markVectors(store.path, shardTag, staleVectors, true);
      await store.upsert(table, tableOfBatches(v1Schema(dim), this.batchesOf(entries)));
      this.ledger.record(identifiers, sources);
      const refreshed = staleAtStart ? entries.filter((e) => !e.stale && staleAtStart.has(e.identifier)).map((e) => e.identifier) : [];
      markVectors(store.path, shardTag, refreshed, false);
      if (failedAtStart) recordEmbeddingFailures(store.path, shardTag, identifiers.filter((id) => failedAtStart.has(id)).map((identifier) => ({ identifier })));
      // only after the new rows are committed: never drop a v0 row before its v1 row exists
      this.counts.staleIdentifiersRemoved += await store.deleteIdentifiers(table, stale, this.keepOurs);
    }
    this.counts.written += entries.length;
    this.options.progress.advance(entries.length);
  }

  private async flush(): Promise<void> {
    if (this.bufferedCount === 0 && this.held.length === 0) return;
    const { dim } = this.options;
    const results = this.buffered;
    this.buffered = [];
    this.bufferedCount = 0;
    // the last row for an identifier wins; a store may hold one table under several old identifiers
    const byId = new Map<string, Entry>(this.held.map((e) => [e.identifier, e]));
    for (const r of results) {
      const none = new Set(r.withoutVector ?? []);
      const table = r.packed ? unpackV1Rows(r.packed) : undefined;
      const identifiers = identifiersOf(r);
      const stale = r.vectorsOf !== "search_text";
      identifiers.forEach((identifier, i) => {
        const earlier = byId.get(identifier);
        const sources = earlier ? [...earlier.sources, r.sourceIdentifiers[i]] : [r.sourceIdentifiers[i]];
        if (table) byId.set(identifier, { identifier, packed: { table, index: i }, stale, sources });
        else byId.set(identifier, { identifier, row: { value: r.rows[i], vector: r.vectors.subarray(i * dim, (i + 1) * dim), none: none.has(i) }, stale, sources });
      });
    }
    // a row going where another table's row still is waits until that row is replaced (swapped identifiers)
    const candidates = [...byId.values()];
    const sources = new Set(candidates.flatMap((e) => e.sources));
    this.held = candidates.filter((e) => this.occupied(e.identifier, sources));
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
      const next = group.filter((e) => !this.occupied(e.identifier, sources));
      if (next.length === group.length) break;
      group = next;
    }
    const going = new Set(group);
    const left = this.held.filter((e) => !going.has(e));
    this.held = [];
    await this.write(group);
    this.counts.leftPending += left.length;
    for (const e of left) this.options.progress.warn(`${e.identifier} was not written: that identifier still holds another table's row, which this run did not migrate (left pending; re-run once that table is migrated)`);
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
