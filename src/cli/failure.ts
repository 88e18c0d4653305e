/**
 * How a failed command ends: `error: <what happened>` and `hint: <what to do>` on stderr, and with
 * `--log-format=json` one JSON object (`level: "error"`) on stdout beside the other JSON lines. Never a stack
 * trace (DATUS_SCHEMA_DEBUG=1 adds it) and never a native debug dump.
 *
 * Decisions, all deliberate:
 * - A DatusError already says what to do; it is printed as it is, its text cleaned of native noise.
 * - A failure of the operating system under the store (disk full, quota, file-size limit, read-only
 *   filesystem, permission, too many open files, I/O error) is recognised wherever it comes from: a Node
 *   `code` (ENOSPC...) on the error or its causes, or the `(os error N)` / `Os { code: N ... }` text LanceDB's
 *   Rust core puts in its messages. Its hint names the fix; "re-run to resume" is said only with that fix,
 *   since a plain re-run hits the same wall.
 * - LanceDB's Rust messages carry source locations (`/usr/local/cargo/...rs:362:9`), `Caused by:` chains that
 *   repeat the message, and `IO { source: Generic { ... } }` debug structures: the locations and repeats are
 *   cut, a debug structure is replaced by the OS message and the path it names.
 */
import fs from "node:fs";
import path from "node:path";
import { DatusError, describeError, type ErrorCode } from "../errors.js";
import { printable, printableLines } from "../printable.js";
import { redactSecrets } from "../secrets.js";

export interface Failure {
  readonly message: string;
  readonly hint: string;
  readonly exitCode: 1 | 2;
  /** The DatusError code, `os` for an operating-system failure, `internal` for anything else. */
  readonly code: ErrorCode | "os" | "internal";
}

type OsKind = "full" | "quota" | "too-large" | "read-only" | "denied" | "not-a-directory" | "too-many-files" | "io";

/** Node error codes and Linux errno numbers of the failures a user fixes outside the tool. */
const BY_CODE: Readonly<Record<string, OsKind>> = {
  ENOSPC: "full",
  EDQUOT: "quota",
  EFBIG: "too-large",
  EROFS: "read-only",
  EACCES: "denied",
  EPERM: "denied",
  ENOTDIR: "not-a-directory",
  EMFILE: "too-many-files",
  ENFILE: "too-many-files",
  EIO: "io",
};
const BY_ERRNO: Readonly<Record<number, OsKind>> = { 28: "full", 122: "quota", 27: "too-large", 30: "read-only", 13: "denied", 1: "denied", 20: "not-a-directory", 24: "too-many-files", 23: "too-many-files", 5: "io" };
const BY_TEXT: readonly [RegExp, OsKind][] = [
  [/no space left on device/i, "full"],
  [/disk quota exceeded/i, "quota"],
  [/file too large/i, "too-large"],
  [/read-only file ?system/i, "read-only"],
  [/permission denied|operation not permitted/i, "denied"],
  [/not a directory/i, "not-a-directory"],
  [/too many open files/i, "too-many-files"],
];

interface OsCause {
  readonly kind: OsKind;
  readonly path?: string;
}

/** The operating-system failure behind `err` (its own code, a cause's, or the errno in its text), if any. */
function osCause(err: unknown): OsCause | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 8 && current !== undefined && current !== null; depth++) {
    const e = current as { code?: unknown; errno?: unknown; path?: unknown; cause?: unknown };
    const filePath = typeof e.path === "string" ? e.path : undefined;
    if (typeof e.code === "string" && BY_CODE[e.code] !== undefined) return { kind: BY_CODE[e.code], path: filePath };
    const text = describeError(current);
    const found = fromText(text);
    if (found !== undefined) return found;
    current = e.cause;
  }
  return undefined;
}

function fromText(text: string): OsCause | undefined {
  const quotedPath = /path: Some\("((?:[^"\\]|\\.)*)"\)/.exec(text)?.[1];
  const errno = /\(os error (\d+)\)|Os \{ code: (\d+)/.exec(text);
  const byNumber = errno === null ? undefined : BY_ERRNO[Number(errno[1] ?? errno[2])];
  const byText = BY_TEXT.find(([re]) => re.test(text))?.[1];
  const nodeCode = /\b(E[A-Z]{2,})\b: /.exec(text)?.[1];
  const kind = byText ?? byNumber ?? (nodeCode === undefined ? undefined : BY_CODE[nodeCode]);
  return kind === undefined ? undefined : { kind, path: quotedPath };
}

/** A Rust message without source locations, repeated `Caused by:` chains and debug structures. */
function cleanNativeMessage(text: string): string {
  let out = text.split(/\s*Caused by:/)[0];
  out = out.replace(/,?\s*(?:\/[^\s,]*|[A-Za-z]:\\[^\s,]*)\.rs:\d+:\d+/g, "");
  out = out.replace(/\bLanceError\(\w+\):\s*/g, "").replace(/\bGenericFailure,\s*/g, "");
  const debug = /\b[A-Z][A-Za-z]* \{ /.exec(out);
  if (debug !== null) {
    const messages = [...out.matchAll(/message: "((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]);
    const where = /path: Some\("((?:[^"\\]|\\.)*)"\)/.exec(out)?.[1];
    const inner = messages.at(-1) ?? "an I/O error";
    out = `${out.slice(0, debug.index).replace(/[\s:,]+$/, "")}: ${inner}${where === undefined ? "" : ` (${where})`}`;
  }
  return out.replace(/\s{2,}/g, " ").trim();
}

function freeSpace(of: string | undefined): string {
  if (of === undefined) return "";
  let dir = of;
  while (!fs.existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  try {
    const s = fs.statfsSync(dir);
    return ` (${Math.floor((s.bavail * s.bsize) / 2 ** 20)} MiB free there now)`;
  } catch {
    return "";
  }
}

const RESUME = "then re-run the same command: committed batches stay committed and it resumes where it stopped";

function osHint(cause: OsCause, storePath: string | undefined): string {
  const at = cause.path === undefined ? "" : ` ${printable(cause.path)}`;
  switch (cause.kind) {
    case "full":
      return `the disk holding${at || (storePath === undefined ? " the store" : ` ${printable(storePath)}`)} is full${freeSpace(cause.path ?? storePath)}: free space (old <store>.backup_v0_* directories are candidates), ${RESUME}`;
    case "quota":
      return `your disk quota is used up${at ? ` on${at}` : ""}: free space or raise the quota, ${RESUME}`;
    case "too-large":
      return `a file reached the size limit of this process or filesystem (see \`ulimit -f\`): raise it, ${RESUME}`;
    case "read-only":
      return `${at ? `${at.trim()} is` : "the store is"} on a read-only filesystem: remount it read-write, or copy the store somewhere writable and point --db-path there`;
    case "denied":
      return `this user may not write${at || " the store"}: run as the store's owner, or fix the permissions (chmod/chown); --db-path can point at a writable copy`;
    case "not-a-directory":
      return `a part of the path${at} is a file, not a directory: check --db-path / agent.storage.base_path`;
    case "too-many-files":
      return `too many open files: raise the limit (\`ulimit -n\`) or lower --workers, ${RESUME}`;
    case "io":
      return `the disk reported an I/O error${at ? ` on${at}` : ""}: check the device, ${RESUME}`;
  }
}

const UNEXPECTED_HINT =
  "if the cause is outside datus-schema (disk, permissions, the database), fix it and re-run the same command: committed batches stay committed; " +
  "otherwise report it with the output of DATUS_SCHEMA_DEBUG=1, which adds the stack trace";

/** What a user reads for `err`; `storePath`, when known, is where a full disk is measured. */
export function explainFailure(err: unknown, storePath?: string): Failure {
  const os = osCause(err);
  if (err instanceof DatusError) {
    const message = cleanNativeMessage(err.message);
    if (os === undefined || err.exitCode === 2) return { message, hint: err.hint, exitCode: err.exitCode, code: err.code };
    return { message, hint: osHint(os, storePath), exitCode: err.exitCode, code: err.code };
  }
  const message = cleanNativeMessage(describeError(err));
  if (os !== undefined) return { message, hint: osHint(os, storePath), exitCode: 1, code: "os" };
  return { message, hint: UNEXPECTED_HINT, exitCode: 1, code: "internal" };
}

/**
 * Print `err` as a failure (stderr, and one JSON object on stdout for `json`) and return its exit status.
 * Stored names in the message are escaped; known secrets are redacted.
 */
export function reportFailure(err: unknown, format: "text" | "json", storePath?: string): 1 | 2 {
  const f = explainFailure(err, storePath);
  const message = redactSecrets(f.message);
  const hint = redactSecrets(f.hint);
  let text = `error: ${printableLines(message)}\n`;
  if (hint) text += `hint: ${printableLines(hint)}\n`;
  if (process.env.DATUS_SCHEMA_DEBUG && err instanceof Error && err.stack) text += `${redactSecrets(err.stack)}\n`;
  writeQuietly(process.stderr, text);
  if (format === "json") {
    writeQuietly(process.stdout, `${JSON.stringify({ ts: new Date().toISOString(), level: "error", event: "error", code: f.code, exit_code: f.exitCode, error: message, hint })}\n`);
  }
  return f.exitCode;
}

/** A write that never throws (a closed pipe is not a second failure). */
function writeQuietly(stream: NodeJS.WriteStream, text: string): void {
  try {
    stream.write(text);
  } catch {
    // the reader is gone: nothing more can be said
  }
}
