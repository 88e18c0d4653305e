/**
 * What every command shares: the common flags, reading the config, choosing the namespace and the store,
 * turning signals into an abort, and turning errors into messages and exit codes.
 */
import fs from "node:fs";
import path from "node:path";
import type { Argv } from "yargs";
import {
  type AgentConfig,
  loadConfig,
  type NamespaceConfig,
  parseBoolFlag,
  selectNamespace,
  selectNamespaceName,
  storePathFor,
} from "../config/load-config.js";
import { loadTagDictionary } from "../enrich/tag-dictionary.js";
import { configError, DatusError, usageError } from "../errors.js";
import { DIALECTS, findDialect } from "../dialects/registry.js";
import type { Dialect } from "../model.js";
import { printable } from "../printable.js";
import { registerSecrets } from "../secrets.js";
import { SCHEMA_TABLE } from "../store/schemas.js";
import { ConsoleProgress, type LogFormat, type Progress } from "../engine/progress.js";
import { defaultWorkers } from "../engine/pipeline.js";
import { reportFailure } from "./failure.js";

export const DEFAULT_CONFIG = "conf/agent.yml";
export const BUSINESS_TERMS_FILE = "business_terms.yml";

export interface CommonArgs {
  readonly config?: string;
  readonly namespace?: string;
  readonly dbPath?: string;
  readonly logFormat?: string;
  /** As typed: checked by `workerCount`. */
  readonly workers?: unknown;
}

export function withCommonOptions<T>(y: Argv<T>, options: { workers: boolean; dbPath: boolean }) {
  let out = y
    .option("config", { type: "string", describe: `agent.yml to read (default ${DEFAULT_CONFIG} when it exists)` })
    .option("namespace", { type: "string", describe: "namespace in agent.namespace (default: the only one configured)" })
    .option("log-format", { type: "string", choices: ["text", "json"], default: "text", describe: "text, or one JSON object per line" });
  if (options.dbPath) out = out.option("db-path", { type: "string", describe: "the LanceDB store directory (overrides config and namespace)" });
  if (options.workers) out = out.option("workers", workersOption());
  return out;
}

/** `--workers`: read by `workerCount`. */
export function workersOption() {
  return numberOption(`worker threads (default: the ${defaultWorkers()} CPU cores; at most ${MAX_WORKERS_PER_CORE} x cores)`);
}

/**
 * A numeric flag, read by `wholeNumber` from the text as typed (no yargs type: `[number]` would turn `abc`
 * into NaN before anyone could say what was typed).
 */
export function numberOption(describe: string) {
  return { describe: `${describe} [number]`, requiresArg: true };
}

/** A boolean flag in every form the CONTRACT allows: `--f`, `--no-f`, `--f=yes|no|true|false|1|0`. */
export function boolOption(describe: string, defaultValue: boolean) {
  // no yargs type: `[boolean]` would reject yes/no, `[string]` would mislead in --help; `flag` reads every form
  return { describe: `${describe} (true/false/yes/no/1/0, default ${defaultValue})`, coerce: (v: string | boolean) => v };
}

export function flag(name: string, value: unknown, defaultValue: boolean): boolean {
  if (value === undefined) return defaultValue;
  if (value === "") return true;
  return parseBoolFlag(name, value);
}

/**
 * A numeric flag: a whole number >= `min`, or the default when absent. Usage error (exit 2) naming the flag
 * and what was typed otherwise.
 */
export function wholeNumber(name: string, value: unknown, defaultValue: number, min = 0): number {
  if (value === undefined) return defaultValue;
  if (Array.isArray(value)) throw usageError(`${name} is given ${value.length} times`, `give ${name} once`);
  const text = typeof value === "string" ? value.trim() : String(value);
  const n = typeof value === "number" ? value : /^[+]?\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min) {
    const shown = typeof value === "string" ? `"${printable(value)}"` : printable(String(value));
    throw usageError(`${name} ${shown}: expected a whole number >= ${min}`, `write e.g. ${name} ${Math.max(min, defaultValue)}`);
  }
  return n;
}

/** Worker threads beyond this many per CPU core only add memory: `--workers 1000` once grew to 14 GB and died. */
const MAX_WORKERS_PER_CORE = 4;

/**
 * `--workers`: a whole number >= 1 (default: the CPU cores), capped at MAX_WORKERS_PER_CORE x cores with a
 * note saying so.
 */
export function workerCount(value: unknown, progress: Progress): number {
  const cores = defaultWorkers();
  const requested = wholeNumber("--workers", value, cores, 1);
  const cap = MAX_WORKERS_PER_CORE * cores;
  if (requested <= cap) return requested;
  progress.warn(`--workers ${requested} capped at ${cap} (${MAX_WORKERS_PER_CORE} x the ${cores} CPU cores): more threads only add memory, each holds its own parser and model`);
  return cap;
}

export interface Context {
  readonly config?: AgentConfig;
  readonly namespace?: NamespaceConfig;
  readonly storePath: string;
  readonly progress: Progress;
  readonly logFormat: LogFormat;
  readonly workers: number;
  /** business_terms.yml beside the config (checked already), the workers' tag dictionary. */
  readonly tagTermsYaml?: string;
}

function readConfig(args: CommonArgs): AgentConfig | undefined {
  if (args.config) return loadConfig(path.resolve(args.config));
  if (fs.existsSync(DEFAULT_CONFIG)) return loadConfig(path.resolve(DEFAULT_CONFIG));
  return undefined;
}

/**
 * What a command does with its store directory, checked before any work (a store that is not there, or is a
 * file, is exit 2 naming --db-path or the config key; one that cannot be written is exit 1 before anything
 * changes):
 * - `read`: it must exist (report, migrate --dry-run);
 * - `write`: it must exist and be writable (migrate, embed);
 * - `write-or-missing`: it may be missing; when there it must be writable (bootstrap and migrate --import-only,
 *   which create it; rollback, which can bring a deleted store back from its backup).
 * - `read-or-missing`: it may be missing and is never written (bootstrap --dry-run).
 */
export type StoreUse = "read" | "read-or-missing" | "write" | "write-or-missing";

/** The store of the command running, once known: failure hints say how much room is left on its disk. */
let activeStore: string | undefined;

/**
 * `live: true` reads the chosen namespace's whole entry (a broken entry is an error then); otherwise only
 * its name is needed, so a namespace whose `${VAR}` is unset never stops `report` or `rollback`.
 */
export function resolveContext(args: CommonArgs, needs: { live: boolean; store: StoreUse }): Context {
  const logFormat: LogFormat = args.logFormat === "json" ? "json" : "text";
  const progress = new ConsoleProgress(logFormat);
  const workers = workerCount(args.workers, progress);
  const config = readConfig(args);
  if (config) registerSecrets(config.secrets);
  if (!config && !args.dbPath) {
    throw usageError(`no config: ${DEFAULT_CONFIG} does not exist here and --config was not given`, "pass --config path/to/agent.yml, or --db-path path/to/store");
  }
  let namespace: NamespaceConfig | undefined;
  let storePath: string;
  let name: string | undefined;
  if (config) {
    // --db-path alone names no namespace; with --namespace too, the namespace still gives the dialect and source
    name = args.dbPath && !args.namespace ? undefined : selectNamespaceName(config, args.namespace);
    if (name && needs.live) namespace = selectNamespace(config, name);
    else if (name && !config.namespaceIssues[name]) namespace = selectNamespace(config, name);
    storePath = storePathFor(config, name, args.dbPath);
  } else {
    storePath = path.resolve(args.dbPath!);
  }
  checkStore(storePath, needs.store, args.dbPath !== undefined ? { flag: "--db-path" } : { namespace: name ?? "", config: config?.path ?? "" });
  activeStore = storePath;
  return { config, namespace, storePath, progress, logFormat, workers, tagTermsYaml: config ? readTagTerms(config.path) : undefined };
}

/** Where the store path came from, for the message. */
type StoreOrigin = { readonly flag: "--db-path" } | { readonly namespace: string; readonly config: string };

function checkStore(storePath: string, use: StoreUse, origin: StoreOrigin): void {
  const shown = printable(storePath);
  const named = "flag" in origin ? `--db-path ${shown}` : `the store of namespace ${origin.namespace} (${shown})`;
  const fix =
    "flag" in origin
      ? `point --db-path at the store directory, the one holding ${SCHEMA_TABLE}.lance (a namespace's store is {base_path}/datus_db_{namespace})`
      : `a namespace's store is {agent.storage.base_path}/datus_db_${origin.namespace}: check agent.storage.base_path in ${origin.config}, or build the store with \`datus-schema bootstrap --namespace ${origin.namespace}\``;
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(storePath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOTDIR") throw storeUsage(`${named}: a part of the path is a file, not a directory`, fix, origin);
    if (code !== "ENOENT") throw new DatusError("store", `cannot read ${named}: ${(err as Error).message}`, "", { cause: err });
  }
  if (stat === undefined) {
    if (use === "read" || use === "write") throw storeUsage(`${named} does not exist`, fix, origin);
    return;
  }
  if (!stat.isDirectory()) throw storeUsage(`${named} is a file, not a store directory`, fix, origin);
  if (use === "write" || use === "write-or-missing") checkWritable(storePath, named);
}

function storeUsage(message: string, hint: string, origin: StoreOrigin): DatusError {
  return "flag" in origin ? usageError(message, hint) : configError(message, hint);
}

/**
 * The store directory and the directories LanceDB and this tool write in (the table's, its version, data
 * and transaction folders, `.datus-schema`) must be writable: found out now, not after a backup and a re-shape.
 */
function checkWritable(storePath: string, named: string): void {
  const table = path.join(storePath, `${SCHEMA_TABLE}.lance`);
  const dirs = [storePath, path.join(storePath, ".datus-schema"), table, ...["_versions", "data", "_transactions", "_indices", "_deletions"].map((d) => path.join(table, d))];
  for (const dir of dirs) {
    try {
      if (fs.existsSync(dir)) fs.accessSync(dir, fs.constants.W_OK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? "";
      const why = code === "EROFS" ? "it is on a read-only filesystem" : code === "EACCES" || code === "EPERM" ? "this user may not write it" : (err as Error).message;
      throw new DatusError("store", `cannot write ${named}: ${why} (${printable(dir)}); nothing was changed`, "", { cause: err });
    }
  }
}

/** The tag dictionary file beside agent.yml: read and checked here, so a bad one is exit 2 before any work. */
function readTagTerms(configPath: string): string | undefined {
  const file = path.join(path.dirname(configPath), BUSINESS_TERMS_FILE);
  if (!fs.existsSync(file)) return undefined;
  const text = fs.readFileSync(file, "utf8");
  loadTagDictionary(text);
  return text;
}

/** The `--dialect` value (a registered dialect's name or alias, any case) as the dialect it names. */
export function parseDialect(value: string, flagName: string): Dialect {
  const d = findDialect(value);
  if (!d) throw usageError(`${flagName} ${value}: unknown dialect`, `use one of: ${DIALECTS.map((p) => p.name).join(", ")}`);
  return d.name;
}

/** A namespace's engine is its DDL dialect (config loading already turned `postgres` into `postgresql`). */
export function namespaceDialect(ns: NamespaceConfig | undefined): Dialect {
  return ns ? ns.type : "unknown";
}

/**
 * SIGINT/SIGTERM stop taking work; the command commits what is done and reports. A second signal ends the
 * process at once, whatever native code (a database query, LanceDB) is running: SIGKILL to itself, since a
 * normal exit waits for native threads to wind down. Committed batches stay committed either way.
 */
export function interruptSignal(progress: Progress): AbortSignal {
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      process.stderr.write(`\n${sig} again: exiting now; committed batches stay committed\n`);
      process.kill(process.pid, "SIGKILL");
    }
    progress.warn(`${sig} received: finishing the batches in flight, committing them, then stopping (press again to exit at once)`);
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return controller.signal;
}

/**
 * Run a command body, map errors to messages and exit codes (failure.ts): `error:` and `hint:` on stderr,
 * and one JSON object on stdout when the command's output is JSON.
 */
export async function runCommand(format: LogFormat, body: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await body();
  } catch (err) {
    process.exitCode = reportFailure(err, format, activeStore);
  }
}

/** The log format of a command's arguments, read leniently (a bad value is reported by the command itself). */
export function logFormatOf(args: { readonly logFormat?: unknown }): LogFormat {
  return args.logFormat === "json" ? "json" : "text";
}
