/**
 * A real HTTP server on 127.0.0.1 (port 0) that speaks the OpenAI chat-completions and embeddings APIs, for
 * the LLM and embedding tests. It records every request, counts the requests in flight (and their maximum),
 * and answers each request with the next scripted response, or with the default handler once the script is
 * used up. A scripted response without a body answers a request to `.../embeddings` with `fakeEmbedding`s
 * of its inputs (in reverse order, each with its index, as a vendor may), any other with a chat completion.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  readonly method: string;
  /** Path and query, e.g. `/v1/chat/completions`. */
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly rawBody: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  readonly body: RequestBody | undefined;
}

/** A chat-completions or embeddings request body. */
export interface RequestBody {
  readonly model?: string;
  readonly messages?: readonly { readonly role: string; readonly content: string }[];
  readonly temperature?: number;
  readonly response_format?: { readonly type: string };
  readonly input?: string | readonly string[];
  readonly encoding_format?: string;
  readonly dimensions?: number;
}

export interface ScriptedResponse {
  /** HTTP status (default 200). */
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** The assistant's text: sent as a chat completion. */
  readonly content?: string;
  /** The raw body (a string as it is, anything else as JSON); wins over `content`. */
  readonly body?: unknown;
  /** Wait this long before answering. */
  readonly delayMs?: number;
  /** Send the status and headers, then wait this long before the body. */
  readonly bodyDelayMs?: number;
}

export type Responder = (req: RecordedRequest) => ScriptedResponse;

/** A chat-completion body whose first choice says `content`. */
export function chatCompletion(content: string, model = "fake-model"): object {
  return {
    id: "chatcmpl-fake",
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  };
}

/**
 * The fake server's embedding of `text`: `dim` floats in [-10, 10] (two decimals, exact in JSON) from an
 * FNV-1a hash of the text. Deterministic, distinct per text, and NOT unit length.
 */
export function fakeEmbedding(text: string, dim: number): number[] {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return Array.from({ length: dim }, (_, i) => (((h ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0) % 2001) / 100 - 10);
}

/** The inputs of a recorded embeddings request. */
export function embeddingInputs(req: RecordedRequest): readonly string[] {
  const input = req.body?.input;
  return input === undefined ? [] : typeof input === "string" ? [input] : input;
}

/** An embeddings answer for `inputs`: `fakeEmbedding`s of `dim` floats, in reverse order, each with its index. */
function embeddingList(inputs: readonly string[], dim: number, model = "fake-embedding"): object {
  const data = inputs.map((text, index) => ({ object: "embedding", index, embedding: fakeEmbedding(text, dim) }));
  return { object: "list", data: data.reverse(), model, usage: { prompt_tokens: inputs.length, total_tokens: inputs.length } };
}

/** The user message of a recorded request (where the DDL is). */
export function userMessage(req: RecordedRequest): string {
  return req.body?.messages?.find((m) => m.role === "user")?.content ?? "";
}

export class FakeOpenAiServer {
  readonly requests: RecordedRequest[] = [];
  inFlight = 0;
  maxInFlight = 0;
  /** The size of the embeddings answered when a request does not ask for `dimensions`. */
  embeddingDim = 8;
  private readonly script: (ScriptedResponse | Responder)[] = [];
  private fallback: Responder = () => ({ status: 500, body: { error: { message: "no scripted response" } } });
  private readonly timers = new Set<NodeJS.Timeout>();

  private readonly server: http.Server;
  private listeningPort = 0;

  private constructor() {
    this.server = http.createServer((req, res) => {
      void this.handle(req, res);
    });
  }

  static async start(): Promise<FakeOpenAiServer> {
    const self = new FakeOpenAiServer();
    await new Promise<void>((resolve, reject) => {
      self.server.once("error", reject);
      self.server.listen(0, "127.0.0.1", () => resolve());
    });
    self.listeningPort = (self.server.address() as AddressInfo).port;
    return self;
  }

  get port(): number {
    return this.listeningPort;
  }

  /** `http://127.0.0.1:<port>` + `path` (default `/v1`): a base_url as users write it. */
  baseUrl(path = "/v1"): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Answer the next requests with these, in order. */
  enqueue(...responses: (ScriptedResponse | Responder)[]): this {
    this.script.push(...responses);
    return this;
  }

  /** Answer every request once the script is used up. */
  otherwise(responder: Responder): this {
    this.fallback = responder;
    return this;
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      this.inFlight--;
    };
    res.on("close", finish);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString("utf8");
    let body: RequestBody | undefined;
    try {
      body = JSON.parse(rawBody) as RequestBody;
    } catch {
      body = undefined;
    }
    const recorded: RecordedRequest = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, rawBody, body };
    this.requests.push(recorded);
    const next = this.script.shift() ?? this.fallback;
    const response = typeof next === "function" ? next(recorded) : next;
    const send = (): void => {
      if (res.destroyed) return finish();
      const payload =
        response.body !== undefined
          ? typeof response.body === "string"
            ? response.body
            : JSON.stringify(response.body)
          : /\/embeddings(\?|$)/.test(recorded.url)
            ? JSON.stringify(embeddingList(embeddingInputs(recorded), body?.dimensions ?? this.embeddingDim, body?.model))
            : JSON.stringify(chatCompletion(response.content ?? "{}", body?.model));
      res.writeHead(response.status ?? 200, { "content-type": "application/json", ...response.headers });
      if (response.bodyDelayMs === undefined) return void res.end(payload);
      res.flushHeaders();
      this.later(response.bodyDelayMs, () => res.end(payload));
    };
    if (response.delayMs !== undefined && response.delayMs > 0) this.later(response.delayMs, send);
    else send();
  }

  private later(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    this.timers.add(timer);
  }
}
