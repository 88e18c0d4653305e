/**
 * Secrets of the config (namespace passwords, `agent.models` API keys, `${VAR}` values, a password inside a
 * URL) never reach an output or a file: every command runs with distinctive secrets, in the ways that go
 * wrong too (a wrong key the server echoes back, a refused connection, a secret put under the wrong key, an
 * unsupported database), in text and JSON; then every byte printed and every file written under the test
 * directory (stores, backups, .datus-schema, datus_db.cfg, the LLM answer cache) is searched for them.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { test } from "node:test";
import { buildDemoDatabase } from "../../src/demo/demo-database.js";
import type { SourceTable } from "../../src/model.js";
import { writeV0Store } from "../../src/store/v0-store.js";
import { type CliResult, runCli, tempDir } from "../helpers/env.js";
import { embeddingInputs, FakeOpenAiServer } from "../helpers/fake-openai-server.js";
import { filesUnder } from "../helpers/tree.js";

const SECRETS = {
  nsPasswordVar: "ns-Pass-7Qzx3-from-env",
  nsPasswordLiteral: "literal-ns-Pass-X91",
  llmKeyVar: "sk-llm-Secret-31337",
  embKeyVar: "sk-emb-Secret-4242",
  urlPassword: "url-Pw-5150-secret",
} as const;

const ENV = {
  WAREHOUSE_DB_PASSWORD: SECRETS.nsPasswordVar,
  LLM_API_KEY: SECRETS.llmKeyVar,
  EMB_API_KEY: SECRETS.embKeyVar,
};

function tables(): SourceTable[] {
  const t = (name: string, ddl: string): SourceTable => ({ identifier: `shop.${name}`, catalogName: "", databaseName: "shop", schemaName: "", tableName: name, tableType: "table", definition: ddl });
  return [
    t("orders", "CREATE TABLE orders (id INT PRIMARY KEY, customer_id INT COMMENT 'who ordered')"),
    t("customers", "CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(20))"),
    t("poison", "CREATE TABLE poison (id INT PRIMARY KEY)"),
    t("lost_1", "ERROR 1146 (42S02): Table 'shop.lost_1' doesn't exist"),
    t("lost_2", "ERROR 1146 (42S02): Table 'shop.lost_2' doesn't exist, again"),
  ];
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test("no password, API key or ${VAR} value of the config appears in any output or any file written, whatever fails", async (t) => {
  const dir = tempDir(t);
  const llm = await FakeOpenAiServer.start();
  const emb = await FakeOpenAiServer.start();
  t.after(() => llm.close());
  t.after(() => emb.close());
  // servers that echo the credentials they were sent, as some do in their error bodies
  llm.otherwise((req) => ({ status: 401, body: { error: { message: `Incorrect API key provided: ${req.headers.authorization ?? ""}` } } }));
  emb.embeddingDim = 384;
  emb.otherwise((req) =>
    embeddingInputs(req).some((text) => text.startsWith("poison"))
      ? { status: 500, headers: { "retry-after-ms": "1" }, body: { error: { message: `upstream failed for ${req.headers.authorization ?? ""}` } } }
      : {},
  );
  const down = await closedPort();
  const db = path.join(dir, "demo.duckdb");
  await buildDemoDatabase(db);
  const data = path.join(dir, "data");

  const models = [
    "  target: chat",
    "  models:",
    "    chat:",
    "      type: openai",
    `      base_url: ${llm.baseUrl()}`,
    "      api_key: ${LLM_API_KEY}",
    "      model: deepseek-chat",
    "    down:",
    "      type: openai",
    `      base_url: http://127.0.0.1:${down}/v1`,
    "      api_key: ${LLM_API_KEY}",
    "      model: deepseek-chat",
    "    emb:",
    "      type: openai",
    `      base_url: ${emb.baseUrl()}`,
    "      api_key: ${EMB_API_KEY}",
    "      model: text-embedding-3-small",
  ];
  const namespaces = [
    "  namespace:",
    "    demo:",
    "      type: duckdb",
    `      uri: ${db}`,
    `      password: ${SECRETS.nsPasswordLiteral}`,
    "    pg:",
    "      type: postgresql",
    "      host: 127.0.0.1",
    `      port: ${down}`,
    "      username: reader",
    "      password: ${WAREHOUSE_DB_PASSWORD}",
    "      database: shop",
    "    my:",
    "      type: mysql",
    `      uri: mysql://reader:${SECRETS.urlPassword}@127.0.0.1:${down}/shop`,
    "    badport:",
    "      type: mysql",
    "      host: 127.0.0.1",
    "      port: ${WAREHOUSE_DB_PASSWORD}",
  ];
  const configs = path.join(dir, "configs");
  fs.mkdirSync(configs);
  const hashing = path.join(configs, "agent.yml");
  fs.writeFileSync(hashing, ["agent:", "  storage:", `    base_path: ${data}`, "    database:", "      registry_name: hashing", "      model_name: datus-schema-hashing", "      dim_size: 384", ...models, ...namespaces, ""].join("\n"));
  const remote = path.join(configs, "remote.yml");
  fs.writeFileSync(remote, ["agent:", "  storage:", `    base_path: ${data}`, "    database:", "      registry_name: openai", "      model_name: text-embedding-3-small", "      dim_size: 384", "      batch_size: 1", "      target_model: emb", ...models, ...namespaces, ""].join("\n"));

  const store = path.join(data, "datus_db_shop");
  await writeV0Store(store, tables());
  const copy = (name: string): string => {
    const p = path.join(data, name);
    fs.cpSync(store, p, { recursive: true });
    return p;
  };
  const shopJson = copy("datus_db_shop_json");
  const shopDown = copy("datus_db_shop_down");
  const shopRemote = copy("datus_db_shop_remote");

  const runs: [string, CliResult][] = [];
  const run = async (args: string[], expect: number): Promise<void> => {
    const result = await runCli(args, { env: ENV, cwd: dir });
    runs.push([args.join(" "), result]);
    assert.equal(result.code, expect, `${args.join(" ")}:\n${result.stdout}\n${result.stderr}`);
  };
  // the LLM rejects the key and echoes it back; text and JSON logs
  await run(["migrate", "--config", hashing, "--db-path", store, "--dialect", "mysql", "--llm-fallback", "--llm-model", "chat"], 0);
  await run(["migrate", "--config", hashing, "--db-path", shopJson, "--dialect", "mysql", "--llm-fallback", "--log-format=json"], 0);
  // the LLM endpoint refuses connections
  await run(["migrate", "--config", hashing, "--db-path", shopDown, "--dialect", "mysql", "--llm-fallback", "--llm-model", "down"], 0);
  // embeddings: a batch fails with the key echoed (recorded in the store's bookkeeping), then a wrong key at the probe
  await run(["migrate", "--config", remote, "--db-path", shopRemote, "--dialect", "mysql", "--log-format=json"], 1);
  await run(["migrate", "--config", remote, "--db-path", shopRemote, "--dialect", "mysql"], 1);
  emb.otherwise((req) => ({ status: 401, body: { error: { message: `Incorrect API key provided: ${req.headers.authorization ?? ""}` } } }));
  await run(["embed", "--config", remote, "--db-path", shopRemote, "--all"], 2);
  // reports, re-embedding, a live bootstrap, rollback
  await run(["report", "--config", hashing, "--db-path", store, "--details"], 0);
  await run(["report", "--config", hashing, "--db-path", shopJson, "--json"], 0);
  await run(["embed", "--config", hashing, "--db-path", store, "--all", "--log-format=json"], 0);
  await run(["bootstrap", "--config", hashing, "--namespace", "demo", "--extract-statistics"], 0);
  await run(["bootstrap", "--config", hashing, "--namespace", "demo", "--log-format=json"], 0);
  await run(["rollback", "--config", hashing, "--db-path", store], 0);
  // the config going wrong around the secrets
  // a namespace whose store does not exist (its password from ${VAR}), and a live source the network refuses (a password inside a URI)
  await run(["migrate", "--config", hashing, "--namespace", "pg", "--extract-statistics"], 2);
  await run(["bootstrap", "--config", hashing, "--namespace", "my", "--log-format=json"], 1);
  await run(["migrate", "--config", hashing, "--namespace", "badport", "--extract-statistics"], 2);
  await run(["report", "--config", hashing, "--namespace", "badport"], 2);

  const secrets = Object.values(SECRETS).flatMap((s) => [s, encodeURIComponent(s)]);
  for (const [args, result] of runs) {
    for (const secret of secrets) {
      assert.ok(!result.stdout.includes(secret), `${args}: stdout holds ${secret}:\n${result.stdout}`);
      assert.ok(!result.stderr.includes(secret), `${args}: stderr holds ${secret}:\n${result.stderr}`);
    }
  }
  const written = filesUnder(dir).filter((f) => !f.startsWith(configs));
  assert.ok(written.some((f) => f.includes(".datus-schema")) && written.some((f) => f.endsWith("datus_db.cfg")) && written.some((f) => f.includes(".backup_v0_")), "bookkeeping, datus_db.cfg and backups were written and are searched");
  assert.ok(written.some((f) => f.endsWith("llm-answers.jsonl") || f.includes("parse-failures")), "the LLM's traces in the bookkeeping are searched");
  for (const file of written) {
    const bytes = fs.readFileSync(file);
    for (const secret of secrets) assert.ok(!bytes.includes(Buffer.from(secret)), `${path.relative(dir, file)} holds ${secret}`);
  }
  // and the runs did meet the secrets: the servers were sent them
  assert.ok(llm.requests.some((r) => r.headers.authorization === `Bearer ${SECRETS.llmKeyVar}`));
  assert.ok(emb.requests.some((r) => r.headers.authorization === `Bearer ${SECRETS.embKeyVar}`));
});
