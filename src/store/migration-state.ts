/**
 * The tool's bookkeeping, kept beside the table (CONTRACT §3: never inside schema_metadata):
 * `{store}/.datus-schema/state.json` remembers the version to roll back to, the backup taken, and the phase.
 */
import fs from "node:fs";
import path from "node:path";
import { DatusError, describeError } from "../errors.js";
import { fileError, LOCK_DIR } from "./store-lock.js";

export const STATE_DIR = ".datus-schema";
/** Lance tag that protects the pre-migration version from cleanup, so rollback always has it. */
export const PRE_MIGRATION_TAG = "datus-schema-before-migration";

/** How the table is being brought to v1 (recorded first, so a killed run finishes the same step). */
export interface ReshapeRecord {
  /** The table version before the step (for the record). */
  readonly fromVersion: number;
  /** The vector dimension of the rebuilt table (vectors of another size become null). */
  readonly dim: number;
  /** Every row becomes pending (metadata_version 0): the migration redoes it. */
  readonly pending: boolean;
  /**
   * Restore this table version first: datus-schema 0.1 re-shaped by rewriting the table in chunks, so its
   * interrupted re-shape left a partial table that only the recorded version holds whole.
   */
  readonly restoreVersion?: number;
  /** The table's schema metadata after the rebuild (the embedding-function entry). */
  readonly metadata: Readonly<Record<string, string>>;
}

export interface MigrationState {
  readonly tool: "datus-schema";
  /** The table version before this tool first wrote to it (rollback target). */
  readonly preMigrationVersion: number;
  readonly preMigrationShape: "v0" | "v1";
  readonly backupPath?: string;
  /** datus_db.cfg as it was before the first write (null: there was none), so rollback restores it too. */
  readonly datusCfgBefore?: string | null;
  /** `converting`: re-shaping the v0 table to v1; `migrating`: enriching rows; `done`: every row is v1. */
  readonly phase: "converting" | "migrating" | "done";
  /** Set while phase is `converting`: what the rebuild makes (absent in state files of datus-schema 0.1: a v0 re-shape). */
  readonly reshape?: ReshapeRecord;
  /**
   * The model this tool last embedded rows with. Absent in state files of datus-schema 0.1, whose rows
   * carry its offline hashing embedding; present (maybe without a model) from then on.
   */
  readonly vectors?: { readonly model?: { readonly registryName: string; readonly modelName: string; readonly dimSize: number } };
  readonly startedAt: string;
  readonly updatedAt: string;
}

export function stateDir(storePath: string): string {
  return path.join(storePath, STATE_DIR);
}

function statePath(storePath: string): string {
  return path.join(stateDir(storePath), "state.json");
}

/**
 * The state file, checked: a torn, garbled or hand-edited file is an error naming it (never a crash, never
 * a wrong rollback target). Undefined when there is none.
 */
export function readState(storePath: string): MigrationState | undefined {
  const file = statePath(storePath);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw fileError("read the migration record", file, err);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw damagedState(file, `not JSON (${describeError(err)})`);
  }
  const problem = stateProblem(value);
  if (problem) throw damagedState(file, problem);
  return value as MigrationState;
}

function damagedState(file: string, why: string): DatusError {
  return new DatusError(
    "store",
    `the migration record ${file} is damaged: ${why}`,
    `datus-schema writes it atomically, so something else changed it: put back a good copy (a directory backup <store>.backup_v0_* taken later than the migration holds one). ` +
      `The version to roll back to is also the table's Lance tag "${PRE_MIGRATION_TAG}". Do not delete the file to start over: rollback needs it`,
  );
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isVersion = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 1;
const isTime = (v: unknown) => typeof v === "string" && !Number.isNaN(Date.parse(v));

/** What is wrong with a parsed state file, or undefined. */
function stateProblem(v: unknown): string | undefined {
  if (!isObject(v)) return "not a JSON object";
  if (v.tool !== "datus-schema") return `"tool" is ${JSON.stringify(v.tool)}, not "datus-schema"`;
  if (!isVersion(v.preMigrationVersion)) return `"preMigrationVersion" is ${JSON.stringify(v.preMigrationVersion)}, not a table version`;
  if (v.preMigrationShape !== "v0" && v.preMigrationShape !== "v1") return `"preMigrationShape" is ${JSON.stringify(v.preMigrationShape)}`;
  if (v.backupPath !== undefined && typeof v.backupPath !== "string") return `"backupPath" is not a path`;
  if (v.datusCfgBefore !== undefined && v.datusCfgBefore !== null && typeof v.datusCfgBefore !== "string") return `"datusCfgBefore" is not text`;
  if (v.phase !== "converting" && v.phase !== "migrating" && v.phase !== "done") return `"phase" is ${JSON.stringify(v.phase)}`;
  if (v.reshape !== undefined) {
    const r = v.reshape;
    if (!isObject(r) || !isVersion(r.fromVersion) || !(typeof r.dim === "number" && Number.isInteger(r.dim) && r.dim > 0) || typeof r.pending !== "boolean" || !isObject(r.metadata) || !Object.values(r.metadata).every((m) => typeof m === "string")) {
      return `"reshape" is not a table rebuild record`;
    }
  }
  if (v.vectors !== undefined) {
    const m = isObject(v.vectors) ? v.vectors.model : null;
    if (!isObject(v.vectors) || (m !== undefined && !(isObject(m) && typeof m.registryName === "string" && typeof m.modelName === "string" && typeof m.dimSize === "number"))) {
      return `"vectors" is not an embedding model record`;
    }
  }
  if (!isTime(v.startedAt) || !isTime(v.updatedAt)) return `"startedAt"/"updatedAt" are not times`;
  return undefined;
}

/** Write atomically (temp file + rename) so a kill never leaves a torn state file. */
export function writeState(storePath: string, state: MigrationState): void {
  const file = statePath(storePath);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(stateDir(storePath), { recursive: true });
    fs.writeFileSync(tmp, JSON.stringify(state, null, 2));
    const fd = fs.openSync(tmp, "r");
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw fileError("write the migration record", file, err);
  }
}

/** What a finished rollback leaves, so a second rollback knows there is nothing more to undo. */
export interface RolledBack {
  readonly rolledBackAt: string;
  /** What the store was restored to, in words (`table version 3, as before the migration started ...`). */
  readonly restored: string;
}

function rolledBackPath(storePath: string): string {
  return path.join(stateDir(storePath), "rolled-back.json");
}

export function readRolledBack(storePath: string): RolledBack | undefined {
  const file = rolledBackPath(storePath);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw fileError("read the rollback record", file, err);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (!isObject(value) || !isTime(value.rolledBackAt) || typeof value.restored !== "string") {
    throw new DatusError("store", `the rollback record ${file} is damaged`, "if the store is as it was before the migration, delete the file; else restore a backup directory by hand");
  }
  return value as unknown as RolledBack;
}

/**
 * After a rollback: record it, then drop the undone migration's bookkeeping (the next migrate starts
 * afresh). The locks stay: the rollback still holds one.
 */
export function finishRollback(storePath: string, record: RolledBack): void {
  const file = rolledBackPath(storePath);
  try {
    fs.mkdirSync(stateDir(storePath), { recursive: true });
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(record, null, 2));
    fs.renameSync(`${file}.tmp`, file);
    for (const name of fs.readdirSync(stateDir(storePath))) {
      if (name === LOCK_DIR || name === path.basename(file)) continue;
      fs.rmSync(path.join(stateDir(storePath), name), { recursive: true, force: true });
    }
  } catch (err) {
    throw fileError("record the rollback in", stateDir(storePath), err);
  }
}

/** Tables whose embedding failed (left pending or stale), with why; the latest line per identifier wins. */
export function embeddingFailureFile(storePath: string, writer: string): string {
  return path.join(stateDir(storePath), `embedding-failures.${writer}.jsonl`);
}

export function recordEmbeddingFailures(storePath: string, writer: string, records: readonly { readonly identifier: string; readonly error?: string }[]): void {
  if (records.length === 0) return;
  fs.mkdirSync(stateDir(storePath), { recursive: true });
  const t = Date.now();
  fs.appendFileSync(embeddingFailureFile(storePath, writer), records.map((r) => `${JSON.stringify(r.error === undefined ? { identifier: r.identifier, ok: true, t } : { identifier: r.identifier, error: r.error, t })}\n`).join(""));
}

/** The embedding failures not resolved by a later success. */
export function readEmbeddingFailures(storePath: string): { identifier: string; error: string }[] {
  const dir = stateDir(storePath);
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.startsWith("embedding-failures.") && n.endsWith(".jsonl"));
  } catch {
    return [];
  }
  const latest = new Map<string, { error?: string; t: number }>();
  for (const name of names) {
    for (const line of fs.readFileSync(path.join(dir, name), "utf8").split("\n")) {
      if (!line.trim()) continue;
      try {
        const rec = JSON.parse(line) as { identifier?: unknown; error?: unknown; t?: unknown };
        if (typeof rec.identifier !== "string") continue;
        const t = typeof rec.t === "number" ? rec.t : 0;
        const seen = latest.get(rec.identifier);
        if (!seen || t >= seen.t) latest.set(rec.identifier, { error: typeof rec.error === "string" ? rec.error : undefined, t });
      } catch {
        // a torn last line from a killed run
      }
    }
  }
  return [...latest].filter(([, v]) => v.error !== undefined).map(([identifier, v]) => ({ identifier, error: v.error! }));
}

export interface ParseFailure {
  readonly identifier: string;
  readonly dialect: string;
  readonly error: string;
}

/**
 * Parse failures of migrated tables, one JSONL file per shard so concurrent shards never share a file. A line is
 * written only when a table's state changes: it fails (or fails otherwise than before), or a table that had
 * failed now reads (`ok: true`). Lines carry their time `t`, so the latest line wins across files.
 */
export function parseFailureFile(storePath: string, shard: string): string {
  return path.join(stateDir(storePath), `parse-failures.${shard}.jsonl`);
}

export function readParseFailures(storePath: string): ParseFailure[] {
  const dir = stateDir(storePath);
  if (!fs.existsSync(dir)) return [];
  const latest = new Map<string, { failure: ParseFailure | null; t: number }>();
  for (const name of fs.readdirSync(dir).sort()) {
    if (!name.startsWith("parse-failures.") || !name.endsWith(".jsonl")) continue;
    for (const line of fs.readFileSync(path.join(dir, name), "utf8").split("\n")) {
      if (!line.trim()) continue;
      try {
        // the whole record (it may carry the LLM fallback's reason) but its state and time
        const { ok, t: time, ...failure } = JSON.parse(line) as ParseFailure & { ok?: boolean; t?: unknown };
        const t = typeof time === "number" ? time : 0;
        const seen = latest.get(failure.identifier);
        if (seen !== undefined && t < seen.t) continue;
        // a later line with ok=true means the table parsed on a later run
        latest.set(failure.identifier, { failure: ok ? null : failure, t });
      } catch {
        // a torn last line from a killed run: skip it
      }
    }
  }
  return [...latest.values()].flatMap((v) => (v.failure === null ? [] : [v.failure]));
}

/**
 * The parse-failure log of one writer, written as states change (see {@link parseFailureFile}): it knows the
 * failures open when the run started, so a table that reads as before adds nothing.
 */
export class ParseFailureLog {
  private readonly open: Map<string, ParseFailure>;
  private readonly file: string;

  constructor(storePath: string, writer: string) {
    this.file = parseFailureFile(storePath, writer);
    this.open = new Map(readParseFailures(storePath).map((f) => [f.identifier, f]));
  }

  /** Records what a committed batch found: its failures and the identifiers that read. */
  record(failures: readonly ParseFailure[], parsedOk: readonly string[]): void {
    const t = Date.now();
    const lines: string[] = [];
    for (const f of failures) {
      const before = this.open.get(f.identifier);
      if (before !== undefined && before.error === f.error && before.dialect === f.dialect) continue;
      this.open.set(f.identifier, f);
      lines.push(JSON.stringify({ ...f, t }));
    }
    for (const identifier of parsedOk) {
      if (!this.open.delete(identifier)) continue;
      lines.push(JSON.stringify({ identifier, ok: true, t }));
    }
    if (lines.length === 0) return;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    fs.appendFileSync(this.file, `${lines.join("\n")}\n`);
  }
}

/** What the last run's query log (`--query-log`) gave, for `report`: its counts, warnings and unparsed queries. */
export interface QueryLogRecord {
  readonly path: string;
  /** When it was mined (ISO time). */
  readonly at: string;
  readonly queries: number;
  readonly failed: number;
  readonly skipped: number;
  readonly warnings: readonly string[];
  readonly unparsed: readonly { readonly sql: string; readonly reason: string }[];
}

function queryLogFile(storePath: string): string {
  return path.join(stateDir(storePath), "query-log.json");
}

export function writeQueryLogRecord(storePath: string, record: QueryLogRecord): void {
  const { path: logPath, at, queries, failed, skipped, warnings, unparsed } = record;
  try {
    fs.mkdirSync(stateDir(storePath), { recursive: true });
    fs.writeFileSync(queryLogFile(storePath), `${JSON.stringify({ path: logPath, at, queries, failed, skipped, warnings, unparsed }, null, 2)}\n`);
  } catch (err) {
    throw fileError("record the query log's results in", stateDir(storePath), err);
  }
}

/** The last run's query-log record, or undefined when there is none (or it cannot be read). */
export function readQueryLogRecord(storePath: string): QueryLogRecord | undefined {
  try {
    const rec = JSON.parse(fs.readFileSync(queryLogFile(storePath), "utf8")) as Partial<QueryLogRecord>;
    if (typeof rec.path !== "string" || typeof rec.queries !== "number") return undefined;
    return {
      path: rec.path,
      at: typeof rec.at === "string" ? rec.at : "",
      queries: rec.queries,
      failed: typeof rec.failed === "number" ? rec.failed : 0,
      skipped: typeof rec.skipped === "number" ? rec.skipped : 0,
      warnings: Array.isArray(rec.warnings) ? rec.warnings.filter((w): w is string => typeof w === "string") : [],
      unparsed: Array.isArray(rec.unparsed) ? rec.unparsed.filter((u) => typeof u?.sql === "string" && typeof u?.reason === "string") : [],
    };
  } catch {
    return undefined;
  }
}
