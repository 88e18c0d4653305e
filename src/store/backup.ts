/**
 * Directory backups of a store, named as the users' guide names them: `<store>.backup_v0_YYYYMMDD_HHMMSS`.
 */
import fs from "node:fs";
import path from "node:path";
import { lockDir } from "./store-lock.js";

function stamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}_${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** Copy the whole store directory (but its locks); returns the backup's path. Never overwrites an existing backup. */
export async function backupStore(storePath: string, now = new Date()): Promise<string> {
  let target = `${storePath}.backup_v0_${stamp(now)}`;
  for (let n = 1; fs.existsSync(target); n++) target = `${storePath}.backup_v0_${stamp(now)}_${n}`;
  const locks = path.resolve(lockDir(storePath));
  await fs.promises.cp(storePath, target, { recursive: true, errorOnExist: true, force: false, filter: (src) => path.resolve(src) !== locks });
  return target;
}

/** The newest `<store>.backup_v0_*` directory, if any. */
export function latestBackup(storePath: string): string | undefined {
  const dir = path.dirname(path.resolve(storePath));
  const base = `${path.basename(path.resolve(storePath))}.backup_v0_`;
  if (!fs.existsSync(dir)) return undefined;
  const found = fs.readdirSync(dir).filter((n) => n.startsWith(base)).sort();
  return found.length ? path.join(dir, found[found.length - 1]) : undefined;
}
