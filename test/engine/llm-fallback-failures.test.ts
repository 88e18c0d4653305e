/**
 * `--llm-fallback` when the LLM fails, through the CLI against a real HTTP server on 127.0.0.1: a wrong key is
 * said once, with its cause and what to check, in the summary and in `report`; a hanging or failing endpoint
 * is warned about and, after a few failures in a row, no longer asked (circuit breaker), so a run with many
 * unreadable tables does not wait minutes per table. Tables the LLM could not read still migrate and stay
 * counted as parse failures.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test, type TestContext } from "node:test";
import type { SourceTable } from "../../src/model.js";
import { writeV0Store } from "../../src/store/v0-store.js";
import { runCli, tempDir } from "../helpers/env.js";
import { FakeOpenAiServer } from "../helpers/fake-openai-server.js";
import { readRows } from "../helpers/store-rows.js";

/** Tables whose "DDL" no parser reads (an export that wrote an error instead), each a different text. */
function unreadable(n: number): SourceTable[] {
  return Array.from({ length: n }, (_, i) => ({
    identifier: `shop.lost_${i}`,
    catalogName: "",
    databaseName: "shop",
    schemaName: "",
    tableName: `lost_${i}`,
    tableType: "table" as const,
    definition: `ERROR 1146 (42S02) at line ${i + 1}: Table 'shop.lost_${i}' doesn't exist`,
  }));
}

async function setup(t: TestContext, tables: number): Promise<{ dir: string; store: string; server: FakeOpenAiServer; cfg: string }> {
  const dir = tempDir(t);
  const server = await FakeOpenAiServer.start();
  t.after(() => server.close());
  const store = path.join(dir, "datus_db_shop");
  await writeV0Store(store, unreadable(tables));
  const cfg = path.join(dir, "agent.yml");
  fs.writeFileSync(
    cfg,
    [
      "agent:",
      "  target: chat",
      "  models:",
      "    chat:",
      "      type: openai",
      `      base_url: ${server.baseUrl()}`,
      "      api_key: sk-wrong-key-for-the-test",
      "      model: deepseek-chat",
      "  storage:",
      "    database:",
      "      registry_name: hashing",
      "      model_name: datus-schema-hashing",
      "      dim_size: 384",
      "",
    ].join("\n"),
  );
  return { dir, store, server, cfg };
}

async function assertAllMigrated(store: string, tables: number): Promise<void> {
  const rows = await readRows(store);
  assert.equal(rows.length, tables);
  assert.ok(rows.every((r) => r.metadata_version === 1), "every table migrated without the LLM");
}

test("a 401 from the LLM is said once with its cause and hint, in the summary and in report; no request after it", async (t) => {
  const { store, server, cfg } = await setup(t, 10);
  server.otherwise(() => ({ status: 401, body: { error: { message: "Incorrect API key provided", type: "invalid_request_error" } } }));
  const run = await runCli(["migrate", "--config", cfg, "--db-path", store, "--dialect", "mysql", "--skip-backup", "--llm-fallback"]);
  assert.equal(run.code, 0, run.stderr);
  // the questions already in flight (4 at most) get their 401 too; none is asked after it
  assert.ok(server.requests.length <= 4, `requests: ${server.requests.length}`);
  assert.match(run.stdout, /LLM fallback: 0 tables read by the LLM, 10 it could not read/);
  const cause = /^ {2}no answer for 10: LLM agent\.models\.chat \(deepseek-chat\) at .*: HTTP 401: Incorrect API key provided \(hint: check agent\.models\.chat\.api_key/m;
  assert.match(run.stdout, cause, `the cause, once:\n${run.stdout}`);
  const [summary, storeReport] = run.stdout.split("MIGRATION COVERAGE REPORT");
  assert.equal(summary.match(/HTTP 401/g)?.length, 1, "said once in the summary, not once per table");
  assert.equal(storeReport.match(/HTTP 401/g)?.length, 1, "and once in the report that follows it");
  assert.match(run.stderr, /^warning: LLM agent\.models\.chat .*HTTP 401.*not asked again this run/m, "warned when it happened");
  assert.match(run.stdout, /DDL parse failures: 10 /);
  await assertAllMigrated(store, 10);

  const report = await runCli(["report", "--db-path", store]);
  assert.equal(report.code, 0, report.stderr);
  assert.match(report.stdout, /^LLM fallback could not read 10 of them:\n {2}10: LLM agent\.models\.chat .*HTTP 401: Incorrect API key provided \(hint: check agent\.models\.chat\.api_key/m);
  const details = await runCli(["report", "--db-path", store, "--details"]);
  assert.match(details.stdout, /shop\.lost_0: .*; LLM fallback: LLM agent\.models\.chat .*HTTP 401/);
  const json = await runCli(["report", "--db-path", store, "--json"]);
  const reasons = (JSON.parse(json.stdout) as { parse_failures: { llm_fallback: { reason: string; tables: number }[] } }).parse_failures.llm_fallback;
  assert.equal(reasons.length, 1);
  assert.equal(reasons[0].tables, 10);
  assert.match(reasons[0].reason, /HTTP 401: Incorrect API key provided \(hint: check agent\.models\.chat\.api_key/);
});

test("a hanging LLM endpoint: a warning at the first timeout, then the breaker stops asking; the run takes one timeout, not four per table", async (t) => {
  const tables = 12;
  const { store, server, cfg } = await setup(t, tables);
  server.otherwise(() => ({ delayMs: 30_000, content: "{}" }));
  const started = Date.now();
  const run = await runCli(["migrate", "--config", cfg, "--db-path", store, "--dialect", "mysql", "--skip-backup", "--llm-fallback", "--llm-timeout", "2"]);
  const seconds = (Date.now() - started) / 1000;
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /^warning: LLM agent\.models\.chat \(deepseek-chat\): a request got no answer within 2 s/m);
  assert.match(run.stderr, /^warning: the LLM fallback stopped asking after 3 failures in a row \(last: LLM agent\.models\.chat \(deepseek-chat\): no answer within 2 s \(hint: .*--llm-timeout\)\)/m);
  assert.ok(server.requests.length <= 8, `at most the first requests in flight and a retry each: ${server.requests.length}`);
  // without the breaker: 12 tables x 4 tries x 2 s / 4 in flight = 24 s of waiting, on top of starting up
  assert.ok(seconds < 24, `took ${seconds.toFixed(1)} s`);
  assert.match(run.stdout, new RegExp(`LLM fallback: 0 tables read by the LLM, ${tables} it could not read`));
  assert.match(run.stdout, /no answer for \d+: the LLM fallback stopped asking after 3 failures in a row/);
  assert.match(run.stdout, new RegExp(`DDL parse failures: ${tables} `));
  await assertAllMigrated(store, tables);
});

test("an LLM endpoint answering 5xx: each question is retried, and after 3 failed questions in a row the rest are not asked", async (t) => {
  const tables = 20;
  const { store, server, cfg } = await setup(t, tables);
  server.otherwise(() => ({ status: 503, headers: { "retry-after-ms": "1" }, body: { error: { message: "upstream overloaded" } } }));
  const run = await runCli(["migrate", "--config", cfg, "--db-path", store, "--dialect", "mysql", "--skip-backup", "--llm-fallback"]);
  assert.equal(run.code, 0, run.stderr);
  // the 3 failed questions and those in flight beside them (4 at a time), 4 tries each at most; without the
  // breaker all 20 tables x 4 tries = 80 requests
  assert.ok(server.requests.length <= 6 * 4, `requests: ${server.requests.length}`);
  assert.match(run.stderr, /^warning: the LLM fallback stopped asking after 3 failures in a row \(last: LLM agent\.models\.chat .*HTTP 503: upstream overloaded/m);
  assert.match(run.stdout, /no answer for \d+: LLM agent\.models\.chat .*HTTP 503: upstream overloaded/);
  assert.match(run.stdout, new RegExp(`DDL parse failures: ${tables} `));
  await assertAllMigrated(store, tables);
});
