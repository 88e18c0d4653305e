/**
 * Rebuild `schema_metadata` as a new table version in the v1 shape: a v0 table's rows become pending v1
 * rows (metadata_version 0, old vector kept) so the migration can upgrade them one by one; a v1 table is
 * rebuilt when its vector dimension or its embedding-function entry must change. What the rebuild makes is
 * recorded in the state file first, and it always reads the recorded version, so an interrupted rebuild is
 * simply redone.
 */
import type { RecordBatch } from "apache-arrow";
import { Table as ArrowTable } from "apache-arrow";
import { V1_COLUMNS } from "../model.js";
import { asV1Batch } from "../store/arrow-rows.js";
import { type MigrationState, type ReshapeRecord, readState, writeState } from "../store/migration-state.js";
import { lockStep, waitForStep } from "../store/store-lock.js";
import { scanBatches, type SchemaStore } from "../store/schema-store.js";
import { SCHEMA_TABLE, schemaShape, v1Schema, vectorDimension } from "../store/schemas.js";
import type { Progress } from "./progress.js";

const CHUNK_ROWS = 16_384;

/** The rebuild a datus-schema 0.1 state file meant (it recorded none): the v0 re-shape, keeping the dimension. */
export function legacyReshape(state: MigrationState, dim: number): ReshapeRecord {
  return { fromVersion: state.preMigrationVersion, dim, pending: true, metadata: {} };
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
  const source = await store.snapshot(record.fromVersion);
  const total = await source.countRows();
  const schema = v1Schema(record.dim, new Map(Object.entries(record.metadata)));
  progress.start("rebuilding the table as v1", total);
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
      else await store.db.createEmptyTable(SCHEMA_TABLE, schema, { mode: "overwrite" });
      created = true;
    } else if (data) {
      const table = await store.schemaTable();
      await table.add(data);
    }
    progress.advance(pendingRows);
    pending = [];
    pendingRows = 0;
  };
  const present = new Set((await source.schema()).fields.map((f) => f.name));
  const columns = V1_COLUMNS.filter((n) => present.has(n));
  for await (const batch of scanBatches(source, { columns })) {
    const keep = firstOccurrences(batch, seen);
    const kept = keep ? keep.length : batch.numRows;
    duplicates += batch.numRows - kept;
    if (kept === 0) continue;
    pending.push(asV1Batch(batch, schema, { pending: record.pending, keep }));
    pendingRows += kept;
    if (pendingRows >= CHUNK_ROWS) await write();
  }
  await write();
  progress.finish();
  if (duplicates) progress.warn(`${duplicates} rows repeated an identifier already seen; the first of each was kept (the others stay in the earlier table version)`);
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
