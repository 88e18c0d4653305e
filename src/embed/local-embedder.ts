/**
 * The embedders that run inside worker threads: the offline hashing embedding, or a local ONNX model.
 * A worker builds each one once (one ONNX session per worker for the whole run) from a plain spec.
 */
import { charBudget, type TextBudget } from "../enrich/search-text.js";
import { hashedTextEmbedding } from "./hashed-embedding.js";
// types only: onnxruntime's native library is loaded by the first ONNX embedder a thread builds, never by a
// thread that hashes, keeps vectors or reads the DDL alone
import type { OnnxEmbedder, OnnxModelSpec } from "./onnx-embedder.js";

export interface HashingSpec {
  readonly kind: "hashing";
  readonly dim: number;
}

/** What a worker needs to build its embedder: plain data, it crosses threads. */
export type LocalEmbedderSpec = HashingSpec | OnnxModelSpec;

export interface LocalEmbedder {
  readonly dim: number;
  /** What search_text must fit in so the model reads all of it. */
  readonly textBudget: TextBudget;
  /** Vectors of `texts`, row-major, unit length. */
  embed(texts: readonly string[]): Promise<Float32Array>;
}

class HashingEmbedder implements LocalEmbedder {
  readonly textBudget = charBudget();
  constructor(readonly dim: number) {}

  embed(texts: readonly string[]): Promise<Float32Array> {
    const out = new Float32Array(texts.length * this.dim);
    texts.forEach((t, i) => hashedTextEmbedding(t, this.dim, out.subarray(i * this.dim, (i + 1) * this.dim)));
    return Promise.resolve(out);
  }
}

class OnnxLocalEmbedder implements LocalEmbedder {
  readonly textBudget: TextBudget;
  constructor(private readonly onnx: OnnxEmbedder) {
    const tokenizer = onnx.tokenizer;
    this.textBudget = { cost: (text) => tokenizer.countTokens(text), limit: tokenizer.textTokens };
  }

  get dim(): number {
    return this.onnx.dim;
  }

  embed(texts: readonly string[]): Promise<Float32Array> {
    return this.onnx.embed(texts);
  }
}

const built = new Map<string, Promise<LocalEmbedder>>();

/** The embedder of `spec`, built on first use in this thread and kept for the thread's life. */
export function localEmbedder(spec: LocalEmbedderSpec): Promise<LocalEmbedder> {
  const key = JSON.stringify(spec);
  let embedder = built.get(key);
  if (!embedder) {
    embedder =
      spec.kind === "hashing"
        ? Promise.resolve(new HashingEmbedder(spec.dim))
        : import("./onnx-embedder.js").then(({ OnnxEmbedder: Onnx }) => Onnx.load(spec)).then((e) => new OnnxLocalEmbedder(e));
    // a failed load is not cached: the error reaches the caller, and a later task may try again
    embedder.catch(() => built.delete(key));
    built.set(key, embedder);
  }
  return embedder;
}
