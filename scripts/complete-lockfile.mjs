#!/usr/bin/env node
/**
 * Adds to package-lock.json the per-platform optional binary packages (LanceDB, DuckDB) that npm left out
 * because the registry it ran against does not serve them. Without them `npm ci` rejects the lock as out of
 * sync (npm/cli#4828, #9846). Each entry names the package's version and platform only: npm skips it on other
 * platforms and, on its own platform, fetches it by name and version. Run after changing dependencies:
 *
 *   npm install && node scripts/complete-lockfile.mjs && npm ci
 */
import fs from "node:fs";

const LOCK = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(fs.readFileSync(LOCK, "utf8"));
const PLATFORM = /-(darwin|linux|win32)-(x64|arm64|ia32)(?:-(gnu|musl|msvc))?$/;

let added = 0;
for (const [where, pkg] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(pkg.optionalDependencies ?? {})) {
    const m = PLATFORM.exec(name);
    const key = `node_modules/${name}`;
    if (!m || lock.packages[key]) continue;
    const [, os, cpu, abi] = m;
    const entry = { version, cpu: [cpu], optional: true, os: [os] };
    if (os === "linux") entry.libc = [abi === "musl" ? "musl" : "glibc"];
    lock.packages[key] = entry;
    added++;
    console.log(`added ${name}@${version} (${os} ${cpu}${entry.libc ? ` ${entry.libc[0]}` : ""}) for ${where || "the root"}`);
  }
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b))));
fs.writeFileSync(LOCK, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`${added} entries added`);
