/**
 * apache-arrow as LanceDB's Node client loads it: its CommonJS build. The ESM build this project imports
 * elsewhere is a second copy with its own classes: LanceDB rejects or misreads schemas made of them
 * (`instanceof`), and the batches it scans are not the ESM copy's RecordBatch. The coordinator's only: no
 * worker loads this module.
 */
import { createRequire } from "node:module";
import type * as ArrowTypes from "apache-arrow";
import type { RecordBatch } from "apache-arrow";

let loaded: typeof ArrowTypes | undefined;

export function lancedbArrow(): typeof ArrowTypes {
  return (loaded ??= createRequire(import.meta.url)("apache-arrow") as typeof ArrowTypes);
}

/** Batches LanceDB scanned (of one schema) as one IPC stream, to hand to a worker by transfer (`batchesOfIpc` reads it). */
export function scannedBatchesIpc(batches: readonly RecordBatch[]): Uint8Array {
  const arrow = lancedbArrow();
  return arrow.tableToIPC(new arrow.Table(batches as unknown as ArrowTypes.RecordBatch[]), "stream");
}
