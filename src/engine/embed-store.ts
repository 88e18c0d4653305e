/**
 * `datus-schema embed`: bring a v1 store's vectors up to date with the configured model. Re-embeds the
 * rows whose vector is stale (migrated with --keep-vectors, embedding failed, no vector at all), or every
 * row with --all (a store moved to another model). Resumable: a row counts as done only once its new
 * vector is committed (vector-state.ts), so a killed run re-embeds just the rest.
 * Only `search_text` (cut to what the model reads) and `vector` change; every other v1 field is written
 * back as it was.
 */
import type * as lancedb from "@lancedb/lancedb";
import { type RecordBatch, Table as ArrowTable } from "apache-arrow";
import { DatusError, usageError } from "../errors.js";
import { readDatusCfg, writeDatusCfg } from "../store/datus-cfg.js";
import { readEmbeddingFunctions } from "../store/embedding-functions.js";
import { readEmbeddingFailures, readState, recordEmbeddingFailures, writeState } from "../store/migration-state.js";
import { scanBatches, SchemaStore, withCommitRetries } from "../store/schema-store.js";
import { SCHEMA_TABLE, v1Schema } from "../store/schemas.js";
import { asV1Batch, withNewVectors } from "../store/arrow-rows.js";
import { V1_COLUMNS } from "../model.js";
import { markVectors, staleVectors } from "../store/vector-state.js";
import type { EmbeddedTexts, EmbedTextsTask } from "./embed-batch.js";
import { type EmbeddingPlan, refuseMismatch, vectorMismatches } from "./embedding-plan.js";
import { recordBeforeFirstWrite, sameMetadata, v1Metadata, writtenVectors } from "./run-record.js";
import { createEnrichPool } from "./pipeline.js";
import type { Progress } from "./progress.js";
import { finishReshape, legacyReshape, startReshape } from "./reshape.js";
import { buildSearchIndexes, type IndexPolicy } from "./search-indexes.js";
import { runTask } from "./worker-tasks.js";
import { BoundedScheduler } from "./bounded-scheduler.js";

export interface EmbedOptions {
  readonly storePath: string;
  /** Re-embed every row (required when the store's vectors are of another model). */
  readonly all: boolean;
  readonly embedding: EmbeddingPlan;
  readonly workers: number;
  readonly skipBackup: boolean;
  readonly indexes?: IndexPolicy;
  readonly signal?: AbortSignal;
  readonly progress: Progress;
  /** Texts per worker task. */
  readonly batchRows?: number;
  /** Rows per commit. */
  readonly writeRows?: number;
}

export interface EmbedOutcome {
  readonly status: "embedded" | "nothing-to-do" | "interrupted";
  readonly storePath: string;
  /** Rows this run had to embed. */
  readonly todo: number;
  readonly embedded: number;
  readonly failed: readonly { readonly identifier: string; readonly error: string }[];
  readonly failedCount: number;
  /** Rows still v0 (not migrated): `migrate` embeds them. */
  readonly notMigrated: number;
  readonly backupPath?: string;
  readonly indexesBuilt?: readonly string[];
}

const FAILURES_KEPT = 200;


/** The rows to re-embed: identifiers recorded stale, and v1 rows without a vector. */
async function targets(table: lancedb.Table, storePath: string): Promise<Set<string>> {
  const out = staleVectors(storePath);
  for await (const batch of scanBatches(table, { columns: ["identifier"], filter: "metadata_version = 1 AND vector IS NULL" })) {
    const ids = batch.getChild("identifier");
    for (let i = 0; i < batch.numRows; i++) out.add(String(ids?.get(i) ?? ""));
  }
  return out;
}

export async function embedStore(options: EmbedOptions): Promise<EmbedOutcome> {
  const { progress, embedding } = options;
  if (embedding.vectors.kind === "keep") throw new Error("embed needs a model, not --keep-vectors");
  const store = await SchemaStore.open(options.storePath, { create: false });
  const summary = await store.summary();
  if (summary.shape === "missing") {
    throw new DatusError("empty", `no ${SCHEMA_TABLE} table in ${options.storePath}: nothing to embed`, "check --namespace / --db-path");
  }
  if (summary.shape === "v0") {
    throw usageError(`${SCHEMA_TABLE} in ${options.storePath} is still v0: there is no search_text to embed yet`, "run `datus-schema migrate` first (it embeds as it migrates)");
  }
  const state = readState(options.storePath);
  const storedMetadata = (await (await store.schemaTable()).schema()).metadata;
  const mismatches = vectorMismatches(
    { dim: summary.dim, cfg: readDatusCfg(options.storePath), functions: readEmbeddingFunctions(storedMetadata), written: writtenVectors(state, summary) },
    embedding.identity,
  );
  if (mismatches.length > 0 && !options.all) refuseMismatch(mismatches, embedding.identity, "embed");
  const reembedAll = mismatches.length > 0;
  const dim = embedding.identity.dimSize;
  const metadata = v1Metadata(storedMetadata, embedding, reembedAll);
  const rebuild = summary.dim !== dim || !sameMetadata(storedMetadata, metadata);
  const notMigrated = summary.rows - summary.v1Rows;
  if (notMigrated > 0) progress.warn(`${notMigrated} rows are not migrated yet: \`datus-schema migrate\` embeds them`);

  let table = await store.schemaTable();
  const stale = await targets(table, options.storePath);
  if (!options.all && !rebuild && stale.size === 0) {
    return { status: "nothing-to-do", storePath: options.storePath, todo: 0, embedded: 0, failed: [], failedCount: 0, notMigrated };
  }

  let recorded = await recordBeforeFirstWrite(store, "v1", state, options);
  if (recorded.phase === "converting") recorded = await finishReshape(store, recorded, recorded.reshape ?? legacyReshape(recorded, dim), progress);
  if (rebuild) {
    recorded = await startReshape(store, recorded, { fromVersion: await table.version(), dim, pending: false, metadata }, progress);
  }
  table = await store.schemaTable();
  const snapshot = await store.snapshot(await table.version());
  // every row first recorded stale: a killed --all run resumes with what is left, without --all
  const wanted = options.all || rebuild ? undefined : stale;
  if (!wanted) {
    for await (const batch of scanBatches(snapshot, { columns: ["identifier"], filter: "metadata_version = 1" })) {
      const ids = batch.getChild("identifier");
      markVectors(options.storePath, "embed", Array.from({ length: batch.numRows }, (_, i) => String(ids?.get(i) ?? "")), true);
    }
  }
  const todo = wanted ? await countWanted(snapshot, wanted) : summary.v1Rows;
  progress.log(`embedding ${todo} rows with ${embedding.description}`);

  const failedBefore = new Set(readEmbeddingFailures(options.storePath).map((f) => f.identifier));
  const pool = embedding.vectors.kind === "local" ? createEnrichPool(options.workers) : undefined;
  const batchRows = options.batchRows ?? 256;
  const writeRows = options.writeRows ?? 2000;
  const scheduler = BoundedScheduler.forWorkers(options.workers);
  const failed: { identifier: string; error: string }[] = [];
  let failedCount = 0;
  let embedded = 0;
  let buffered: ArrowTable[] = [];
  let bufferedRows = 0;

  const schema = v1Schema(dim, (await table.schema()).metadata);

  /** Embed the search_text of some rows (`rows`: the rows themselves, all v1 columns) and buffer them for the writer. */
  async function embedChunk(rows: ArrowTable, ids: string[], texts: string[]): Promise<void> {
    if (embedding.vectors.kind === "local" && pool) {
      const task: EmbedTextsTask = { spec: embedding.vectors.spec, texts, fit: true };
      const out: EmbeddedTexts = await runTask(pool, "embed", task);
      buffered.push(withNewVectors(rows, out.texts ?? texts, out.vectors, dim));
      bufferedRows += ids.length;
      return;
    }
    if (embedding.vectors.kind !== "remote") return;
    const out = await embedding.vectors.embedder.embedMany(texts);
    for (const f of out.failed) {
      failedCount++;
      if (failed.length < FAILURES_KEPT) failed.push({ identifier: ids[f.index], error: f.error });
    }
    recordEmbeddingFailures(options.storePath, "embed", out.failed.map((f) => ({ identifier: ids[f.index], error: f.error })));
    const bad = new Set(out.failed.map((f) => f.index));
    const keep = ids.map((_, i) => i).filter((i) => !bad.has(i));
    if (keep.length === 0) return;
    const vectors = new Float32Array(keep.length * dim);
    keep.forEach((from, to) => vectors.set(out.vectors.subarray(from * dim, (from + 1) * dim), to * dim));
    const kept = keep.length === ids.length ? rows : asV1Batch(rows.batches[0], schema, { pending: false, keep });
    buffered.push(withNewVectors(kept, keep.map((i) => texts[i]), vectors, dim));
    bufferedRows += keep.length;
  }

  async function flush(): Promise<void> {
    if (bufferedRows === 0) return;
    const chunks = buffered;
    buffered = [];
    bufferedRows = 0;
    const data = new ArrowTable(chunks.flatMap((c) => c.batches));
    const idColumn = data.getChild("identifier");
    const ids = Array.from({ length: data.numRows }, (_, i) => String(idColumn?.get(i) ?? ""));
    await withCommitRetries(`update vectors in ${SCHEMA_TABLE}`, () => table.mergeInsert("identifier").whenMatchedUpdateAll().execute(data));
    // only after the commit: a kill before it leaves these rows stale, to be re-embedded
    markVectors(options.storePath, "embed", ids, false);
    recordEmbeddingFailures(options.storePath, "embed", ids.filter((id) => failedBefore.has(id)).map((identifier) => ({ identifier })));
    embedded += ids.length;
    progress.advance(ids.length);
  }

  progress.start("embedding", todo);
  try {
    let ids: string[] = [];
    let texts: string[] = [];
    let picked: number[] = [];
    // a chunk never spans two scanned batches: its rows are one record batch
    const dispatch = async (batch: RecordBatch) => {
      const chunkIds = ids;
      const chunkTexts = texts;
      const rows = asV1Batch(batch, schema, { pending: false, keep: picked });
      ids = [];
      texts = [];
      picked = [];
      await scheduler.start(() => embedChunk(rows, chunkIds, chunkTexts));
      if (bufferedRows >= writeRows) await flush();
    };
    const columns = V1_COLUMNS.filter((c) => c !== "vector");
    scan: for await (const batch of scanBatches(snapshot, { columns: [...columns], filter: "metadata_version = 1" })) {
      const idCol = batch.getChild("identifier");
      const textCol = batch.getChild("search_text");
      for (let i = 0; i < batch.numRows; i++) {
        if (options.signal?.aborted || scheduler.stopped) break scan;
        const id = String(idCol?.get(i) ?? "");
        if (wanted && !wanted.has(id)) continue;
        ids.push(id);
        texts.push(String(textCol?.get(i) ?? ""));
        picked.push(i);
        if (ids.length >= batchRows) await dispatch(batch);
      }
      if (ids.length > 0) await dispatch(batch);
    }
    await scheduler.settle();
    await flush();
  } finally {
    progress.finish();
    await pool?.destroy();
  }
  await scheduler.drain();
  const interrupted = options.signal?.aborted ?? false;
  let indexesBuilt: string[] | undefined;
  if (!interrupted) {
    const left = failedCount > 0 || (await targets(table, options.storePath)).size > 0;
    writeState(options.storePath, { ...recorded, vectors: { model: left && !reembedAll ? recorded.vectors?.model : embedding.identity }, updatedAt: new Date().toISOString() });
    if (readDatusCfg(options.storePath) === undefined || reembedAll) writeDatusCfg(options.storePath, embedding.cfgSections);
    if (options.indexes && !left) indexesBuilt = await buildSearchIndexes(table, options.indexes, progress);
  }
  return {
    status: interrupted ? "interrupted" : "embedded",
    storePath: options.storePath,
    todo,
    embedded,
    failed,
    failedCount,
    notMigrated,
    backupPath: recorded.backupPath,
    indexesBuilt,
  };
}

async function countWanted(table: lancedb.Table, wanted: ReadonlySet<string>): Promise<number> {
  let n = 0;
  for await (const batch of scanBatches(table, { columns: ["identifier"], filter: "metadata_version = 1" })) {
    const ids = batch.getChild("identifier");
    for (let i = 0; i < batch.numRows; i++) if (wanted.has(String(ids?.get(i) ?? ""))) n++;
  }
  return n;
}
