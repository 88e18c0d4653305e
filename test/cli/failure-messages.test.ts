/**
 * Failures a person can act on: a read-only store, a full disk, a file-size limit, and --log-format=json.
 * Each ends as `error:` + `hint:` on stderr (and one JSON object on stdout with JSON logs), never a stack
 * trace or a Rust debug dump, and the hint says what to fix: "re-run" only with the fix it needs. The faults
 * are real: another user's permissions, a tmpfs mounted read-only or too small (when this process may mount),
 * and `ulimit -f` (everywhere).
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test, type TestContext } from "node:test";
import { syntheticCatalog } from "../../bench/synthetic-catalog.js";
import { writeV0Store } from "../../src/store/v0-store.js";
import { CLI, type CliResult, REPO_ROOT, runCli, tempDir } from "../helpers/env.js";
import { readRows } from "../helpers/store-rows.js";
import { hashingConfig, snapshotTree } from "../helpers/tree.js";

const NOBODY = 65534;

/** No stack frames, no `file://` URLs, no Rust source locations or debug structures. */
function assertReadable(run: CliResult, what: string): void {
  assert.match(run.stderr, /^error: \S/m, `${what}: an error line\n${run.stderr}`);
  assert.match(run.stderr, /^hint: \S/m, `${what}: a hint line\n${run.stderr}`);
  assert.doesNotMatch(run.stderr, /^\s+at |file:\/\/|\.rs:\d+|Caused by|IO \{|LocalFileSystem|backtrace/m, `${what}: no stack trace or native dump\n${run.stderr}`);
}

/** The built CLI in a shell, with `prelude` (e.g. `ulimit -f 300`) first; optionally as another user. */
function runShell(prelude: string, args: readonly string[], options: { uid?: number; cwd?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const quoted = [process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
    const child = spawn("bash", ["-c", `${prelude}\nexec ${quoted}`], {
      cwd: options.cwd ?? REPO_ROOT,
      env: { ...process.env, HOME: options.cwd ?? process.env.HOME },
      ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.uid }),
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** A tmpfs of `size` on a new directory, unmounted and removed after the test; undefined when this process may not mount. */
function mountTmpfs(t: TestContext, size: string): string | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "datus-schema-mnt-"));
  if (spawnSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir]).status !== 0) {
    fs.rmdirSync(dir);
    return undefined;
  }
  t.after(() => {
    spawnSync("umount", ["-l", dir]);
    fs.rmdirSync(dir);
  });
  return dir;
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    total += e.isDirectory() ? dirBytes(p) : fs.statSync(p).size;
  }
  return total;
}

test("a store this user may not write: exit 1 before anything changes, saying whose permission to fix", async (t) => {
  const dir = tempDir(t);
  const store = path.join(dir, "datus_db_locked");
  await writeV0Store(store, syntheticCatalog(5));
  const cfg = hashingConfig(path.join(dir, "agent.yml"));
  const root = process.getuid?.() === 0;
  // root writes anywhere: the commands run as nobody then, on files root owns; otherwise the store is made read-only
  fs.chmodSync(dir, 0o755);
  if (!root) for (const p of [store, path.join(store, "schema_metadata.lance")]) fs.chmodSync(p, 0o555);
  t.after(() => {
    if (!root) for (const p of [store, path.join(store, "schema_metadata.lance")]) fs.chmodSync(p, 0o755);
  });
  const before = snapshotTree(dir);
  const as = root ? { uid: NOBODY, cwd: dir } : { cwd: dir };
  for (const args of [["migrate", "--config", cfg, "--db-path", store], ["embed", "--config", cfg, "--db-path", store, "--all"], ["rollback", "--db-path", store]]) {
    const run = await runShell("", args, as);
    assert.equal(run.code, 1, `${args[0]}: ${run.stderr}`);
    assertReadable(run, args[0]);
    assert.match(run.stderr, /^error: cannot write --db-path .*datus_db_locked: this user may not write it .*nothing was changed/m);
    assert.match(run.stderr, /^hint: .*permissions/m);
    assert.doesNotMatch(run.stderr, /re-run/, "a re-run alone cannot help");
  }
  assert.deepEqual(snapshotTree(dir), before, "nothing changed");
});

test("a store on a read-only filesystem: exit 1 before anything changes, naming the filesystem", async (t) => {
  const dir = tempDir(t);
  const mnt = mountTmpfs(t, "16m");
  if (mnt === undefined) return t.skip("mounting a tmpfs needs root (CAP_SYS_ADMIN); the permission test covers the rest");
  const store = path.join(mnt, "datus_db_ro");
  await writeV0Store(store, syntheticCatalog(5));
  assert.equal(spawnSync("mount", ["-o", "remount,ro", mnt]).status, 0);
  const cfg = hashingConfig(path.join(dir, "agent.yml"));
  const run = await runCli(["migrate", "--config", cfg, "--db-path", store]);
  assert.equal(run.code, 1, run.stderr);
  assertReadable(run, "migrate");
  assert.match(run.stderr, /^error: cannot write --db-path .*datus_db_ro: it is on a read-only filesystem/m);
  assert.match(run.stderr, /^hint: .*read-only filesystem: remount it read-write/m);
});

test("a disk that fills up mid-run: exit 1, the hint says to free space, and the re-run it promises then finishes", async (t) => {
  const dir = tempDir(t);
  const source = path.join(dir, "source");
  await writeV0Store(source, syntheticCatalog(2000));
  const size = dirBytes(source);
  // room for the v0 table and half of it again: the re-shape or the first writes hit the wall
  const mnt = mountTmpfs(t, `${Math.ceil((size * 1.5) / 4096) * 4}k`);
  if (mnt === undefined) return t.skip("mounting a tmpfs needs root (CAP_SYS_ADMIN); the `ulimit -f` test covers a write limit");
  const store = path.join(mnt, "datus_db_full");
  fs.cpSync(source, store, { recursive: true });
  const cfg = hashingConfig(path.join(dir, "agent.yml"));
  const full = await runCli(["migrate", "--config", cfg, "--db-path", store, "--skip-backup"]);
  assert.equal(full.code, 1, `${full.stdout}\n${full.stderr}`);
  assertReadable(full, "migrate on a full disk");
  assert.match(full.stderr, /^error: .*no space left on device/im);
  assert.match(full.stderr, /^hint: the disk holding .* is full \(\d+ MiB free there now\): free space .*then re-run the same command/m);

  assert.equal(spawnSync("mount", ["-o", `remount,size=${Math.ceil((size * 8) / 2 ** 20) + 16}m`, mnt]).status, 0);
  const again = await runCli(["migrate", "--config", cfg, "--db-path", store, "--skip-backup"]);
  assert.equal(again.code, 0, again.stderr);
  const rows = await readRows(store);
  assert.equal(rows.length, 2000);
  assert.ok(rows.every((r) => r.metadata_version === 1), "every table migrated once space was freed");
});

test("a file-size limit (ulimit -f) mid-run: exit 1 naming the limit, and the re-run without it finishes", async (t) => {
  const dir = tempDir(t);
  const store = path.join(dir, "datus_db_limited");
  await writeV0Store(store, syntheticCatalog(2000));
  const cfg = hashingConfig(path.join(dir, "agent.yml"));
  // bash counts 1024-byte blocks: 400 KiB is less than one data file of the re-shaped table
  const limited = await runShell("ulimit -f 400", ["migrate", "--config", cfg, "--db-path", store, "--skip-backup", "--log-format=json"]);
  assert.equal(limited.code, 1, limited.stderr);
  assertReadable(limited, "migrate under ulimit -f");
  assert.match(limited.stderr, /^error: .*file too large/im);
  assert.match(limited.stderr, /^hint: .*ulimit -f.*then re-run the same command/m);
  const lines = limited.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  const errors = lines.filter((l) => l.level === "error");
  assert.equal(errors.length, 1, "exactly one JSON error object among the JSON lines");
  assert.match(String(errors[0].error), /file too large/i);
  assert.match(String(errors[0].hint), /ulimit -f/);
  assert.equal(errors[0].exit_code, 1);

  const again = await runCli(["migrate", "--config", cfg, "--db-path", store, "--skip-backup"]);
  assert.equal(again.code, 0, again.stderr);
  const rows = await readRows(store);
  assert.equal(rows.length, 2000);
  assert.ok(rows.every((r) => r.metadata_version === 1));
});

test("with --log-format=json a usage error is one JSON object on stdout, and error/hint on stderr", async (t) => {
  const dir = tempDir(t);
  for (const args of [["migrate", "--db-path", path.join(dir, "missing"), "--log-format=json"], ["report", "--db-path", path.join(dir, "missing"), "--json"], ["migrate", "--bogus", "--log-format", "json"]]) {
    const run = await runCli(args);
    assert.equal(run.code, 2, run.stderr);
    assertReadable(run, args.join(" "));
    const lines = run.stdout.trim().split("\n");
    assert.equal(lines.length, 1, `one line on stdout:\n${run.stdout}`);
    const obj = JSON.parse(lines[0]) as Record<string, unknown>;
    assert.equal(obj.level, "error");
    assert.equal(obj.exit_code, 2);
    assert.ok(typeof obj.error === "string" && obj.error !== "" && typeof obj.hint === "string" && obj.hint !== "", JSON.stringify(obj));
  }
});
