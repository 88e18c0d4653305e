import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import type { ModelConfig } from "../../src/config/load-config.js";
import { OpenAiEmbedder, type OpenAiEmbedderOptions } from "../../src/embed/openai-embeddings.js";
import { DatusError } from "../../src/errors.js";
import { FakeOpenAiServer, embeddingInputs, fakeEmbedding, type ScriptedResponse } from "../helpers/fake-openai-server.js";

const KEY = "sk-embed-secret-42";
const DIM = 8;
const FAST = { "retry-after-ms": "1" };

/** The unit vector the embedder should give for `text`: the fake server's vector over its length, in float64. */
function expected(text: string, dim = DIM): number[] {
  const v = fakeEmbedding(text, dim);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

function assertVector(vectors: Float32Array, row: number, want: readonly number[]): void {
  const got = Array.from(vectors.subarray(row * want.length, (row + 1) * want.length));
  got.forEach((x, i) => assert.ok(Math.abs(x - want[i]) < 1e-6, `row ${row}[${i}]: ${x} != ${want[i]}`));
  assert.ok(Math.abs(Math.hypot(...got) - 1) < 1e-5, `row ${row} is unit length`);
}

function isZero(vectors: Float32Array, row: number, dim = DIM): boolean {
  return vectors.subarray(row * dim, (row + 1) * dim).every((x) => x === 0);
}

async function rejection(p: Promise<unknown>): Promise<DatusError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof DatusError, String(err));
    return err;
  }
  assert.fail("expected a rejection");
}

const texts = (n: number, prefix = "table"): string[] => Array.from({ length: n }, (_, i) => `${prefix} ${i}: orders by customer`);

describe("OpenAiEmbedder against a 127.0.0.1 server", () => {
  let server: FakeOpenAiServer;
  before(async () => {
    server = await FakeOpenAiServer.start();
  });
  after(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
    server.maxInFlight = 0;
    server.embeddingDim = DIM;
    server.otherwise(() => ({}));
  });

  function embedder(over: Partial<OpenAiEmbedderOptions> = {}, modelOver: Partial<ModelConfig> = {}): OpenAiEmbedder {
    const model: ModelConfig = { key: "emb", type: "openai", baseUrl: server.baseUrl(), apiKey: KEY, model: "gpt-4o-mini", ...modelOver };
    return new OpenAiEmbedder({ model, embeddingModel: "text-embedding-3-small", dim: DIM, batchSize: 4, concurrency: 2, retries: 2, timeoutMs: 2000, ...over });
  }

  it("embeds 10 texts in 3 requests of 4, 4 and 2, in input order, each vector the normalised server vector", async () => {
    server.otherwise(() => ({ delayMs: 40 }));
    const e = embedder();
    const input = texts(10);
    const { vectors, failed } = await e.embedMany(input);
    assert.deepEqual(failed, []);
    assert.equal(vectors.length, 10 * DIM);
    input.forEach((text, row) => assertVector(vectors, row, expected(text)));
    assert.deepEqual(
      server.requests.map((r) => embeddingInputs(r).length).sort(),
      [2, 4, 4],
    );
    assert.deepEqual(server.requests.flatMap((r) => embeddingInputs(r)).sort(), [...input].sort());
    assert.equal(server.maxInFlight, 2, "requests overlapped, never more than the concurrency");
    assert.deepEqual(e.stats, { requests: 3, embedded: 10, failed: 0 });

    const [req] = server.requests;
    assert.equal(req.method, "POST");
    assert.equal(req.url, "/v1/embeddings");
    assert.equal(req.headers.authorization, `Bearer ${KEY}`);
    assert.equal(req.body?.model, "text-embedding-3-small", "the embedding model, not the entry's chat model");
    assert.equal(req.body?.encoding_format, "float");
  });

  it("keeps the concurrency cap across calls in flight at the same time", async () => {
    server.otherwise(() => ({ delayMs: 30 }));
    const e = embedder({ batchSize: 2, concurrency: 3 });
    const results = await Promise.all([e.embedMany(texts(8, "a")), e.embedMany(texts(8, "b")), e.embedMany(texts(5, "c"))]);
    assert.ok(results.every((r) => r.failed.length === 0));
    assert.equal(server.requests.length, 4 + 4 + 3);
    assert.equal(server.maxInFlight, 3);
    texts(5, "c").forEach((text, row) => assertVector(results[2].vectors, row, expected(text)));
  });

  it("retries a 429 (retry-after-ms) and then embeds everything: 2 requests", async () => {
    server.enqueue({ status: 429, headers: FAST, body: { error: { message: "rate limited" } } });
    const e = embedder();
    const input = texts(3);
    const { vectors, failed } = await e.embedMany(input);
    assert.deepEqual(failed, []);
    input.forEach((text, row) => assertVector(vectors, row, expected(text)));
    assert.equal(server.requests.length, 2);
    assert.deepEqual(e.stats, { requests: 2, embedded: 3, failed: 0 });
  });

  it("reports the texts of a batch that fails every attempt (500), and embeds the other batches", async () => {
    server.otherwise((req): ScriptedResponse => (embeddingInputs(req).some((t) => t.includes("bad")) ? { status: 500, headers: FAST, body: { error: { message: "down" } } } : {}));
    const e = embedder({ batchSize: 2, concurrency: 1, retries: 2 });
    const input = ["good 0", "good 1", "bad 2", "bad 3", "good 4", "good 5"];
    const { vectors, failed } = await e.embedMany(input);
    assert.deepEqual(
      failed.map((f) => f.index),
      [2, 3],
    );
    for (const f of failed) {
      assert.match(f.error, /HTTP 500: down/);
      assert.match(f.error, /agent\.models\.emb/);
    }
    assert.ok(isZero(vectors, 2) && isZero(vectors, 3));
    for (const row of [0, 1, 4, 5]) assertVector(vectors, row, expected(input[row]));
    const failing = server.requests.filter((r) => embeddingInputs(r).includes("bad 2"));
    assert.equal(failing.length, 1 + 2, "the first attempt and 2 retries");
    assert.deepEqual(e.stats, { requests: 2 + 3, embedded: 4, failed: 2 });
  });

  it("a 401 at the probe is a config error naming the api_key; later batches fail without requests", async () => {
    server.otherwise(() => ({ status: 401, body: { error: { message: `Incorrect API key provided: ${KEY}` } } }));
    const e = embedder();
    const err = await rejection(e.probe());
    assert.equal(err.code, "config");
    assert.equal(err.exitCode, 2);
    assert.match(err.message, /HTTP 401/);
    assert.match(err.hint, /agent\.models\.emb\.api_key/);
    const { vectors, failed } = await e.embedMany(texts(8));
    assert.deepEqual(
      failed.map((f) => f.index),
      [0, 1, 2, 3, 4, 5, 6, 7],
    );
    assert.match(failed[0].error, /HTTP 401.*agent\.models\.emb\.api_key/);
    assert.ok(vectors.every((x) => x === 0));
    assert.equal(server.requests.length, 1);
    assert.deepEqual(e.stats, { requests: 1, embedded: 0, failed: 8 });
  });

  it("a 401 mid-run fails every later batch at once, without requests", async () => {
    server.enqueue({ status: 401, body: { error: { message: "invalid key" } } });
    const e = embedder({ batchSize: 2, concurrency: 1 });
    const { failed } = await e.embedMany(texts(6));
    assert.equal(failed.length, 6);
    assert.equal(server.requests.length, 1);
  });

  it("a wrong dimension from the server: the probe is a config error naming dim_size; batches fail with the reason", async () => {
    server.embeddingDim = 12;
    const e = embedder({ embeddingModel: "bge-m3" });
    const err = await rejection(e.probe());
    assert.equal(err.code, "config");
    assert.match(err.message, /returned 12 floats per text, agent\.storage\.database\.dim_size is 8/);
    assert.match(err.hint, /agent\.storage\.database\.dim_size/);
    const { failed } = await e.embedMany(texts(2));
    assert.equal(failed.length, 2);
    assert.match(failed[0].error, /12 floats/);
  });

  it("sends `dimensions` only for text-embedding-3 models", async () => {
    for (const embeddingModel of ["text-embedding-3-small", "text-embedding-3-large", "text-embedding-ada-002", "bge-m3", "nomic-embed-text"]) {
      await embedder({ embeddingModel }).probe();
    }
    assert.deepEqual(
      server.requests.map((r) => [r.body?.model, r.body?.dimensions]),
      [
        ["text-embedding-3-small", DIM],
        ["text-embedding-3-large", DIM],
        ["text-embedding-ada-002", undefined],
        ["bge-m3", undefined],
        ["nomic-embed-text", undefined],
      ],
    );
    assert.ok(server.requests.every((r) => r.body?.encoding_format === "float"));
  });

  it("sends an empty text as a single space, which gets a unit vector like any other", async () => {
    const { vectors, failed } = await embedder().embedMany(["", "orders"]);
    assert.deepEqual(failed, []);
    assert.deepEqual(embeddingInputs(server.requests[0]), [" ", "orders"]);
    assertVector(vectors, 0, expected(" "));
    assertVector(vectors, 1, expected("orders"));
  });

  it("the probe: config error for a 404 (naming model_name) and for a non-OpenAI answer; source error when unreachable", async () => {
    server.enqueue({ status: 404, body: { error: { message: "model not found" } } });
    const notFound = await rejection(embedder().probe());
    assert.equal(notFound.code, "config");
    assert.match(notFound.hint, /agent\.storage\.database\.model_name \("text-embedding-3-small"\).*agent\.models\.emb\.base_url/);

    server.enqueue({ headers: { "content-type": "text/html" }, body: "<html>login</html>" }, { body: { result: "ok" } });
    for (let i = 0; i < 2; i++) {
      const odd = await rejection(embedder().probe());
      assert.equal(odd.code, "config");
      assert.match(odd.message, /not an embeddings answer/);
      assert.match(odd.hint, /agent\.models\.emb\.base_url/);
    }

    const gone = await FakeOpenAiServer.start();
    const url = gone.baseUrl();
    await gone.close();
    const unreachable = await rejection(embedder({ retries: 0 }, { baseUrl: url }).probe());
    assert.equal(unreachable.code, "source");
    assert.match(unreachable.message, /request failed/);
    assert.match(unreachable.hint, /agent\.models\.emb\.base_url/);
  });

  it("never shows the API key in a message, even when the server echoes it", async () => {
    const echo = { error: { message: `key ${KEY} refused` } };
    const messages: string[] = [];
    const collect = (err: DatusError): void => {
      messages.push(err.message, err.hint);
    };
    server.enqueue({ status: 401, body: echo });
    collect(await rejection(embedder().probe()));
    server.enqueue({ status: 400, body: echo });
    collect(await rejection(embedder().probe()));
    server.enqueue({ body: { echo: KEY } });
    collect(await rejection(embedder().probe()));
    server.otherwise(() => ({ status: 500, headers: FAST, body: echo }));
    collect(await rejection(embedder({ retries: 1 }).probe()));
    const { failed } = await embedder({ retries: 0 }).embedMany(texts(3));
    messages.push(...failed.map((f) => f.error));
    assert.equal(messages.length, 8 + 3);
    assert.ok(messages.some((m) => m.includes("key *** refused")), messages.join("\n"));
    for (const m of messages) assert.ok(!m.includes(KEY), m);
  });

  it("rejects with a cancelled DatusError when its signal aborts, also while waiting to retry", async () => {
    server.otherwise(() => ({ status: 429, headers: { "retry-after-ms": "1500" } }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const start = Date.now();
    const err = await rejection(embedder({ signal: controller.signal }).embedMany(texts(10)));
    assert.match(err.message, /cancelled/);
    assert.ok(Date.now() - start < 1000, `took ${Date.now() - start} ms`);
    assert.equal(server.requests.length, 2, "the first two batches; the queued one never asks");
  });

  it("checks its options: config errors name the agent.storage.database keys", () => {
    const check = (over: Partial<OpenAiEmbedderOptions>, code: string, key: RegExp): void => {
      assert.throws(
        () => embedder(over),
        (e: DatusError) => e.code === code && key.test(e.message),
      );
    };
    check({ dim: 0 }, "config", /agent\.storage\.database\.dim_size/);
    check({ batchSize: 0 }, "config", /agent\.storage\.database\.batch_size/);
    check({ embeddingModel: " " }, "config", /agent\.storage\.database\.model_name/);
    check({ concurrency: 0 }, "usage", /concurrency/);
    check({ retries: -1 }, "usage", /retries/);
    check({ timeoutMs: 0 }, "usage", /timeout/);
    assert.throws(
      () => embedder({}, { baseUrl: "", type: "qwen" }),
      (e: DatusError) => e.code === "config" && /agent\.models\.emb\.base_url/.test(e.message),
    );
  });
});
