/** Piscina entry points: thin shells around src/engine. Vector buffers cross back by transfer, not copy. */
import { move, transferableSymbol, valueSymbol } from "piscina";
import { type EmbeddedTexts, enrichAndEmbed, embedTexts as embedTextsTask, type EmbedTextsTask } from "../src/engine/embed-batch.js";
import type { EnrichResult, EnrichTask } from "../src/engine/enrich-batch.js";

function movingBuffer<T>(value: T, buffer: ArrayBufferLike): T {
  const transferable = {
    get [transferableSymbol]() {
      return [buffer];
    },
    get [valueSymbol]() {
      return value;
    },
  };
  return move(transferable as unknown as Parameters<typeof move>[0]) as unknown as T;
}

export default async function enrichWorker(task: EnrichTask): Promise<EnrichResult> {
  const result = await enrichAndEmbed(task);
  return movingBuffer(result, result.vectors.buffer);
}

/** Named task `embed`: vectors of texts with the worker's embedder. */
export async function embed(task: EmbedTextsTask): Promise<EmbeddedTexts> {
  const result = await embedTextsTask(task);
  return movingBuffer(result, result.vectors.buffer);
}

/** Named task `summarize`: the catalog pre-pass (names, columns, keys of each table). */
export { summarizeBatch as summarize } from "../src/engine/summarize-batch.js";

/** Named tasks `statistics` and `checkRelationships`: live-database reads under the coordinator's connection permits. */
export { statisticsTask as statistics, relationshipCheckTask as checkRelationships } from "../src/engine/live-task.js";
