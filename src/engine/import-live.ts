/**
 * Build or refresh v1 rows straight from a live database (`migrate --import-schemas`, `bootstrap`).
 * The catalog (comments, columns, keys) is the primary source; the engine's DDL text is kept as
 * `definition` and fills what the catalog lacks. Rows are upserted on the canonical identifier.
 */
import type { LiveSource, LiveTable } from "../dialects/live-source.js";
import type { SourceTable, TableStructure } from "../model.js";
import { backupStore } from "../store/backup.js";
import { readDatusCfg, writeDatusCfg } from "../store/datus-cfg.js";
import { readEmbeddingFunctions } from "../store/embedding-functions.js";
import { readEmbeddingFailures, readState, writeQueryLogRecord, writeState } from "../store/migration-state.js";
import { scanBatches, SchemaStore, vectorsOf } from "../store/schema-store.js";
import { SCHEMA_TABLE, v1Schema } from "../store/schemas.js";
import { refuseUnreadableSource } from "../store/source-check.js";
import { staleVectors } from "../store/vector-state.js";
import { CatalogIndex, summarize } from "../relationships/catalog-index.js";
import { type EmbeddingPlan, refuseMismatch, vectorMismatches, vectorSourceFor } from "./embedding-plan.js";
import { mineQueryLog, PENDING_FILTER, recordBeforeFirstWrite, v1Metadata, writtenVectors } from "./migrate.js";
import { createEnrichPool, type PipelineCounts, type ResultStage, runPipeline, type StatisticsSource } from "./pipeline.js";
import { finishReshape, legacyReshape, startReshape } from "./reshape.js";
import { buildSearchIndexes, type IndexPolicy } from "./search-indexes.js";
import { InferredCatalog } from "../relationships/inferred-catalog.js";
import { referencedRows, relationshipStage } from "./relationship-stage.js";
import type { Progress } from "./progress.js";
import { TableGuard } from "./table-guard.js";

export interface ImportOptions {
  readonly storePath: string;
  readonly live: LiveSource;
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
  readonly skipBackup: boolean;
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
  readonly counts: PipelineCounts;
  readonly backupPath?: string;
  readonly indexesBuilt?: readonly string[];
}

async function storedDefinitions(table: Awaited<ReturnType<SchemaStore["schemaTable"]>>): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const batch of scanBatches(table, { columns: ["identifier", "definition"], filter: "metadata_version = 1" })) {
    const ids = batch.getChild("identifier");
    const defs = batch.getChild("definition");
    for (let i = 0; i < batch.numRows; i++) out.set(String(ids?.get(i) ?? ""), String(defs?.get(i) ?? ""));
  }
  return out;
}

export async function importLive(options: ImportOptions): Promise<ImportOutcome> {
  const { progress } = options;
  const guard = new TableGuard();
  progress.log(`reading the live catalog (${options.live.dialect})`, { database: options.database ?? "(default)", schema: options.schema ?? "(all)" });
  const listed = await options.live.listTables({ database: options.database, schema: options.schema });
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
        backupPath = await backupStore(store.path);
        progress.log(`backup written before clearing: ${backupPath}`);
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
  if (options.incremental && !options.clear) {
    const stored = await storedDefinitions(table);
    todo = listed.filter((t) => stored.get(t.source.identifier) !== t.source.definition);
  }
  const catalog = new Map<string, TableStructure>(todo.map((t) => [t.source.identifier, t.structure]));
  async function* batches(): AsyncGenerator<SourceTable[]> {
    for (let i = 0; i < todo.length; i += 256) {
      const chunk = todo.slice(i, i + 256).map((t) => t.source);
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
  let referencedOf: ((rows: readonly SourceTable[]) => string[]) | undefined;
  if (options.extractRelationships) {
    // the live catalog is the whole catalog: index every listed table, not only those re-imported
    const index = new CatalogIndex();
    for (const t of listed) index.add(summarize(t.source, t.structure));
    const logPath = options.queryLog;
    const mined = logPath !== undefined ? await mineQueryLog(logPath, options.live.dialect, progress) : undefined;
    if (logPath !== undefined && mined) writeQueryLogRecord(store.path, { path: logPath, at: new Date().toISOString(), ...mined.counts });
    const inferred = InferredCatalog.build(index);
    stages.push(relationshipStage(index, inferred, mined?.evidence));
    referencedOf = referencedRows(index, inferred);
  }
  const pool = createEnrichPool(options.workers);
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
        target: { store, table, shardTag: "import" },
        workers: options.workers,
        signal: options.signal,
        progress,
        stages,
        tagTermsYaml: options.tagTermsYaml,
        guard,
        referencedOf,
      },
      (rows) => Object.fromEntries(rows.map((r) => [r.identifier, catalog.get(r.identifier)!])),
    );
    const state = readState(store.path);
    let indexesBuilt: string[] | undefined;
    if (!counts.interrupted) {
      const pending = await table.countRows(PENDING_FILTER);
      const vectors = keep ? { model: state?.vectors?.model } : { model: embedding.identity };
      if (state) writeState(store.path, { ...state, phase: pending === 0 ? "done" : "migrating", vectors, updatedAt: new Date().toISOString() });
      if (readDatusCfg(store.path) === undefined || options.force || options.clear) writeDatusCfg(store.path, embedding.cfgSections);
      if (pending === 0 && options.indexes) indexesBuilt = await buildSearchIndexes(table, options.indexes, progress);
    }
    return { listed: listed.length, unchanged: listed.length - todo.length, counts, backupPath, indexesBuilt };
  } finally {
    progress.finish();
    await pool.destroy();
  }
}
