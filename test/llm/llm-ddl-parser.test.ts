import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import type { ModelConfig } from "../../src/config/load-config.js";
import { DatusError } from "../../src/errors.js";
import { LlmDdlParser, type LlmDdlParserOptions, type LlmStats } from "../../src/llm/llm-ddl-parser.js";
import { FakeOpenAiServer, userMessage, type RecordedRequest, type ScriptedResponse } from "../helpers/fake-openai-server.js";
import { tempDir } from "../helpers/env.js";

/** StarRocks-ish DDL with an unterminated PROPERTIES block: the kind of text the parsers give up on. */
const DDL = `CREATE TABLE \`dw\`.\`dwd_orders\` (
  \`order_id\` bigint(20) NOT NULL COMMENT "订单ID",
  \`customer_id\` bigint(20) NULL COMMENT "客户ID",
  \`amount\` decimal(15, 2) SUM NULL DEFAULT "0" COMMENT "金额<元>",
  \`status\` tinyint(4) NULL COMMENT "状态（0:录入、1:生产）"
) ENGINE=OLAP AGGREGATE KEY(\`order_id\`) COMMENT "订单表"
DISTRIBUTED BY HASH(\`order_id\`) BUCKETS 10 ??? PROPERTIES ( "replication_num" = "3"`;

const ANSWER = {
  table: { name: "dw.dwd_orders", comment: "订单表" },
  columns: [
    { name: "order_id", type: "bigint(20)", nullable: false, default: null, comment: "订单ID" },
    { name: "customer_id", type: "bigint(20)", nullable: true, default: null, comment: "客户ID" },
    { name: "amount", type: "decimal(15, 2)", nullable: true, default: '"0"', comment: "金额<元>" },
    { name: "status", type: "tinyint(4)", nullable: true, default: null, comment: "状态（0:录入、1:生产）" },
  ],
  primary_key: ["order_id"],
  unique_keys: [],
  foreign_keys: [],
};

/** A DDL of its own per table `t<i>`, and the answer that fits it. */
function tableDdl(i: number): string {
  return `CREATE TABLE t${i} (c${i} int COMMENT 'col ${i}') !!!`;
}
function tableAnswer(i: number): string {
  return JSON.stringify({ table: { name: `t${i}`, comment: "" }, columns: [{ name: `c${i}`, type: "int", nullable: true, comment: `col ${i}` }] });
}
/** Answers whichever table the request asks about. */
function answerByTable(delayMs = 0): (req: RecordedRequest) => ScriptedResponse {
  return (req) => {
    const i = Number(/CREATE TABLE t(\d+)/.exec(userMessage(req))?.[1]);
    return { content: tableAnswer(i), delayMs };
  };
}

function stats(over: Partial<LlmStats>): LlmStats {
  return { requests: 0, cacheHits: 0, accepted: 0, rejected: 0, failed: 0, ...over };
}

describe("LlmDdlParser against a 127.0.0.1 server", () => {
  let server: FakeOpenAiServer;
  before(async () => {
    server = await FakeOpenAiServer.start();
  });
  after(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
    server.maxInFlight = 0;
    server.otherwise(() => ({ status: 500, body: { error: { message: "no scripted response" } } }));
  });

  function parser(over: Partial<LlmDdlParserOptions> = {}): LlmDdlParser {
    const model: ModelConfig = { key: "fake", type: "openai", baseUrl: server.baseUrl(), apiKey: "sk-fake", model: "fake-model" };
    return new LlmDdlParser({ model, concurrency: 4, retries: 2, timeoutMs: 2000, ...over });
  }

  it("turns an accepted answer into a TableStructure with source llm", async () => {
    server.enqueue({ content: "```json\n" + JSON.stringify(ANSWER) + "\n```" });
    const p = parser();
    const s = await p.parse(DDL, "starrocks");
    assert.ok(s);
    assert.equal(s.source, "llm");
    assert.equal(s.dialect, "starrocks");
    assert.equal(s.databaseName, "dw");
    assert.equal(s.tableName, "dwd_orders");
    assert.equal(s.comment, "订单表");
    assert.deepEqual(s.columns, [
      { name: "order_id", type: "bigint(20)", nullable: false, comment: "订单ID" },
      { name: "customer_id", type: "bigint(20)", nullable: true, comment: "客户ID" },
      { name: "amount", type: "decimal(15, 2)", nullable: true, defaultValue: '"0"', comment: "金额<元>" },
      { name: "status", type: "tinyint(4)", nullable: true, comment: "状态（0:录入、1:生产）" },
    ]);
    assert.deepEqual(s.primaryKey, ["order_id"]);
    assert.deepEqual(s.uniqueKeys, []);
    assert.deepEqual(s.foreignKeys, []);
    assert.deepEqual(p.stats, stats({ requests: 1, accepted: 1 }));

    // the prompt: the DDL, the shape, the rules; JSON mode; the bearer key
    const [req] = server.requests;
    assert.equal(req.headers.authorization, "Bearer sk-fake");
    assert.deepEqual(req.body?.response_format, { type: "json_object" });
    assert.equal(req.body?.temperature, 0);
    const prompt = userMessage(req);
    assert.ok(prompt.includes(DDL));
    assert.match(prompt, /"primary_key"/);
    assert.match(prompt, /"foreign_keys": \[\{"columns": \[string\], "ref_table": string, "ref_columns": \[string\]\}\]/);
    assert.match(prompt, /exactly as written/);
    assert.match(prompt, /starrocks dialect/);
    await p.close();
  });

  it("rejects an answer with a column the DDL does not have (null, counted, with the reason)", async () => {
    const invented = { ...ANSWER, columns: [...ANSWER.columns, { name: "discount", type: "int", nullable: true, comment: "" }] };
    server.enqueue({ content: JSON.stringify(invented) }, { content: "I think the table has 4 columns." });
    const p = parser();
    const r = await p.parseDetailed(DDL, "starrocks");
    assert.equal(r.structure, null);
    assert.equal(r.outcome, "rejected");
    assert.match(r.reason ?? "", /column "discount" does not occur in the DDL/);
    assert.equal(await p.parse(tableDdl(1), "mysql"), null);
    assert.deepEqual(p.stats, stats({ requests: 2, rejected: 2 }));
  });

  it("answers the same DDL from the cache: no second request, also for a rejected answer", async () => {
    server.enqueue({ content: JSON.stringify(ANSWER) }, { content: "not json" });
    const p = parser();
    const first = await p.parse(DDL, "starrocks");
    const second = await p.parse(DDL, "starrocks");
    assert.deepEqual(second, first);
    assert.equal(await p.parse(tableDdl(2), "mysql"), null);
    assert.equal(await p.parse(tableDdl(2), "mysql"), null);
    assert.equal(server.requests.length, 2);
    assert.deepEqual(p.stats, stats({ requests: 2, accepted: 1, rejected: 1, cacheHits: 2 }));
  });

  it("keys the cache by dialect too", async () => {
    server.otherwise(answerByTable());
    const p = parser();
    await p.parse(tableDdl(3), "mysql");
    await p.parse(tableDdl(3), "postgresql");
    assert.equal(server.requests.length, 2);
  });

  it("shares answers across instances through the cache file, tolerating a torn last line", async (t) => {
    const file = path.join(tempDir(t, "llm-cache-"), "answers.jsonl");
    server.enqueue({ content: JSON.stringify(ANSWER) }, { content: "garbage" });
    const first = parser({ cacheFile: file });
    const accepted = await first.parse(DDL, "starrocks");
    assert.equal(await first.parse(tableDdl(4), "mysql"), null);
    await first.close();
    assert.equal(fs.readFileSync(file, "utf8").trim().split("\n").length, 2);

    // a crash mid-append leaves a torn line: it is skipped, and the next append starts on a new line
    fs.appendFileSync(file, '{"v":1,"key":"abc","content":"tor');
    server.otherwise(answerByTable());
    const second = parser({ cacheFile: file });
    assert.equal(second.cachedAnswers, 2);
    assert.deepEqual(await second.parse(DDL, "starrocks"), accepted);
    assert.equal(await second.parse(tableDdl(4), "mysql"), null);
    assert.equal(server.requests.length, 2);
    assert.ok(await second.parse(tableDdl(5), "mysql"));
    await second.close();
    assert.deepEqual(second.stats, stats({ requests: 1, accepted: 1, cacheHits: 2 }));

    const third = parser({ cacheFile: file });
    assert.equal(third.cachedAnswers, 3);
    assert.ok(await third.parse(tableDdl(5), "mysql"));
    assert.equal(server.requests.length, 3);
    await third.close();
  });

  it("retries a 429 (Retry-After) and a 500, then accepts", async () => {
    server.enqueue({ status: 429, headers: { "retry-after": "0" } }, { status: 500, headers: { "retry-after-ms": "1" } }, { content: JSON.stringify(ANSWER) });
    const p = parser();
    assert.ok(await p.parse(DDL, "starrocks"));
    assert.deepEqual(p.stats, stats({ requests: 3, accepted: 1 }));
  });

  it("asks again without response_format when the server rejects it with 400", async () => {
    server.enqueue({ status: 400, body: { error: { message: "Unrecognized request argument: response_format" } } }, { content: JSON.stringify(ANSWER) });
    const p = parser({ retries: 0 });
    assert.ok(await p.parse(DDL, "starrocks"));
    assert.deepEqual(server.requests[0].body?.response_format, { type: "json_object" });
    assert.equal(server.requests[1].body?.response_format, undefined);
  });

  it("fails (null, counted, not cached) when the server is too slow, within the bound", async () => {
    server.otherwise(() => ({ delayMs: 5000, content: JSON.stringify(ANSWER) }));
    const p = parser({ timeoutMs: 100, retries: 1 });
    const start = Date.now();
    const r = await p.parseDetailed(DDL, "starrocks");
    const took = Date.now() - start;
    assert.equal(r.structure, null);
    assert.equal(r.outcome, "failed");
    assert.match(r.reason ?? "", /no answer within 100 ms/);
    assert.ok(took < 1000, `took ${took} ms`);
    assert.deepEqual(p.stats, stats({ requests: 2, failed: 1 }));
    // a failure is not cached: the next run (here: the next call) asks again
    server.otherwise(() => ({ content: JSON.stringify(ANSWER) }));
    assert.ok(await p.parse(DDL, "starrocks"));
  });

  it("keeps at most `concurrency` requests in flight", async () => {
    server.otherwise(answerByTable(40));
    const p = parser({ concurrency: 3 });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => p.parse(tableDdl(100 + i), "mysql")));
    assert.ok(results.every((r) => r !== null));
    assert.equal(server.requests.length, 10);
    assert.equal(server.maxInFlight, 3);
    assert.deepEqual(p.stats, stats({ requests: 10, accepted: 10 }));
  });

  it("asks once for identical DDL in flight at the same time", async () => {
    server.otherwise(answerByTable(40));
    const p = parser({ concurrency: 2 });
    const results = await Promise.all([
      p.parse(tableDdl(200), "mysql"),
      p.parse(tableDdl(200), "mysql"),
      p.parse(tableDdl(201), "mysql"),
      p.parse(tableDdl(200), "mysql"),
    ]);
    assert.equal(server.requests.length, 2);
    assert.deepEqual(results[0], results[1]);
    assert.deepEqual(results[0], results[3]);
    assert.equal(results[2]?.tableName, "t201");
    assert.deepEqual(p.stats, stats({ requests: 2, accepted: 2, cacheHits: 2 }));
  });

  it("stops asking after a 401, reporting why", async () => {
    server.otherwise(() => ({ status: 401, body: { error: { message: "invalid api key" } } }));
    const p = parser();
    assert.equal(await p.parse(tableDdl(300), "mysql"), null);
    assert.equal(await p.parse(tableDdl(301), "mysql"), null);
    assert.equal(server.requests.length, 1);
    assert.match(p.lastError ?? "", /HTTP 401: invalid api key.*agent\.models\.fake\.api_key/);
    assert.deepEqual(p.stats, stats({ requests: 1, failed: 2 }));
  });

  it("stops asking after 3 failures in a row (circuit breaker); an answer in between resets the count", async () => {
    const fail = { status: 502, body: { error: { message: "bad gateway" } } };
    server.enqueue(fail, fail, { content: tableAnswer(402) }, fail, fail, fail);
    const warnings: string[] = [];
    const p = parser({ retries: 0, concurrency: 1, onWarning: (m) => warnings.push(m) });
    for (const i of [400, 401, 402, 403, 404]) await p.parse(tableDdl(i), "mysql");
    assert.equal(p.stopped, undefined, "two failures, an answer, two failures: not yet");
    assert.equal(await p.parse(tableDdl(405), "mysql"), null);
    assert.match(p.stopped ?? "", /stopped asking after 3 failures in a row \(last: .*HTTP 502: bad gateway/);
    const after = await p.parseDetailed(tableDdl(406), "mysql");
    assert.equal(after.outcome, "failed");
    assert.match(after.reason ?? "", /stopped asking after 3 failures in a row/);
    assert.equal(server.requests.length, 6, "nothing is asked once the breaker is open");
    assert.equal(warnings.filter((w) => /stopped asking/.test(w)).length, 1, "said once");
  });

  it("a timed-out request counts towards the breaker as it happens, and cancels the questions in flight", async () => {
    server.otherwise(() => ({ delayMs: 5000, content: "{}" }));
    const warnings: string[] = [];
    const p = parser({ retries: 3, concurrency: 4, timeoutMs: 200, onWarning: (m) => warnings.push(m) });
    const start = Date.now();
    const results = await Promise.all([410, 411, 412, 413, 414, 415].map((i) => p.parseDetailed(tableDdl(i), "mysql")));
    const took = Date.now() - start;
    assert.ok(results.every((r) => r.outcome === "failed"));
    assert.ok(took < 2000, `one timeout, not 4 per question: took ${took} ms`);
    assert.ok(server.requests.length <= 5, `requests: ${server.requests.length}`);
    assert.match(warnings[0], /no answer within 0\.2 s/);
    assert.match(p.stopped ?? "", /no answer within 0\.2 s/);
  });

  it("rejects empty DDL without asking; checks its options; throws after close", async () => {
    const p = parser();
    assert.equal(await p.parse("  \n", "mysql"), null);
    assert.equal(server.requests.length, 0);
    assert.deepEqual(p.stats, stats({ rejected: 1 }));
    await p.close();
    await assert.rejects(p.parse(DDL, "mysql"), DatusError);
    assert.throws(() => parser({ concurrency: 0 }), (e: DatusError) => e.code === "usage");
    assert.throws(() => parser({ retries: -1 }), (e: DatusError) => e.code === "usage");
    assert.throws(() => parser({ timeoutMs: 0 }), (e: DatusError) => e.code === "usage");
  });
});
