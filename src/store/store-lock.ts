/**
 * One writer per store. Every command that writes a store holds its lock for the whole run:
 * `{store}/.datus-schema/locks/store.lock` (exclusive: migrate, bootstrap, embed, rollback, demo), or, for
 * `migrate --shard K/N`, one `shard.<token>.lock` per shard process: shards share the store with each other
 * and exclude every exclusive run, which excludes them. Steps that only one shard may do (recording the
 * pre-migration state, rebuilding the table) take step locks (`record.lock`, `convert.lock`).
 *
 * A lock file is a JSON record (pid, host, command, start time, a random token) written to a temp file and
 * hard-linked into place, so it appears complete or not at all, and only one process can create it.
 * Its mtime is the heartbeat, refreshed while the holder runs. The holder is dead when, on this host, its
 * pid is gone (or now belongs to another process, or the machine rebooted), or, on another host, its
 * heartbeat is older than STALE_MS. A live holder on this host is never robbed, however slow it is.
 * A dead holder's lock is taken over by the one process that creates `<lock>.takeover-<token>` (the same
 * rule, recursively, for a taker that died); it replaces the lock only if it still holds that token.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DatusError, describeError } from "../errors.js";

export const LOCK_DIR = "locks";
/** How often a holder refreshes its lock's mtime. */
export const HEARTBEAT_MS = 5_000;
/** A lock of another host whose heartbeat is older than this is taken over. */
export const STALE_MS = 60_000;
/** How long an exclusive run waits for shards that saw it to step back. */
const SHARD_BACKOFF_MS = 1_000;

export interface LockHolder {
  readonly tool: "datus-schema";
  readonly pid: number;
  readonly host: string;
  /** What the holder runs, e.g. `migrate --shard 1/3`. */
  readonly command: string;
  readonly mode: "exclusive" | "shard" | "step";
  readonly startedAt: string;
  readonly token: string;
  /** This boot of the holder's machine and the holder's start time in it (Linux): a reused pid is not the holder. */
  readonly bootId?: string;
  readonly procStart?: string;
}

export interface StoreLock {
  readonly file: string;
  readonly holder: LockHolder;
  /** The dead holder this lock was taken over from, if any. */
  readonly tookOverFrom?: LockHolder;
  /** Stop the heartbeat and remove the lock (only if it is still ours). */
  release(): void;
  /** Stop the heartbeat and leave the file (it moved away with the store directory it was in). */
  detach(): void;
}

export function lockDir(storePath: string): string {
  return path.join(storePath, ".datus-schema", LOCK_DIR);
}

let commandLabel = process.argv[2] ?? "datus-schema";
const held = new Set<StoreLock>();
let exitHook = false;

function readProc(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

/** Fields of /proc/<pid>/stat after the command name: [0] state, [19] start time (clock ticks since boot). */
function procStat(pid: number): string[] | undefined {
  const stat = readProc(`/proc/${pid}/stat`);
  return stat === undefined ? undefined : stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

const bootId = readProc("/proc/sys/kernel/random/boot_id")?.trim();

function newHolder(mode: LockHolder["mode"]): LockHolder {
  return {
    tool: "datus-schema",
    pid: process.pid,
    host: os.hostname(),
    command: commandLabel,
    mode,
    startedAt: new Date().toISOString(),
    token: crypto.randomBytes(8).toString("hex"),
    bootId,
    procStart: procStat(process.pid)?.[19],
  };
}

/** A failed file operation on the store's bookkeeping, as an error that says what to do. */
export function fileError(what: string, file: string, err: unknown): DatusError {
  const code = (err as NodeJS.ErrnoException).code;
  const hint =
    code === "EACCES" || code === "EPERM" || code === "EROFS"
      ? `this user (uid ${process.getuid?.() ?? "?"}) cannot write ${path.dirname(file)}: run as the store's owner, or fix its permissions (a read-only store cannot be migrated)`
      : code === "ENOTDIR" || code === "EEXIST"
        ? "the store path is not a directory: check --db-path / --namespace"
        : code === "ENOSPC"
          ? "the disk is full: free space, then re-run"
          : "check that the store directory is writable, then re-run";
  return new DatusError("store", `cannot ${what} ${file}: ${describeError(err)}`, hint, { cause: err });
}

/** The record in a lock file; undefined when there is none. A file that is not a lock record is an error. */
function readHolder(file: string): { holder: LockHolder; mtimeMs: number } | undefined {
  let text: string;
  let mtimeMs: number;
  try {
    text = fs.readFileSync(file, "utf8");
    mtimeMs = fs.statSync(file).mtimeMs;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw fileError("read the lock", file, err);
  }
  let holder: Partial<LockHolder> | undefined;
  try {
    holder = JSON.parse(text) as Partial<LockHolder>;
  } catch {
    holder = undefined;
  }
  if (!holder || holder.tool !== "datus-schema" || typeof holder.pid !== "number" || typeof holder.host !== "string" || typeof holder.token !== "string") {
    throw new DatusError(
      "store",
      `the lock file ${file} is damaged: it is not a datus-schema lock record`,
      "datus-schema writes its locks whole, so something else wrote this file: if no datus-schema process is running on this store, delete it and re-run",
    );
  }
  return { holder: holder as LockHolder, mtimeMs };
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  return procStat(pid)?.[0] !== "Z"; // a killed process its parent has not reaped yet is gone
}

/** Whether the holder of a lock is gone (see the module comment). */
export function isStale(holder: LockHolder, mtimeMs: number, now = Date.now()): boolean {
  if (holder.host !== os.hostname()) return now - mtimeMs > STALE_MS;
  if (holder.bootId && bootId && holder.bootId !== bootId) return true;
  if (!pidAlive(holder.pid)) return true;
  const start = procStat(holder.pid)?.[19];
  return holder.procStart !== undefined && start !== undefined && start !== holder.procStart;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function tempFile(file: string, holder: LockHolder): string {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${holder.token}.${crypto.randomBytes(4).toString("hex")}.tmp`);
  for (let attempt = 0; ; attempt++) {
    try {
      fs.writeFileSync(tmp, JSON.stringify(holder));
      return tmp;
    } catch (err) {
      // a releasing process removed the (then empty) lock directory a moment ago: make it again
      if ((err as NodeJS.ErrnoException).code === "ENOENT" && attempt < 5) {
        makeDir(path.dirname(file));
        continue;
      }
      throw fileError("write the lock file", tmp, err);
    }
  }
}

/**
 * `mkdir -p` that survives a releasing process removing an emptied parent between its two mkdirs
 * (see removeEmptyDirs): ENOENT is retried a few times before it is an error.
 */
function makeDir(dir: string): void {
  for (let attempt = 0; ; attempt++) {
    try {
      fs.mkdirSync(dir, { recursive: true });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT" || attempt >= 20) throw err;
    }
  }
}

/** Remove the lock directory and the bookkeeping directory when nothing else is in them: a refused run leaves nothing. */
function removeEmptyDirs(file: string): void {
  for (const dir of [path.dirname(file), path.dirname(path.dirname(file))]) {
    try {
      fs.rmdirSync(dir);
    } catch {
      return; // not empty (or already gone): keep it
    }
  }
}

/** Create `file` holding `holder` if it does not exist (atomically: complete or absent). */
function createLock(file: string, holder: LockHolder): boolean {
  const tmp = tempFile(file, holder);
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw fileError("create the lock", file, err);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/**
 * Make `file` ours: create it, or take it over from a dead holder. Returns its holder: `mine` when we hold
 * it (with the dead holder we took it from), else the live one. `depth` counts takeovers of takeovers (a
 * taker that died in its few milliseconds).
 */
function claim(file: string, mine: LockHolder, depth = 0): { holder: LockHolder; tookOverFrom?: LockHolder } {
  const deadline = Date.now() + 5_000;
  for (;;) {
    if (createLock(file, mine)) return { holder: mine };
    const current = readHolder(file);
    if (!current) continue; // released meanwhile
    if (!isStale(current.holder, current.mtimeMs)) return { holder: current.holder };
    if (depth >= 4) {
      throw new DatusError("store", `cannot take over the lock ${file}: its takeovers keep failing`, `if no datus-schema process is running on this store, delete ${path.dirname(file)}/*.takeover-* and re-run`);
    }
    // only the process that holds the takeover marker of this holder's token may replace its lock
    const marker = `${file}.takeover-${current.holder.token}`;
    if (claim(marker, mine, depth + 1).holder === mine) {
      try {
        if (readHolder(file)?.holder.token === current.holder.token) {
          const tmp = tempFile(file, mine);
          try {
            fs.renameSync(tmp, file);
          } catch (err) {
            fs.rmSync(tmp, { force: true });
            throw fileError("take over the lock", file, err);
          }
          return { holder: mine, tookOverFrom: current.holder };
        }
      } finally {
        fs.rmSync(marker, { force: true });
      }
      continue;
    }
    // another process is taking it over: it takes milliseconds; then its lock is what we report
    if (Date.now() > deadline) return { holder: current.holder };
    sleepSync(20);
  }
}

function ensureLockDir(storePath: string, create: boolean): string | undefined {
  if (!create && !fs.existsSync(storePath)) return undefined;
  const dir = lockDir(storePath);
  try {
    makeDir(dir);
  } catch (err) {
    throw fileError("create the lock directory", dir, err);
  }
  return dir;
}

function hold(file: string, holder: LockHolder, tookOverFrom: LockHolder | undefined, onLost: (message: string) => void): StoreLock {
  const stop = () => {
    clearInterval(timer);
    held.delete(lock);
  };
  const ours = () => {
    try {
      return readHolder(file)?.holder.token === holder.token;
    } catch {
      return false;
    }
  };
  const timer = setInterval(() => {
    try {
      if (!ours()) throw new Error("the lock file was replaced or removed");
      const now = new Date();
      fs.utimesSync(file, now, now);
    } catch (err) {
      stop();
      onLost(`lost the lock ${file} while running (${describeError(err)})`);
    }
  }, HEARTBEAT_MS);
  timer.unref();
  const lock: StoreLock = {
    file,
    holder,
    tookOverFrom,
    release: () => {
      stop();
      if (ours()) {
        fs.rmSync(file, { force: true });
        removeEmptyDirs(file);
      }
    },
    detach: stop,
  };
  held.add(lock);
  if (!exitHook) {
    exitHook = true;
    process.on("exit", () => {
      for (const l of [...held]) l.release();
    });
  }
  return lock;
}

/** A run that lost its lock stops at once: another process may be writing the store now. */
function exitOnLost(message: string): void {
  process.stderr.write(`error: ${message}\nhint: another process may have taken the store over (a lock of another host looks dead after ${STALE_MS / 1000} s without a heartbeat); check with \`datus-schema report\`, then re-run\n`);
  process.exit(1);
}

/** One line naming a holder, for messages: `pid 123 on host h (migrate --shard 1/3) since ..., last heartbeat 2 s ago`. */
export function describeHolder(holder: LockHolder, mtimeMs?: number): string {
  const beat = mtimeMs === undefined ? "" : `, last heartbeat ${Math.max(0, Math.round((Date.now() - mtimeMs) / 1000))} s ago`;
  return `pid ${holder.pid} on host ${holder.host} (\`${holder.command}\`) since ${holder.startedAt}${beat}`;
}

function busy(storePath: string, file: string): DatusError {
  const current = readHolder(file);
  const who = current ? describeHolder(current.holder, current.mtimeMs) : "another process";
  return new DatusError(
    "failed",
    `another datus-schema process is writing ${storePath}: ${who}`,
    `wait for it to finish (or stop it) and re-run; a lock whose process is gone is taken over by the next run (lock: ${file})`,
  );
}

export interface LockOptions {
  /** What this run is, for the messages of runs it keeps out (`migrate --shard 2/4`). */
  readonly command: string;
  /** `migrate --shard K/N`: share the store with the other shards, exclude every other writer. */
  readonly shard?: boolean;
  /** Lock a store directory that does not exist yet (bootstrap, import). Otherwise there is nothing to lock. */
  readonly create: boolean;
  /** What to do when the lock is lost mid-run (default: print an error and exit 1). */
  readonly onLost?: (message: string) => void;
  readonly progress?: { warn(message: string): void };
}

/**
 * Take the store's writer lock for a whole command, or fail at once (exit 1) naming the process that
 * holds it. Returns undefined when the store directory does not exist and `create` is false (the command
 * then fails on its own, and no directory is left behind).
 */
export function lockStore(storePath: string, options: LockOptions): StoreLock | undefined {
  commandLabel = options.command;
  const dir = ensureLockDir(storePath, options.create);
  if (!dir) return undefined;
  const onLost = options.onLost ?? exitOnLost;
  const exclusive = path.join(dir, "store.lock");
  if (options.shard) {
    const mine = newHolder("shard");
    const file = path.join(dir, `shard.${mine.token}.lock`);
    if (!createLock(file, mine)) throw new DatusError("store", `cannot create the shard lock ${file}: it exists`, "re-run");
    try {
      for (;;) {
        const current = readHolder(exclusive);
        if (!current) break;
        if (!isStale(current.holder, current.mtimeMs)) throw busy(storePath, exclusive);
        // a dead exclusive holder: take its lock over, then let it go
        const taken = claim(exclusive, mine);
        if (taken.holder === mine) {
          fs.rmSync(exclusive, { force: true });
          if (taken.tookOverFrom) options.progress?.warn(`the lock of ${describeHolder(taken.tookOverFrom)} was left by a process that is gone: taken over`);
        }
      }
    } catch (err) {
      fs.rmSync(file, { force: true });
      throw err;
    }
    return hold(file, mine, undefined, onLost);
  }
  const mine = newHolder("exclusive");
  const taken = claim(exclusive, mine);
  if (taken.holder !== mine) throw busy(storePath, exclusive);
  const lock = hold(exclusive, mine, taken.tookOverFrom, onLost);
  try {
    // shards register first and then look for this lock: those that saw it step back within moments
    const deadline = Date.now() + SHARD_BACKOFF_MS;
    for (;;) {
      const shards = liveShards(dir);
      if (shards.length === 0) break;
      if (Date.now() > deadline) throw busy(storePath, shards[0]);
      sleepSync(50);
    }
  } catch (err) {
    lock.release();
    throw err;
  }
  if (taken.tookOverFrom) options.progress?.warn(`the lock of ${describeHolder(taken.tookOverFrom)} was left by a process that is gone: taken over`);
  return lock;
}

/** The lock files of live shards; those of dead shards are removed (each is only ever written by its owner). */
function liveShards(dir: string): string[] {
  const live: string[] = [];
  for (const name of fs.readdirSync(dir)) {
    if (!/^shard\.[0-9a-f]+\.lock$/.test(name)) continue;
    const file = path.join(dir, name);
    const current = readHolder(file);
    if (!current) continue;
    if (isStale(current.holder, current.mtimeMs)) fs.rmSync(file, { force: true });
    else live.push(file);
  }
  return live;
}

export interface StepClaim {
  /** Ours: do the step, then release. */
  readonly lock?: StoreLock;
  /** Else the live process doing it. */
  readonly holder?: LockHolder;
}

/**
 * A step only one of several shard processes may do (`record`, `convert`): ours to do, or the live
 * process doing it. A step lock whose process is gone is taken over.
 */
export function claimStep(storePath: string, name: string): StepClaim {
  const dir = ensureLockDir(storePath, true)!;
  const mine = newHolder("step");
  const file = path.join(dir, `${name}.lock`);
  const taken = claim(file, mine);
  if (taken.holder !== mine) return { holder: taken.holder };
  return { lock: hold(file, mine, taken.tookOverFrom, exitOnLost) };
}

/** `claimStep` as a release function, or undefined while a live process holds the step. */
export function tryLock(storePath: string, name: string): (() => void) | undefined {
  const { lock } = claimStep(storePath, name);
  return lock ? () => lock.release() : undefined;
}

/**
 * Wait until `done` gives a value (another shard finished the step), or until the step is ours to do: its
 * holder released it without finishing, or died (then we take it over at once, not after a timeout).
 */
export async function waitForStep<T>(
  storePath: string,
  name: string,
  done: () => T | undefined,
  what: string,
  progress: { log(message: string): void; warn(message: string): void },
  timeoutMs = 30 * 60_000,
): Promise<{ readonly value: T } | { readonly lock: StoreLock }> {
  const deadline = Date.now() + timeoutMs;
  let waitingFor: string | undefined;
  for (;;) {
    const value = done();
    if (value !== undefined) return { value };
    const step = claimStep(storePath, name);
    if (step.lock) {
      if (step.lock.tookOverFrom) progress.warn(`${describeHolder(step.lock.tookOverFrom)} stopped before finishing ${what}: this process does it`);
      return { lock: step.lock };
    }
    const holder = step.holder!;
    if (waitingFor !== holder.token) {
      waitingFor = holder.token;
      progress.log(`waiting for ${describeHolder(holder)} to finish ${what}`);
    }
    if (Date.now() > deadline) {
      throw new DatusError("failed", `gave up waiting ${Math.round(timeoutMs / 60_000)} min for ${describeHolder(holder)} to finish ${what}`, `that process is alive but not finishing: check it (stop it and re-run to take over its step)`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Wait until the step is ours (a live holder is waited for, a dead one's step taken over). */
export async function lockStep(storePath: string, name: string, what: string, progress: { log(message: string): void; warn(message: string): void }): Promise<StoreLock> {
  const step = await waitForStep<never>(storePath, name, () => undefined, what, progress);
  return "lock" in step ? step.lock : step.value;
}
