/**
 * Bring `schema_metadata` to the v1 shape before rows are migrated: a v0 table gets the v1 columns (its rows
 * are then pending: no metadata_version yet, old vector kept) so the migration can upgrade them one by one; a
 * v1 table changes when its vector dimension or its embedding-function entry must. Done in place, one commit
 * per step and no row rewritten (store/evolve-table.ts): a reader never sees a partial table. What the step
 * makes is recorded in the state file first, and it converges from wherever an interrupted run left it.
 */
import { DatusError } from "../errors.js";
import { evolveToV1 } from "../store/evolve-table.js";
import { type MigrationState, type ReshapeRecord, readState, tryLock, writeState } from "../store/migration-state.js";
import { type SchemaStore, withCommitRetries } from "../store/schema-store.js";
import { SCHEMA_TABLE } from "../store/schemas.js";
import type { Progress } from "./progress.js";

/** The rebuild a datus-schema 0.1 state file meant (it recorded none): the v0 re-shape, keeping the dimension. */
export function legacyReshape(state: MigrationState, dim: number): ReshapeRecord {
  return { fromVersion: state.preMigrationVersion, dim, pending: true, metadata: {}, restoreVersion: state.preMigrationVersion };
}

/** Poll `probe` until it gives a value (another process finishing a step), for at most `timeoutMs`. */
export async function waitFor<T>(probe: () => T | undefined, what: string, timeoutMs = 30 * 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new DatusError("failed", `gave up waiting for ${what}`, "check for a stuck datus-schema process on this store");
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Start a rebuild: record it (phase `converting`) and run it. */
export async function startReshape(store: SchemaStore, state: MigrationState, record: ReshapeRecord, progress: Progress): Promise<MigrationState> {
  const converting: MigrationState = { ...state, phase: "converting", reshape: record, updatedAt: new Date().toISOString() };
  writeState(store.path, converting);
  return finishReshape(store, converting, record, progress);
}

/** Run the recorded rebuild (again, after an interruption); returns the state with phase `migrating`. */
export async function finishReshape(store: SchemaStore, state: MigrationState, record: ReshapeRecord, progress: Progress): Promise<MigrationState> {
  const release = tryLock(store.path, "convert");
  if (!release) {
    progress.log("waiting for another process to rebuild the table");
    await waitFor(() => (readState(store.path)?.phase === "converting" ? undefined : true), "the table rebuild");
    return readState(store.path) ?? state;
  }
  try {
    const current = readState(store.path);
    if (current && current.phase !== "converting") return current;
    await rebuild(store, record, progress);
    const done: MigrationState = { ...state, phase: "migrating", reshape: undefined, updatedAt: new Date().toISOString() };
    writeState(store.path, done);
    return done;
  } finally {
    release();
  }
}

async function rebuild(store: SchemaStore, record: ReshapeRecord, progress: Progress): Promise<void> {
  const table = await store.schemaTable();
  if (record.restoreVersion !== undefined) {
    progress.log(`restoring ${SCHEMA_TABLE} to version ${record.restoreVersion}, as before an interrupted re-shape by datus-schema 0.1`);
    await table.checkout(record.restoreVersion);
    await table.restore();
  }
  progress.log(`evolving ${SCHEMA_TABLE} to v1 in place (one commit per step, no row rewritten)`);
  const outcome = await evolveToV1(table, { dim: record.dim, metadata: record.metadata });
  if (outcome.duplicatesRemoved) {
    progress.warn(`${outcome.duplicatesRemoved} rows repeated an identifier already seen; the first of each was kept (the others stay in the table's earlier versions)`);
  }
  if (record.pending && (await table.countRows("metadata_version = 1")) > 0) {
    // their vectors were dropped with the old dimension: every row is embedded again
    await withCommitRetries(`mark ${SCHEMA_TABLE} rows pending`, () => table.update({ values: { metadata_version: 0 }, where: "metadata_version = 1" }));
  }
}
