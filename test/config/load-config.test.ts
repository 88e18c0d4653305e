import { after, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DatusError } from "../../src/errors.js";
import {
  loadConfig,
  parseBoolFlag,
  selectModel,
  selectNamespace,
  selectNamespaceName,
  storePathFor,
  type AgentConfig,
} from "../../src/config/load-config.js";

const HOME = "/home/tester";
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "datus-config-"));
after(() => fs.rmSync(TMP, { recursive: true, force: true }));

function writeConfig(yaml: string): string {
  const file = path.join(fs.mkdtempSync(path.join(TMP, "case-")), "agent.yml");
  fs.writeFileSync(file, yaml);
  return file;
}

function load(yaml: string, env: NodeJS.ProcessEnv = {}): AgentConfig {
  return loadConfig(writeConfig(yaml), { HOME, ...env });
}

/** Assert `fn` throws a DatusError with this exit code whose message contains every fragment. */
function assertDatusError(fn: () => unknown, exitCode: 1 | 2, ...fragments: string[]): DatusError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof DatusError, `expected a DatusError, got ${String(caught)}`);
  assert.equal(caught.exitCode, exitCode);
  for (const fragment of fragments) assert.ok(caught.message.includes(fragment), `"${caught.message}" lacks "${fragment}"`);
  assert.notEqual(caught.hint, "", "every error says what to do");
  return caught;
}

const TWO_NAMESPACES = `
agent:
  namespace:
    prod:
      type: postgres
      host: db.example.com
      port: 5432
      username: reader
      password: \${PG_PASSWORD}
      database: shop
      schema: public
      max_connections: 8
    local:
      type: duckdb
      uri: duckdb:///data/shop.duckdb
`;

test("${VAR} in a value is replaced from the environment", () => {
  const config = load(TWO_NAMESPACES, { PG_PASSWORD: "s3cret" });
  const prod = selectNamespace(config, "prod");
  assert.equal(prod?.password, "s3cret");
  assert.equal(prod?.type, "postgresql");
  assert.equal(prod?.port, 5432);
  assert.equal(prod?.maxConnections, 8);
});

test("an unset ${VAR} is a config error (exit 2) naming the key and the variable, never a literal", () => {
  const config = load(TWO_NAMESPACES);
  const err = assertDatusError(() => selectNamespace(config, "prod"), 2, "agent.namespace.prod.password", "${PG_PASSWORD}");
  assert.equal(err.code, "config");
  assert.ok(err.hint.includes("PG_PASSWORD"));
});

test("an unset ${VAR} in a namespace the run does not use does not stop it", () => {
  const config = load(TWO_NAMESPACES);
  assert.equal(selectNamespace(config, "local")?.type, "duckdb");
  assert.equal(selectNamespaceName(config, "prod"), "prod");
  assert.equal(storePathFor(config, "prod"), path.join(HOME, ".datus", "data", "datus_db_prod"));
});

test("an unset ${VAR} in a global key fails the load", () => {
  assertDatusError(
    () => load("agent:\n  storage:\n    base_path: ${DATA_ROOT}/datus\n"),
    2,
    "agent.storage.base_path",
    "${DATA_ROOT}",
  );
});

test("a variable set to the empty string is set", () => {
  const config = load("agent:\n  namespace:\n    a:\n      type: mysql\n      password: x${EMPTY}y\n", { EMPTY: "" });
  assert.equal(selectNamespace(config)?.password, "xy");
});

test("without base_path the data directory is {home}/data", () => {
  assert.equal(load("agent: {}\n").basePath, path.join(HOME, ".datus", "data"));
  assert.equal(load("agent:\n  home: /srv/datus\n").basePath, "/srv/datus/data");
  assert.equal(load("agent:\n  home: ~/custom\n").home, path.join(HOME, "custom"));
});

test("base_path wins; ~ is the home and a relative path is resolved against the working directory", () => {
  assert.equal(load("agent:\n  home: /srv/datus\n  storage:\n    base_path: /data/lance\n").basePath, "/data/lance");
  assert.equal(load("agent:\n  storage:\n    base_path: ~/lance\n").basePath, path.join(HOME, "lance"));
  assert.equal(load("agent:\n  storage:\n    base_path: rel/lance\n").basePath, path.resolve("rel/lance"));
});

test("duckdb and sqlite uri forms become filesystem paths", () => {
  const config = load(`
agent:
  namespace:
    plain: {type: duckdb, uri: data/a.duckdb}
    rel: {type: duckdb, uri: "duckdb:///data/a.duckdb"}
    abs: {type: sqlite, uri: "sqlite:////var/db/a.db"}
    home: {type: sqlite, uri: "sqlite:///~/a.db"}
    bare_abs: {type: sqlite, uri: /var/db/b.db}
`);
  assert.equal(selectNamespace(config, "plain")?.uri, path.resolve("data/a.duckdb"));
  assert.equal(selectNamespace(config, "rel")?.uri, path.resolve("data/a.duckdb"));
  assert.equal(selectNamespace(config, "abs")?.uri, "/var/db/a.db");
  assert.equal(selectNamespace(config, "home")?.uri, path.join(HOME, "a.db"));
  assert.equal(selectNamespace(config, "bare_abs")?.uri, "/var/db/b.db");
});

test("duckdb:///abs/path written with three slashes names the absolute file when only that one exists", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "datus-uri-"));
  try {
    const file = path.join(dir, "many.duckdb");
    fs.writeFileSync(file, "");
    const config = load(`agent:\n  namespace:\n    abs3: {type: duckdb, uri: "duckdb://${file}"}\n`);
    assert.equal(selectNamespace(config, "abs3")?.uri, file, "not resolved against the working directory");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a uri with another scheme, or a missing uri, is a config error on that key", () => {
  const config = load(`
agent:
  namespace:
    wrong: {type: duckdb, uri: "sqlite:///a.db"}
    none: {type: sqlite}
`);
  assertDatusError(() => selectNamespace(config, "wrong"), 2, "agent.namespace.wrong.uri");
  assertDatusError(() => selectNamespace(config, "none"), 2, "agent.namespace.none.uri is missing");
});

test("an unknown namespace type names the key and lists the valid types", () => {
  const config = load("agent:\n  namespace:\n    snow:\n      type: snowflake\n");
  const err = assertDatusError(() => selectNamespace(config), 2, "agent.namespace.snow.type", "snowflake");
  assert.ok(err.hint.includes("duckdb") && err.hint.includes("starrocks") && err.hint.includes("postgres"));
});

test("namespace fields: mariadb is its own type, max_connections defaults to 4, numbers stay as written", () => {
  const config = load("agent:\n  namespace:\n    m:\n      type: MariaDB\n      port: ${PORT}\n      password: 0123\n", { PORT: "3307" });
  const ns = selectNamespace(config);
  assert.equal(ns?.type, "mariadb");
  assert.equal(ns?.port, 3307);
  assert.equal(ns?.password, "0123");
  assert.equal(ns?.maxConnections, 4);
  const bad = load("agent:\n  namespace:\n    m:\n      type: mysql\n      port: abc\n");
  assertDatusError(() => selectNamespace(bad), 2, "agent.namespace.m.port", "abc");
});

test("namespace selection: the only one, several unnamed, an unknown name, none", () => {
  const one = load("agent:\n  namespace:\n    only: {type: duckdb, uri: a.duckdb}\n");
  assert.equal(selectNamespace(one)?.name, "only");

  const several = load(TWO_NAMESPACES, { PG_PASSWORD: "x" });
  const err = assertDatusError(() => selectNamespace(several), 2, "local", "prod", "--namespace");
  assert.equal(err.code, "usage");

  const unknown = assertDatusError(() => selectNamespace(several, "staging"), 2, "--namespace staging");
  assert.ok(unknown.hint.includes("local, prod"));

  assert.equal(selectNamespace(load("agent: {}\n")), undefined);
});

test("store path: --db-path wins, else {base_path}/datus_db_{namespace}, else a usage error", () => {
  const config = load("agent:\n  storage:\n    base_path: /data\n");
  assert.equal(storePathFor(config, "prod"), "/data/datus_db_prod");
  assert.equal(storePathFor(config, "prod", "/other/store"), "/other/store");
  assert.equal(storePathFor(config, undefined, "rel/store"), path.resolve("rel/store"));
  assertDatusError(() => storePathFor(config, undefined), 2, "--namespace", "--db-path");
});

test("models: by key, by model name, or agent.target; embedding defaults", () => {
  const config = load(`
agent:
  target: ds
  models:
    ds:
      type: deepseek
      base_url: https://api.deepseek.com
      api_key: \${DEEPSEEK_API_KEY}
      model: deepseek-chat
    gpt:
      type: openai
      api_key: \${OPENAI_API_KEY}
      model: gpt-4o
`, { DEEPSEEK_API_KEY: "k" });
  assert.deepEqual(selectModel(config), {
    key: "ds",
    type: "deepseek",
    baseUrl: "https://api.deepseek.com",
    apiKey: "k",
    model: "deepseek-chat",
  });
  assert.equal(selectModel(config, "deepseek-chat").key, "ds");
  assertDatusError(() => selectModel(config, "gpt"), 2, "agent.models.gpt.api_key", "${OPENAI_API_KEY}");
  assertDatusError(() => selectModel(config, "nope"), 2, "--llm-model nope");
  assert.deepEqual(config.embedding, { registryName: "sentence-transformers", modelName: "all-MiniLM-L6-v2", dimSize: 384, batchSize: 32 });
});

test("embedding model from agent.storage.database", () => {
  const config = load(`
agent:
  storage:
    database:
      registry_name: fastembed
      model_name: BAAI/bge-small-en-v1.5
      dim_size: 512
      batch_size: 64
      model_path: ~/models/bge
      target_model: openai_embed
    document:
      model_name: all-MiniLM-L12-v2
`);
  assert.deepEqual(config.embedding, {
    registryName: "fastembed",
    modelName: "BAAI/bge-small-en-v1.5",
    dimSize: 512,
    batchSize: 64,
    modelPath: `${HOME}/models/bge`,
    targetModel: "openai_embed",
  });
  assert.deepEqual(config.otherEmbeddings, {
    document: { registryName: "sentence-transformers", modelName: "all-MiniLM-L12-v2", dimSize: 384 },
    metric: { registryName: "sentence-transformers", modelName: "all-MiniLM-L6-v2", dimSize: 384 },
  });
});

test("a missing file, a YAML syntax error and a missing agent root are config errors", () => {
  const missing = assertDatusError(() => loadConfig("/nonexistent/agent.yml", { HOME }), 2, "/nonexistent/agent.yml");
  assert.ok(missing.hint.includes("--config conf/agent.yml"));
  assertDatusError(() => load("agent:\n  home: /a\n  home: /b\n"), 2, "line 3, column 3");
  assertDatusError(() => load("agent:\n  namespace: [a,\n"), 2, "YAML syntax error", "line");
  assertDatusError(() => load("datus:\n  home: /a\n"), 2, '"agent"');
  assertDatusError(() => load(""), 2, '"agent"');
});

test("parseBoolFlag accepts the usual spellings in any case and rejects the rest", () => {
  const cases: [unknown, boolean][] = [
    [true, true], [false, false], [1, true], [0, false],
    ["true", true], ["FALSE", false], ["Yes", true], ["no", false], ["1", true], ["0", false],
    ["y", true], ["N", false], ["t", true], ["f", false], ["on", true], ["OFF", false], [" true ", true],
  ];
  for (const [value, expected] of cases) assert.equal(parseBoolFlag("extract-statistics", value), expected, String(value));
  for (const value of ["maybe", "", "2", 2, null, undefined, ["true", "false"]]) {
    const err = assertDatusError(() => parseBoolFlag("--extract-statistics", value), 2, "--extract-statistics");
    assert.ok(err.hint.includes("yes/no"));
  }
});

test("the sampling rule: sample_rows, exact_count_max_rows, top_values, allow_pii_values, with defaults and errors naming the key", () => {
  const defaults = selectNamespace(load("agent:\n  namespace:\n    m: {type: mysql}\n"));
  assert.deepEqual(defaults?.sampling, { sampleRows: 10_000, exactCountMaxRows: 10_000_000, topValues: 20, allowPiiValues: false });
  const set = selectNamespace(load("agent:\n  namespace:\n    m: {type: mysql, sample_rows: 500, exact_count_max_rows: 0, top_values: 5, allow_pii_values: yes}\n"));
  assert.deepEqual(set?.sampling, { sampleRows: 500, exactCountMaxRows: 0, topValues: 5, allowPiiValues: true });
  const err = assertDatusError(() => selectNamespace(load("agent:\n  namespace:\n    m: {type: mysql, allow_pii_values: maybe}\n")), 2, "agent.namespace.m.allow_pii_values", "maybe");
  assert.match(err.hint, /allow_pii_values: true/);
  assertDatusError(() => selectNamespace(load("agent:\n  namespace:\n    m: {type: mysql, sample_rows: -1}\n")), 2, "agent.namespace.m.sample_rows");
});
