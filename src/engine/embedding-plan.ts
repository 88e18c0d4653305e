/**
 * Which embedding a run uses, and whether the store's vectors agree with it. A store's vectors are
 * described in up to four places: the vector column's dimension, Datus's `datus_db.cfg`, the table's
 * LanceDB embedding-function entry, and this tool's own record of what it embedded with. Any of them that
 * names another model or dimension than `agent.storage.database` is a mismatch: exit 2 before anything
 * changes, unless --force re-embeds every row (or --keep-vectors leaves the vectors alone).
 */
import type { Piscina } from "piscina";
import type { EmbeddingIdentity } from "../config/load-config.js";
import { fastembedModelName } from "../embed/fastembed-models.js";
import type { LocalEmbedderSpec } from "../embed/local-embedder.js";
import { configError } from "../errors.js";
import { type DatusCfg, cfgIdentity, type StoreType } from "../store/datus-cfg.js";
import { type EmbeddingFunctionEntry, entryIdentity, registryFamily } from "../store/embedding-functions.js";
import { keptVectors, localVectors, type RemoteEmbedder, remoteVectors, type VectorSource } from "./vector-source.js";

export interface EmbeddingPlan {
  /** The configured model (agent.storage.database). */
  readonly identity: EmbeddingIdentity;
  /** What datus_db.cfg lists for every store type, should the file be written. */
  readonly cfgSections: Readonly<Record<StoreType, EmbeddingIdentity>>;
  readonly vectors: { readonly kind: "local"; readonly spec: LocalEmbedderSpec } | { readonly kind: "remote"; readonly embedder: RemoteEmbedder } | { readonly kind: "keep" };
  /** For logs: the model and where it runs. */
  readonly description: string;
}

/** What a store says about its vectors. */
export interface StoreVectors {
  readonly dim?: number;
  readonly cfg?: DatusCfg;
  /** The table's Python-format embedding-function entries (null: an entry in another format). */
  readonly functions?: readonly EmbeddingFunctionEntry[] | null;
  /** What this tool last embedded with (its state file), `legacy-hashing` for rows of datus-schema 0.1. */
  readonly written?: EmbeddingIdentity | "legacy-hashing";
}

export function describeIdentity(id: EmbeddingIdentity): string {
  return `${id.registryName} ${id.modelName}${id.dimSize ? ` (${id.dimSize}-d)` : ""}`;
}

function modelKey(id: EmbeddingIdentity): string {
  const family = registryFamily(id.registryName);
  return `${family}:${family === "fastembed" ? fastembedModelName(id.modelName).toLowerCase() : id.modelName.trim().toLowerCase()}`;
}

/** Same model (registry family and name) and, where both say one, the same dimension. */
export function sameModel(a: EmbeddingIdentity, b: EmbeddingIdentity): boolean {
  return modelKey(a) === modelKey(b) && (a.dimSize === 0 || b.dimSize === 0 || a.dimSize === b.dimSize);
}

/** Every way the store's vectors disagree with the configured model, as sentences for the user. */
export function vectorMismatches(store: StoreVectors, configured: EmbeddingIdentity): string[] {
  const out: string[] = [];
  if (store.dim !== undefined && store.dim !== configured.dimSize) {
    out.push(`the table's vectors have ${store.dim} dimensions, agent.storage.database.dim_size is ${configured.dimSize}`);
  }
  const cfg = cfgIdentity(store.cfg);
  if (cfg && !sameModel(cfg, configured)) out.push(`datus_db.cfg says ${describeIdentity(cfg)}`);
  for (const entry of store.functions ?? []) {
    if (entry.vector_column !== "vector") continue;
    const named = entryIdentity(entry);
    if (named.modelName !== "" && !sameModel(named, configured)) out.push(`the table's embedding function is ${entry.name} ${named.modelName}`);
  }
  if (store.written === "legacy-hashing") out.push("the rows were embedded by an earlier datus-schema with its offline hashing embedding");
  else if (store.written && !sameModel(store.written, configured)) out.push(`datus-schema embedded the rows with ${describeIdentity(store.written)}`);
  return out;
}

/** Exit 2 for a mismatch (nothing changed yet), with the ways out. */
export function refuseMismatch(mismatches: readonly string[], configured: EmbeddingIdentity, command: "migrate" | "embed" | "bootstrap"): never {
  const ways = {
    embed: "pass --all to re-embed every row with the configured model, or set agent.storage.database back to the store's model",
    migrate: "set agent.storage.database to the store's model, pass --force to re-embed every row with the configured one, or --keep-vectors to leave the vectors as they are",
    bootstrap: "set agent.storage.database to the store's model, or first move the store to the configured one with `datus-schema embed --all`",
  }[command];
  throw configError(`the store's vectors do not match agent.storage.database (${describeIdentity(configured)}): ${mismatches.join("; ")}`, ways);
}

/** The pipeline's vector source for a plan (the pool runs local models). */
export function vectorSourceFor(plan: EmbeddingPlan, pool: Piscina, dim: number): VectorSource {
  if (plan.vectors.kind === "local") return localVectors(plan.vectors.spec, pool);
  if (plan.vectors.kind === "remote") return remoteVectors(plan.vectors.embedder);
  return keptVectors(dim);
}
