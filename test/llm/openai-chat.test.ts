import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import type { ModelConfig } from "../../src/config/load-config.js";
import { DatusError } from "../../src/errors.js";
import { retryAfterMs } from "../../src/llm/openai-api.js";
import { OpenAiChatClient, chatCompletionsUrl, endpointFor } from "../../src/llm/openai-chat.js";
import { FakeOpenAiServer } from "../helpers/fake-openai-server.js";

const MESSAGES = [{ role: "user" as const, content: "Answer in JSON: {}" }];

function model(baseUrl: string, over: Partial<ModelConfig> = {}): ModelConfig {
  return { key: "fake", type: "openai", baseUrl, apiKey: "sk-test-123", model: "fake-model", ...over };
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

describe("chatCompletionsUrl", () => {
  it("appends /chat/completions to base_url as users write it", () => {
    assert.equal(chatCompletionsUrl("https://api.openai.com/v1"), "https://api.openai.com/v1/chat/completions");
    assert.equal(chatCompletionsUrl("https://api.openai.com/v1/"), "https://api.openai.com/v1/chat/completions");
    assert.equal(chatCompletionsUrl("https://api.deepseek.com"), "https://api.deepseek.com/chat/completions");
    assert.equal(chatCompletionsUrl(" http://host:8000/openai/v1// "), "http://host:8000/openai/v1/chat/completions");
    assert.equal(chatCompletionsUrl("http://host/v1/chat/completions"), "http://host/v1/chat/completions");
    assert.equal(chatCompletionsUrl("http://host/v1?api-version=2"), "http://host/v1/chat/completions?api-version=2");
  });

  it("uses the vendor default for an absent base_url, and is a config error otherwise", () => {
    assert.equal(endpointFor(model("")), "https://api.openai.com/v1/chat/completions");
    assert.equal(endpointFor(model("", { type: "deepseek" })), "https://api.deepseek.com/chat/completions");
    assert.throws(() => endpointFor(model("", { type: "qwen" })), (e: DatusError) => e.code === "config" && e.message.includes("agent.models.fake.base_url"));
    assert.throws(() => endpointFor(model("ftp://x")), (e: DatusError) => e.code === "config");
    assert.throws(() => endpointFor(model("not a url")), (e: DatusError) => e.code === "config");
  });

  it("reads retry-after-ms, Retry-After seconds and dates as the SDK does", () => {
    assert.equal(retryAfterMs(new Headers({ "retry-after-ms": "250" })), 250);
    assert.equal(retryAfterMs(new Headers({ "retry-after-ms": "0", "retry-after": "2" })), 2000);
    assert.equal(retryAfterMs(new Headers({ "retry-after": "2" })), 2000);
    assert.equal(retryAfterMs(new Headers({ "retry-after": new Date(10_000).toUTCString() }), 7_000), 3000);
    assert.equal(retryAfterMs(new Headers({ "retry-after": "soon" })), undefined);
    assert.equal(retryAfterMs(new Headers()), undefined);
  });
});

describe("OpenAiChatClient against a 127.0.0.1 server", () => {
  let server: FakeOpenAiServer;
  before(async () => {
    server = await FakeOpenAiServer.start();
  });
  after(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
    server.maxInFlight = 0;
  });

  function client(over: Partial<ConstructorParameters<typeof OpenAiChatClient>[0]> = {}): OpenAiChatClient {
    return new OpenAiChatClient({ model: model(server.baseUrl()), timeoutMs: 2000, retries: 2, ...over });
  }

  it("POSTs the model, messages, temperature 0 and JSON mode with the bearer key to {base_url}/chat/completions", async () => {
    server.enqueue({ content: '{"ok":true}' });
    assert.equal(await client().complete({ messages: MESSAGES }), '{"ok":true}');
    const [req] = server.requests;
    assert.equal(req.method, "POST");
    assert.equal(req.url, "/v1/chat/completions");
    assert.equal(req.headers.authorization, "Bearer sk-test-123");
    assert.equal(req.headers["content-type"], "application/json");
    assert.deepEqual(req.body, { model: "fake-model", messages: MESSAGES, temperature: 0, response_format: { type: "json_object" } });
  });

  it("works with base_url without /v1, with a trailing slash, and without an api_key (no Authorization)", async () => {
    server.enqueue({ content: "a" }, { content: "b" });
    await client({ model: model(server.baseUrl("")) }).complete({ messages: MESSAGES });
    await client({ model: model(server.baseUrl("/v1/"), { apiKey: "" }) }).complete({ messages: MESSAGES });
    assert.deepEqual(
      server.requests.map((r) => r.url),
      ["/chat/completions", "/v1/chat/completions"],
    );
    assert.equal(server.requests[1].headers.authorization, undefined);
  });

  it("retries 429 honoring retry-after-ms, and 500, then succeeds", async () => {
    server.enqueue(
      { status: 429, headers: { "retry-after-ms": "150" }, body: { error: { message: "slow down" } } },
      { status: 500, headers: { "retry-after-ms": "1" }, body: "oops" },
      { content: "fine" },
    );
    const start = Date.now();
    assert.equal(await client().complete({ messages: MESSAGES }), "fine");
    assert.equal(server.requests.length, 3);
    assert.ok(Date.now() - start >= 140, `waited ${Date.now() - start} ms`);
  });

  it("waits the Retry-After the server asks for (up to the cap)", async () => {
    server.enqueue({ status: 429, headers: { "retry-after": "0.3" } }, { content: "fine" });
    const start = Date.now();
    assert.equal(await client().complete({ messages: MESSAGES }), "fine");
    assert.ok(Date.now() - start >= 280, `waited ${Date.now() - start} ms`);
    server.enqueue({ status: 429, headers: { "retry-after": "30" } }, { content: "capped" });
    const capped = Date.now();
    assert.equal(await client({ maxRetryAfterMs: 100 }).complete({ messages: MESSAGES }), "capped");
    assert.ok(Date.now() - capped < 1000);
  });

  it("gives up after the retries with a source error naming the model key", async () => {
    const fast = { "retry-after-ms": "1" };
    server.enqueue({ status: 503, headers: fast }, { status: 502, headers: fast }, { status: 500, headers: fast, body: { error: { message: "down" } } });
    const err = await rejection(client().complete({ messages: MESSAGES }));
    assert.equal(server.requests.length, 3);
    assert.equal(err.code, "source");
    assert.match(err.message, /agent\.models\.fake .*HTTP 500: down/);
    assert.match(err.hint, /agent\.models\.fake/);
  });

  it("asks once more without response_format after a 400, and keeps JSON mode off when that worked", async () => {
    server.enqueue({ status: 400, body: { error: { message: "response_format is not supported" } } }, { content: "plain" }, { content: "again" });
    const c = client({ retries: 0 });
    assert.equal(await c.complete({ messages: MESSAGES }), "plain");
    assert.equal(await c.complete({ messages: MESSAGES }), "again");
    assert.deepEqual(
      server.requests.map((r) => r.body?.response_format?.type ?? "none"),
      ["json_object", "none", "none"],
    );
  });

  it("does not retry other 4xx; a 400 is asked once without JSON mode only", async () => {
    server.enqueue({ status: 400, body: { error: { message: "context too long" } } }, { status: 400, body: { error: { message: "context too long" } } });
    const err = await rejection(client().complete({ messages: MESSAGES }));
    assert.equal(server.requests.length, 2);
    assert.match(err.message, /HTTP 400: context too long/);
    server.requests.length = 0;
    server.enqueue({ status: 422 });
    await rejection(client().complete({ messages: MESSAGES }));
    assert.equal(server.requests.length, 1);
  });

  it("a 401 is final, breaks the client (no more requests) and hints at the api_key, which no message shows", async () => {
    server.enqueue({ status: 401, body: { error: { message: "Incorrect API key provided: sk-test-123" } } });
    const c = client();
    const err = await rejection(c.complete({ messages: MESSAGES }));
    assert.match(err.hint, /agent\.models\.fake\.api_key/);
    assert.match(err.message, /HTTP 401: Incorrect API key provided: \*\*\*/);
    assert.ok(!err.message.includes("sk-test-123") && !err.hint.includes("sk-test-123"));
    assert.equal(c.broken, err);
    await rejection(c.complete({ messages: MESSAGES }));
    assert.equal(server.requests.length, 1);
  });

  it("times out each request, retries, then fails within the bound", async () => {
    server.enqueue({ delayMs: 3000, content: "late" }, { delayMs: 3000, content: "late" });
    const start = Date.now();
    const err = await rejection(client({ timeoutMs: 150, retries: 1 }).complete({ messages: MESSAGES }));
    const took = Date.now() - start;
    assert.match(err.message, /no answer within 150 ms/);
    assert.equal(server.requests.length, 2);
    assert.ok(took >= 290 && took < 1500, `took ${took} ms`);
  });

  it("bounds the body by the timeout too, not only the headers", async () => {
    server.enqueue({ bodyDelayMs: 3000, content: "late" });
    const start = Date.now();
    const err = await rejection(client({ timeoutMs: 150, retries: 0 }).complete({ messages: MESSAGES }));
    assert.match(err.message, /no answer within 150 ms/);
    assert.ok(Date.now() - start < 1000, `took ${Date.now() - start} ms`);
  });

  it("retries network errors and names the base_url", async () => {
    const gone = await FakeOpenAiServer.start();
    const url = gone.baseUrl();
    await gone.close();
    const err = await rejection(client({ model: model(url), retries: 1 }).complete({ messages: MESSAGES }));
    assert.match(err.message, /request failed/);
    assert.match(err.hint, /agent\.models\.fake\.base_url/);
  });

  it("fails on a 200 that is not a chat completion", async () => {
    server.enqueue({ body: "<html>proxy</html>" }, { headers: { "content-type": "text/html" }, body: "<html>proxy</html>" }, { body: { choices: [] } });
    assert.match((await rejection(client().complete({ messages: MESSAGES }))).message, /not JSON/);
    assert.match((await rejection(client().complete({ messages: MESSAGES }))).message, /not JSON: <html>proxy<\/html>/);
    assert.match((await rejection(client().complete({ messages: MESSAGES }))).message, /no choices/);
  });

  it("stops waiting when its signal aborts", async () => {
    server.enqueue({ delayMs: 3000, content: "late" });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const start = Date.now();
    const err = await rejection(client({ signal: controller.signal }).complete({ messages: MESSAGES }));
    assert.match(err.message, /cancelled/);
    assert.ok(Date.now() - start < 1000);
  });

  it("stops waiting between retries when its signal aborts (the SDK's own wait does not listen)", async () => {
    server.enqueue({ status: 429, headers: { "retry-after-ms": "1500" } }, { content: "late" });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const start = Date.now();
    const err = await rejection(client({ signal: controller.signal }).complete({ messages: MESSAGES }));
    assert.match(err.message, /cancelled/);
    assert.ok(Date.now() - start < 1000, `took ${Date.now() - start} ms`);
    assert.equal(server.requests.length, 1);
  });
});
