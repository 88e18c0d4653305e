/**
 * `rollback`: put a store back as it was before datus-schema migrated it. Prefers the recorded table
 * version (exact, instant, keeps the migrated versions in history); falls back to the newest
 * `<store>.backup_v0_*` directory. Says which it used.
 */
import fs from "node:fs";
import { DatusError } from "../errors.js";
import { latestBackup } from "../store/backup.js";
import { restoreDatusCfg } from "../store/datus-cfg.js";
import { PRE_MIGRATION_TAG, readState, stateDir } from "../store/migration-state.js";
import { SchemaStore } from "../store/schema-store.js";

export interface RollbackOutcome {
  readonly method: "version" | "backup";
  readonly message: string;
}

export async function rollback(storePath: string): Promise<RollbackOutcome> {
  const state = readState(storePath);
  if (state) {
    const store = await SchemaStore.open(storePath, { create: false });
    const table = await store.schemaTable();
    const before = await table.version();
    await table.checkout(state.preMigrationVersion);
    await table.restore();
    const rows = await table.countRows();
    const tags = await table.tags();
    if (PRE_MIGRATION_TAG in (await tags.list())) await tags.delete(PRE_MIGRATION_TAG);
    if (state.datusCfgBefore !== undefined) restoreDatusCfg(storePath, state.datusCfgBefore);
    // the bookkeeping belongs to the undone migration; the next migrate starts afresh
    fs.rmSync(stateDir(storePath), { recursive: true, force: true });
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
  const aside = `${storePath}.before_rollback_${Date.now()}`;
  if (fs.existsSync(storePath)) fs.renameSync(storePath, aside);
  await fs.promises.cp(backup, storePath, { recursive: true });
  return {
    method: "backup",
    message: `restored ${storePath} from the backup directory ${backup}` + (fs.existsSync(aside) ? `; the store as it was is kept at ${aside}` : ""),
  };
}
