/**
 * Directory backups of a store, named as the users' guide names them: `<store>.backup_v0_YYYYMMDD_HHMMSS`.
 */
import fs from "node:fs";
import path from "node:path";
import { lockDir } from "./store-lock.js";

/** A time as backups name it (local time, to the second): such stamps sort in time order. */
export function stamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}_${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/**
 * Copy the whole store directory (but its locks); returns the backup's path. Never overwrites an existing
 * backup. The copy is made under a temporary name and renamed when complete, so a killed run never leaves
 * a partial directory under a backup's name.
 */
export async function backupStore(storePath: string, now = new Date()): Promise<string> {
  let target = `${storePath}.backup_v0_${stamp(now)}`;
  for (let n = 1; fs.existsSync(target); n++) target = `${storePath}.backup_v0_${stamp(now)}_${n}`;
  const partial = `${target}.partial`;
  fs.rmSync(partial, { recursive: true, force: true });
  const locks = path.resolve(lockDir(storePath));
  await fs.promises.cp(storePath, partial, { recursive: true, errorOnExist: true, force: false, filter: (src) => path.resolve(src) !== locks });
  fs.renameSync(partial, target);
  return target;
}

/**
 * The newest `<store>.backup_v0_*` directory that shows the store as it was before a migration, if any.
 * A backup holding datus-schema's migration record was taken mid-migration (before `--clear`): it holds a
 * later state, and is never what "before the migration" means.
 */
export function latestBackup(storePath: string): { readonly path: string; readonly stamp: string } | undefined {
  const dir = path.dirname(path.resolve(storePath));
  const base = `${path.basename(path.resolve(storePath))}.backup_v0_`;
  if (!fs.existsSync(dir)) return undefined;
  const found = fs
    .readdirSync(dir)
    .filter((n) => n.startsWith(base) && /^\d{8}_\d{6}(_\d+)?$/.test(n.slice(base.length)))
    .filter((n) => !fs.existsSync(path.join(dir, n, ".datus-schema", "state.json")))
    .sort((a, b) => (backupOrder(a.slice(base.length)) < backupOrder(b.slice(base.length)) ? -1 : 1));
  if (!found.length) return undefined;
  const newest = found[found.length - 1];
  return { path: path.join(dir, newest), stamp: newest.slice(base.length, base.length + 15) };
}

/** `YYYYMMDD_HHMMSS[_n]` as a key that sorts in time order (`_10` after `_9`). */
function backupOrder(suffix: string): string {
  const [day, time, n] = suffix.split("_");
  return `${day}${time}${(n ?? "0").padStart(6, "0")}`;
}
