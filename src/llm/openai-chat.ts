/**
 * An OpenAI-compatible chat-completions client on the `openai` SDK: one model of `agent.models`.
 *
 * Decisions, all deliberate (the URL, retries, request counting and error wording are `openai-api.ts`'s):
 * - The URL is `{base_url}/chat/completions`, whatever path base_url has (`https://api.openai.com/v1`,
 *   `https://api.deepseek.com`, `http://host/v1/`), as the OpenAI SDKs (and so the Datus agent) build it.
 *   A base_url that already ends in `/chat/completions` is used as it is.
 * - JSON mode (`response_format: {type: "json_object"}`) is asked for; a server that answers it with 400 is
 *   asked once more without it, and when that works JSON mode stays off for this client.
 * - The SDK retries network errors, per-request timeouts, 408, 409, 429 and 5xx (`retries` times), waiting
 *   what the server asks (capped at `maxRetryAfterMs`) or 0.5 s doubling to 8 s. Any other 4xx is final.
 *   After a 401, 403 or 404 the client is `broken`: every later call fails at once, without a request, with
 *   the same error (a wrong key or model would otherwise cost one failing request per table).
 * - Aborting `signal` rejects the call at once with a DatusError, also while the SDK waits to retry.
 * - Errors are `DatusError("source", ...)` whose hint names the `agent.models.<key>` entry. The API key is
 *   never part of a message.
 */
import type OpenAI from "openai";
import type { ModelConfig } from "../config/load-config.js";
import { DatusError } from "../errors.js";
import { abortable, apiFailure, type ApiFailure, apiRoot, apiRootFor, apiUrl, failureHint, isBadRequest, sdkClient, snippet } from "./openai-api.js";

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
  /** The cap of a server's Retry-After, milliseconds (default 60 s). */
  readonly maxRetryAfterMs?: number;
  /** Aborts waits and requests in flight: the call then rejects with a DatusError, without retrying. */
  readonly signal?: AbortSignal;
  /** Called once per HTTP request sent (for counting). */
  readonly onRequest?: () => void;
  /** Called once per request that ended: its HTTP status, or `timeout` (see openai-api.ts). */
  readonly onAttempt?: (outcome: number | "timeout") => void;
}

export interface ChatRequest {
  readonly messages: readonly ChatMessage[];
  /** Ask for `response_format: {type: "json_object"}` (default true). */
  readonly json?: boolean;
}

/**
 * The chat-completions endpoint of a `base_url` as users write it: `{base_url}/chat/completions`
 * (trailing slashes dropped; a base_url already ending in `/chat/completions` is kept).
 * Config error for a base_url that is not an http(s) URL.
 */
export function chatCompletionsUrl(baseUrl: string, keyPath = "base_url"): string {
  return apiUrl(apiRoot(baseUrl, keyPath), "chat/completions");
}

/** The endpoint of a model entry: its base_url, or the vendor default when absent. Config error when neither. */
export function endpointFor(model: ModelConfig): string {
  return apiUrl(apiRootFor(model), "chat/completions");
}

/** Why each error `complete` threw came about. */
const failures = new WeakMap<DatusError, ApiFailure>();

/** Why a call of `complete` failed (its kind, status, whether a later attempt may work), for the errors it throws. */
export function chatFailure(err: unknown): ApiFailure | undefined {
  return err instanceof DatusError ? failures.get(err) : undefined;
}

export class OpenAiChatClient {
  readonly url: string;
  private readonly opts: ChatClientOptions;
  private readonly keyPath: string;
  private readonly sdk: Promise<OpenAI>;
  private jsonMode = true;
  private brokenError: DatusError | undefined;

  constructor(opts: ChatClientOptions) {
    this.opts = opts;
    this.keyPath = `agent.models.${opts.model.key}`;
    const root = apiRootFor(opts.model);
    this.url = apiUrl(root, "chat/completions");
    this.sdk = sdkClient(opts.model, root, opts);
  }

  /** Set after a 401/403/404: the error every later call fails with. */
  get broken(): DatusError | undefined {
    return this.brokenError;
  }

  /** The assistant's text of the first choice. Rejects with a DatusError("source") after the retries. */
  async complete(request: ChatRequest): Promise<string> {
    if (this.brokenError !== undefined) throw this.brokenError;
    const json = (request.json ?? true) && this.jsonMode;
    try {
      try {
        return await this.ask(request.messages, json);
      } catch (err) {
        if (!json || !isBadRequest(err)) throw err;
      }
      // the server may not know response_format: ask once more without it (not counted as a retry)
      const content = await this.ask(request.messages, false);
      this.jsonMode = false;
      return content;
    } catch (err) {
      throw this.error(err);
    }
  }

  private async ask(messages: readonly ChatMessage[], json: boolean): Promise<string> {
    const { model, signal } = this.opts;
    const sdk = await this.sdk;
    const completion: unknown = await abortable(
      sdk.chat.completions.create(
        { model: model.model, messages: [...messages], temperature: 0, ...(json ? { response_format: { type: "json_object" as const } } : {}) },
        { signal },
      ),
      signal,
    );
    // a 200 that is not JSON reaches us as the body's text
    if (typeof completion === "string") throw new Error(`the answer is not JSON: ${snippet(completion)}`);
    const content = firstChoiceContent(completion);
    if (content === undefined) throw new Error(`the answer has no choices[0].message.content: ${snippet(JSON.stringify(completion) ?? "")}`);
    return content;
  }

  /** The DatusError of a failed call; a 401/403/404 breaks the client. */
  private error(err: unknown): DatusError {
    const { model, timeoutMs, signal } = this.opts;
    const failure = apiFailure(err, { timeoutMs, apiKey: model.apiKey, signal });
    if (failure.kind === "cancelled") {
      return new DatusError("source", `LLM request to ${this.keyPath} was cancelled`, "the run was interrupted");
    }
    const error = new DatusError(
      "source",
      `LLM ${this.keyPath} (${model.model}) at ${this.url}: ${failure.detail}`,
      failureHint(failure, { keyPath: this.keyPath, url: this.url, modelRef: `${this.keyPath}.model ("${model.model}")` }),
      failure.kind === "http" ? undefined : { cause: err },
    );
    if (failure.breaksClient) this.brokenError = error;
    failures.set(error, failure);
    return error;
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
