/**
 * An OpenAI-compatible embeddings client on the `openai` SDK: `agent.storage.database` with
 * `registry_name: openai`, its `model_name` and `dim_size`, asked at the `base_url` / `api_key` of the
 * `agent.models` entry its `target_model` names.
 *
 * Decisions, all deliberate (the URL, retries, request counting and error wording are `../llm/openai-api.ts`'s):
 * - `POST {base_url}/embeddings` with `encoding_format: "float"`, batches of `batchSize` texts, at most
 *   `concurrency` requests in flight across all calls. `dimensions: dim` is sent only for `text-embedding-3*`
 *   models: other models (and vendors) reject parameters they do not know.
 * - Every answer is checked: one embedding per text, placed by its `index`, each of `dim` finite floats,
 *   not all zero. Every vector is L2-normalised (other vendors do not always return unit vectors).
 * - An empty text is sent as a single space: OpenAI rejects empty input, and a space gives a unit vector
 *   like every other text (a zero vector has no direction for cosine search).
 * - `probe()` asks once before any work, so that a wrong key, URL, model or dimension stops the run with a
 *   config error (exit 2) instead of failing every batch. `embedMany` never throws for a failed batch: its
 *   texts are reported in `failed` (zeros in `vectors`); it throws only when aborted.
 * - After a 401, 403 or 404 every later batch fails at once, without a request, with the same reason.
 * - The API key is never part of a message.
 */
import type OpenAI from "openai";
import pLimit, { type LimitFunction } from "p-limit";
import type { ModelConfig } from "../config/load-config.js";
import { DatusError, configError, usageError } from "../errors.js";
import { abortable, abortError, apiFailure, apiRootFor, apiUrl, failureHint, redact, sdkClient, snippet } from "../llm/openai-api.js";

export interface OpenAiEmbedderOptions {
  /** agent.models[target_model]: its base_url and api_key (its `model`, the chat model, is not used). */
  readonly model: ModelConfig;
  /** agent.storage.database.model_name: the embedding model the API is asked for. */
  readonly embeddingModel: string;
  /** agent.storage.database.dim_size. */
  readonly dim: number;
  /** Texts per request (agent.storage.database.batch_size). */
  readonly batchSize: number;
  /** Requests in flight at most, across all calls. */
  readonly concurrency: number;
  /** Attempts after the first one, for retryable failures (the SDK's maxRetries). */
  readonly retries: number;
  /** Per request (one attempt), milliseconds. */
  readonly timeoutMs: number;
  /** Aborts requests in flight and waits: `probe` and `embedMany` then reject with a DatusError. */
  readonly signal?: AbortSignal;
}

export interface EmbedManyResult {
  /** Row-major, texts.length * dim floats, every vector L2-normalised (unit length); zeros where the text failed. */
  readonly vectors: Float32Array;
  /** Indexes (into texts) whose batch failed after the retries, with the reason (never containing the API key). */
  readonly failed: readonly { readonly index: number; readonly error: string }[];
}

const PROBE_TEXT = "datus-schema embedding probe";
const DB_KEYS = "agent.storage.database";

/** One request's failure: the message, the hint, and whether it says the configuration is wrong. */
class RequestFailure extends Error {
  constructor(
    message: string,
    readonly hint: string,
    /** Not a passing failure: a refused request (4xx other than 408/409/429), a wrong dimension, not an embeddings API. */
    readonly configProblem: boolean,
  ) {
    super(message);
  }
}

export class OpenAiEmbedder {
  readonly dim: number;
  /** Requests sent (retries included), texts embedded, texts failed: for the summary. */
  readonly stats = { requests: 0, embedded: 0, failed: 0 };
  private readonly opts: OpenAiEmbedderOptions;
  private readonly keyPath: string;
  private readonly url: string;
  private readonly sdk: Promise<OpenAI>;
  private readonly limit: LimitFunction;
  private brokenFailure: RequestFailure | undefined;

  /** Config error for a bad model_name, dim_size, batch_size or base_url; usage error for a bad concurrency/retries/timeout. */
  constructor(opts: OpenAiEmbedderOptions) {
    if (opts.embeddingModel.trim() === "") {
      throw configError(`${DB_KEYS}.model_name is empty`, `name the embedding model, e.g. ${DB_KEYS}.model_name: text-embedding-3-small`);
    }
    if (!Number.isInteger(opts.dim) || opts.dim < 1) {
      throw configError(`${DB_KEYS}.dim_size must be a whole number of at least 1, got ${opts.dim}`, `set ${DB_KEYS}.dim_size to the model's vector size, e.g. 1536`);
    }
    if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1) {
      throw configError(`${DB_KEYS}.batch_size must be a whole number of at least 1, got ${opts.batchSize}`, `set ${DB_KEYS}.batch_size, e.g. 64`);
    }
    if (!Number.isInteger(opts.concurrency) || opts.concurrency < 1) {
      throw usageError(`embedding concurrency must be a whole number of at least 1, got ${opts.concurrency}`, "give 1 or more");
    }
    if (!Number.isInteger(opts.retries) || opts.retries < 0) {
      throw usageError(`embedding retries must be a whole number of at least 0, got ${opts.retries}`, "give 0 or more");
    }
    if (!(opts.timeoutMs > 0) || !Number.isFinite(opts.timeoutMs)) {
      throw usageError(`embedding timeout must be a positive number of milliseconds, got ${opts.timeoutMs}`, "give e.g. 60000");
    }
    this.opts = opts;
    this.dim = opts.dim;
    this.keyPath = `agent.models.${opts.model.key}`;
    const root = apiRootFor(opts.model);
    this.url = apiUrl(root, "embeddings");
    this.sdk = sdkClient(opts.model, root, {
      timeoutMs: opts.timeoutMs,
      retries: opts.retries,
      onRequest: () => {
        this.stats.requests++;
      },
    });
    this.limit = pLimit(opts.concurrency);
  }

  /**
   * One request with a short probe text before any work: DatusError("config") (exit 2) for 401/403/404 (any
   * refused request), a wrong dimension, or a non-OpenAI answer; DatusError("source") when unreachable after
   * the retries or cancelled.
   */
  async probe(): Promise<void> {
    try {
      await this.request([PROBE_TEXT]);
    } catch (err) {
      if (!(err instanceof RequestFailure)) throw err;
      throw new DatusError(err.configProblem ? "config" : "source", err.message, err.hint);
    }
  }

  /**
   * Embed in batches of batchSize; never throws for a failed batch (reported in `failed`); throws (a
   * DatusError) only when aborted. A 401/403/404 mid-run fails every later batch at once without a request.
   */
  async embedMany(texts: readonly string[]): Promise<EmbedManyResult> {
    const { dim } = this;
    const { batchSize } = this.opts;
    const vectors = new Float32Array(texts.length * dim);
    const failed: { index: number; error: string }[] = [];
    const starts = Array.from({ length: Math.ceil(texts.length / batchSize) }, (_, i) => i * batchSize);
    await Promise.all(
      starts.map((start) =>
        this.limit(async () => {
          const batch = texts.slice(start, start + batchSize);
          try {
            vectors.set(await this.request(batch), start * dim);
            this.stats.embedded += batch.length;
          } catch (err) {
            if (!(err instanceof RequestFailure)) throw err;
            const error = `${err.message} (hint: ${err.hint})`;
            for (let i = 0; i < batch.length; i++) failed.push({ index: start + i, error });
            this.stats.failed += batch.length;
          }
        }),
      ),
    );
    failed.sort((a, b) => a.index - b.index);
    return { vectors, failed };
  }

  /** The normalised vectors of `texts`, row-major; a RequestFailure otherwise (a DatusError when cancelled). */
  private async request(texts: readonly string[]): Promise<Float32Array> {
    const { signal, embeddingModel } = this.opts;
    if (signal?.aborted) throw this.failure(abortError());
    if (this.brokenFailure !== undefined) throw this.brokenFailure;
    const body: OpenAI.EmbeddingCreateParams = {
      model: embeddingModel,
      input: texts.map((t) => (t === "" ? " " : t)),
      encoding_format: "float",
    };
    if (takesDimensions(embeddingModel)) body.dimensions = this.dim;
    let answer: unknown;
    try {
      const sdk = await this.sdk;
      answer = await abortable(sdk.embeddings.create(body, { signal }), signal);
    } catch (err) {
      throw this.failure(err);
    }
    return this.vectorsOf(answer, texts.length);
  }

  /** The error of a failed SDK call: a DatusError when cancelled, else a RequestFailure (a 401/403/404 one breaks the client). */
  private failure(err: unknown): RequestFailure | DatusError {
    const { timeoutMs, model, signal } = this.opts;
    const failure = apiFailure(err, { timeoutMs, apiKey: model.apiKey, signal });
    if (failure.kind === "cancelled") {
      return new DatusError("source", `embedding request to ${this.keyPath} was cancelled`, "the run was interrupted");
    }
    const hint = failureHint(failure, { keyPath: this.keyPath, url: this.url, modelRef: `${DB_KEYS}.model_name ("${this.opts.embeddingModel}")` });
    const error = new RequestFailure(this.message(failure.detail), hint, !failure.retryable);
    if (failure.breaksClient) this.brokenFailure = error;
    return error;
  }

  /** The message of a failure: which entry, model and URL, and what happened (the API key redacted). */
  private message(detail: string): string {
    return redact(`embeddings ${this.keyPath} (${this.opts.embeddingModel}) at ${this.url}: ${detail}`, this.opts.model.apiKey);
  }

  /** The answer's embeddings, placed by index, checked and normalised; a RequestFailure (config problem) otherwise. */
  private vectorsOf(answer: unknown, count: number): Float32Array {
    const { dim } = this;
    const notEmbeddings = (why: string): RequestFailure =>
      new RequestFailure(this.message(`not an embeddings answer: ${why}`), `check that ${this.keyPath}.base_url is an OpenAI-compatible API`, true);
    if (typeof answer === "string") throw notEmbeddings(`the answer is not JSON: ${snippet(answer)}`);
    const data = typeof answer === "object" && answer !== null ? (answer as { data?: unknown }).data : undefined;
    if (!Array.isArray(data)) throw notEmbeddings(`no data list in ${snippet(JSON.stringify(answer) ?? "")}`);
    if (data.length !== count) throw notEmbeddings(`${data.length} embeddings for ${count} texts`);
    const out = new Float32Array(count * dim);
    const placed = new Set<number>();
    data.forEach((item: unknown, position) => {
      const { index = position, embedding } = (typeof item === "object" && item !== null ? item : {}) as { index?: unknown; embedding?: unknown };
      if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index >= count || placed.has(index)) {
        throw notEmbeddings(`embedding ${position} has index ${JSON.stringify(index)}`);
      }
      placed.add(index);
      if (!Array.isArray(embedding) || !embedding.every((x) => typeof x === "number" && Number.isFinite(x))) {
        throw notEmbeddings(`embedding ${index} is not a list of floats`);
      }
      if (embedding.length !== dim) {
        throw new RequestFailure(
          this.message(`the model returned ${embedding.length} floats per text, ${DB_KEYS}.dim_size is ${dim}`),
          `set ${DB_KEYS}.dim_size to the size ${DB_KEYS}.model_name ("${this.opts.embeddingModel}") returns (${embedding.length}), or choose a model of ${dim} dimensions` +
            (takesDimensions(this.opts.embeddingModel) ? "" : " (only text-embedding-3* models are asked for a size)"),
          true,
        );
      }
      let norm = 0;
      for (const x of embedding as number[]) norm += x * x;
      if (norm === 0) throw notEmbeddings(`embedding ${index} is all zeros`);
      const scale = 1 / Math.sqrt(norm);
      for (let i = 0; i < dim; i++) out[index * dim + i] = (embedding[i] as number) * scale;
    });
    return out;
  }
}

/** Models that take `dimensions` (OpenAI's text-embedding-3 family). */
function takesDimensions(embeddingModel: string): boolean {
  return embeddingModel.startsWith("text-embedding-3");
}
