/**
 * The embedding a command runs with, from `agent.storage.database` (defaults as Datus's: the
 * sentence-transformers all-MiniLM-L6-v2 model, 384-d), checked before anything changes: a local model is
 * found and loaded once, a remote endpoint answers a probe. Never a silent substitute: a model that cannot
 * be used is exit 2 with what to do.
 */
import { type AgentConfig, type EmbeddingConfig, type EmbeddingIdentity, type ModelConfig } from "../config/load-config.js";
import { locateModel } from "../embed/locate-model.js";
import { OnnxEmbedder, type OnnxModelSpec } from "../embed/onnx-embedder.js";
import { OpenAiEmbedder } from "../embed/openai-embeddings.js";
import type { EmbeddingPlan } from "../engine/embedding-plan.js";
import { configError, usageError } from "../errors.js";
import { registryFamily } from "../store/embedding-functions.js";

const DEFAULT_IDENTITY: EmbeddingIdentity = { registryName: "sentence-transformers", modelName: "all-MiniLM-L6-v2", dimSize: 384 };
const DEFAULT_EMBEDDING: EmbeddingConfig = { ...DEFAULT_IDENTITY, batchSize: 32 };

export interface EmbeddingSetupOptions {
  /** --keep-vectors: no model is needed. */
  readonly keepVectors: boolean;
  readonly signal?: AbortSignal;
}

/** The offline hashing embedding (the demo's, and any config that names `registry_name: hashing`). */
export function hashingPlan(dim: number): EmbeddingPlan {
  const identity: EmbeddingIdentity = { registryName: "hashing", modelName: "datus-schema-hashing", dimSize: dim };
  return {
    identity,
    cfgSections: { database: identity, document: DEFAULT_IDENTITY, metric: DEFAULT_IDENTITY },
    vectors: { kind: "local", spec: { kind: "hashing", dim } },
    description: `the offline hashing embedding (${dim}-d, not semantic: for demos and tests)`,
  };
}

/** The agent.models entry whose base_url and api_key serve embeddings: target_model, else agent.target (as Datus). */
function embeddingEndpoint(config: AgentConfig, targetModel: string | undefined): ModelConfig {
  const keys = [...Object.keys(config.models), ...Object.keys(config.modelIssues)].sort();
  const listed = keys.length > 0 ? `configured models: ${keys.join(", ")}` : `add one under agent.models in ${config.path}`;
  const wanted = targetModel ?? config.target;
  if (wanted === undefined) {
    throw configError("registry_name openai needs an endpoint: agent.storage.database.target_model is not set, nor agent.target", `set target_model to the agent.models key whose base_url and api_key serve embeddings; ${listed}`);
  }
  const issue = config.modelIssues[wanted];
  if (issue !== undefined) throw configError(issue.message, issue.hint);
  const model = config.models[wanted];
  const key = targetModel !== undefined ? "agent.storage.database.target_model" : "agent.target";
  if (model === undefined) throw configError(`${key} is "${wanted}", which is not a key under agent.models`, listed);
  return model;
}

export async function resolveEmbedding(config: AgentConfig | undefined, options: EmbeddingSetupOptions): Promise<EmbeddingPlan> {
  const embedding = config?.embedding ?? DEFAULT_EMBEDDING;
  const identity: EmbeddingIdentity = { registryName: embedding.registryName, modelName: embedding.modelName, dimSize: embedding.dimSize };
  const cfgSections = {
    database: identity,
    document: config?.otherEmbeddings.document ?? DEFAULT_IDENTITY,
    metric: config?.otherEmbeddings.metric ?? DEFAULT_IDENTITY,
  };
  const from = config ? `agent.storage.database in ${config.path}` : "the default model (no config)";
  if (options.keepVectors) return { identity, cfgSections, vectors: { kind: "keep" }, description: "vectors kept as stored" };

  const family = registryFamily(embedding.registryName);
  if (family === "hashing") return { ...hashingPlan(embedding.dimSize), identity, cfgSections };
  if (family === "fastembed") {
    const located = locateModel(embedding.modelName, embedding.modelPath);
    const spec: OnnxModelSpec = {
      kind: "onnx",
      name: located.model.name,
      dir: located.dir,
      onnxFile: located.onnxFile,
      pooling: located.model.pooling,
      normalize: located.model.normalize,
      dim: embedding.dimSize,
      batchSize: embedding.batchSize,
    };
    // load it once here: damaged files or a wrong dim_size are exit 2 before any worker starts or anything changes
    const probe = await OnnxEmbedder.load(spec);
    await probe.close();
    return { identity, cfgSections, vectors: { kind: "local", spec }, description: `${located.model.name} (local ONNX, ${embedding.dimSize}-d, from ${located.dir}; ${from})` };
  }
  if (family === "openai") {
    if (!config) throw usageError("registry_name openai needs agent.models for its endpoint, and no config was read", "pass --config naming an agent.yml");
    const model = embeddingEndpoint(config, embedding.targetModel);
    const embedder = new OpenAiEmbedder({
      model,
      embeddingModel: embedding.modelName,
      dim: embedding.dimSize,
      batchSize: embedding.batchSize,
      concurrency: 4,
      retries: 4,
      timeoutMs: 60_000,
      signal: options.signal,
    });
    await embedder.probe();
    return { identity, cfgSections, vectors: { kind: "remote", embedder }, description: `${embedding.modelName} via agent.models.${model.key} (${embedding.dimSize}-d)` };
  }
  throw configError(
    `agent.storage.database.registry_name "${embedding.registryName}" is not one datus-schema can run`,
    "use sentence-transformers or fastembed (a local ONNX model), openai (an OpenAI-compatible embeddings endpoint), or hashing (offline, for demos and tests)",
  );
}
