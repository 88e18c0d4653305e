/**
 * The local ONNX models Datus runs through Python fastembed, with what it takes to give the same vectors:
 * where fastembed keeps the files, which ONNX file it loads, and how it pools and normalises.
 * Facts from fastembed's model tables (`supported_pooled_normalized_models`, `supported_onnx_models`).
 */

export type Pooling = "mean" | "cls";

export interface FastembedModel {
  /** fastembed's name, e.g. `sentence-transformers/all-MiniLM-L6-v2`. */
  readonly name: string;
  readonly dim: number;
  /** The Hugging Face repository fastembed downloads (its cache: `models--{org}--{repo}/snapshots/{rev}`). */
  readonly fastembedRepo?: string;
  /** The ONNX file inside fastembed's download. */
  readonly modelFile: string;
  /** Mean over the attention mask (sentence-transformers models) or the first token's state (BGE). */
  readonly pooling: Pooling;
  readonly normalize: boolean;
  /** The model's own repository, as a Hugging Face hub cache holds it (sentence-transformers, `transformers`). */
  readonly hubRepo?: string;
  readonly hubModelFile?: string;
}

export const FASTEMBED_MODELS: readonly FastembedModel[] = [
  {
    name: "sentence-transformers/all-MiniLM-L6-v2",
    dim: 384,
    fastembedRepo: "qdrant/all-MiniLM-L6-v2-onnx",
    modelFile: "model.onnx",
    pooling: "mean",
    normalize: true,
    hubRepo: "sentence-transformers/all-MiniLM-L6-v2",
    hubModelFile: "onnx/model.onnx",
  },
  {
    name: "BAAI/bge-small-en-v1.5",
    dim: 384,
    fastembedRepo: "qdrant/bge-small-en-v1.5-onnx-q",
    modelFile: "model_optimized.onnx",
    pooling: "cls",
    normalize: true,
    hubRepo: "BAAI/bge-small-en-v1.5",
    hubModelFile: "onnx/model.onnx",
  },
  {
    name: "BAAI/bge-base-en-v1.5",
    dim: 768,
    fastembedRepo: "qdrant/bge-base-en-v1.5-onnx-q",
    modelFile: "model_optimized.onnx",
    pooling: "cls",
    normalize: true,
    hubRepo: "BAAI/bge-base-en-v1.5",
    hubModelFile: "onnx/model.onnx",
  },
  {
    name: "BAAI/bge-large-en-v1.5",
    dim: 1024,
    fastembedRepo: "qdrant/bge-large-en-v1.5-onnx",
    modelFile: "model.onnx",
    pooling: "cls",
    normalize: true,
    hubRepo: "BAAI/bge-large-en-v1.5",
    hubModelFile: "onnx/model.onnx",
  },
  {
    name: "BAAI/bge-small-zh-v1.5",
    dim: 512,
    fastembedRepo: "Qdrant/bge-small-zh-v1.5",
    modelFile: "model_optimized.onnx",
    pooling: "cls",
    normalize: true,
  },
  {
    name: "thenlper/gte-base",
    dim: 768,
    fastembedRepo: "thenlper/gte-base",
    modelFile: "onnx/model.onnx",
    pooling: "mean",
    normalize: true,
  },
];

/** Datus's reading of `model_name`: a bare name is a sentence-transformers model. */
export function fastembedModelName(modelName: string): string {
  const trimmed = modelName.trim();
  return trimmed.includes("/") ? trimmed : `sentence-transformers/${trimmed}`;
}

/** The model fastembed would load for `modelName` (case-insensitive, as fastembed matches), or undefined. */
export function findFastembedModel(modelName: string): FastembedModel | undefined {
  const wanted = fastembedModelName(modelName).toLowerCase();
  return FASTEMBED_MODELS.find((m) => m.name.toLowerCase() === wanted);
}
