/**
 * The indexes the Datus agent's hybrid search needs on a large store, built after a successful run
 * (the Python tool never builds any): a full-text index on `search_text`, and an approximate vector
 * index on `vector` once the table is big enough for one to pay off (brute force is exact and fast below).
 */
import * as lancedb from "@lancedb/lancedb";
import { describeError } from "../errors.js";
import type { Progress } from "./progress.js";

export interface IndexPolicy {
  /** Build the indexes only when the table has more rows than this. */
  readonly minRows: number;
}

export const DEFAULT_INDEX_MIN_ROWS = 100_000;

/**
 * Build (or rebuild) the indexes; returns their descriptions. An index that fails is a warning, never a
 * failed run: the rows are committed and the agent can search without it, only slower.
 */
export async function buildSearchIndexes(table: lancedb.Table, policy: IndexPolicy, progress: Progress): Promise<string[]> {
  const rows = await table.countRows();
  if (rows <= policy.minRows) return [];
  const built: string[] = [];
  const nonNullVectors = await table.countRows("vector IS NOT NULL");
  try {
    progress.log(`building the full-text index on search_text (${rows} rows)`);
    await table.createIndex("search_text", { config: lancedb.Index.fts(), replace: true });
    built.push("full-text index on search_text");
  } catch (err) {
    progress.warn(`the full-text index on search_text was not built: ${describeError(err)}`);
  }
  try {
    // IVF_PQ with cosine distance, as the agent's (unused) create_vector_index would: ~sqrt(n) partitions
    const numPartitions = Math.max(1, Math.min(1024, Math.round(Math.sqrt(nonNullVectors))));
    progress.log(`building the vector index on vector (IVF_PQ, cosine, ${numPartitions} partitions)`);
    await table.createIndex("vector", { config: lancedb.Index.ivfPq({ distanceType: "cosine", numPartitions }), replace: true });
    built.push(`vector index on vector (IVF_PQ, ${numPartitions} partitions)`);
  } catch (err) {
    progress.warn(`the vector index on vector was not built: ${describeError(err)}`);
  }
  return built;
}
