/**
 * The worker side of the coverage report on a large store (store-report.ts): a few scanned batches, read and
 * counted here so the coordinator only scans. Kept apart so the workers load no LanceDB.
 */
import { CoverageCounter, type CoveragePart } from "../report/coverage.js";
import { reportRowsOf } from "../store/arrow-rows.js";
import { batchesOfIpc } from "../store/packed-rows.js";

export interface CoverageTask {
  /** The batches (`scannedBatchesIpc`), moved to the worker. */
  readonly ipc: Uint8Array;
  /** Rows of the store before these, in scan order. */
  readonly firstRow: number;
  readonly lackingCap: number;
}

export function coverageOfBatch(task: CoverageTask): CoveragePart {
  const counter = new CoverageCounter({ lackingCap: task.lackingCap, firstRow: task.firstRow });
  for (const batch of batchesOfIpc(task.ipc)) for (const row of reportRowsOf(batch)) counter.add(row);
  return counter.part();
}
