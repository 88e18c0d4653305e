/**
 * Reading `conf/agent.yml` (CONTRACT §2) and the choices every command makes from it:
 * which namespace, which store directory, which LLM, and how boolean flags are spelled.
 *
 * Decisions, all deliberate:
 * - Relative paths (`agent.home`, `agent.storage.base_path`, duckdb/sqlite `uri`, `--db-path`) are resolved
 *   against the current working directory, as the guide's shell snippets do, not the config file's folder.
 * - `${VAR}` is substituted in every value this tool reads; sections it does not read (nodes, workflow...)
 *   are left alone. An unset VAR is a config error naming the key and the variable, never a literal.
 * - A namespace or model entry that cannot be read (unset `${VAR}`, unknown type, bad port...) does not stop
 *   runs that never use it: its error is kept in `namespaceIssues`/`modelIssues` and raised, exit 2, by
 *   `selectNamespace`/`selectModel` when that entry is chosen. Everything else is checked at load time.
 * - Scalars are read as written: `password: 0123` is the string "0123", not the number 123.
 */

import fs from "node:fs";
import path from "node:path";
import { parseDocument, type ScalarTag, type Tags } from "yaml";
import { describeNames, findDialect, LIVE_DIALECTS, type LiveDialectName } from "../dialects/registry.js";
import { DatusError, configError, describeError, usageError } from "../errors.js";
import { DEFAULT_SAMPLING, type ProfileRule } from "../dialects/column-profile.js";
import { substituteEnv } from "./env-vars.js";
import { fileUriToPath, resolveUserPath } from "./paths.js";

/** A namespace's `type`: a dialect the tool reads live (`src/dialects/registry.ts`). */
export type NamespaceType = LiveDialectName;

/** One `agent.namespace.<name>` entry: a live database. */
export interface NamespaceConfig {
  /** The key under `agent.namespace`. */
  readonly name: string;
  /** `postgres` in the file is read as `postgresql`. */
  readonly type: NamespaceType;
  /**
   * duckdb/sqlite: the database file as an absolute path (a `duckdb:///` / `sqlite:///` prefix removed).
   * Other types: as written.
   */
  readonly uri?: string;
  readonly host?: string;
  readonly port?: number;
  readonly username?: string;
  readonly password?: string;
  readonly database?: string;
  readonly schema?: string;
  readonly catalog?: string;
  /** `max_connections`: the cap on concurrent connections to this database (default 4). */
  readonly maxConnections: number;
  /** `statement_timeout`: seconds any one statement may run before it is interrupted (default 120). */
  readonly statementTimeoutSeconds: number;
  /** `max_queries_per_second`: the pace of the statements sent to a server engine (absent: no pace). */
  readonly maxQueriesPerSecond?: number;
  /** How far statistics and relationship checks may read this database (the `sample_rows`, ... keys). */
  readonly sampling: SamplingRule;
}

/**
 * The sampling rule of a namespace: the bound on what statistics and relationship checks read. Keys sit beside
 * `max_connections` under `agent.namespace.<name>`: `sample_rows`, `exact_count_max_rows`, `top_values`,
 * `allow_pii_values` (see {@link ProfileRule}).
 */
export type SamplingRule = ProfileRule;



/** One `agent.models.<key>` entry: an OpenAI-compatible LLM. Absent text fields are `""`. */
export interface ModelConfig {
  readonly key: string;
  /** `type` as written (`openai`, `deepseek`, ...); `openai` when absent. */
  readonly type: string;
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly model: string;
}

/** The identity of an embedding model, as `datus_db.cfg` records it per store type. */
export interface EmbeddingIdentity {
  /** `registry_name` as written: `sentence-transformers` and `fastembed` (local ONNX), `openai`, `hashing`. */
  readonly registryName: string;
  readonly modelName: string;
  readonly dimSize: number;
}

/** `agent.storage.database`: the embedding model of schema_metadata. */
export interface EmbeddingConfig extends EmbeddingIdentity {
  /** `batch_size`: texts per embedding call (default 32, as Datus reads it). */
  readonly batchSize: number;
  /** `target_model`: the `agent.models` key whose base_url and api_key the `openai` registry uses. */
  readonly targetModel?: string;
  /** `model_path`: a local model directory (absolute), searched before the fastembed caches. */
  readonly modelPath?: string;
}

/** Why a config entry could not be read: raised as a config error (exit 2) when the entry is chosen. */
export interface ConfigIssue {
  readonly message: string;
  readonly hint: string;
}

export interface AgentConfig {
  /** The config file, absolute. */
  readonly path: string;
  /** `agent.home`, default `~/.datus`, absolute. */
  readonly home: string;
  /** `agent.storage.base_path`, default `{home}/data`, absolute: stores live at `{basePath}/datus_db_{namespace}`. */
  readonly basePath: string;
  /** Namespace entries that were read without problems. Choose one with `selectNamespace`. */
  readonly namespaces: Readonly<Record<string, NamespaceConfig>>;
  /** Namespace entries that could not be read, by name. */
  readonly namespaceIssues: Readonly<Record<string, ConfigIssue>>;
  /** Model entries that were read without problems. Choose one with `selectModel`. */
  readonly models: Readonly<Record<string, ModelConfig>>;
  /** Model entries that could not be read, by key. */
  readonly modelIssues: Readonly<Record<string, ConfigIssue>>;
  /** `agent.target`: the key of the default model. */
  readonly target?: string;
  readonly embedding: EmbeddingConfig;
  /** `agent.storage.document` and `agent.storage.metric` (defaults when absent): Datus's datus_db.cfg lists all three. */
  readonly otherEmbeddings: { readonly document: EmbeddingIdentity; readonly metric: EmbeddingIdentity };
  /**
   * Values that must never be printed or stored: every `password`/`api_key`/`secret`/`token` value, the values
   * of `${VAR}`s with such names, and passwords written inside URLs (`user:password@host`).
   */
  readonly secrets: readonly string[];
}

const DEFAULT_MAX_CONNECTIONS = 4;
const DEFAULT_STATEMENT_TIMEOUT_SECONDS = 120;
const DEFAULT_EMBEDDING: EmbeddingConfig = {
  registryName: "sentence-transformers",
  modelName: "all-MiniLM-L6-v2",
  dimSize: 384,
  batchSize: 32,
};

const NAMESPACE_TYPES_HINT = `use one of: ${describeNames(LIVE_DIALECTS)}`;

type YamlMap = Readonly<Record<string, unknown>>;

/**
 * Read and check the config file. Throws a config error (exit 2) for a missing or unreadable file,
 * a YAML syntax error (with line and column), a missing `agent` root, or a bad value of a global key.
 */
export function loadConfig(configPath: string, env: NodeJS.ProcessEnv = process.env): AgentConfig {
  const file = path.resolve(configPath);
  const agent = readAgentSection(configPath);

  const home = resolveUserPath(stringAt(agent, "home", "agent.home", env) ?? "~/.datus", env);
  const storage = mapAt(agent, "storage", "agent.storage") ?? {};
  const basePath = stringAt(storage, "base_path", "agent.storage.base_path", env);
  if (basePath?.trim() === "") {
    throw configError(
      "agent.storage.base_path is empty",
      "remove the key to use {agent.home}/data, or set it to the data directory",
    );
  }

  const namespaces = readEntries(mapAt(agent, "namespace", "agent.namespace"), (name, entry) =>
    readNamespace(name, entry, env),
  );
  const models = readEntries(mapAt(agent, "models", "agent.models"), (key, entry) => readModel(key, entry, env));

  return {
    path: file,
    home,
    basePath: basePath === undefined ? path.join(home, "data") : resolveUserPath(basePath, env),
    namespaces: namespaces.entries,
    namespaceIssues: namespaces.issues,
    models: models.entries,
    modelIssues: models.issues,
    target: stringAt(agent, "target", "agent.target", env),
    embedding: readEmbedding(mapAt(storage, "database", "agent.storage.database"), env),
    otherEmbeddings: {
      document: readIdentity(mapAt(storage, "document", "agent.storage.document"), "agent.storage.document", env),
      metric: readIdentity(mapAt(storage, "metric", "agent.storage.metric"), "agent.storage.metric", env),
    },
    secrets: secretsOf(agent, env),
  };
}

/** Keys and variable names that hold secrets. */
const SECRET_NAME = /pass(?:word)?|passwd|pwd|secret|token|api_?key|credential/i;
const VAR_REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const URL_PASSWORD = /\/\/[^/:@\s]*:([^@/\s]+)@/g;

/** The secrets anywhere under `agent` (see `AgentConfig.secrets`); entries that cannot be read still count. */
function secretsOf(agent: YamlMap, env: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  const walk = (value: unknown, key: string): void => {
    if (typeof value === "string") {
      const secretKey = SECRET_NAME.test(key);
      for (const [, name] of value.matchAll(VAR_REFERENCE)) {
        const resolved = env[name];
        if (resolved !== undefined && (secretKey || SECRET_NAME.test(name))) out.push(resolved);
      }
      let resolved = value;
      try {
        resolved = substituteEnv(value, key, env);
      } catch {
        // an unset ${VAR} is reported where the entry is used
      }
      if (secretKey) out.push(resolved);
      for (const [, password] of resolved.matchAll(URL_PASSWORD)) out.push(password, decodeURIComponentSafe(password));
    } else if (Array.isArray(value)) {
      for (const item of value) walk(item, key);
    } else if (isMap(value)) {
      for (const [k, v] of Object.entries(value)) walk(v, k);
    }
  };
  walk(agent, "agent");
  return [...new Set(out)];
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The namespace a command works on: `requested` (`--namespace`), else the only one configured,
 * else `undefined` when none is configured. Usage error (exit 2) for an unknown name or for several
 * configured and none named (never an interactive prompt). Does not read the entry: commands that
 * only need the store path (`report`, `rollback`) use this so a broken entry they never connect to cannot stop them.
 */
export function selectNamespaceName(config: AgentConfig, requested?: string): string | undefined {
  const names = [...Object.keys(config.namespaces), ...Object.keys(config.namespaceIssues)].sort();
  if (requested !== undefined) {
    if (names.includes(requested)) return requested;
    throw usageError(
      `--namespace ${requested} is not configured in ${config.path}`,
      names.length > 0
        ? `configured namespaces: ${names.join(", ")}`
        : `add it under agent.namespace in ${config.path}, or give --db-path`,
    );
  }
  if (names.length <= 1) return names[0];
  throw usageError(
    `${names.length} namespaces are configured (${names.join(", ")}) and --namespace names none`,
    `give --namespace ${names[0]} (or another of: ${names.join(", ")})`,
  );
}

/**
 * The live database a command connects to, chosen as `selectNamespaceName` does. Config error (exit 2)
 * when the chosen entry could not be read (unset `${VAR}`, unknown type...). `undefined` when none is configured.
 */
export function selectNamespace(config: AgentConfig, requested?: string): NamespaceConfig | undefined {
  const name = selectNamespaceName(config, requested);
  if (name === undefined) return undefined;
  const issue = config.namespaceIssues[name];
  if (issue !== undefined) throw configError(issue.message, issue.hint);
  return config.namespaces[name];
}

/**
 * The LLM to use: `requested` (`--llm-model`, a key of `agent.models` or the `model` name of one entry,
 * as the guide's `--llm-model=deepseek-chat` writes it), else `agent.target`.
 */
export function selectModel(config: AgentConfig, requested?: string): ModelConfig {
  const wanted = requested ?? config.target;
  const keys = [...Object.keys(config.models), ...Object.keys(config.modelIssues)].sort();
  const listed = keys.length > 0 ? `configured models: ${keys.join(", ")}` : `add one under agent.models in ${config.path}`;
  if (wanted === undefined) {
    throw usageError("no LLM chosen: --llm-model is not given and agent.target is not set", listed);
  }
  const issue = config.modelIssues[wanted];
  if (issue !== undefined) throw configError(issue.message, issue.hint);
  const model = config.models[wanted] ?? Object.values(config.models).find((m) => m.model === wanted);
  if (model !== undefined) return model;
  if (requested !== undefined) {
    throw usageError(`--llm-model ${requested} is neither a key nor a model name under agent.models`, listed);
  }
  throw configError(`agent.target is "${wanted}", which is not a key under agent.models`, listed);
}

/**
 * The store directory: `--db-path` (resolved against the working directory) wins; else
 * `{basePath}/datus_db_{namespace}`. Usage error when neither is given.
 */
export function storePathFor(config: AgentConfig, namespace: string | undefined, dbPath?: string): string {
  if (dbPath !== undefined) {
    if (dbPath.trim() === "") {
      throw usageError("--db-path is empty", "give the store directory, e.g. --db-path ~/.datus/data/datus_db_prod");
    }
    return resolveUserPath(dbPath, process.env);
  }
  if (namespace !== undefined) return path.join(config.basePath, `datus_db_${namespace}`);
  throw usageError(
    "no store chosen: give --namespace or --db-path",
    `name a namespace configured under agent.namespace in ${config.path}, or point --db-path at a store directory`,
  );
}

const TRUE_WORDS = new Set(["true", "yes", "1", "y", "t", "on"]);
const FALSE_WORDS = new Set(["false", "no", "0", "n", "f", "off"]);

/**
 * A boolean flag's value: true/false, yes/no, 1/0, y/n, t/f, on/off in any case, or a boolean.
 * `name` is the flag, with or without its leading `--`. Usage error for anything else.
 */
export function parseBoolFlag(name: string, value: unknown): boolean {
  if (typeof value === "boolean") return value;
  if (value === 1 || value === 0) return value === 1;
  if (typeof value === "string") {
    const word = value.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
  }
  const bare = name.replace(/^--?/, "");
  const shown = typeof value === "string" ? `"${value}"` : String(JSON.stringify(value) ?? value);
  throw usageError(
    `--${bare} must be true or false, got ${shown}`,
    `write --${bare}=true or --${bare}=false (also yes/no, 1/0, y/n, t/f, on/off), or --${bare} / --no-${bare}`,
  );
}

// ---------------------------------------------------------------------------------------------------------

/** The `agent` mapping of the file, or a config error saying why there is none. */
function readAgentSection(configPath: string): YamlMap {
  let text: string;
  try {
    text = fs.readFileSync(configPath, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      throw configError(`config file not found: ${configPath}`, "pass the agent config with --config conf/agent.yml");
    }
    if (code === "EISDIR") {
      throw configError(`--config ${configPath} is a directory`, "pass the file itself, e.g. --config conf/agent.yml");
    }
    throw configError(`cannot read config file ${configPath}: ${describeError(err)}`, "check the path and its permissions");
  }

  // Scalars are kept as the text they were written as (ints, floats and booleans included);
  // numeric keys are parsed below, so `password: 0123` stays "0123". `<<:` merge keys work as in PyYAML.
  const doc = parseDocument(text, {
    merge: true,
    customTags: keepScalarsAsText,
  });
  const syntaxError = doc.errors[0];
  if (syntaxError !== undefined) {
    const where = syntaxError.linePos?.[0];
    const at = where === undefined ? "" : ` at line ${where.line}, column ${where.col}`;
    const what = syntaxError.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
    throw configError(
      `YAML syntax error in ${configPath}${at}: ${what}`,
      `fix the YAML${at} (indentation, quotes, brackets, duplicated keys)`,
    );
  }
  let root: unknown;
  try {
    root = doc.toJS();
  } catch (err) {
    throw configError(
      `cannot read ${configPath}: ${describeError(err)}`,
      "check the YAML anchors and aliases (*name) in the file",
    );
  }
  if (!isMap(root) || root.agent === undefined || root.agent === null) {
    throw configError(
      `${configPath} has no root key "agent"`,
      `the file must start with "agent:"; every setting sits under it`,
    );
  }
  return mapAt(root, "agent", "agent") ?? {};
}

const KEEP_AS_TEXT = new Set(["tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool"]);

/** The YAML 1.2 core tags, with ints, floats and booleans resolving to their source text. */
function keepScalarsAsText(tags: Tags): Tags {
  return tags.map((tag): Tags[number] => {
    if (typeof tag !== "object" || "collection" in tag || !KEEP_AS_TEXT.has(tag.tag)) return tag;
    const asText: ScalarTag = { ...tag, resolve: (source: string) => source };
    return asText;
  });
}

/**
 * Each entry of a section, read by `read`; a config error it throws becomes that entry's issue
 * instead of stopping the load.
 */
function readEntries<T>(
  section: YamlMap | undefined,
  read: (key: string, entry: unknown) => T,
): { entries: Readonly<Record<string, T>>; issues: Readonly<Record<string, ConfigIssue>> } {
  const entries: Record<string, T> = {};
  const issues: Record<string, ConfigIssue> = {};
  for (const [key, entry] of Object.entries(section ?? {})) {
    try {
      entries[key] = read(key, entry);
    } catch (err) {
      if (!(err instanceof DatusError)) throw err;
      issues[key] = { message: err.message, hint: err.hint };
    }
  }
  return { entries: Object.freeze(entries), issues: Object.freeze(issues) };
}

function readNamespace(name: string, entry: unknown, env: NodeJS.ProcessEnv): NamespaceConfig {
  const keyPath = `agent.namespace.${name}`;
  if (!isMap(entry)) {
    throw configError(
      `${keyPath} must be a mapping of settings (type, uri or host, ...)`,
      `check the indentation under ${keyPath}`,
    );
  }
  const text = (key: string): string | undefined => stringAt(entry, key, `${keyPath}.${key}`, env);
  const written = text("type");
  if (written === undefined) throw configError(`${keyPath}.type is missing`, NAMESPACE_TYPES_HINT);
  const profile = LIVE_DIALECTS.find((p) => p === findDialect(written));
  if (profile === undefined) {
    throw configError(`${keyPath}.type is ${shownValue(entry, "type", written)}, which is not a supported database type`, NAMESPACE_TYPES_HINT);
  }

  const type = profile.name;
  let uri = text("uri");
  const ext = profile.live.fileExtension;
  if (ext !== undefined) {
    if (uri === undefined || uri.trim() === "") {
      const other = ["dbs", "path_pattern"].find((k) => entry[k] !== undefined && entry[k] !== null);
      throw configError(
        other === undefined
          ? `${keyPath}.uri is missing`
          : `${keyPath}.${other} is not supported; ${keyPath}.uri is missing`,
        `set uri: data/example.${ext} (or ${type}:///data/example.${ext}); one database file per namespace`,
      );
    }
    const file = fileUriToPath(uri.trim(), type, env);
    if (file === undefined) {
      throw configError(
        `${keyPath}.uri ${shownValue(entry, "uri", uri)} is neither a file path nor a ${type}:/// URI`,
        `write a path (data/example.${ext}), ${type}:///data/example.${ext}, or ${type}:////absolute/path.${ext}`,
      );
    }
    uri = file;
  }

  return {
    name,
    type,
    uri,
    host: text("host"),
    port: intAt(entry, "port", `${keyPath}.port`, env, 1, 65535),
    username: text("username"),
    password: text("password"),
    database: text("database"),
    schema: text("schema"),
    catalog: text("catalog"),
    maxConnections: intAt(entry, "max_connections", `${keyPath}.max_connections`, env, 1, 1024) ?? DEFAULT_MAX_CONNECTIONS,
    statementTimeoutSeconds: intAt(entry, "statement_timeout", `${keyPath}.statement_timeout`, env, 1, 86_400) ?? DEFAULT_STATEMENT_TIMEOUT_SECONDS,
    maxQueriesPerSecond: intAt(entry, "max_queries_per_second", `${keyPath}.max_queries_per_second`, env, 1, 100_000),
    sampling: {
      sampleRows: intAt(entry, "sample_rows", `${keyPath}.sample_rows`, env, 0, 1_000_000_000) ?? DEFAULT_SAMPLING.sampleRows,
      exactCountMaxRows: intAt(entry, "exact_count_max_rows", `${keyPath}.exact_count_max_rows`, env, 0, Number.MAX_SAFE_INTEGER) ?? DEFAULT_SAMPLING.exactCountMaxRows,
      topValues: intAt(entry, "top_values", `${keyPath}.top_values`, env, 0, 1000) ?? DEFAULT_SAMPLING.topValues,
      allowPiiValues: boolAt(entry, "allow_pii_values", `${keyPath}.allow_pii_values`, env) ?? DEFAULT_SAMPLING.allowPiiValues,
    },
  };
}

/** A yes/no under `key` (`true/false`, `yes/no`, `on/off`, `1/0`, any case); `undefined` when absent. */
function boolAt(parent: YamlMap, key: string, keyPath: string, env: NodeJS.ProcessEnv): boolean | undefined {
  const written = stringAt(parent, key, keyPath, env);
  if (written === undefined) return undefined;
  const word = written.trim().toLowerCase();
  if (["true", "yes", "on", "1"].includes(word)) return true;
  if (["false", "no", "off", "0"].includes(word)) return false;
  throw configError(`${keyPath} is ${shownValue(parent, key, written)}, not true or false`, `write ${key}: true or ${key}: false`);
}

function readModel(key: string, entry: unknown, env: NodeJS.ProcessEnv): ModelConfig {
  const keyPath = `agent.models.${key}`;
  if (!isMap(entry)) {
    throw configError(
      `${keyPath} must be a mapping (type, base_url, api_key, model)`,
      `check the indentation under ${keyPath}`,
    );
  }
  const text = (k: string): string | undefined => stringAt(entry, k, `${keyPath}.${k}`, env);
  const model = text("model");
  if (model === undefined || model.trim() === "") {
    throw configError(`${keyPath}.model is missing`, `set the model name the API expects, e.g. model: deepseek-chat`);
  }
  return { key, type: text("type") ?? "openai", baseUrl: text("base_url") ?? "", apiKey: text("api_key") ?? "", model };
}

function readIdentity(section: YamlMap | undefined, keyPath: string, env: NodeJS.ProcessEnv): EmbeddingIdentity {
  if (section === undefined) return { registryName: DEFAULT_EMBEDDING.registryName, modelName: DEFAULT_EMBEDDING.modelName, dimSize: DEFAULT_EMBEDDING.dimSize };
  return {
    registryName: stringAt(section, "registry_name", `${keyPath}.registry_name`, env) ?? DEFAULT_EMBEDDING.registryName,
    modelName: stringAt(section, "model_name", `${keyPath}.model_name`, env) ?? DEFAULT_EMBEDDING.modelName,
    dimSize: intAt(section, "dim_size", `${keyPath}.dim_size`, env, 1, 65536) ?? DEFAULT_EMBEDDING.dimSize,
  };
}

function readEmbedding(section: YamlMap | undefined, env: NodeJS.ProcessEnv): EmbeddingConfig {
  if (section === undefined) return DEFAULT_EMBEDDING;
  const keyPath = "agent.storage.database";
  const modelPath = stringAt(section, "model_path", `${keyPath}.model_path`, env);
  const targetModel = stringAt(section, "target_model", `${keyPath}.target_model`, env);
  return {
    ...readIdentity(section, keyPath, env),
    batchSize: intAt(section, "batch_size", `${keyPath}.batch_size`, env, 1, 4096) ?? DEFAULT_EMBEDDING.batchSize,
    ...(targetModel === undefined || targetModel.trim() === "" ? {} : { targetModel: targetModel.trim() }),
    ...(modelPath === undefined || modelPath.trim() === "" ? {} : { modelPath: resolveUserPath(modelPath.trim(), env) }),
  };
}

function isMap(value: unknown): value is YamlMap {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The mapping under `key`; `undefined` when absent or null; a config error when it is not a mapping. */
function mapAt(parent: YamlMap, key: string, keyPath: string): YamlMap | undefined {
  const value = parent[key];
  if (value === undefined || value === null) return undefined;
  if (!isMap(value)) {
    throw configError(`${keyPath} must be a mapping, not ${describeValue(value)}`, `indent its settings under ${key}:`);
  }
  return value;
}

/** The text under `key` with `${VAR}` substituted; `undefined` when absent or null. */
function stringAt(parent: YamlMap, key: string, keyPath: string, env: NodeJS.ProcessEnv): string | undefined {
  const value = parent[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") {
    throw configError(`${keyPath} must be a single value, not ${describeValue(value)}`, `write ${key}: <value> on one line`);
  }
  return substituteEnv(value, keyPath, env);
}

/** A whole number in [min, max] under `key` (written as a number or coming from `${VAR}`). */
function intAt(
  parent: YamlMap,
  key: string,
  keyPath: string,
  env: NodeJS.ProcessEnv,
  min: number,
  max: number,
): number | undefined {
  const written = stringAt(parent, key, keyPath, env);
  if (written === undefined) return undefined;
  const digits = written.trim();
  const value = /^\d+$/.test(digits) ? Number(digits) : Number.NaN;
  if (!(value >= min && value <= max)) {
    throw configError(
      `${keyPath} is ${shownValue(parent, key, written)}, not a whole number from ${min} to ${max}`,
      `write ${key}: <number> with a number from ${min} to ${max}`,
    );
  }
  return value;
}

/**
 * A value for an error message: as written in the file when it comes from `${VAR}` (the variable's value
 * may be a secret put under the wrong key), else as read.
 */
function shownValue(parent: YamlMap, key: string, resolved: string): string {
  const raw = parent[key];
  return typeof raw === "string" && raw.includes("${") ? `"${raw}" (from the environment)` : `"${resolved}"`;
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (isMap(value)) return "a mapping";
  return `"${String(value)}"`;
}

