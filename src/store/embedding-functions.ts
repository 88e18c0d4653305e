/**
 * LanceDB's embedding-function entry in the table's schema metadata, in the format Python LanceDB writes
 * (key `embedding_functions`: a JSON list of `name`, `model`, `source_column`, `vector_column`, dumped with
 * indent 2). The Datus agent relies on it: `table.search(question)` embeds the question with that function,
 * and its own `add()` embeds the source column. v1 keeps the entry with `source_column: search_text`.
 *
 * LanceDB's Node client reads the same key differently: on every add or merge-insert it looks each `name`
 * up in its own registry and reads camelCase `sourceColumn`. A table carrying Python's entry would make
 * every write of ours fail ("Function fastembed not found in registry"), so the registry is told to leave
 * Python-format entries alone: this tool always writes the vectors itself.
 */
import * as lancedb from "@lancedb/lancedb";
import type { EmbeddingIdentity } from "../config/load-config.js";
import { fastembedModelName } from "../embed/fastembed-models.js";

export const EMBEDDING_FUNCTIONS_KEY = "embedding_functions";

export interface EmbeddingFunctionEntry {
  readonly name: string;
  readonly model: Readonly<Record<string, unknown>>;
  readonly source_column: string;
  readonly vector_column: string;
}

function isEntry(value: unknown): value is EmbeddingFunctionEntry {
  if (typeof value !== "object" || value === null) return false;
  const e = value as Record<string, unknown>;
  return typeof e.name === "string" && typeof e.source_column === "string" && typeof e.vector_column === "string" && typeof e.model === "object" && e.model !== null;
}

/**
 * The Python-format entries of a table's schema metadata: undefined when the table has none; `null` when
 * the key is there but is not Python's format (then it is left as it is).
 */
export function readEmbeddingFunctions(metadata: ReadonlyMap<string, string>): EmbeddingFunctionEntry[] | undefined | null {
  const raw = metadata.get(EMBEDDING_FUNCTIONS_KEY);
  if (raw === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) && parsed.every(isEntry) ? parsed : null;
  } catch {
    return null;
  }
}

/** The metadata value as Python's `json.dumps(entries, indent=2)` writes it (non-ASCII escaped, as ensure_ascii does). */
export function embeddingFunctionsJson(entries: readonly EmbeddingFunctionEntry[]): string {
  return JSON.stringify(entries, null, 2).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * The entries a v1 table carries: the stored ones with the `vector` column's source moved to `search_text`
 * (function and model unchanged), or, for a table without any, one for the configured model in the form the
 * Datus agent registers it. Hashing has no function the agent could load: no entry.
 */
export function v1EmbeddingFunctions(stored: readonly EmbeddingFunctionEntry[] | undefined, configured: EmbeddingIdentity): EmbeddingFunctionEntry[] | undefined {
  if (stored && stored.length > 0) {
    return stored.map((e) => (e.vector_column === "vector" ? { ...e, source_column: "search_text" } : e));
  }
  const family = registryFamily(configured.registryName);
  if (family === "fastembed") {
    return [
      {
        name: "fastembed",
        model: { name: fastembedModelName(configured.modelName), device: "cpu", normalize: true, batch_size: 256 },
        source_column: "search_text",
        vector_column: "vector",
      },
    ];
  }
  if (family === "openai") {
    // never the api_key: the agent reads it from its own config
    return [{ name: "openai", model: { name: configured.modelName, dim: configured.dimSize }, source_column: "search_text", vector_column: "vector" }];
  }
  return undefined;
}

/** `sentence-transformers` and `fastembed` are one runtime in Datus (fastembed). */
export function registryFamily(registryName: string): string {
  const r = registryName.trim().toLowerCase();
  return r === "sentence-transformers" || r === "fastembed" ? "fastembed" : r;
}

/** The model an entry names, as an identity to compare with the configured one (dimension unknown: 0). */
export function entryIdentity(entry: EmbeddingFunctionEntry): EmbeddingIdentity {
  const model = entry.model as { name?: unknown; model_name?: unknown; dim?: unknown };
  const name = typeof model.name === "string" ? model.name : typeof model.model_name === "string" ? model.model_name : "";
  return { registryName: entry.name, modelName: name, dimSize: typeof model.dim === "number" ? model.dim : 0 };
}

let guarded = false;

/** Make LanceDB's Node registry skip Python-format entries on our writes (see the module comment). Idempotent. */
export function guardEmbeddingRegistry(): void {
  if (guarded) return;
  guarded = true;
  const registry = lancedb.embedding.getRegistry();
  const parse = registry.parseFunctions.bind(registry);
  registry.parseFunctions = (metadata: Map<string, string>) => {
    if (readEmbeddingFunctions(metadata)) return Promise.resolve(new Map());
    return parse(metadata);
  };
}
