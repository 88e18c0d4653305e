/**
 * Build or refresh v1 rows straight from a live database (`migrate --import-schemas`, `bootstrap`).
 * The catalog (comments, columns, keys) is the primary source; the engine's DDL text is kept as
 * `definition` and fills what the catalog lacks. Rows are upserted on the canonical identifier.
 */
import { type LiveNamespace, type LiveSource, type LiveTable, profileRule, type StatisticsOptions } from "../dialects/live-source.js";
import { LiveWork } from "./live-work.js";
import type { CheckCounts } from "../relationships/verify-with-data.js";
import { dataCheckStage } from "./data-check-stage.js";
import type { SourceTable, StoredFields, TableStructure } from "../model.js";
import { STORED_FIELD_COLUMNS, storedFieldsOf } from "../store/arrow-rows.js";
import { backupStore } from "../store/backup.js";
import { readDatusCfg, writeDatusCfg } from "../store/datus-cfg.js";
import { readEmbeddingFunctions } from "../store/embedding-functions.js";
import { readEmbeddingFailures, readState, writeQueryLogRecord, writeState } from "../store/migration-state.js";
import { scanBatches, SchemaStore, sqlString, vectorsOf } from "../store/schema-store.js";
import { SCHEMA_TABLE, v1Schema } from "../store/schemas.js";
import { refuseUnreadableSource } from "../store/source-check.js";
import { staleVectors } from "../store/vector-state.js";
import { CatalogIndex, summarize } from "../relationships/catalog-index.js";
import { type EmbeddingPlan, refuseMismatch, vectorMismatches, vectorSourceFor } from "./embedding-plan.js";
import { mineQueryLog } from "./query-log-mining.js";
import { keepNewestBackups, PENDING_FILTER, recordBeforeFirstWrite, v1Metadata, writtenVectors } from "./run-record.js";
import { createEnrichPool, type PipelineCounts, type ResultStage, runPipeline, type StatisticsSource } from "./pipeline.js";
import { finishReshape, legacyReshape, startReshape } from "./reshape.js";
import { buildSearchIndexes, type IndexPolicy } from "./search-indexes.js";
import { InferredCatalog } from "../relationships/inferred-catalog.js";
import { relationshipStage, shareRelationships, type SharedRelationships } from "./relationship-stage.js";
import type { Progress } from "./progress.js";
import { TableGuard } from "./table-guard.js";

export interface ImportOptions {
  readonly storePath: string;
  /**
   * The live database, for its catalog. It is closed once the catalog is read: statistics and relationship
   * checks then run in the worker pool on connections of their own, opened from `namespace`, so that
   * `max_connections` holds for every thread together.
   */
  readonly live: LiveSource;
  readonly namespace: LiveNamespace;
  readonly database?: string;
  readonly schema?: string;
  /** The embedding model (or --keep-vectors). */
  readonly embedding: EmbeddingPlan;
  /** Re-embed every stored row when the store's vectors are of another model (--force). */
  readonly force?: boolean;
  /** Vector and full-text indexes after the run; absent: none are built. */
  readonly indexes?: IndexPolicy;
  /** Empty the table first (a new table version: rollback still returns to before it). */
  readonly clear: boolean;
  /** Skip tables whose stored v1 row has the same DDL. */
  readonly incremental: boolean;
  readonly extractRelationships: boolean;
  readonly statistics?: StatisticsSource;
  /**
   * Check undeclared relationships against the data (with --extract-relationships), at most `maxConnections`
   * checks at once, bounded by the namespace's sampling rule. Absent: inferred edges are written unchecked.
   */
  readonly relationshipChecks?: { readonly maxConnections: number; readonly rule: StatisticsOptions };
  readonly skipBackup: boolean;
  /** v1 backups kept (`--keep-backups`); v0 backups are never removed. */
  readonly keepBackups?: number;
  /** A backup this command already took (the migration before the import): --clear takes no second one. */
  readonly backupTakenNow?: string;
  /** business_terms.yml text (tag dictionary), when the config directory has one. */
  readonly tagTermsYaml?: string;
  /** SQL file, directory or JSONL whose JOINs become relationships. */
  readonly queryLog?: string;
  readonly workers: number;
  readonly signal?: AbortSignal;
  readonly progress: Progress;
}

export interface ImportOutcome {
  readonly listed: number;
  readonly unchanged: number;
  /** Stored tables the database no longer has, removed from the store. */
  readonly removed: number;
  readonly counts: PipelineCounts;
  readonly backupPath?: string;
  readonly indexesBuilt?: readonly string[];
  /** What checking undeclared relationships against the data did. */
  readonly relationshipChecks?: CheckCounts;
}

/** What a comparison of the live catalog with the store found. */
interface StoreComparison {
  /** Identifiers whose stored v1 row was built from the same DDL and comments the catalog has now. */
  readonly unchanged: Set<string>;
  /** The stored v1 fields of each listed table that has a v1 row and is to be written (with --incremental: changed), read in the same scan. */
  readonly stored: Map<string, StoredFields>;
  /** Stored rows (identifier and name) in the listed scope whose table the database no longer has. */
  readonly gone: { readonly identifier: string; readonly name: string }[];
}

/**
 * True when the stored row says the same as the catalog: same DDL, and the catalog's table and column comments
 * (a DDL such as DuckDB's or PostgreSQL's carries none). A stored comment the catalog lacks counts as removed
 * unless the DDL itself holds its text.
 */
function sameAsStored(stored: StoredFields, live: LiveTable): boolean {
  const { definition } = live.source;
  if ((stored.definition ?? "") !== definition) return false;
  const { structure } = live;
  const sameComment = (now: string, before: string | undefined): boolean =>
    now !== "" ? now === before : before === undefined || before === "" || definition.includes(before);
  if (!sameComment(structure.comment, stored.tableComment)) return false;
  const storedColumns = new Map(Object.entries(stored.columnComments).map(([k, v]) => [k.toLowerCase(), v]));
  for (const c of structure.columns) {
    if (!sameComment(c.comment, storedColumns.get(c.name.toLowerCase()))) return false;
  }
  return true;
}

const nameKey = (database: string, schema: string, table: string): string => JSON.stringify([database, schema, table]);

/**
 * One scan of the store against the listing: which tables are unchanged (for --incremental) and which stored
 * tables are gone from the database. Only rows in the listing's scope (its databases, and the schema asked for)
 * can be gone, matched by their names so a row whose identifier is written differently is never taken for one.
 */
async function compareWithStore(table: Awaited<ReturnType<SchemaStore["schemaTable"]>>, listed: readonly LiveTable[], schema: string | undefined, incremental: boolean): Promise<StoreComparison> {
  const byId = new Map(listed.map((t) => [t.source.identifier, t]));
  const names = new Set(listed.map((t) => nameKey(t.source.databaseName, t.source.schemaName, t.source.tableName)));
  const databases = new Set(listed.map((t) => t.source.databaseName));
  const unchanged = new Set<string>();
  const storedById = new Map<string, StoredFields>();
  const gone: { identifier: string; name: string }[] = [];
  const columns = ["identifier", "database_name", "schema_name", "table_name", "definition", ...STORED_FIELD_COLUMNS];
  for await (const batch of scanBatches(table, { columns })) {
    const fields = storedFieldsOf(batch);
    const ids = batch.getChild("identifier");
    const dbs = batch.getChild("database_name");
    const schemas = batch.getChild("schema_name");
    const tables = batch.getChild("table_name");
    for (let i = 0; i < batch.numRows; i++) {
      const identifier = String(ids?.get(i) ?? "");
      const live = byId.get(identifier);
      const stored = fields[i];
      if (live !== undefined) {
        if (stored === undefined) continue;
        const same = sameAsStored(stored, live);
        if (same) unchanged.add(identifier);
        // --incremental skips the unchanged tables: their stored fields are not needed, and not held
        if (!(incremental && same)) storedById.set(identifier, stored);
        continue;
      }
      const database = String(dbs?.get(i) ?? "");
      const schemaName = String(schemas?.get(i) ?? "");
      const tableName = String(tables?.get(i) ?? "");
      if (tableName === "" || !databases.has(database) || (schema !== undefined && schemaName !== schema)) continue;
      if (!names.has(nameKey(database, schemaName, tableName))) gone.push({ identifier, name: [database, schemaName, tableName].filter((p) => p !== "").join(".") });
    }
  }
  return { unchanged, stored: storedById, gone };
}

/** Delete the rows of tables the database no longer has (their rows stay in the table history for rollback). */
async function removeGone(table: Awaited<ReturnType<SchemaStore["schemaTable"]>>, gone: StoreComparison["gone"], progress: Progress): Promise<void> {
  if (gone.length === 0) return;
  for (let i = 0; i < gone.length; i += 500) {
    await table.delete(`identifier IN (${gone.slice(i, i + 500).map((g) => sqlString(g.identifier)).join(", ")})`);
  }
  const shown = gone.slice(0, 10).map((g) => g.name);
  progress.warn(`removed ${gone.length} tables the database no longer has: ${shown.join(", ")}${gone.length > shown.length ? `, … (${gone.length - shown.length} more)` : ""}`);
}

export async function importLive(options: ImportOptions): Promise<ImportOutcome> {
  const { progress } = options;
  const guard = new TableGuard();
  progress.log(`reading the live catalog (${options.live.dialect})`, { database: options.database ?? "(default)", schema: options.schema ?? "(all)" });
  const listed = await options.live.listTables({ database: options.database, schema: options.schema });
  // from here on the connections are the workers' (see `live`)
  const canCheck = options.live.checkRelationship !== undefined;
  await options.live.close();
  if (listed.length === 0) {
    progress.warn(`the live database lists no tables or views (database ${options.database ?? "(default)"}, schema ${options.schema ?? "(all)"}): nothing to import, nothing removed`);
  }
  const store = await SchemaStore.open(options.storePath, { create: true });
  const { embedding } = options;
  const keep = embedding.vectors.kind === "keep";
  let backupPath: string | undefined;
  if (!(await store.hasSchemaTable())) {
    const metadata = new Map(Object.entries(v1Metadata(new Map(), embedding, false)));
    await store.db.createEmptyTable(SCHEMA_TABLE, v1Schema(embedding.identity.dimSize, metadata));
    progress.log(`created an empty v1 ${SCHEMA_TABLE} in ${options.storePath}`);
  } else {
    // --clear replaces the table whatever it holds (after a backup)
    if (!options.clear) await refuseUnreadableSource(await store.schemaTable(), options.storePath);
    const summary = await store.summary();
    const storedMetadata = (await (await store.schemaTable()).schema()).metadata;
    const earlier = readState(store.path);
    const mismatches = keep
      ? []
      : vectorMismatches(
          { dim: summary.dim, cfg: readDatusCfg(store.path), functions: readEmbeddingFunctions(storedMetadata), written: writtenVectors(earlier, summary) },
          embedding.identity,
        );
    // --clear empties the table: its old vectors cannot disagree with anything
    if (mismatches.length > 0 && !options.force && !options.clear) refuseMismatch(mismatches, embedding.identity, "bootstrap");
    const reembedAll = mismatches.length > 0;
    const dim = keep ? (summary.dim ?? embedding.identity.dimSize) : embedding.identity.dimSize;
    const metadata = v1Metadata(storedMetadata, embedding, reembedAll);
    let state = await recordBeforeFirstWrite(store, summary.shape === "v0" ? "v0" : "v1", earlier, options);
    backupPath = state.backupPath;
    if (state.phase === "converting") state = await finishReshape(store, state, state.reshape ?? legacyReshape(state, dim), progress);
    if (options.clear) {
      // a backup taken by an earlier run predates what is cleared now: --clear never runs without its own
      // (one per run: the migration this command just ran took one already)
      if (options.backupTakenNow !== undefined) backupPath = options.backupTakenNow;
      else if (earlier !== undefined || state.backupPath === undefined) {
        const holds = summary.shape === "v0" ? "v0" : "v1";
        backupPath = await backupStore(store.path, holds);
        progress.log(`backup written before clearing: ${backupPath}`);
        if (holds === "v1") keepNewestBackups(store.path, options.keepBackups, progress);
      }
      await store.db.createEmptyTable(SCHEMA_TABLE, v1Schema(dim, new Map(Object.entries(metadata))), { mode: "overwrite" });
      progress.log(`cleared ${SCHEMA_TABLE} (rows stay in the table history; \`datus-schema rollback\` brings them back)`);
    } else if (summary.shape === "v0" || summary.dim !== dim || reembedAll) {
      const table = await store.schemaTable();
      state = await startReshape(
        store,
        state,
        { fromVersion: summary.shape === "v0" ? state.preMigrationVersion : await table.version(), dim, pending: summary.shape === "v0" || summary.dim !== dim || reembedAll, metadata },
        progress,
      );
    }
  }
  const table = await store.schemaTable();
  const dim = (await store.summary()).dim ?? embedding.identity.dimSize;
  let todo: LiveTable[] = listed;
  // the listing succeeded (it throws otherwise): what the store has beyond it is gone from the database
  const comparison: StoreComparison = options.clear ? { unchanged: new Set(), stored: new Map(), gone: [] } : await compareWithStore(table, listed, options.schema, options.incremental);
  if (options.incremental && !options.clear) todo = listed.filter((t) => !comparison.unchanged.has(t.source.identifier));
  const catalog = new Map<string, TableStructure>(todo.map((t) => [t.source.identifier, t.structure]));
  async function* batches(): AsyncGenerator<SourceTable[]> {
    for (let i = 0; i < todo.length; i += 256) {
      // what the stored rows know (their statistics stay until new ones are measured), from the comparison's scan
      const chunk = todo.slice(i, i + 256).map((t) => {
        const stored = comparison.stored.get(t.source.identifier);
        return stored === undefined ? t.source : { ...t.source, stored };
      });
      if (!keep) {
        yield chunk;
        continue;
      }
      // --keep-vectors: each table keeps the vector its stored row has (a new table gets none)
      const stored = await vectorsOf(table, chunk.map((s) => s.identifier));
      yield chunk.map((s) => (stored.has(s.identifier) ? { ...s, storedVector: stored.get(s.identifier) } : s));
    }
  }
  const stages: ResultStage[] = [];
  const checks: CheckCounts = { checked: 0, confirmed: 0, rejected: 0, failed: 0 };
  let relationships: SharedRelationships | undefined;
  if (options.extractRelationships) {
    // the live catalog is the whole catalog: index every listed table, not only those re-imported
    const index = new CatalogIndex();
    for (const t of listed) index.add(summarize(t.source, t.structure));
    const logPath = options.queryLog;
    const mined = logPath !== undefined ? await mineQueryLog(logPath, options.live.dialect, progress) : undefined;
    if (logPath !== undefined && mined) writeQueryLogRecord(store.path, { path: logPath, at: new Date().toISOString(), ...mined.counts });
    const { shared, opened } = shareRelationships({ index, inferred: InferredCatalog.build(index), ...(mined ? { evidence: mined.evidence } : {}) });
    stages.push(relationshipStage(opened));
    relationships = shared;
  }
  const checking = options.extractRelationships && options.relationshipChecks !== undefined && canCheck;
  const reading = (options.statistics !== undefined && options.statistics.planOnly === undefined) || checking;
  const pool = createEnrichPool(options.workers, undefined, { liveTasks: reading });
  // one set of connection permits for the statistics and the checks together
  const liveWork = reading
    ? new LiveWork(pool, options.namespace, { maxConnections: options.statistics?.maxConnections ?? options.relationshipChecks!.maxConnections, workers: options.workers, signal: options.signal })
    : undefined;
  if (checking && liveWork) stages.push(dataCheckStage(listed, liveWork.checker(profileRule(options.relationshipChecks!.rule)), checks, progress));
  const vectors = vectorSourceFor(embedding, pool, dim);
  progress.start("importing", todo.length);
  try {
    const counts = await runPipeline(
      pool,
      batches(),
      {
        dialect: options.live.dialect,
        vectors,
        staleAtStart: staleVectors(store.path),
        failedAtStart: new Set(readEmbeddingFailures(store.path).map((f) => f.identifier)),
        extractRelationships: options.extractRelationships,
        statistics: options.statistics,
        liveWork,
        target: { store, table, shardTag: "import" },
        workers: options.workers,
        signal: options.signal,
        progress,
        stages,
        tagTermsYaml: options.tagTermsYaml,
        guard,
        relationships,
      },
      (rows) => Object.fromEntries(rows.map((r) => [r.identifier, catalog.get(r.identifier)!])),
    );
    const state = readState(store.path);
    let indexesBuilt: string[] | undefined;
    if (!counts.interrupted) {
      await removeGone(table, comparison.gone, progress);
      const pending = await table.countRows(PENDING_FILTER);
      const vectors = keep ? { model: state?.vectors?.model } : { model: embedding.identity };
      if (state) writeState(store.path, { ...state, phase: pending === 0 ? "done" : "migrating", vectors, updatedAt: new Date().toISOString() });
      if (readDatusCfg(store.path) === undefined || options.force || options.clear) writeDatusCfg(store.path, embedding.cfgSections);
      if (pending === 0 && options.indexes) indexesBuilt = await buildSearchIndexes(table, options.indexes, progress);
    }
    if (checks.checked + checks.failed > 0) {
      progress.log(`relationships checked against the data: ${checks.checked} measured, ${checks.confirmed} confirmed, ${checks.rejected} rejected as foreign keys, ${checks.failed} not checked (failed)`);
    }
    return { listed: listed.length, unchanged: listed.length - todo.length, removed: counts.interrupted ? 0 : comparison.gone.length, counts, backupPath, indexesBuilt, relationshipChecks: checks };
  } finally {
    progress.finish();
    await pool.destroy();
  }
}
