/**
 * What the chat client (`openai-chat.ts`) and the embeddings client (`../embed/openai-embeddings.ts`) add
 * on top of the `openai` SDK, in one place.
 *
 * Decisions, all deliberate:
 * - The API root of an `agent.models` entry is its base_url as users write it (`https://api.openai.com/v1`,
 *   `https://api.deepseek.com`, `http://host/v1/`): trailing slashes dropped, a final `/chat/completions`
 *   dropped (so a chat URL pasted as base_url also works for embeddings), its query sent with every
 *   request. An absent base_url means the vendor's default for `type: openai` / `type: deepseek`, and is a
 *   config error for any other type.
 * - The SDK does the retrying (`maxRetries`): network errors, per-request timeouts, 408, 409, 429 and 5xx,
 *   waiting what the server asks (`retry-after-ms`, else `Retry-After`) or 0.5 s doubling to 8 s. Its wait
 *   is a plain timer that no signal interrupts, so a server's wait over `maxRetryAfterMs` is cut down to it
 *   (by rewriting that response's headers before the SDK reads them).
 * - Every HTTP request is counted (`onRequest`) by the `fetch` the SDK is given: retries included. That
 *   `fetch` also bounds the body by the per-request timeout (the SDK's own timeout ends with the headers).
 * - Nothing is read from OPENAI_* variables (base URL, organization, project, log level): the config says
 *   it all. No Authorization header is sent without a key.
 * - A failure is translated into what a user can act on (`ApiFailure`, `failureHint`); the API key is never
 *   part of a message, even when a server echoes it.
 */
import type OpenAI from "openai";
import type { ModelConfig } from "../config/load-config.js";
import { configError, describeError } from "../errors.js";

type OpenAiSdk = typeof import("openai");

let loading: Promise<OpenAiSdk> | undefined;
let loaded: OpenAiSdk["default"] | undefined;

/** The `openai` SDK, loaded when a client first needs it: it takes about 0.1 s to load, and most runs call no API. */
function openaiSdk(): Promise<OpenAiSdk["default"]> {
  loading ??= import("openai");
  return loading.then((m) => (loaded = m.default));
}

/** The SDK's error for a cancelled call (a plain AbortError before the SDK is loaded: nothing of it ran then). */
export function abortError(): Error {
  return loaded ? new loaded.APIUserAbortError() : new DOMException("cancelled", "AbortError");
}

/** The SDK's 400 (an error thrown before the SDK was loaded is not one). */
export function isBadRequest(err: unknown): boolean {
  return loaded !== undefined && err instanceof loaded.BadRequestError;
}

const DEFAULT_BASE_URLS: Readonly<Record<string, string>> = {
  openai: "https://api.openai.com/v1",
  deepseek: "https://api.deepseek.com",
};

/** The default cap of a server's Retry-After (milliseconds). */
const DEFAULT_MAX_RETRY_AFTER_MS = 60_000;

/** Statuses that say this key, model or URL will never work: the client stops asking. */
const BREAKING_STATUS = new Set([401, 403, 404]);

export interface ApiRoot {
  /** The SDK's baseURL: no query, no trailing slash, no final `/chat/completions`. */
  readonly baseURL: string;
  /** base_url's query parameters (e.g. `api-version`), sent with every request. */
  readonly query: Readonly<Record<string, string>>;
}

/** The API root of a `base_url` as users write it. Config error for a base_url that is not an http(s) URL. */
export function apiRoot(baseUrl: string, keyPath = "base_url"): ApiRoot {
  let url: URL;
  try {
    url = new URL(baseUrl.trim());
  } catch {
    throw configError(`${keyPath} "${baseUrl}" is not a URL`, `write the API root, e.g. ${keyPath}: https://api.openai.com/v1`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw configError(`${keyPath} "${baseUrl}" is not an http(s) URL`, `write the API root, e.g. ${keyPath}: https://api.openai.com/v1`);
  }
  const query = Object.fromEntries(url.searchParams);
  url.search = "";
  url.hash = "";
  url.pathname = url.pathname.replace(/\/+$/, "").replace(/\/chat\/completions$/i, "");
  return { baseURL: url.toString().replace(/\/+$/, ""), query };
}

/** The API root of a model entry: its base_url, or the vendor default when absent. Config error when neither. */
export function apiRootFor(model: ModelConfig): ApiRoot {
  const keyPath = `agent.models.${model.key}.base_url`;
  const base = model.baseUrl.trim() !== "" ? model.baseUrl : DEFAULT_BASE_URLS[model.type.trim().toLowerCase()];
  if (base === undefined) {
    throw configError(
      `${keyPath} is missing (type "${model.type}" has no default endpoint)`,
      `set ${keyPath} to the OpenAI-compatible API root, e.g. https://api.example.com/v1`,
    );
  }
  return apiRoot(base, keyPath);
}

/** The URL the SDK asks for `path` (e.g. `chat/completions`) under `root`: for messages. */
export function apiUrl(root: ApiRoot, path: string): string {
  const query = new URLSearchParams(root.query).toString();
  return `${root.baseURL}/${path}${query === "" ? "" : `?${query}`}`;
}

/**
 * The wait a failed response asks for, in milliseconds, read as the SDK reads it: `retry-after-ms`
 * (unless 0 or unreadable), else `Retry-After` in seconds or as an HTTP date. Undefined when absent or unreadable.
 */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const ms = Number.parseFloat(headers.get("retry-after-ms") ?? "");
  if (ms) return ms;
  const after = headers.get("retry-after");
  if (after === null || after === "") return Number.isNaN(ms) ? undefined : ms;
  const seconds = Number.parseFloat(after);
  if (!Number.isNaN(seconds)) return seconds * 1000;
  const date = Date.parse(after);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** A failed response whose Retry-After exceeds `capMs`, told to wait `capMs` instead; any other response as it is. */
function capRetryAfter(res: Response, capMs: number): Response {
  if (res.ok) return res;
  const wait = retryAfterMs(res.headers);
  if (wait === undefined || wait <= capMs) return res;
  const headers = new Headers(res.headers);
  headers.delete("retry-after");
  headers.set("retry-after-ms", String(capMs));
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

export interface SdkClientOptions {
  /** Per request (one attempt), milliseconds. */
  readonly timeoutMs: number;
  /** Attempts after the first one, for retryable failures (the SDK's maxRetries). */
  readonly retries: number;
  /** The cap of a server's Retry-After, milliseconds (default 60 s). */
  readonly maxRetryAfterMs?: number;
  /** Called once per HTTP request sent, retries included. */
  readonly onRequest?: () => void;
  /** Called once per request that ended: with its HTTP status, or `timeout` when no answer came within `timeoutMs`. */
  readonly onAttempt?: (outcome: number | "timeout") => void;
}

/**
 * The SDK client of a model entry's API root, once the SDK is loaded. A failure to make it is kept for the
 * first call that awaits it (never an unhandled rejection).
 */
export function sdkClient(model: ModelConfig, root: ApiRoot, opts: SdkClientOptions): Promise<OpenAI> {
  const client = openaiSdk().then((OpenAI) => newClient(OpenAI, model, root, opts));
  client.catch(() => undefined);
  return client;
}

function newClient(OpenAI: OpenAiSdk["default"], model: ModelConfig, root: ApiRoot, opts: SdkClientOptions): OpenAI {
  const capMs = opts.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS;
  const countingFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    opts.onRequest?.();
    const timeout = AbortSignal.timeout(opts.timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    let res: Response;
    try {
      res = await fetch(input, { ...init, signal });
    } catch (err) {
      if (timeout.aborted) opts.onAttempt?.("timeout");
      throw err;
    }
    opts.onAttempt?.(res.status);
    return capRetryAfter(res, capMs);
  };
  return new OpenAI({
    apiKey: model.apiKey,
    baseURL: root.baseURL,
    defaultQuery: root.query,
    defaultHeaders: model.apiKey === "" ? { Authorization: null } : undefined,
    organization: null,
    project: null,
    maxRetries: Math.max(0, Math.floor(opts.retries)),
    // a backstop: our own timeout in `countingFetch` fires first, so a timeout is told apart from a cancel
    timeout: Math.ceil(opts.timeoutMs) + 1000,
    fetch: countingFetch,
    logLevel: "off",
  });
}

/**
 * `promise`, or a rejection with the SDK's abort error as soon as `signal` aborts: the SDK aborts a request
 * in flight, but not its wait between retries.
 */
export function abortable<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (signal === undefined) return promise;
  // after an abort the SDK's promise still settles (after its wait): nothing is left to report then
  promise.catch(() => undefined);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortError());
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    void promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** Why a call failed, as a user reads it. */
export interface ApiFailure {
  readonly kind: "cancelled" | "timeout" | "network" | "http" | "answer";
  /** The HTTP status, for kind "http". */
  readonly status?: number;
  /** What happened: `HTTP 500: down`, `no answer within 150 ms`, `request failed: ...` (the API key redacted). */
  readonly detail: string;
  /** Another attempt later may work (the SDK retried it): timeouts, network errors, 408, 409, 429, 5xx. */
  readonly retryable: boolean;
  /** 401, 403, 404: this key, model or URL will not work; later calls should not ask. */
  readonly breaksClient: boolean;
}

/** `text` without the API key (keys under 4 characters are left: they are no secret, and would mangle the text). */
export function redact(text: string, apiKey: string): string {
  return apiKey.length >= 4 ? text.split(apiKey).join("***") : text;
}

/** At most 200 characters of `text` on one line. */
export function snippet(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/**
 * The failure of an SDK call (or of reading its answer). `signal` aborted means cancelled, whatever was
 * thrown; an error that is not the SDK's is a bad answer, described by its message.
 */
export function apiFailure(err: unknown, opts: { readonly timeoutMs: number; readonly apiKey: string; readonly signal?: AbortSignal }): ApiFailure {
  const failure = (kind: ApiFailure["kind"], detail: string, retryable: boolean, status?: number): ApiFailure => ({
    kind,
    status,
    detail: redact(detail, opts.apiKey),
    retryable,
    breaksClient: status !== undefined && BREAKING_STATUS.has(status),
  });
  const OpenAI = loaded;
  if (opts.signal?.aborted || (OpenAI !== undefined && err instanceof OpenAI.APIUserAbortError)) return failure("cancelled", "cancelled", false);
  // the second: a body that did not arrive in time (not retried by the SDK, which reads bodies after its retries)
  if ((OpenAI !== undefined && err instanceof OpenAI.APIConnectionTimeoutError) || (err instanceof DOMException && err.name === "TimeoutError")) {
    return failure("timeout", `no answer within ${opts.timeoutMs} ms`, true);
  }
  if (OpenAI !== undefined && err instanceof OpenAI.APIConnectionError) {
    const cause = (err as { cause?: unknown }).cause ?? err;
    const inner = (cause as { cause?: unknown }).cause;
    return failure("network", `request failed: ${describeError(cause)}${inner === undefined ? "" : ` (${describeError(inner)})`}`, true);
  }
  if (OpenAI !== undefined && err instanceof OpenAI.APIError && err.status !== undefined) {
    // the SDK's message is "<status> <the error body's message, or the body>", or "<status> status code (no body)"
    const text = snippet(err.message.replace(/^\d+ /, "").replace(/^status code \(no body\)$/, ""));
    const retryable = err.status === 408 || err.status === 409 || err.status === 429 || err.status >= 500;
    return failure("http", `HTTP ${err.status}${text === "" ? "" : `: ${text}`}`, retryable, err.status);
  }
  if (err instanceof SyntaxError) return failure("answer", `the answer is not JSON (${err.message})`, false);
  return failure("answer", describeError(err), false);
}

/** What the user can check, for a failure of the model entry at `keyPath` (`agent.models.<key>`). */
export function failureHint(
  failure: ApiFailure,
  refs: {
    readonly keyPath: string;
    readonly url: string;
    /** The key that names the model asked for, with its value: `agent.models.x.model ("gpt-4o")`. */
    readonly modelRef: string;
  },
): string {
  const { keyPath, url, modelRef } = refs;
  switch (failure.kind) {
    case "cancelled":
      return "the run was interrupted";
    case "timeout":
      return `the endpoint of ${keyPath}.base_url is slow or unreachable: allow a longer timeout, or check the server`;
    case "network":
      return `check that ${keyPath}.base_url (${url}) is reachable`;
    case "answer":
      return `check that ${keyPath}.base_url is an OpenAI-compatible API`;
    case "http":
      if (failure.status === 401 || failure.status === 403) return `check ${keyPath}.api_key (is its \${VAR} set to a valid key?)`;
      if (failure.status === 404) return `check ${modelRef} and ${keyPath}.base_url (the API root the server serves under, often ending in /v1)`;
      if (failure.status === 429) return `the endpoint of ${keyPath} is rate-limiting: lower the concurrency or retry later`;
      if (failure.retryable) return `the endpoint of ${keyPath} failed: retry later`;
      return `the endpoint of ${keyPath} refused the request: check ${modelRef} and the server`;
  }
}
