/**
 * Bring `schema_metadata` to the v1 shape before rows are migrated: a v0 table gets the v1 columns (its rows
 * are then pending: no metadata_version yet, old vector kept) so the migration can upgrade them one by one; a
 * v1 table changes when its vector dimension or its embedding-function entry must. Done in place, one commit
 * per step and no row rewritten (store/evolve-table.ts): a reader never sees a partial table. What the step
 * makes is recorded in the state file first, and it converges from wherever an interrupted run left it.
 */
import { evolveToV1 } from "../store/evolve-table.js";
import { type MigrationState, type ReshapeRecord, readState, writeState } from "../store/migration-state.js";
import { lockStep, waitForStep } from "../store/store-lock.js";
import { type SchemaStore, withCommitRetries } from "../store/schema-store.js";
import { SCHEMA_TABLE, schemaShape, vectorDimension } from "../store/schemas.js";
import type { Progress } from "./progress.js";

/** The rebuild a datus-schema 0.1 state file meant (it recorded none): the v0 re-shape, keeping the dimension. */
export function legacyReshape(state: MigrationState, dim: number): ReshapeRecord {
  return { fromVersion: state.preMigrationVersion, dim, pending: true, metadata: {}, restoreVersion: state.preMigrationVersion };
}

/**
 * Start a rebuild: record it (phase `converting`) and run it. Shards decide to rebuild from the table
 * version they read (`seenVersion`) before they take the step, so the decision is checked again under it:
 * when the table has changed since and already has the shape, dimension and metadata this rebuild would
 * give it, another shard did the rebuild, and redoing it would turn that shard's migrated rows back into
 * pending ones.
 */
export async function startReshape(store: SchemaStore, state: MigrationState, record: ReshapeRecord, progress: Progress, seenVersion?: number): Promise<MigrationState> {
  const lock = await lockStep(store.path, "convert", "rebuilding the table", progress);
  try {
    const current = readState(store.path) ?? state;
    // a rebuild recorded by a process that died before finishing it
    if (current.phase === "converting") return await rebuildRecorded(store, current, current.reshape ?? record, progress);
    if (seenVersion !== undefined && (await (await store.schemaTable()).version()) !== seenVersion && (await alreadyRebuilt(store, record))) return current;
    const converting: MigrationState = { ...current, phase: "converting", reshape: record, updatedAt: new Date().toISOString() };
    writeState(store.path, converting);
    return await rebuildRecorded(store, converting, record, progress);
  } finally {
    lock.release();
  }
}

/** Run the recorded rebuild (again, after an interruption); returns the state with phase `migrating`. */
export async function finishReshape(store: SchemaStore, state: MigrationState, record: ReshapeRecord, progress: Progress): Promise<MigrationState> {
  // another shard may be rebuilding: wait for it, or take the rebuild over if that shard is gone
  const finished = () => {
    const current = readState(store.path);
    return current?.phase === "converting" ? undefined : { current };
  };
  const step = await waitForStep(store.path, "convert", finished, "rebuilding the table", progress);
  if ("value" in step) return step.value.current ?? state;
  try {
    const current = readState(store.path);
    if (current && current.phase !== "converting") return current;
    return await rebuildRecorded(store, state, record, progress);
  } finally {
    step.lock.release();
  }
}

async function rebuildRecorded(store: SchemaStore, converting: MigrationState, record: ReshapeRecord, progress: Progress): Promise<MigrationState> {
  await rebuild(store, record, progress);
  const done: MigrationState = { ...converting, phase: "migrating", reshape: undefined, updatedAt: new Date().toISOString() };
  writeState(store.path, done);
  return done;
}

/** Whether the table already is what `record` makes: v1-shaped, of its dimension, with its schema metadata. */
async function alreadyRebuilt(store: SchemaStore, record: ReshapeRecord): Promise<boolean> {
  const schema = await (await store.schemaTable()).schema();
  const want = Object.entries(record.metadata);
  return schemaShape(schema) === "v1" && vectorDimension(schema) === record.dim && schema.metadata.size === want.length && want.every(([k, v]) => schema.metadata.get(k) === v);
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
  // rows migrated before lost their vectors with the old dimension: they are embedded again
  if (outcome.vectorsDropped && (await table.countRows("metadata_version = 1")) > 0) {
    await withCommitRetries(`mark ${SCHEMA_TABLE} rows pending`, () => table.update({ values: { metadata_version: 0 }, where: "metadata_version = 1" }));
  }
}
