/** Piscina entry points: thin shells around src/engine. Vector buffers cross back by transfer, not copy. */
import { move, transferableSymbol, valueSymbol } from "piscina";
import { type EmbeddedTexts, enrichAndEmbed, embedTexts as embedTextsTask, type EmbedTextsTask } from "../src/engine/embed-batch.js";
import { type EnrichMessage, type EnrichResult, enrichTaskOf } from "../src/engine/enrich-batch.js";
import { type InferTask, inferRange } from "../src/engine/relationship-stage.js";
import type { InferredPart } from "../src/relationships/inferred-catalog.js";

function movingBuffers<T>(value: T, buffers: readonly ArrayBufferLike[]): T {
  const transferable = {
    get [transferableSymbol]() {
      return buffers;
    },
    get [valueSymbol]() {
      return value;
    },
  };
  return move(transferable as unknown as Parameters<typeof move>[0]) as unknown as T;
}

export default async function enrichWorker(message: EnrichMessage): Promise<EnrichResult> {
  const result = await enrichAndEmbed(enrichTaskOf(message));
  return movingBuffers(result, result.packed ? [result.vectors.buffer, result.packed.ipc.buffer] : [result.vectors.buffer]);
}

/** Named task `embed`: vectors of texts with the worker's embedder. */
export async function embed(task: EmbedTextsTask): Promise<EmbeddedTexts> {
  const result = await embedTextsTask(task);
  return movingBuffers(result, [result.vectors.buffer]);
}

/** Named task `infer`: the name-inferred edges of a range of the catalog's tables, over the shared index. */
export function infer(task: InferTask): InferredPart {
  const part = inferRange(task);
  return movingBuffers(part, [part.start, part.column, part.target, part.slot, part.percent, part.referenced].map((a) => a.buffer));
}

/** Named task `summarize`: the catalog pre-pass (names, columns, keys of each table). */
export { summarizeCatalog as summarize } from "../src/engine/summarize-batch.js";

/** Named task `coverage`: one batch of the coverage report on a large store. */
export { coverageOfBatch as coverage } from "../src/engine/coverage-batch.js";

/** Named tasks `statistics` and `checkRelationships`: live-database reads under the coordinator's connection permits. */
export { statisticsTask as statistics, relationshipCheckTask as checkRelationships } from "../src/engine/live-task.js";
