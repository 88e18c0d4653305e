/**
 * A small OpenAI-compatible chat-completions client over `fetch`: one model of `agent.models`.
 *
 * Decisions, all deliberate:
 * - The URL is built as the OpenAI SDKs (and so the Datus agent) build it: `{base_url}/chat/completions`,
 *   whatever path base_url has (`https://api.openai.com/v1`, `https://api.deepseek.com`, `http://host/v1/`).
 *   A base_url that already ends in `/chat/completions` is used as it is. An absent base_url means the
 *   vendor's default for `type: openai` / `type: deepseek`, and is a config error for any other type.
 * - JSON mode (`response_format: {type: "json_object"}`) is asked for; a server that answers it with 400 is
 *   asked once more without it, and when that works JSON mode stays off for this client.
 * - Retried, with exponential backoff and jitter (or the server's `retry-after-ms` / `Retry-After`, capped):
 *   network errors, per-request timeouts, 408, 409, 429 and 5xx. Any other 4xx is final. After a 401, 403 or
 *   404 the client is `broken`: every later call fails at once, without a request, with the same error
 *   (a wrong key or model would otherwise cost one failing request per table).
 * - Errors are `DatusError("source", ...)` whose hint names the `agent.models.<key>` entry. The API key is
 *   never part of a message.
 */
import { DatusError, configError, describeError } from "../errors.js";
import type { ModelConfig } from "../config/load-config.js";

export interface ChatMessage {
  readonly role: "system" | "user" | "assistant";
  readonly content: string;
}

export interface ChatClientOptions {
  readonly model: ModelConfig;
  /** Per request (one attempt), milliseconds. */
  readonly timeoutMs: number;
  /** Attempts after the first one, for retryable failures. */
  readonly retries: number;
  /** The first backoff, doubled on each retry (default 500 ms). */
  readonly backoffMs?: number;
  /** The cap of every wait between attempts, Retry-After included (default 60 s). */
  readonly maxBackoffMs?: number;
  /** Aborts waits and requests in flight: the call then rejects with a DatusError, without retrying. */
  readonly signal?: AbortSignal;
  /** Called once per HTTP request sent (for counting). */
  readonly onRequest?: () => void;
}

export interface ChatRequest {
  readonly messages: readonly ChatMessage[];
  /** Ask for `response_format: {type: "json_object"}` (default true). */
  readonly json?: boolean;
}

const DEFAULT_BASE_URLS: Readonly<Record<string, string>> = {
  openai: "https://api.openai.com/v1",
  deepseek: "https://api.deepseek.com",
};

const RETRYABLE_STATUS = new Set([408, 409, 429]);
const BROKEN_STATUS = new Set([401, 403, 404]);

/**
 * The chat-completions endpoint of a `base_url` as users write it: `{base_url}/chat/completions`
 * (trailing slashes dropped; a base_url already ending in `/chat/completions` is kept).
 * Config error for a base_url that is not an http(s) URL.
 */
export function chatCompletionsUrl(baseUrl: string, keyPath = "base_url"): string {
  const trimmed = baseUrl.trim();
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw configError(`${keyPath} "${baseUrl}" is not a URL`, `write the API root, e.g. ${keyPath}: https://api.openai.com/v1`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw configError(`${keyPath} "${baseUrl}" is not an http(s) URL`, `write the API root, e.g. ${keyPath}: https://api.openai.com/v1`);
  }
  const pathname = url.pathname.replace(/\/+$/, "");
  url.pathname = /\/chat\/completions$/i.test(pathname) ? pathname : `${pathname}/chat/completions`;
  return url.toString();
}

/** The endpoint of a model entry: its base_url, or the vendor default when absent. Config error when neither. */
export function endpointFor(model: ModelConfig): string {
  const keyPath = `agent.models.${model.key}.base_url`;
  const base = model.baseUrl.trim() !== "" ? model.baseUrl : DEFAULT_BASE_URLS[model.type.trim().toLowerCase()];
  if (base === undefined) {
    throw configError(
      `${keyPath} is missing (type "${model.type}" has no default endpoint)`,
      `set ${keyPath} to the OpenAI-compatible API root, e.g. https://api.example.com/v1`,
    );
  }
  return chatCompletionsUrl(base, keyPath);
}

/** Wait `ms`, or less when `signal` aborts (then reject). */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** `retry-after-ms` (OpenAI) or `Retry-After` (seconds or an HTTP date) in milliseconds; undefined when absent or unreadable. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const ms = headers.get("retry-after-ms");
  if (ms !== null && /^\s*\d+(\.\d+)?\s*$/.test(ms)) return Number(ms);
  const after = headers.get("retry-after");
  if (after === null) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(after)) return Number(after) * 1000;
  const date = Date.parse(after);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The error message of an OpenAI-style error body (`{"error": {"message": ...}}`), else the start of the body. */
function errorDetail(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === "object" && parsed !== null && "error" in parsed) {
      const error = (parsed as { error: unknown }).error;
      if (typeof error === "string") return error;
      if (typeof error === "object" && error !== null && typeof (error as { message?: unknown }).message === "string") {
        return (error as { message: string }).message;
      }
    }
  } catch {
    // not JSON: the text itself
  }
  const text = body.replace(/\s+/g, " ").trim();
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** One attempt's failure: whether another attempt may help, and how long the server asked to wait. */
class AttemptError extends Error {
  constructor(
    readonly error: DatusError,
    readonly retryable: boolean,
    readonly status?: number,
    readonly waitMs?: number,
  ) {
    super(error.message);
  }
}

export class OpenAiChatClient {
  readonly url: string;
  private readonly opts: ChatClientOptions;
  private readonly keyPath: string;
  private jsonMode = true;
  private brokenError: DatusError | undefined;

  constructor(opts: ChatClientOptions) {
    this.opts = opts;
    this.keyPath = `agent.models.${opts.model.key}`;
    this.url = endpointFor(opts.model);
  }

  /** Set after a 401/403/404: the error every later call fails with. */
  get broken(): DatusError | undefined {
    return this.brokenError;
  }

  /** The assistant's text of the first choice. Rejects with a DatusError("source") after the retries. */
  async complete(request: ChatRequest): Promise<string> {
    if (this.brokenError !== undefined) throw this.brokenError;
    const retries = Math.max(0, Math.floor(this.opts.retries));
    const backoff = this.opts.backoffMs ?? 500;
    const cap = this.opts.maxBackoffMs ?? 60_000;
    let json = (request.json ?? true) && this.jsonMode;
    let jsonFallbackUsed = false;
    for (let attempt = 0; ; attempt++) {
      try {
        const content = await this.attempt(request.messages, json);
        if (jsonFallbackUsed) this.jsonMode = false;
        return content;
      } catch (err) {
        if (!(err instanceof AttemptError)) throw err;
        if (err.status === 400 && json && !jsonFallbackUsed) {
          // the server may not know response_format: ask once more without it (not counted as a retry)
          json = false;
          jsonFallbackUsed = true;
          attempt--;
          continue;
        }
        if (err.status !== undefined && BROKEN_STATUS.has(err.status)) this.brokenError = err.error;
        if (!err.retryable || attempt >= retries) throw err.error;
        const exp = Math.min(cap, backoff * 2 ** attempt);
        const jittered = exp / 2 + Math.random() * (exp / 2);
        const wait = Math.min(cap, Math.max(jittered, err.waitMs ?? 0));
        try {
          await sleep(wait, this.opts.signal);
        } catch {
          throw this.abortedError();
        }
      }
    }
  }

  private abortedError(): DatusError {
    return new DatusError("source", `LLM request to ${this.keyPath} was cancelled`, "the run was interrupted");
  }

  private fail(message: string, hint: string, retryable: boolean, status?: number, waitMs?: number, cause?: unknown): AttemptError {
    const error = new DatusError("source", `LLM ${this.keyPath} (${this.opts.model.model}) at ${this.url}: ${message}`, hint, { cause });
    return new AttemptError(error, retryable, status, waitMs);
  }

  private async attempt(messages: readonly ChatMessage[], json: boolean): Promise<string> {
    const { model, timeoutMs, signal } = this.opts;
    if (signal?.aborted) throw this.abortedError();
    const body: Record<string, unknown> = { model: model.model, messages, temperature: 0 };
    if (json) body.response_format = { type: "json_object" };
    const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
    if (model.apiKey !== "") headers.authorization = `Bearer ${model.apiKey}`;
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal === undefined ? timeout : AbortSignal.any([timeout, signal]);

    let status: number;
    let text: string;
    let responseHeaders: Headers;
    this.opts.onRequest?.();
    try {
      const res = await fetch(this.url, { method: "POST", headers, body: JSON.stringify(body), signal: combined });
      status = res.status;
      responseHeaders = res.headers;
      text = await res.text();
    } catch (err) {
      if (signal?.aborted) throw this.abortedError();
      if (timeout.aborted) {
        throw this.fail(
          `no answer within ${timeoutMs} ms`,
          `the endpoint of ${this.keyPath}.base_url is slow or unreachable: allow a longer LLM timeout, or check the server`,
          true,
          undefined,
          undefined,
          err,
        );
      }
      const cause = (err as { cause?: unknown }).cause;
      const detail = cause === undefined ? describeError(err) : `${describeError(err)} (${describeError(cause)})`;
      throw this.fail(`request failed: ${detail}`, `check that ${this.keyPath}.base_url (${this.url}) is reachable`, true, undefined, undefined, err);
    }

    if (status < 200 || status >= 300) {
      const detail = errorDetail(text);
      const what = `HTTP ${status}${detail === "" ? "" : `: ${detail}`}`;
      if (status === 401 || status === 403) {
        throw this.fail(what, `check ${this.keyPath}.api_key (is its \${VAR} set to a valid key?)`, false, status);
      }
      if (status === 404) {
        throw this.fail(
          what,
          `check ${this.keyPath}.model ("${model.model}") and ${this.keyPath}.base_url (the API root the server serves under, often ending in /v1)`,
          false,
          status,
        );
      }
      if (status === 429) {
        throw this.fail(what, `the endpoint of ${this.keyPath} is rate-limiting: lower the LLM concurrency or retry later`, true, status, retryAfterMs(responseHeaders));
      }
      if (RETRYABLE_STATUS.has(status) || status >= 500) {
        throw this.fail(what, `the endpoint of ${this.keyPath} failed: retry later`, true, status, retryAfterMs(responseHeaders));
      }
      throw this.fail(what, `the endpoint of ${this.keyPath} refused the request: check ${this.keyPath}.model and the server`, false, status);
    }

    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw this.fail(`the answer is not JSON: ${errorDetail(text)}`, `check that ${this.keyPath}.base_url is an OpenAI-compatible API`, false, status);
    }
    const content = firstChoiceContent(parsed);
    if (content === undefined) {
      throw this.fail(`the answer has no choices[0].message.content: ${errorDetail(text)}`, `check that ${this.keyPath}.base_url is an OpenAI-compatible API`, false, status);
    }
    return content;
  }
}

function firstChoiceContent(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const choices = (body as { choices?: unknown }).choices;
  if (!Array.isArray(choices) || choices.length === 0) return undefined;
  const first: unknown = choices[0];
  if (typeof first !== "object" || first === null) return undefined;
  const message = (first as { message?: unknown }).message;
  if (typeof message !== "object" || message === null) return undefined;
  const content = (message as { content?: unknown }).content;
  return typeof content === "string" ? content : undefined;
}
