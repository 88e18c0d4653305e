/**
 * `rollback`: put a store back as it was before datus-schema migrated it. Prefers the recorded table
 * version (exact, instant, keeps the migrated versions in history); falls back to the newest
 * `<store>.backup_v0_*` directory. Says which it used.
 */
import fs from "node:fs";
import path from "node:path";
import type * as lancedb from "@lancedb/lancedb";
import { DatusError, describeError } from "../errors.js";
import { latestBackup } from "../store/backup.js";
import { restoreDatusCfg } from "../store/datus-cfg.js";
import { type MigrationState, PRE_MIGRATION_TAG, readState, stateDir } from "../store/migration-state.js";
import { SchemaStore } from "../store/schema-store.js";
import { LOCK_DIR, lockDir, type StoreLock } from "../store/store-lock.js";

export interface RollbackOutcome {
  readonly method: "version" | "backup";
  readonly message: string;
}

/** Roll `storePath` back; `lock` is the store lock this process holds (it moves away with a replaced directory). */
export async function rollback(storePath: string, lock?: StoreLock): Promise<RollbackOutcome> {
  const state = readState(storePath);
  if (state) {
    const store = await SchemaStore.open(storePath, { create: false });
    const table = await store.schemaTable();
    let before: number;
    let rows: number;
    try {
      before = await table.version();
      await checkTarget(table, state, storePath);
      await table.checkout(state.preMigrationVersion);
      await table.restore();
      rows = await table.countRows();
      const tags = await table.tags();
      if (PRE_MIGRATION_TAG in (await tags.list())) await tags.delete(PRE_MIGRATION_TAG);
    } catch (err) {
      if (err instanceof DatusError) throw err;
      throw new DatusError("store", `rollback of ${storePath} failed: ${describeError(err)}`, "the migration record is kept: once the cause is fixed, run `datus-schema rollback` again to finish", { cause: err });
    }
    if (state.datusCfgBefore !== undefined) restoreDatusCfg(storePath, state.datusCfgBefore);
    // the bookkeeping belongs to the undone migration; the next migrate starts afresh (the lock stays: we hold it)
    for (const name of fs.readdirSync(stateDir(storePath))) if (name !== LOCK_DIR) fs.rmSync(path.join(stateDir(storePath), name), { recursive: true, force: true });
    return {
      method: "version",
      message:
        `restored schema_metadata in ${storePath} to version ${state.preMigrationVersion} (as before the migration started ${state.startedAt}): ` +
        `${rows} rows, ${state.preMigrationShape} schema. The migrated data stays in the table history (was version ${before}).` +
        (state.backupPath ? ` The directory backup ${state.backupPath} was left in place.` : ""),
    };
  }
  const backup = latestBackup(storePath);
  if (!backup) {
    throw new DatusError(
      "failed",
      `nothing to roll back in ${storePath}: no migration record (${stateDir(storePath)}) and no ${storePath}.backup_v0_* directory`,
      "check --namespace / --db-path",
    );
  }
  // copy beside the store, then swap: the lock this process holds moves away with the old directory
  const restoring = `${storePath}.restoring_${Date.now()}`;
  const backupLocks = path.resolve(lockDir(backup));
  await fs.promises.cp(backup, restoring, { recursive: true, filter: (src) => path.resolve(src) !== backupLocks });
  const aside = `${storePath}.before_rollback_${Date.now()}`;
  lock?.detach();
  if (fs.existsSync(storePath)) fs.renameSync(storePath, aside);
  fs.renameSync(restoring, storePath);
  if (lock) fs.rmSync(path.join(lockDir(aside), path.basename(lock.file)), { force: true });
  return {
    method: "backup",
    message: `restored ${storePath} from the backup directory ${backup}` + (fs.existsSync(aside) ? `; the store as it was is kept at ${aside}` : ""),
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
