/**
 * The embedding step of a worker task, after enrichment: vectors of each row's search_text from the
 * worker's local embedder, or the rows' stored vectors (--keep-vectors), or nothing yet (remote models
 * embed on the main thread). Plain data in and out, so it is tested without threads.
 */
import { type LocalEmbedder, localEmbedder, type LocalEmbedderSpec } from "../embed/local-embedder.js";
import type { TextBudget } from "../enrich/search-text.js";
import type { SourceTable } from "../model.js";
import { enrichBatch, type EnrichResult, type EnrichTask, type VectorPlan } from "./enrich-batch.js";
import { markStep } from "./table-guard.js";
import { packV1Rows } from "../store/packed-rows.js";

export function isLocalPlan(plan: VectorPlan): plan is LocalEmbedderSpec {
  return plan.kind === "hashing" || plan.kind === "onnx";
}

/** Enrich the task's tables, then give the rows their vectors as the task's plan says. */
export async function enrichAndEmbed(task: EnrichTask): Promise<EnrichResult> {
  const embedder = isLocalPlan(task.vectors) ? await localEmbedder(task.vectors) : undefined;
  const result = enrichBatch(task, embedder?.textBudget);
  markStep(task.marker, task.rows.length);
  if (embedder) {
    result.vectors = await embedRows(embedder, result);
    result.vectorsOf = "search_text";
  } else if (task.vectors.kind === "keep") {
    result.vectors = storedVectors(task.rows, task.vectors.dim);
    result.vectorsOf = "stored";
    result.withoutVector = task.rows.flatMap((r, i) => (r.storedVector && r.storedVector.length === task.vectors.dim ? [] : [i]));
  }
  return task.pack ? packed(result, task.vectors.dim) : result;
}

/** The result with its rows and vectors packed into one Arrow batch (`EnrichTask.pack`). */
function packed(result: EnrichResult, dim: number): EnrichResult {
  if (result.vectorsOf === "pending") throw new Error("rows waiting for their vectors cannot be packed: the coordinator embeds them");
  const packedRows = packV1Rows(result.rows, result.vectors, dim, new Set(result.withoutVector ?? []));
  // summaries serve the coordinator's relationship stage, which has no rows to relate in a packed result
  return { ...result, rows: [], vectors: new Float32Array(0), withoutVector: undefined, summaries: [], packed: packedRows };
}

async function embedRows(embedder: LocalEmbedder, result: EnrichResult): Promise<Float32Array> {
  return result.rows.length === 0 ? new Float32Array(0) : embedder.embed(result.rows.map((r) => r.search_text));
}

/** The vectors the source rows carried (zeros for a row without one, or of another dimension). */
export function storedVectors(rows: readonly SourceTable[], dim: number): Float32Array {
  const out = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => {
    if (r.storedVector && r.storedVector.length === dim) out.set(r.storedVector, i * dim);
  });
  return out;
}

/** The worker task `embed`: vectors of texts with the worker's embedder (LLM-recovered rows, the `embed` command). */
export interface EmbedTextsTask {
  readonly spec: LocalEmbedderSpec;
  readonly texts: readonly string[];
  /** First cut each text to what the model reads (at a column boundary where one fits), and return the texts. */
  readonly fit?: boolean;
}

export interface EmbeddedTexts {
  readonly vectors: Float32Array;
  /** The texts as embedded, when the task asked to fit them. */
  readonly texts?: readonly string[];
}

export async function embedTexts(task: EmbedTextsTask): Promise<EmbeddedTexts> {
  const embedder = await localEmbedder(task.spec);
  const texts = task.fit ? task.texts.map((t) => fitText(t, embedder.textBudget)) : task.texts;
  const vectors = texts.length === 0 ? new Float32Array(0) : await embedder.embed(texts);
  return task.fit ? { vectors, texts } : { vectors };
}

/**
 * `text` cut to `budget`: at the last column separator (`; `) that fits, else at the budget. For search
 * texts written under another budget (--keep-vectors migrations bound them in characters).
 */
export function fitText(text: string, budget: TextBudget): string {
  if (budget.cost(text) <= budget.limit) return text;
  let end = text.length;
  for (;;) {
    const at = text.lastIndexOf("; ", end - 1);
    if (at <= 0) break;
    if (budget.cost(text.slice(0, at)) <= budget.limit) return text.slice(0, at);
    end = at;
  }
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (budget.cost(text.slice(0, mid)) <= budget.limit) lo = mid;
    else hi = mid - 1;
  }
  return text.slice(0, lo);
}
