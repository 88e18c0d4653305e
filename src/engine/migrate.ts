/**
 * `migrate`: upgrade a store's schema_metadata from v0 to v1, safely and resumably.
 *
 * Safety model:
 * - Before the first write the table version is recorded (state file + a Lance tag that protects it from
 *   cleanup) and, unless --skip-backup, the store directory is copied. `rollback` returns to that version.
 * - A v0-shaped table first gets the v1 columns in place (schema evolution, one commit, no row rewritten:
 *   reshape.ts), so every row is still v0 content (no metadata_version yet, its old vector kept): no row is
 *   dropped, no reader sees a partial table, and an interrupted step is finished by the next run.
 * - Each row then becomes v1 through merge-insert on `identifier`. Work left = rows whose version is not 1,
 *   so a killed run resumes where it stopped and a finished run has nothing left to do.
 */
import type * as lancedb from "@lancedb/lancedb";
import { DatusError } from "../errors.js";
import { type Dialect, SOURCE_COLUMNS, type SourceTable } from "../model.js";
import { catalogBatchOf, STORED_FIELD_COLUMNS, sourceTablesOf } from "../store/arrow-rows.js";
import { readDatusCfg, writeDatusCfg } from "../store/datus-cfg.js";
import { readEmbeddingFunctions } from "../store/embedding-functions.js";
import { readEmbeddingFailures, type ReshapeRecord, readState, writeQueryLogRecord, writeState } from "../store/migration-state.js";
import { migrationState, scanBatches, SchemaStore } from "../store/schema-store.js";
import { SCHEMA_TABLE } from "../store/schemas.js";
import { refuseUnreadableSource } from "../store/source-check.js";
import { staleVectors } from "../store/vector-state.js";
import { loadTagDictionary } from "../enrich/tag-dictionary.js";
import type { LlmDdlParser } from "../llm/llm-ddl-parser.js";
import { mineQueryLog, type QueryLogCounts } from "./query-log-mining.js";
import { PENDING_FILTER, recordBeforeFirstWrite, sameMetadata, v1Metadata, writtenVectors } from "./run-record.js";
import { indexCatalog, inferCatalog } from "./catalog-pass.js";
import { catalogRows } from "./catalog-text.js";
import { type EmbeddingPlan, refuseMismatch, vectorMismatches, vectorSourceFor } from "./embedding-plan.js";
import { buildSearchIndexes, type IndexPolicy } from "./search-indexes.js";
import { type LlmRecoveryCounts, llmRecoveryStage, noLlmRecovery } from "./llm-recovery.js";
import { type IdentifierChanges, identifierChangeStage, noIdentifierChanges } from "./identifier-changes.js";
import { createEnrichPool, inBatches, type PipelineCounts, type ResultStage, runPipeline, type StatisticsSource } from "./pipeline.js";
import { finishReshape, legacyReshape, startReshape } from "./reshape.js";
import { relationshipStage, type SharedRelationships } from "./relationship-stage.js";
import { TableGuard } from "./table-guard.js";
import type { Progress } from "./progress.js";
import { type Shard, shardFilter } from "./shard.js";
import { keptVectors } from "./vector-source.js";

export interface MigrateOptions {
  readonly storePath: string;
  /** The namespace's dialect; `unknown` sniffs each DDL (orphan stores opened with --db-path). */
  readonly dialect: Dialect;
  readonly extractRelationships: boolean;
  readonly statistics?: StatisticsSource;
  readonly force: boolean;
  readonly dryRun: boolean;
  readonly skipBackup: boolean;
  /** v1 backups kept (`--keep-backups`, default {@link DEFAULT_KEEP_BACKUPS}); v0 backups are never removed. */
  readonly keepBackups?: number;
  readonly workers: number;
  readonly shard?: Shard;
  /** The embedding model (or --keep-vectors). */
  readonly embedding: EmbeddingPlan;
  /** Vector and full-text indexes after the run; absent: none are built. */
  readonly indexes?: IndexPolicy;
  readonly batchRows?: number;
  readonly writeRows?: number;
  /** business_terms.yml text (tag dictionary), when the config directory has one. */
  readonly tagTermsYaml?: string;
  /** SQL file, directory or JSONL whose JOINs become relationships (`--query-log`). */
  readonly queryLog?: string;
  /** Asked for the structure of DDL no parser reads (`--llm-fallback`). */
  readonly llm?: LlmDdlParser;
  /** How long one table may hold a worker (for a DDL up to 1 MiB); default DATUS_SCHEMA_TABLE_TIMEOUT or 30 s. */
  readonly tableTimeoutMs?: number;
  /** The worker module of the pool (tests give one that crashes on purpose); default workers/enrich-worker.js. */
  readonly enrichWorker?: string;
  readonly signal?: AbortSignal;
  readonly progress: Progress;
}

export interface MigrateOutcome {
  readonly status: "migrated" | "nothing-to-do" | "interrupted" | "dry-run";
  readonly storePath: string;
  /** Tables this run had to do (after resume filtering and sharding). */
  readonly todo: number;
  readonly counts?: PipelineCounts;
  readonly llm?: LlmRecoveryCounts;
  readonly queryLog?: QueryLogCounts;
  /** Rows whose v1 identifier differs from the stored one. */
  readonly identifiers?: IdentifierChanges;
  readonly backupPath?: string;
  /** `backupPath` was taken by this run (not by an earlier one): a later step of the same run needs no other. */
  readonly backupTakenNow?: boolean;
  readonly preMigrationVersion?: number;
  readonly resumed: boolean;
  readonly totalRows: number;
  /** Indexes built after the run. */
  readonly indexesBuilt?: readonly string[];
  /** Rows of the v0 table that repeated an identifier (the first of each was kept), counted by the run that re-shaped it. */
  readonly duplicateRows?: number;
}

export async function migrate(options: MigrateOptions): Promise<MigrateOutcome> {
  const { progress, embedding } = options;
  const store = await SchemaStore.open(options.storePath, { create: false });
  const summary = await store.summary();
  if (summary.shape === "missing") {
    throw new DatusError(
      "empty",
      `no ${SCHEMA_TABLE} table in ${options.storePath}: nothing to migrate`,
      "check --namespace / --db-path (a namespace's store is {base_path}/datus_db_{namespace}), or build one from the live database with --import-schemas",
    );
  }
  await refuseUnreadableSource(await store.schemaTable(), options.storePath);
  const guard = new TableGuard(options.tableTimeoutMs);
  const storedMetadata = (await (await store.schemaTable()).schema()).metadata;
  const state = readState(options.storePath);
  const keep = embedding.vectors.kind === "keep";
  const mismatches = keep
    ? []
    : vectorMismatches(
        { dim: summary.dim, cfg: readDatusCfg(options.storePath), functions: readEmbeddingFunctions(storedMetadata), written: writtenVectors(state, summary) },
        embedding.identity,
      );
  if (mismatches.length > 0 && !options.force) refuseMismatch(mismatches, embedding.identity, "migrate");
  const reembedAll = mismatches.length > 0;
  if (reembedAll) progress.warn(`--force: every row is re-embedded with ${embedding.description} (${mismatches.join("; ")})`);
  const dim = keep ? (summary.dim ?? embedding.identity.dimSize) : embedding.identity.dimSize;
  const metadata = v1Metadata(storedMetadata, embedding, reembedAll);
  const rebuildV1 = summary.shape === "v1" && (summary.dim !== dim || !sameMetadata(storedMetadata, metadata));

  const resumed = state !== undefined && state.phase !== "done";
  const scanFilter = summary.shape === "v0" || options.force ? undefined : PENDING_FILTER;
  const todoTotal = summary.shape === "v0" || options.force ? summary.rows : summary.rows - summary.v1Rows;
  progress.log(`store ${options.storePath}: ${migrationState(summary)}, ${summary.rows} rows (${summary.v1Rows} v1), vector dim ${summary.dim ?? "none"}`);
  progress.log(keep ? "vectors: kept as they are (--keep-vectors)" : `vectors: ${embedding.description}`);

  if (options.dryRun) {
    const table = await store.schemaTable();
    const todo = options.shard ? await countShard(table, scanFilter, options.shard) : todoTotal;
    if (rebuildV1) progress.log(`dry run: would rebuild the table (${summary.dim !== dim ? `vectors ${summary.dim ?? "none"} -> ${dim}-d` : "embedding-function entry"})`);
    const { counts, llm, queryLog, identifiers } = await enrichRows(store, table, scanFilter, dim, todo, options, guard, undefined);
    return { status: "dry-run", storePath: options.storePath, todo, counts, llm, queryLog, identifiers, resumed, totalRows: summary.rows };
  }

  if (todoTotal === 0 && !rebuildV1) {
    return { status: "nothing-to-do", storePath: options.storePath, todo: 0, resumed: false, totalRows: summary.rows, preMigrationVersion: state?.preMigrationVersion, backupPath: state?.backupPath };
  }

  let recorded = await recordBeforeFirstWrite(store, summary.shape, state, options);
  if (recorded.phase === "converting") {
    recorded = await finishReshape(store, recorded, recorded.reshape ?? legacyReshape(recorded, dim), progress);
  } else if (summary.shape === "v0" || rebuildV1) {
    const table = await store.schemaTable();
    const record: ReshapeRecord = {
      fromVersion: summary.shape === "v0" ? recorded.preMigrationVersion : await table.version(),
      dim,
      // rows whose vectors are dropped (another dimension) must be embedded again
      pending: summary.shape === "v0" || summary.dim !== dim,
      metadata,
    };
    // shards: another one may rebuild the table between our look at it and our turn to
    recorded = await startReshape(store, recorded, record, progress, summary.version);
  }
  const table = await store.schemaTable();
  // the re-shape keeps the first row of each identifier: the others are in the pre-migration version only
  const duplicateRows = summary.shape === "v0" && !options.shard ? summary.rows - (await table.countRows()) : 0;
  const filter = options.force ? undefined : PENDING_FILTER;
  const todo = options.shard ? await countShard(table, filter, options.shard) : await table.countRows(filter);
  const writtenSince = Math.floor(Date.parse(recorded.startedAt) / 1000);
  const { counts, llm, queryLog, identifiers } = await enrichRows(store, table, filter, dim, todo, options, guard, shardTag(options.shard), writtenSince);
  let indexesBuilt: string[] | undefined;
  if (!counts.interrupted) {
    const done = (await table.countRows(PENDING_FILTER)) === 0;
    const vectors = keep ? { model: recorded.vectors?.model } : { model: embedding.identity };
    writeState(options.storePath, { ...recorded, phase: done ? "done" : "migrating", vectors, updatedAt: new Date().toISOString() });
    if (readDatusCfg(options.storePath) === undefined || reembedAll) writeDatusCfg(options.storePath, embedding.cfgSections);
    if (done && options.indexes) indexesBuilt = await buildSearchIndexes(table, options.indexes, progress);
  }
  return {
    status: counts.interrupted ? "interrupted" : "migrated",
    storePath: options.storePath,
    todo,
    counts,
    llm,
    queryLog,
    identifiers,
    backupPath: recorded.backupPath,
    backupTakenNow: state === undefined && recorded.backupPath !== undefined,
    preMigrationVersion: recorded.preMigrationVersion,
    resumed,
    totalRows: summary.rows,
    duplicateRows,
    indexesBuilt,
  };
}

function shardTag(shard: Shard | undefined): string {
  return shard ? `${shard.index}of${shard.count}` : "all";
}


async function countShard(table: lancedb.Table, filter: string | undefined, shard: Shard): Promise<number> {
  let n = 0;
  for await (const batch of scanBatches(table, { columns: ["identifier", "catalog_name", "database_name", "schema_name", "table_name"], filter })) {
    n += sourceTablesOf(batch).filter(shardFilter(shard)).length;
  }
  return n;
}

async function enrichRows(
  store: SchemaStore,
  table: lancedb.Table,
  filter: string | undefined,
  dim: number,
  todo: number,
  options: MigrateOptions,
  guard: TableGuard,
  shard: string | undefined,
  writtenSince?: number,
): Promise<{ counts: PipelineCounts; llm?: LlmRecoveryCounts; queryLog?: QueryLogCounts; identifiers: IdentifierChanges }> {
  // scan a snapshot: our own commits must not shift the rows under the scan
  const snapshot = await store.snapshot(await table.version());
  const keep = options.embedding.vectors.kind === "keep";
  // --force re-does finished rows: they bring what they know, so a re-migration loses none of it (a v0 table
  // seen by a dry run has no such rows, nor their columns)
  const withStored = filter === undefined && (await snapshot.schema()).fields.some((f) => f.name === "metadata_version");
  const columns = [...SOURCE_COLUMNS, ...(keep ? ["vector"] : []), ...(withStored ? STORED_FIELD_COLUMNS : [])];
  const inShard = options.shard ? shardFilter(options.shard) : () => true;
  // Rows that bring nothing but their source columns stay bytes in shared memory, as in the catalog pass: this
  // thread decodes no DDL, and the workers read it from there, not from a clone (live statistics read rows'
  // fields in a worker, so they get decoded rows).
  const asBytes = !keep && !withStored && options.statistics === undefined;
  async function* sources(): AsyncGenerator<SourceTable[]> {
    for await (const batch of scanBatches(snapshot, { columns, filter })) {
      if (!asBytes) {
        yield sourceTablesOf(batch, keep, withStored).filter(inShard);
        continue;
      }
      yield catalogRows(catalogBatchOf(batch)).filter(inShard);
    }
  }
  const pool = createEnrichPool(options.workers, options.enrichWorker, { liveTasks: options.statistics !== undefined && options.statistics.planOnly === undefined });
  // a dry run never calls a paid embeddings API
  const vectors = options.dryRun && options.embedding.vectors.kind === "remote" ? keptVectors(dim) : vectorSourceFor(options.embedding, pool, dim);
  const identifiers = noIdentifierChanges();
  const stages: ResultStage[] = [identifierChangeStage(identifiers, options.progress)];
  const llm = options.llm ? noLlmRecovery() : undefined;
  let queryLog: QueryLogCounts | undefined;
  let relationships: SharedRelationships | undefined;
  try {
    if (options.llm && llm) stages.push(
        llmRecoveryStage(
          options.llm,
          { vectors, extractRelationships: options.extractRelationships, tagDictionary: options.tagTermsYaml === undefined ? undefined : loadTagDictionary(options.tagTermsYaml) },
          llm,
        ),
      );
    if (options.extractRelationships) {
      const logPath = options.queryLog;
      const mined = logPath !== undefined ? await mineQueryLog(logPath, options.dialect, options.progress) : undefined;
      if (logPath !== undefined && mined) {
        queryLog = mined.counts;
        if (!options.dryRun) writeQueryLogRecord(store.path, { path: logPath, at: new Date().toISOString(), ...mined.counts });
      }
      // the built index is held by no variable of this (long-suspended) frame: once shared, it can go
      const { shared, opened } = await inferCatalog(
        pool,
        await indexCatalog(pool, snapshot, options.dialect, options.workers, options.progress, guard, options.signal),
        mined?.evidence,
        options.workers,
        options.progress,
        options.signal,
      );
      stages.push(relationshipStage(opened));
      relationships = shared;
    }
    options.progress.start(options.dryRun ? "dry run" : "migrating", todo);
    const counts = await runPipeline(pool, inBatches(sources(), options.batchRows ?? 256), {
      dialect: options.dialect,
      vectors,
      staleAtStart: shard === undefined ? undefined : staleVectors(store.path),
      failedAtStart: shard === undefined ? undefined : new Set(readEmbeddingFailures(store.path).map((f) => f.identifier)),
      extractRelationships: options.extractRelationships,
      statistics: options.statistics,
      target: shard === undefined ? undefined : { store, table, shardTag: shard, writtenSince, shared: (options.shard?.count ?? 1) > 1 },
      workers: options.workers,
      signal: options.signal,
      progress: options.progress,
      writeRows: options.writeRows,
      stages,
      tagTermsYaml: options.tagTermsYaml,
      guard,
      relationships,
      // the LLM fallback rewrites rows on this thread; every other stage reads identifiers only
      packRows: options.llm === undefined,
    });
    return { counts, llm, queryLog, identifiers };
  } finally {
    options.progress.finish();
    await pool.destroy();
  }
}

