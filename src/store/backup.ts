/**
 * Directory backups of a store, named for what they hold: `<store>.backup_v0_YYYYMMDD_HHMMSS` for a v0 store
 * (as the users' guide names them, and its rollback `mv <store>.backup_v0_* <store>` expects exactly one), and
 * `<store>.backup_v1_…` for a store already in v1 (before a `--clear`, or a bootstrap of a built store). v0
 * backups hold the user's original data and are never removed by the tool; of the v1 backups the newest
 * `--keep-backups` are kept.
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
export async function backupStore(storePath: string, holds: "v0" | "v1", now = new Date()): Promise<string> {
  let target = `${storePath}.backup_${holds}_${stamp(now)}`;
  for (let n = 1; fs.existsSync(target); n++) target = `${storePath}.backup_${holds}_${stamp(now)}_${n}`;
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

/** The `<store>.backup_v1_*` directories, oldest first. */
function v1Backups(storePath: string): string[] {
  const dir = path.dirname(path.resolve(storePath));
  const base = `${path.basename(path.resolve(storePath))}.backup_v1_`;
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((n) => n.startsWith(base) && /^\d{8}_\d{6}(_\d+)?$/.test(n.slice(base.length)))
    .sort((a, b) => (backupOrder(a.slice(base.length)) < backupOrder(b.slice(base.length)) ? -1 : 1))
    .map((n) => path.join(dir, n));
}

/** Removes the v1 backups beyond the newest `keep` (v0 backups are never removed); returns the removed paths. */
export function pruneV1Backups(storePath: string, keep: number): string[] {
  const all = v1Backups(storePath);
  const gone = all.slice(0, Math.max(0, all.length - Math.max(1, keep)));
  for (const dir of gone) fs.rmSync(dir, { recursive: true, force: true });
  return gone;
}

/** Bytes of the files under `dir` (0 when it does not exist), the lock directory left out. */
export function directoryBytes(dir: string): number {
  if (!fs.existsSync(dir)) return 0;
  const locks = path.resolve(lockDir(dir));
  let total = 0;
  const walk = (at: string): void => {
    for (const entry of fs.readdirSync(at, { withFileTypes: true })) {
      const full = path.join(at, entry.name);
      if (entry.isDirectory()) {
        if (path.resolve(full) !== locks) walk(full);
      } else if (entry.isFile()) {
        try {
          total += fs.statSync(full).size;
        } catch {
          // removed while counted (a commit cleaning up): not there any more
        }
      }
    }
  };
  walk(dir);
  return total;
}
