/** Piscina entry point: a thin shell around enrichBatch. The vector buffer crosses back by transfer, not copy. */
import { move, transferableSymbol, valueSymbol } from "piscina";
import { enrichBatch, type EnrichTask } from "../src/engine/enrich-batch.js";

export default function enrichWorker(task: EnrichTask): unknown {
  const result = enrichBatch(task);
  const transferable = {
    get [transferableSymbol]() {
      return [result.vectors.buffer];
    },
    get [valueSymbol]() {
      return result;
    },
  };
  return move(transferable as unknown as Parameters<typeof move>[0]);
}

/** Named task `summarize`: the catalog pre-pass (names, columns, keys of each table). */
export { summarizeBatch as summarize } from "../src/engine/catalog-pass.js";
