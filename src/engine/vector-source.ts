/**
 * Where a run's vectors come from, as the pipeline sees it: the plan handed to the workers, and how to
 * embed texts on the main thread (rows the LLM re-read after the workers, and every row of a remote model).
 */
import type { Piscina } from "piscina";
import type { LocalEmbedderSpec } from "../embed/local-embedder.js";
import type { EmbeddedTexts, EmbedTextsTask } from "./embed-batch.js";
import type { VectorPlan } from "./enrich-batch.js";
import { runTask } from "./worker-tasks.js";

export interface EmbedOutcome {
  /** Row-major, `texts.length * dim` floats; zeros where the text failed. */
  readonly vectors: Float32Array;
  /** Indexes into the texts whose embedding failed, with the reason. */
  readonly failed: readonly { readonly index: number; readonly error: string }[];
}

/** A remote embeddings API client (OpenAI-compatible). */
export interface RemoteEmbedder {
  readonly dim: number;
  embedMany(texts: readonly string[]): Promise<EmbedOutcome>;
}

export interface VectorSource {
  readonly plan: VectorPlan;
  readonly dim: number;
  embed(texts: readonly string[]): Promise<EmbedOutcome>;
}

/** Vectors from a local embedder in the worker pool (hashing or ONNX). */
export function localVectors(spec: LocalEmbedderSpec, pool: Piscina): VectorSource {
  return {
    plan: spec,
    dim: spec.dim,
    async embed(texts) {
      const task: EmbedTextsTask = { spec, texts };
      const { vectors }: EmbeddedTexts = await runTask(pool, "embed", task);
      return { vectors, failed: [] };
    },
  };
}

/** Vectors from an embeddings API, called on the main thread after the workers. */
export function remoteVectors(embedder: RemoteEmbedder): VectorSource {
  return { plan: { kind: "remote", dim: embedder.dim }, dim: embedder.dim, embed: (texts) => embedder.embedMany(texts) };
}

/** --keep-vectors: rows keep the vectors the store has; nothing is embedded. */
export function keptVectors(dim: number): VectorSource {
  return {
    plan: { kind: "keep", dim },
    dim,
    embed: (texts) => Promise.resolve({ vectors: new Float32Array(texts.length * dim), failed: texts.map((_, index) => ({ index, error: "vectors are kept (--keep-vectors)" })) }),
  };
}
