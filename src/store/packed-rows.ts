/**
 * v1 rows packed by the worker thread that made them: one Arrow IPC stream per batch (vectors included),
 * moved to the writer by transfer. The coordinator never holds a JS object per row, nor converts rows to
 * Arrow itself: it reads the identifiers beside the bytes, decides what to commit, and hands LanceDB
 * zero-copy slices of the workers' batches.
 *
 * The one part of the store layer a worker loads: Arrow encoding only (apache-arrow), never LanceDB.
 */
import { RecordBatch, type Schema, Table, tableFromIPC, tableToIPC } from "apache-arrow";
import type { V1Row } from "../model.js";
import { ScratchBytes, v1RowsToArrow } from "./arrow-rows.js";

export interface PackedRows {
  /** The rows as an Arrow IPC stream in the v1 schema, in their order (a buffer of its own, so it can be transferred). */
  readonly ipc: Uint8Array;
  /** Each row's identifier, in the same order. */
  readonly identifiers: readonly string[];
}

/**
 * The text of a batch is encoded into this thread's scratch memory, then copied once into the IPC stream:
 * the columns live only until that copy, so there is no reason to allocate them per batch (at three bytes
 * per UTF-16 unit, the bound) and leave them to the garbage collector.
 */
const scratch = new ScratchBytes();

/** Worker side: `rows` and their vectors (row-major; rows in `nullRows` get a null vector) packed for the writer. */
export function packV1Rows(rows: readonly V1Row[], vectors: Float32Array, dim: number, nullRows?: ReadonlySet<number>): PackedRows {
  scratch.reset();
  const ipc = tableToIPC(v1RowsToArrow(rows, vectors, dim, nullRows, scratch.take), "stream");
  // transferring a view's buffer would move whatever else shares it
  const own = ipc.byteOffset === 0 && ipc.byteLength === ipc.buffer.byteLength ? ipc : ipc.slice();
  return { ipc: own, identifiers: rows.map((r) => r.identifier) };
}

/** Writer side: the packed rows as an Arrow table over the same bytes (no copy). */
export function unpackV1Rows(packed: PackedRows): Table {
  const table = tableFromIPC(packed.ipc);
  if (table.numRows !== packed.identifiers.length) throw new Error(`packed rows: ${table.numRows} rows in the batch, ${packed.identifiers.length} identifiers`);
  return table;
}

/** Rows `keep` (ascending positions) of `table`: zero-copy slices, one per run of consecutive rows. */
export function selectedBatches(table: Table, keep: readonly number[]): RecordBatch[] {
  if (keep.length === table.numRows) return table.batches;
  const out: RecordBatch[] = [];
  for (let i = 0; i < keep.length; ) {
    let j = i + 1;
    while (j < keep.length && keep[j] === keep[j - 1] + 1) j++;
    out.push(...table.slice(keep[i], keep[j - 1] + 1).batches);
    i = j;
  }
  return out;
}

/** One table of `batches` in `schema`: the batches' own schemas must be that schema (a commit's rows all are). */
export function tableOfBatches(schema: Schema, batches: readonly RecordBatch[]): Table {
  return new Table(schema, batches.map((b) => (b.schema === schema ? b : new RecordBatch(schema, b.data))));
}

/** Worker side of `scannedBatchesIpc` (lancedb-arrow.ts): the batches again. */
export function batchesOfIpc(ipc: Uint8Array): RecordBatch[] {
  return tableFromIPC(ipc).batches;
}
