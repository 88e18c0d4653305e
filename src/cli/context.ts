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
import { DatusError, describeError, usageError } from "../errors.js";
import type { Dialect } from "../model.js";
import { ConsoleProgress, type LogFormat, type Progress } from "../engine/progress.js";
import { defaultWorkers } from "../engine/pipeline.js";

export const DEFAULT_CONFIG = "conf/agent.yml";
export const BUSINESS_TERMS_FILE = "business_terms.yml";

export interface CommonArgs {
  readonly config?: string;
  readonly namespace?: string;
  readonly dbPath?: string;
  readonly logFormat?: string;
  readonly workers?: number;
}

export function withCommonOptions<T>(y: Argv<T>, options: { workers: boolean; dbPath: boolean }) {
  let out = y
    .option("config", { type: "string", describe: `agent.yml to read (default ${DEFAULT_CONFIG} when it exists)` })
    .option("namespace", { type: "string", describe: "namespace in agent.namespace (default: the only one configured)" })
    .option("log-format", { type: "string", choices: ["text", "json"], default: "text", describe: "text, or one JSON object per line" });
  if (options.dbPath) out = out.option("db-path", { type: "string", describe: "the LanceDB store directory (overrides config and namespace)" });
  if (options.workers) out = out.option("workers", { type: "number", describe: "worker threads (default: CPU cores)" });
  return out;
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

/** A numeric flag: a whole number >= `min`, or the default when absent. Usage error (exit 2) otherwise. */
export function wholeNumber(name: string, value: number | undefined, defaultValue: number, min = 0): number {
  if (value === undefined) return defaultValue;
  if (!Number.isInteger(value) || value < min) throw usageError(`${name} ${String(value)}: expected a whole number >= ${min}`);
  return value;
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
 * `live: true` reads the chosen namespace's whole entry (a broken entry is an error then); otherwise only
 * its name is needed, so a namespace whose `${VAR}` is unset never stops `report` or `rollback`.
 */
export function resolveContext(args: CommonArgs, needs: { live: boolean }): Context {
  const logFormat: LogFormat = args.logFormat === "json" ? "json" : "text";
  const workers = args.workers ?? defaultWorkers();
  if (!Number.isInteger(workers) || workers < 1) throw usageError(`--workers ${args.workers}: expected a whole number >= 1`);
  const config = readConfig(args);
  if (!config && !args.dbPath) {
    throw usageError(`no config: ${DEFAULT_CONFIG} does not exist here and --config was not given`, "pass --config path/to/agent.yml, or --db-path path/to/store");
  }
  let namespace: NamespaceConfig | undefined;
  let storePath: string;
  if (config) {
    // --db-path alone names no namespace; with --namespace too, the namespace still gives the dialect and source
    const name = args.dbPath && !args.namespace ? undefined : selectNamespaceName(config, args.namespace);
    if (name && needs.live) namespace = selectNamespace(config, name);
    else if (name && !config.namespaceIssues[name]) namespace = selectNamespace(config, name);
    storePath = storePathFor(config, name, args.dbPath);
  } else {
    storePath = path.resolve(args.dbPath!);
  }
  return { config, namespace, storePath, progress: new ConsoleProgress(logFormat), logFormat, workers, tagTermsYaml: config ? readTagTerms(config.path) : undefined };
}

/** The tag dictionary file beside agent.yml: read and checked here, so a bad one is exit 2 before any work. */
function readTagTerms(configPath: string): string | undefined {
  const file = path.join(path.dirname(configPath), BUSINESS_TERMS_FILE);
  if (!fs.existsSync(file)) return undefined;
  const text = fs.readFileSync(file, "utf8");
  loadTagDictionary(text);
  return text;
}

export const DIALECT_NAMES: readonly Dialect[] = [
  "mysql",
  "mariadb",
  "postgresql",
  "redshift",
  "sqlite",
  "duckdb",
  "starrocks",
  "snowflake",
  "bigquery",
  "sqlserver",
  "oracle",
  "hive",
];

export function parseDialect(value: string, flagName: string): Dialect {
  const v = value.toLowerCase() === "postgres" ? "postgresql" : value.toLowerCase();
  const d = DIALECT_NAMES.find((n) => n === v);
  if (!d) throw usageError(`${flagName} ${value}: unknown dialect`, `use one of: ${DIALECT_NAMES.join(", ")}`);
  return d;
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

/** Run a command body, map errors to messages and exit codes. */
export async function runCommand(body: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await body();
  } catch (err) {
    if (err instanceof DatusError) {
      process.stderr.write(`error: ${err.message}\n`);
      if (err.hint) process.stderr.write(`hint: ${err.hint}\n`);
      process.exitCode = err.exitCode;
    } else {
      process.stderr.write(`error: ${describeError(err)}\n`);
      if (err instanceof Error && err.stack && process.env.DATUS_SCHEMA_DEBUG) process.stderr.write(`${err.stack}\n`);
      process.stderr.write("hint: committed batches stay committed; re-run the same command to resume, or set DATUS_SCHEMA_DEBUG=1 for a stack trace\n");
      process.exitCode = 1;
    }
  }
}
