/**
 * `--llm-fallback`: the structure of DDL that no parser reads, asked of an OpenAI-compatible model of
 * `agent.models`, checked against the DDL text, cached by DDL hash.
 *
 * Decisions, all deliberate:
 * - `parse` never throws for a model or answer problem: it resolves to null, and the table migrates
 *   without the LLM. `parseDetailed` says why (`reason`), for the report.
 * - Every `parse` call is counted exactly once in `stats`: `cacheHits` (answered by an answer already there:
 *   from the cache, or from an identical question in flight), else `accepted`, `rejected` (an answer that is
 *   not JSON of the asked shape, or names what is not in the DDL) or `failed` (no answer: HTTP errors,
 *   timeouts, after the retries; also for the calls that joined such a question). `requests` counts HTTP
 *   requests, retries included.
 * - Accepted and rejected answers are cached (a re-run asks nothing again); failures are not (they may be
 *   transient). Empty DDL and DDL over 512 KB (the reference's limit) are rejected without asking.
 * - At most `concurrency` questions are in flight (p-limit); identical DDL (same dialect) in flight at the
 *   same time is asked once.
 * - A 401/403/404 breaks the client: later questions fail at once, without requests (`lastError` says why).
 * - Circuit breaker: after BREAKER_FAILURES consecutive failures (a request that timed out, or a question
 *   that got no answer after its retries: connection errors, 5xx, 429) the parser stops asking for the rest of
 *   its life: requests in flight are cancelled and every later question fails at once with the reason. Any
 *   answer (a 2xx, or a 4xx that is about one request) resets the count. A hanging endpoint thus costs one
 *   timeout, not `retries + 1` timeouts per table; a server that is down costs one question's retries.
 * - `onWarning` hears, once each: the first timed-out request, a client broken by a 401/403/404, and the
 *   breaker opening.
 * - `close()` waits for the questions in flight and the cache file's appends; `parse` after it throws.
 */
import pLimit, { type LimitFunction } from "p-limit";
import type { ModelConfig } from "../config/load-config.js";
import { DatusError, describeError, usageError } from "../errors.js";
import type { Dialect, TableStructure } from "../model.js";
import { AnswerCache, cacheKey } from "./answer-cache.js";
import { ddlPrompt } from "./ddl-prompt.js";
import { chatFailure, OpenAiChatClient } from "./openai-chat.js";
import { validateAnswer } from "./validate-answer.js";

export interface LlmDdlParserOptions {
  readonly model: ModelConfig;
  /** Questions in flight at most. */
  readonly concurrency: number;
  /** Retries of a question after a retryable failure (429, 5xx, network error, timeout). */
  readonly retries: number;
  /** Per HTTP request. */
  readonly timeoutMs: number;
  /** Append-only JSONL file of answers, read on construction. */
  readonly cacheFile?: string;
  /** Abort: questions in flight and queued fail at once (counted as failed). */
  readonly signal?: AbortSignal;
  /** Told what a user should know while the run goes on (a timeout, a wrong key, the breaker opening). */
  readonly onWarning?: (message: string) => void;
}

export interface LlmStats {
  /** HTTP requests sent, retries included. */
  requests: number;
  /** `parse` calls answered by an answer already there: from the cache (file or memory) or an identical question in flight. */
  cacheHits: number;
  /** Questions whose answer was accepted. */
  accepted: number;
  /** Questions whose answer was rejected (not the asked JSON, or naming what is not in the DDL). */
  rejected: number;
  /** Questions without an answer (HTTP errors, timeouts, after the retries). */
  failed: number;
}

export type LlmOutcome = "accepted" | "rejected" | "failed";

export interface LlmParseResult {
  readonly structure: TableStructure | null;
  readonly outcome: LlmOutcome;
  /** Answered from the cache or by an identical question in flight (no request of its own). */
  readonly cached: boolean;
  /** Why the structure is null. */
  readonly reason?: string;
}

/** The reference's limit of DDL size. */
const MAX_DDL_CHARS = 512 * 1024;

/** Consecutive failures (timed-out requests, questions without an answer) after which the parser stops asking. */
export const BREAKER_FAILURES = 3;

/** What one question ended with: the model's text, or why there is none. */
type Answer = { readonly content: string } | { readonly error: string };

export class LlmDdlParser {
  readonly stats: LlmStats = { requests: 0, cacheHits: 0, accepted: 0, rejected: 0, failed: 0 };
  private readonly opts: LlmDdlParserOptions;
  private readonly client: OpenAiChatClient;
  private readonly cache: AnswerCache;
  private readonly limit: LimitFunction;
  private readonly inFlight = new Map<string, Promise<Answer>>();
  private closed = false;
  private lastFailure: string | undefined;
  private consecutiveFailures = 0;
  /** Set when the breaker opened: why every later question fails. */
  private stoppedBecause: string | undefined;
  private readonly stop = new AbortController();
  private readonly warned = new Set<"timeout" | "broken" | "breaker">();
  private readonly keyPath: string;

  /**
   * Usage error for a bad concurrency/retries/timeout; config error for a model entry without a usable
   * base_url; DatusError("failed") for a cache file that exists but cannot be read.
   */
  constructor(opts: LlmDdlParserOptions) {
    if (!Number.isInteger(opts.concurrency) || opts.concurrency < 1) {
      throw usageError(`LLM concurrency must be a whole number of at least 1, got ${opts.concurrency}`, "give 1 or more");
    }
    if (!Number.isInteger(opts.retries) || opts.retries < 0) {
      throw usageError(`LLM retries must be a whole number of at least 0, got ${opts.retries}`, "give 0 or more");
    }
    if (!(opts.timeoutMs > 0) || !Number.isFinite(opts.timeoutMs)) {
      throw usageError(`LLM timeout must be a positive number of milliseconds, got ${opts.timeoutMs}`, "give e.g. 60000");
    }
    this.opts = opts;
    this.keyPath = `agent.models.${opts.model.key}`;
    this.client = new OpenAiChatClient({
      model: opts.model,
      timeoutMs: opts.timeoutMs,
      retries: opts.retries,
      signal: opts.signal ? AbortSignal.any([opts.signal, this.stop.signal]) : this.stop.signal,
      onRequest: () => {
        this.stats.requests++;
      },
      onAttempt: (outcome) => this.attempted(outcome),
    });
    this.cache = new AnswerCache(opts.cacheFile);
    this.limit = pLimit(opts.concurrency);
  }

  /** The chat-completions URL asked. */
  get endpoint(): string {
    return this.client.url;
  }

  /** Answers loaded from the cache file on construction. */
  get cachedAnswers(): number {
    return this.cache.loaded;
  }

  /** The last failure (no answer), with the hint of its DatusError when it had one: for the run's warning. */
  get lastError(): string | undefined {
    return this.lastFailure;
  }

  /** Why the parser stopped asking (the circuit breaker opened), if it did. */
  get stopped(): string | undefined {
    return this.stoppedBecause;
  }

  /** The first failed append to the cache file, if any. */
  get cacheWriteError(): string | undefined {
    return this.cache.writeError;
  }

  /** The structure of the first table of `ddl`, source "llm", or null (model failed or answer rejected). */
  async parse(ddl: string, dialect: Dialect): Promise<TableStructure | null> {
    return (await this.parseDetailed(ddl, dialect)).structure;
  }

  /** As `parse`, with the outcome and the reason of a null structure. */
  async parseDetailed(ddl: string, dialect: Dialect): Promise<LlmParseResult> {
    if (this.closed) throw new DatusError("failed", "the LLM DDL parser is closed", "create a new one");
    if (ddl.trim() === "") return this.count({ structure: null, outcome: "rejected", cached: false, reason: "the DDL is empty" });
    if (ddl.length > MAX_DDL_CHARS) {
      return this.count({ structure: null, outcome: "rejected", cached: false, reason: `the DDL is longer than ${MAX_DDL_CHARS} characters` });
    }
    const key = cacheKey(ddl, dialect);

    const known = this.cache.get(key);
    if (known !== undefined) return this.count(this.judge(known, ddl, dialect, true));

    const pending = this.inFlight.get(key);
    if (pending !== undefined) {
      const answer = await pending;
      return this.count(this.fromAnswer(answer, ddl, dialect, true));
    }

    const asked = this.limit(() => this.ask(ddl, dialect, key));
    this.inFlight.set(key, asked);
    try {
      return this.count(this.fromAnswer(await asked, ddl, dialect, false));
    } finally {
      this.inFlight.delete(key);
    }
  }

  /** Wait for the questions in flight and the cache file's appends; later `parse` calls throw. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.inFlight.values()]);
    await this.cache.flush();
  }

  private async ask(ddl: string, dialect: Dialect, key: string): Promise<Answer> {
    if (this.stoppedBecause !== undefined) return { error: this.stoppedBecause };
    try {
      const content = await this.client.complete({ messages: ddlPrompt(ddl, dialect), json: true });
      this.cache.set(key, content, this.opts.model.model);
      return { content };
    } catch (err) {
      if (this.stoppedBecause !== undefined) return { error: this.stoppedBecause };
      const error = err instanceof DatusError && err.hint !== "" ? `${err.message} (hint: ${err.hint})` : describeError(err);
      this.lastFailure = error;
      if (this.client.broken !== undefined) this.warnOnce("broken", `${error}; the LLM fallback is not asked again this run`);
      // a passing failure the retries did not get past; timeouts were counted one by one as they happened
      else if (chatFailure(err)?.retryable && chatFailure(err)?.kind !== "timeout") this.failed(error);
      return { error };
    }
  }

  /** A request ended: a timeout counts towards the breaker, an answer resets it. */
  private attempted(outcome: number | "timeout"): void {
    if (outcome === "timeout") {
      const seconds = this.opts.timeoutMs / 1000;
      const who = `LLM ${this.keyPath} (${this.opts.model.model})`;
      this.warnOnce("timeout", `${who}: a request got no answer within ${seconds} s (--llm-timeout); it is retried, and after ${BREAKER_FAILURES} failures in a row the LLM fallback stops for this run`);
      this.failed(`${who}: no answer within ${seconds} s (hint: the endpoint of ${this.keyPath}.base_url is slow or unreachable: check the server, or allow more time with --llm-timeout)`);
    } else if (outcome < 500 && outcome !== 408 && outcome !== 429) {
      this.consecutiveFailures = 0;
    }
  }

  private failed(why: string): void {
    this.consecutiveFailures++;
    if (this.consecutiveFailures < BREAKER_FAILURES || this.stoppedBecause !== undefined) return;
    this.stoppedBecause = `the LLM fallback stopped asking after ${BREAKER_FAILURES} failures in a row (last: ${why})`;
    this.warnOnce("breaker", `${this.stoppedBecause}; the remaining unreadable tables migrate without it and stay counted as parse failures`);
    this.stop.abort();
  }

  private warnOnce(what: "timeout" | "broken" | "breaker", message: string): void {
    if (this.warned.has(what)) return;
    this.warned.add(what);
    this.opts.onWarning?.(message);
  }

  private fromAnswer(answer: Answer, ddl: string, dialect: Dialect, cached: boolean): LlmParseResult {
    if ("error" in answer) return { structure: null, outcome: "failed", cached, reason: answer.error };
    return this.judge(answer.content, ddl, dialect, cached);
  }

  private judge(content: string, ddl: string, dialect: Dialect, cached: boolean): LlmParseResult {
    const verdict = validateAnswer(content, ddl, dialect);
    if (verdict.ok) return { structure: verdict.structure, outcome: "accepted", cached };
    return { structure: null, outcome: "rejected", cached, reason: `the LLM's answer was rejected: ${verdict.reason}` };
  }

  private count(result: LlmParseResult): LlmParseResult {
    if (result.cached && result.outcome !== "failed") this.stats.cacheHits++;
    else this.stats[result.outcome]++;
    return result;
  }
}
