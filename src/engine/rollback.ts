/**
 * `rollback`: put a store back as it was before datus-schema migrated it. Prefers the recorded table
 * version (exact, instant, keeps the migrated versions in history); falls back to the newest backup
 * directory that shows the store before a migration. Says which it used. Idempotent: a rollback leaves a
 * record, and a second one says there is nothing more to roll back instead of restoring anything later.
 * A rollback killed at any point is finished by running it again (the migration record goes last).
 */
import fs from "node:fs";
import path from "node:path";
import type * as lancedb from "@lancedb/lancedb";
import { DatusError, describeError } from "../errors.js";
import { latestBackup, stamp } from "../store/backup.js";
import { restoreDatusCfg } from "../store/datus-cfg.js";
import { finishRollback, type MigrationState, PRE_MIGRATION_TAG, readRolledBack, readState, stateDir } from "../store/migration-state.js";
import { SchemaStore } from "../store/schema-store.js";
import { lockDir, type StoreLock } from "../store/store-lock.js";

export interface RollbackOutcome {
  /** `none`: an earlier rollback already restored the store. */
  readonly method: "version" | "backup" | "none";
  readonly message: string;
}

/** Roll `storePath` back; `lock` is the store lock this process holds (it moves away with a replaced directory). */
export async function rollback(storePath: string, lock?: StoreLock): Promise<RollbackOutcome> {
  const state = readState(storePath);
  if (state) return rollbackToVersion(storePath, state);
  const done = readRolledBack(storePath);
  const backup = latestBackup(storePath);
  // a pre-migration backup taken after the last rollback means another migration (say, the Python tool's) since
  if (done && !(backup && backup.stamp > stamp(new Date(done.rolledBackAt)))) {
    return {
      method: "none",
      message: `nothing more to roll back in ${storePath}: it was rolled back ${done.rolledBackAt} to ${done.restored}, and nothing migrated it since`,
    };
  }
  if (!backup) {
    throw new DatusError(
      "failed",
      `nothing to roll back in ${storePath}: no migration record (${stateDir(storePath)}) and no ${storePath}.backup_v0_* directory taken before a migration`,
      "check --namespace / --db-path",
    );
  }
  return rollbackToBackup(storePath, backup.path, lock);
}

async function rollbackToVersion(storePath: string, state: MigrationState): Promise<RollbackOutcome> {
  const store = await SchemaStore.open(storePath, { create: false });
  const table = await store.schemaTable();
  const target = state.preMigrationVersion;
  let before: number;
  let rows: number;
  try {
    before = await table.version();
    await checkTarget(table, state, storePath);
    await table.checkout(target);
    await table.restore();
    rows = await table.countRows();
    const tags = await table.tags();
    if (PRE_MIGRATION_TAG in (await tags.list())) await tags.delete(PRE_MIGRATION_TAG);
  } catch (err) {
    if (err instanceof DatusError) throw err;
    throw new DatusError("store", `rollback of ${storePath} failed: ${describeError(err)}`, "the migration record is kept: once the cause is fixed, run `datus-schema rollback` again to finish", { cause: err });
  }
  if (state.datusCfgBefore !== undefined) restoreDatusCfg(storePath, state.datusCfgBefore);
  const restored = `table version ${target}, as before the migration started ${state.startedAt}`;
  // the bookkeeping belongs to the undone migration; the next migrate starts afresh
  finishRollback(storePath, { rolledBackAt: new Date().toISOString(), restored });
  return {
    method: "version",
    message:
      `restored schema_metadata in ${storePath} to version ${target} (as before the migration started ${state.startedAt}): ` +
      `${rows} rows, ${state.preMigrationShape} schema. The migrated data stays in the table history (was version ${before}).` +
      (state.backupPath ? ` The directory backup ${state.backupPath} was left in place.` : ""),
  };
}

/** The recorded version must exist and agree with the table's own tag of it: never a silent wrong target. */
async function checkTarget(table: lancedb.Table, state: MigrationState, storePath: string): Promise<void> {
  const file = path.join(stateDir(storePath), "state.json");
  const tagged = (await (await table.tags()).list())[PRE_MIGRATION_TAG]?.version;
  if (tagged !== undefined && tagged !== state.preMigrationVersion) {
    throw new DatusError(
      "store",
      `${file} says the table was at version ${state.preMigrationVersion} before the migration, but the table's tag "${PRE_MIGRATION_TAG}" says version ${tagged}: nothing was rolled back`,
      `the tag is set by the same step that writes the record; if the file was edited, set "preMigrationVersion" back to ${tagged}`,
    );
  }
  const versions = (await table.listVersions()).map((v) => v.version);
  if (!versions.includes(state.preMigrationVersion)) {
    throw new DatusError(
      "store",
      `${file} names table version ${state.preMigrationVersion}, which the table does not have (versions ${versions[0]}..${versions[versions.length - 1]}): nothing was rolled back`,
      state.backupPath ? `restore the directory backup ${state.backupPath} by hand` : "restore a <store>.backup_v0_* directory by hand",
    );
  }
}

/** Copy the backup beside the store, then swap the directories: a kill at any point leaves a whole store in place. */
async function rollbackToBackup(storePath: string, backup: string, lock: StoreLock | undefined): Promise<RollbackOutcome> {
  const parent = path.dirname(path.resolve(storePath));
  const base = path.basename(path.resolve(storePath));
  // copies left by a rollback killed before its swap (this process holds the store's lock)
  for (const name of fs.readdirSync(parent)) if (name.startsWith(`${base}.restoring_`)) fs.rmSync(path.join(parent, name), { recursive: true, force: true });
  const restoring = `${storePath}.restoring_${Date.now()}`;
  const backupLocks = path.resolve(lockDir(backup));
  await fs.promises.cp(backup, restoring, { recursive: true, filter: (src) => path.resolve(src) !== backupLocks });
  const aside = `${storePath}.before_rollback_${Date.now()}`;
  lock?.detach();
  if (fs.existsSync(storePath)) fs.renameSync(storePath, aside);
  fs.renameSync(restoring, storePath);
  if (lock) fs.rmSync(path.join(lockDir(aside), path.basename(lock.file)), { force: true });
  finishRollback(storePath, { rolledBackAt: new Date().toISOString(), restored: `the backup directory ${backup}` });
  return {
    method: "backup",
    message: `restored ${storePath} from the backup directory ${backup}` + (fs.existsSync(aside) ? `; the store as it was is kept at ${aside}` : ""),
  };
}
