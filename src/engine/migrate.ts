/**
 * `migrate`: upgrade a store's schema_metadata from v0 to v1, safely and resumably.
 *
 * Safety model:
 * - Before the first write the table version is recorded (state file + a Lance tag that protects it from
 *   cleanup) and, unless --skip-backup, the store directory is copied. `rollback` returns to that version.
 * - A v0-shaped table is first re-shaped to the v1 schema as a new table version in which every row is
 *   still v0 content (`metadata_version = 0`, its old vector kept): no row is dropped, and the re-shape is
 *   redone from the recorded version if it is interrupted.
 * - Each row then becomes v1 through merge-insert on `identifier`. Work left = rows whose version is not 1,
 *   so a killed run resumes where it stopped and a finished run has nothing left to do.
 */
import type * as lancedb from "@lancedb/lancedb";
import type { RecordBatch } from "apache-arrow";
import { Table as ArrowTable } from "apache-arrow";
import { DatusError } from "../errors.js";
import type { Dialect, SourceTable } from "../model.js";
import { V0_COLUMNS } from "../model.js";
import { sourceTablesOf, v0BatchAsPendingV1 } from "../store/arrow-rows.js";
import { backupStore } from "../store/backup.js";
import {
  type MigrationState,
  PRE_MIGRATION_TAG,
  readState,
  tryLock,
  writeState,
} from "../store/migration-state.js";
import { migrationState, scanBatches, SchemaStore } from "../store/schema-store.js";
import { SCHEMA_TABLE, v1Schema } from "../store/schemas.js";
import { loadTagDictionary } from "../enrich/tag-dictionary.js";
import type { LlmDdlParser } from "../llm/llm-ddl-parser.js";
import { JoinEvidence, readQueryLog } from "../relationships/query-log.js";
import { indexCatalog } from "./catalog-pass.js";
import { type LlmRecoveryCounts, llmRecoveryStage } from "./llm-recovery.js";
import { createEnrichPool, inBatches, type PipelineCounts, type ResultStage, runPipeline, type StatisticsSource } from "./pipeline.js";
import { relationshipStage } from "./relationship-stage.js";
import type { Progress } from "./progress.js";
import { type Shard, shardFilter } from "./shard.js";

export interface MigrateOptions {
  readonly storePath: string;
  /** The namespace's dialect; `unknown` sniffs each DDL (orphan stores opened with --db-path). */
  readonly dialect: Dialect;
  readonly extractRelationships: boolean;
  readonly statistics?: StatisticsSource;
  readonly force: boolean;
  readonly dryRun: boolean;
  readonly skipBackup: boolean;
  readonly workers: number;
  readonly shard?: Shard;
  /** Vector dimension for a store whose table has no vector column. */
  readonly defaultDim: number;
  readonly batchRows?: number;
  readonly writeRows?: number;
  /** business_terms.yml text (tag dictionary), when the config directory has one. */
  readonly tagTermsYaml?: string;
  /** SQL file, directory or JSONL whose JOINs become relationships (`--query-log`). */
  readonly queryLog?: string;
  /** Asked for the structure of DDL no parser reads (`--llm-fallback`). */
  readonly llm?: LlmDdlParser;
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
  readonly queryLog?: { readonly queries: number; readonly failed: number };
  readonly backupPath?: string;
  readonly preMigrationVersion?: number;
  readonly resumed: boolean;
  readonly totalRows: number;
}

const PENDING_FILTER = "metadata_version IS NULL OR metadata_version <> 1";
const CONVERT_CHUNK_ROWS = 16_384;

export async function migrate(options: MigrateOptions): Promise<MigrateOutcome> {
  const { progress } = options;
  const store = await SchemaStore.open(options.storePath, { create: false });
  const summary = await store.summary();
  if (summary.shape === "missing") {
    throw new DatusError(
      "empty",
      `no ${SCHEMA_TABLE} table in ${options.storePath}: nothing to migrate`,
      "check --namespace / --db-path (a namespace's store is {base_path}/datus_db_{namespace}), or build one from the live database with --import-schemas",
    );
  }
  const dim = summary.dim ?? options.defaultDim;
  const state = readState(options.storePath);
  const resumed = state !== undefined && state.phase !== "done";
  const scanFilter = summary.shape === "v0" || options.force ? undefined : PENDING_FILTER;
  const todoTotal = summary.shape === "v0" || options.force ? summary.rows : summary.rows - summary.v1Rows;
  progress.log(`store ${options.storePath}: ${migrationState(summary)}, ${summary.rows} rows (${summary.v1Rows} v1), vector dim ${dim}`);

  if (options.dryRun) {
    const table = await store.schemaTable();
    const todo = options.shard ? await countShard(table, scanFilter, options.shard) : todoTotal;
    const { counts, llm, queryLog } = await enrichRows(store, table, scanFilter, dim, todo, options, undefined);
    return { status: "dry-run", storePath: options.storePath, todo, counts, llm, queryLog, resumed, totalRows: summary.rows };
  }

  if (todoTotal === 0) {
    return { status: "nothing-to-do", storePath: options.storePath, todo: 0, resumed: false, totalRows: summary.rows, preMigrationVersion: state?.preMigrationVersion, backupPath: state?.backupPath };
  }

  const recorded = await recordBeforeFirstWrite(store, summary.shape, state, options);
  if (summary.shape === "v0" || recorded.phase === "converting") {
    await convertToV1Shape(store, recorded, dim, options);
  }
  const table = await store.schemaTable();
  const filter = options.force ? undefined : PENDING_FILTER;
  const todo = options.shard ? await countShard(table, filter, options.shard) : await table.countRows(filter);
  const { counts, llm, queryLog } = await enrichRows(store, table, filter, dim, todo, options, shardTag(options.shard));
  if (!counts.interrupted && (await table.countRows(PENDING_FILTER)) === 0) {
    writeState(options.storePath, { ...recorded, phase: "done", updatedAt: new Date().toISOString() });
  }
  return {
    status: counts.interrupted ? "interrupted" : "migrated",
    storePath: options.storePath,
    todo,
    counts,
    llm,
    queryLog,
    backupPath: recorded.backupPath,
    preMigrationVersion: recorded.preMigrationVersion,
    resumed,
    totalRows: summary.rows,
  };
}

function shardTag(shard: Shard | undefined): string {
  return shard ? `${shard.index}of${shard.count}` : "all";
}

/**
 * The first write of a migration records where to roll back to, tags that version, and backs the store up.
 * Later runs (resume, --force) keep the first record: rollback always means "as before datus-schema".
 */
export async function recordBeforeFirstWrite(
  store: SchemaStore,
  shape: "v0" | "v1",
  state: MigrationState | undefined,
  options: Pick<MigrateOptions, "skipBackup" | "progress">,
): Promise<MigrationState> {
  if (state) {
    if (state.phase !== "done") options.progress.log(`resuming the migration started ${state.startedAt}`, { backup: state.backupPath ?? "none" });
    return state.phase === "done" ? { ...state, phase: "migrating", updatedAt: new Date().toISOString() } : state;
  }
  const release = tryLock(store.path, "record");
  if (!release) {
    // another shard is recording; wait for its record
    return await waitFor(() => readState(store.path), "another process to record the pre-migration state");
  }
  try {
    const again = readState(store.path);
    if (again) return again;
    const table = await store.schemaTable();
    const version = await table.version();
    let backupPath: string | undefined;
    if (!options.skipBackup) {
      options.progress.log(`backing up ${store.path}`);
      backupPath = await backupStore(store.path);
      options.progress.log(`backup written: ${backupPath}`);
    }
    const tags = await table.tags();
    const existing = await tags.list();
    if (PRE_MIGRATION_TAG in existing) await tags.update(PRE_MIGRATION_TAG, version);
    else await tags.create(PRE_MIGRATION_TAG, version);
    const now = new Date().toISOString();
    const recorded: MigrationState = {
      tool: "datus-schema",
      preMigrationVersion: version,
      preMigrationShape: shape,
      backupPath,
      phase: shape === "v0" ? "converting" : "migrating",
      startedAt: now,
      updatedAt: now,
    };
    writeState(store.path, recorded);
    return recorded;
  } finally {
    release();
  }
}

async function waitFor<T>(probe: () => T | undefined, what: string, timeoutMs = 30 * 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new DatusError("failed", `gave up waiting for ${what}`, "check for a stuck datus-schema process on this store");
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Re-shape the table to the v1 schema: a new version holding every v0 row as a pending row (version 0).
 * Always rebuilt from the recorded pre-migration version, so an interrupted re-shape is simply redone.
 */
export async function convertToV1Shape(store: SchemaStore, state: MigrationState, dim: number, options: Pick<MigrateOptions, "progress">): Promise<void> {
  const release = tryLock(store.path, "convert");
  if (!release) {
    options.progress.log("waiting for another process to re-shape the table to v1");
    await waitFor(() => (readState(store.path)?.phase === "converting" ? undefined : true), "the v1 re-shape");
    return;
  }
  try {
    const current = readState(store.path);
    if (current && current.phase !== "converting") return;
    const source = await store.snapshot(state.preMigrationVersion);
    const total = await source.countRows();
    options.progress.start("re-shaping to v1", total);
    const seen = new Set<string>();
    let duplicates = 0;
    let pending: ArrowTable[] = [];
    let pendingRows = 0;
    let created = false;
    const write = async () => {
      if (!pending.length && created) return;
      const data = pending.length ? new ArrowTable(pending.flatMap((t) => t.batches)) : undefined;
      if (!created) {
        if (data) await store.db.createTable(SCHEMA_TABLE, data, { mode: "overwrite" });
        else await store.db.createEmptyTable(SCHEMA_TABLE, v1Schema(dim), { mode: "overwrite" });
        created = true;
      } else if (data) {
        const table = await store.schemaTable();
        await table.add(data);
      }
      options.progress.advance(pendingRows);
      pending = [];
      pendingRows = 0;
    };
    const columns = (await source.schema()).fields.map((f) => f.name).filter((n) => (V0_COLUMNS as readonly string[]).includes(n));
    for await (const batch of scanBatches(source, { columns })) {
      const keep = firstOccurrences(batch, seen);
      const kept = keep ? keep.length : batch.numRows;
      duplicates += batch.numRows - kept;
      if (kept === 0) continue;
      pending.push(v0BatchAsPendingV1(batch, dim, keep));
      pendingRows += kept;
      if (pendingRows >= CONVERT_CHUNK_ROWS) await write();
    }
    await write();
    options.progress.finish();
    if (duplicates) options.progress.warn(`${duplicates} v0 rows repeated an identifier already seen; the first of each was kept (the others stay in the pre-migration version)`);
    writeState(store.path, { ...state, phase: "migrating", updatedAt: new Date().toISOString() });
  } finally {
    release();
  }
}

/** Row indices of `batch` whose identifier was not seen before (all of them, as undefined, in the usual case). */
function firstOccurrences(batch: RecordBatch, seen: Set<string>): number[] | undefined {
  const ids = batch.getChild("identifier");
  const keep: number[] = [];
  for (let i = 0; i < batch.numRows; i++) {
    const id = String(ids?.get(i) ?? "");
    if (seen.has(id)) continue;
    seen.add(id);
    keep.push(i);
  }
  return keep.length === batch.numRows ? undefined : keep;
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
  shard: string | undefined,
): Promise<{ counts: PipelineCounts; llm?: LlmRecoveryCounts; queryLog?: { queries: number; failed: number } }> {
  // scan a snapshot: our own commits must not shift the rows under the scan
  const snapshot = await store.snapshot(await table.version());
  const columns = ["identifier", "catalog_name", "database_name", "schema_name", "table_name", "table_type", "definition"];
  const inShard = options.shard ? shardFilter(options.shard) : () => true;
  async function* sources(): AsyncGenerator<SourceTable[]> {
    for await (const batch of scanBatches(snapshot, { columns, filter })) yield sourceTablesOf(batch).filter(inShard);
  }
  const pool = createEnrichPool(options.workers);
  const stages: ResultStage[] = [];
  const llm = options.llm ? { recovered: 0, unrecovered: 0 } : undefined;
  let queryLog: { queries: number; failed: number } | undefined;
  try {
    if (options.llm && llm) stages.push(
        llmRecoveryStage(
          options.llm,
          { dim, extractRelationships: options.extractRelationships, tagDictionary: options.tagTermsYaml === undefined ? undefined : loadTagDictionary(options.tagTermsYaml) },
          llm,
        ),
      );
    if (options.extractRelationships) {
      const index = await indexCatalog(pool, snapshot, options.dialect, options.workers, options.progress, options.signal);
      const evidence = options.queryLog ? await mineQueryLog(options.queryLog, options.dialect, options.progress) : undefined;
      if (evidence) queryLog = { queries: evidence.queries, failed: evidence.failed };
      stages.push(relationshipStage(index, evidence));
    }
    options.progress.start(options.dryRun ? "dry run" : "migrating", todo);
    const counts = await runPipeline(pool, inBatches(sources(), options.batchRows ?? 256), {
      dialect: options.dialect,
      dim,
      extractRelationships: options.extractRelationships,
      statistics: options.statistics,
      target: shard === undefined ? undefined : { store, table, shardTag: shard },
      workers: options.workers,
      signal: options.signal,
      progress: options.progress,
      writeRows: options.writeRows,
      stages,
      tagTermsYaml: options.tagTermsYaml,
    });
    return { counts, llm, queryLog };
  } finally {
    options.progress.finish();
    await pool.destroy();
  }
}

/** Read a query log and count the column equalities of its JOINs. */
export async function mineQueryLog(path: string, dialect: Dialect, progress: Progress): Promise<JoinEvidence> {
  const evidence = new JoinEvidence();
  for await (const sql of readQueryLog(path)) evidence.addQuery(sql, dialect === "unknown" ? "mysql" : dialect);
  progress.log(`query log ${path}: ${evidence.queries} queries read, ${evidence.failed} not parsed`);
  return evidence;
}
