/**
 * `registry_name: openai` through the CLI, against a real HTTP server on 127.0.0.1: batched requests, a 429
 * answered by a retry, a batch whose 500s outlast the retries. Its tables are reported, left pending with
 * their old vectors (nothing lost), and the next run retries exactly them.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import type { SourceTable } from "../../src/model.js";
import { writeV0Store } from "../../src/store/v0-store.js";
import { reportLine, runCli, tempDir } from "../helpers/env.js";
import { embeddingInputs, fakeEmbedding, FakeOpenAiServer } from "../helpers/fake-openai-server.js";
import { readRows } from "../helpers/store-rows.js";

const DIM = 16;
const KEY = "sk-embeddings-test-secret";

function tables(n: number): SourceTable[] {
  return Array.from({ length: n }, (_, i) => {
    const name = i === 13 ? "poison_ledger" : `shop_table_${i}`;
    return {
      identifier: `shop.${name}`,
      catalogName: "",
      databaseName: "shop",
      schemaName: "",
      tableName: name,
      tableType: "table" as const,
      definition: `CREATE TABLE ${name} (id INT PRIMARY KEY COMMENT 'key ${i}', amount DECIMAL(10,2)) COMMENT='table ${i}';`,
    };
  });
}

function unit(v: readonly number[]): number[] {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

test("openai embeddings: batches, a 429 retried, a failing batch left pending and retried by the next run", async (t) => {
  const dir = tempDir(t);
  const server = await FakeOpenAiServer.start();
  t.after(() => server.close());
  server.embeddingDim = DIM;
  const config = path.join(dir, "agent.yml");
  fs.writeFileSync(
    config,
    [
      "agent:",
      "  models:",
      "    emb:",
      "      type: openai",
      `      base_url: ${server.baseUrl()}`,
      "      api_key: ${EMBEDDINGS_KEY}",
      "      model: gpt-4o-mini",
      "  storage:",
      "    database:",
      "      registry_name: openai",
      "      model_name: text-embedding-3-small",
      `      dim_size: ${DIM}`,
      "      batch_size: 8",
      "      target_model: emb",
      "",
    ].join("\n"),
  );
  const store = path.join(dir, "datus_db_shop");
  await writeV0Store(store, tables(40), DIM);
  const v0 = new Map((await readRows(store)).map((r) => [r.identifier, r.vector]));

  let saw429 = false;
  server.otherwise((req) => {
    const inputs = embeddingInputs(req);
    if (inputs.some((text) => text.startsWith("poison_ledger"))) return { status: 500, headers: { "retry-after-ms": "1" }, body: { error: { message: "upstream overloaded" } } };
    if (!saw429 && inputs.length > 1) {
      saw429 = true;
      return { status: 429, headers: { "retry-after-ms": "1" }, body: { error: { message: "slow down" } } };
    }
    return {};
  });
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "datus-schema-cwd-"));
  t.after(() => fs.rmSync(cwd, { recursive: true, force: true }));
  const env = { EMBEDDINGS_KEY: KEY };
  const first = await runCli(["migrate", "--config", config, "--db-path", store, "--dialect", "mysql"], { cwd, env });
  assert.equal(first.code, 1, `a run that left tables unembedded fails:\n${first.stdout}\n${first.stderr}`);

  const embeddingRequests = server.requests.filter((r) => r.url.endsWith("/embeddings"));
  assert.ok(embeddingRequests.every((r) => embeddingInputs(r).length <= 8), "batches of batch_size texts at most");
  assert.ok(embeddingRequests.every((r) => r.body?.model === "text-embedding-3-small" && r.body?.dimensions === DIM));
  assert.ok(saw429, "a 429 was answered");
  // the truth of which tables failed comes from the server: every input of a request it answered 500
  const failedTexts = new Set(embeddingRequests.filter((r) => embeddingInputs(r).some((x) => x.startsWith("poison_ledger"))).flatMap((r) => [...embeddingInputs(r)]));
  const poisonAttempts = embeddingRequests.filter((r) => embeddingInputs(r).some((x) => x.startsWith("poison_ledger"))).length;
  assert.ok(poisonAttempts >= 2, `the failing batch was retried (${poisonAttempts} attempts)`);
  assert.match(first.stdout, new RegExp(`Embedding failures: ${failedTexts.size} tables were not written and stay pending`));
  assert.match(first.stdout + first.stderr, /upstream overloaded/);
  assert.ok(!(first.stdout + first.stderr).includes(KEY), "the API key never shows");

  const rows = await readRows(store);
  assert.equal(rows.length, 40, "nothing lost");
  const pending = rows.filter((r) => r.metadata_version !== 1);
  assert.ok(pending.some((r) => r.table_name === "poison_ledger"));
  assert.equal(pending.length, failedTexts.size, "exactly the failed batch's tables are pending");
  for (const r of pending) assert.deepEqual(r.vector, v0.get(r.identifier), `${String(r.identifier)} keeps its old vector`);
  for (const r of rows.filter((x) => x.metadata_version === 1)) {
    const want = unit(fakeEmbedding(String(r.search_text), DIM));
    const got = r.vector as number[];
    assert.ok(want.every((w, i) => Math.abs(w - got[i]) < 1e-5), `${String(r.identifier)}: the server's vector of its search_text, normalised`);
  }
  const details = await runCli(["report", "--db-path", store, "--details"], { cwd });
  assert.match(details.stdout, /could not be embedded/);
  assert.match(details.stdout, /shop\.poison_ledger: .*upstream overloaded/);

  // the endpoint recovers: the next run embeds exactly the pending tables
  server.requests.length = 0;
  server.otherwise(() => ({}));
  const second = await runCli(["migrate", "--config", config, "--db-path", store, "--dialect", "mysql"], { cwd, env });
  assert.equal(second.code, 0, second.stderr);
  const embeddedNow = server.requests.filter((r) => r.url.endsWith("/embeddings")).flatMap((r) => [...embeddingInputs(r)]);
  assert.equal(embeddedNow.length, failedTexts.size + 1, "the pending tables, plus the probe");
  assert.deepEqual(reportLine(second.stdout, "v1 records"), [40, 40]);
  assert.deepEqual(reportLine(second.stdout, "vectors of search_text"), [40, 40]);
  assert.doesNotMatch(second.stdout, /could not be embedded/);
});

test("openai embeddings: a wrong API key is exit 2 before anything changes", async (t) => {
  const dir = tempDir(t);
  const server = await FakeOpenAiServer.start();
  t.after(() => server.close());
  server.otherwise(() => ({ status: 401, body: { error: { message: "Incorrect API key provided" } } }));
  const config = path.join(dir, "agent.yml");
  fs.writeFileSync(
    config,
    `agent:\n  models:\n    emb:\n      base_url: ${server.baseUrl()}\n      api_key: wrong-key-123456\n      model: x\n  storage:\n    database:\n      registry_name: openai\n      model_name: text-embedding-3-small\n      dim_size: ${DIM}\n      target_model: emb\n`,
  );
  const store = path.join(dir, "datus_db_shop");
  await writeV0Store(store, tables(5), DIM);
  const run = await runCli(["migrate", "--config", config, "--db-path", store]);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /agent\.models\.emb\.api_key/);
  assert.ok(!run.stderr.includes("wrong-key-123456"));
  assert.ok(!fs.existsSync(path.join(store, ".datus-schema")), "nothing recorded, nothing changed");
});
