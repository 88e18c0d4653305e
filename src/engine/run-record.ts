/**
 * What every write run (migrate, bootstrap and import, embed) records about the store before and while it
 * writes: the pre-migration version with its tag and the backup (rollback's target), the v1 schema metadata,
 * what the rows were embedded with, and which rows are still pending.
 */
import { backupStore, pruneV1Backups } from "../store/backup.js";
import { readDatusCfgText } from "../store/datus-cfg.js";
import { EMBEDDING_FUNCTIONS_KEY, embeddingFunctionsJson, readEmbeddingFunctions, v1EmbeddingFunctions } from "../store/embedding-functions.js";
import { type MigrationState, PRE_MIGRATION_TAG, readState, writeState } from "../store/migration-state.js";
import type { SchemaStore, StoreSummary } from "../store/schema-store.js";
import { waitForStep } from "../store/store-lock.js";
import type { EmbeddingPlan, StoreVectors } from "./embedding-plan.js";
import type { Progress } from "./progress.js";

export const PENDING_FILTER = "metadata_version IS NULL OR metadata_version <> 1";

/** What this tool last embedded the store's rows with, from its state file (0.1 wrote hashed vectors and no record). */
export function writtenVectors(state: MigrationState | undefined, summary: StoreSummary): StoreVectors["written"] {
  if (!state) return undefined;
  if (state.vectors === undefined) return summary.v1Rows > 0 ? "legacy-hashing" : undefined;
  return state.vectors.model;
}

/**
 * The schema metadata a v1 table should carry: the stored metadata with its embedding-function entry made
 * v1 (source column `search_text`); replaced by the configured model's entry when every row is re-embedded.
 */
export function v1Metadata(stored: ReadonlyMap<string, string>, plan: EmbeddingPlan, reembedAll: boolean): Record<string, string> {
  const out = Object.fromEntries(stored);
  const functions = readEmbeddingFunctions(stored);
  if (functions === null) return out; // an entry in another format: not ours to rewrite
  const entries = v1EmbeddingFunctions(reembedAll ? undefined : functions, plan.identity);
  if (entries) out[EMBEDDING_FUNCTIONS_KEY] = embeddingFunctionsJson(entries);
  // no function the agent could load (hashing): an empty list, since schema evolution can set keys but not drop them
  else if (EMBEDDING_FUNCTIONS_KEY in out) out[EMBEDDING_FUNCTIONS_KEY] = "[]";
  return out;
}

/** Whether the stored schema metadata is already what the table should carry. */
export function sameMetadata(a: ReadonlyMap<string, string>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(b);
  return keys.length === a.size && keys.every((k) => a.get(k) === b[k]);
}

/** v1 backups kept when `--keep-backups` is not given. */
export const DEFAULT_KEEP_BACKUPS = 3;

/** After a new v1 backup: the older v1 backups beyond the newest `keep` are removed, and said. */
export function keepNewestBackups(storePath: string, keep: number | undefined, progress: Progress): void {
  const kept = keep ?? DEFAULT_KEEP_BACKUPS;
  const removed = pruneV1Backups(storePath, kept);
  if (removed.length > 0) progress.log(`removed ${removed.length} older v1 backup(s), keeping the newest ${kept} (--keep-backups): ${removed.join(", ")}`);
}

/**
 * The first write of a migration records where to roll back to, tags that version, and backs the store up.
 * Later runs (resume, --force) keep the first record: rollback always means "as before datus-schema".
 */
export async function recordBeforeFirstWrite(
  store: SchemaStore,
  shape: "v0" | "v1",
  state: MigrationState | undefined,
  options: { readonly skipBackup: boolean; readonly keepBackups?: number; readonly progress: Progress },
): Promise<MigrationState> {
  if (state) {
    if (state.phase !== "done") options.progress.log(`resuming the migration started ${state.startedAt}`, { backup: state.backupPath ?? "none" });
    return state.phase === "done" ? { ...state, phase: "migrating", updatedAt: new Date().toISOString() } : state;
  }
  // shards start together: one records (and backs up), the others wait for its record, or take over if it died
  const step = await waitForStep(store.path, "record", () => readState(store.path), "recording the pre-migration state", options.progress);
  if ("value" in step) return step.value;
  try {
    const again = readState(store.path);
    if (again) return again;
    const table = await store.schemaTable();
    const version = await table.version();
    let backupPath: string | undefined;
    if (!options.skipBackup) {
      options.progress.log(`backing up ${store.path}`);
      backupPath = await backupStore(store.path, shape);
      options.progress.log(`backup written: ${backupPath}`);
      if (shape === "v1") keepNewestBackups(store.path, options.keepBackups, options.progress);
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
      datusCfgBefore: readDatusCfgText(store.path),
      phase: "migrating",
      vectors: {},
      startedAt: now,
      updatedAt: now,
    };
    writeState(store.path, recorded);
    return recorded;
  } finally {
    step.lock.release();
  }
}
