/**
 * Writes a v0 store the way the old agent did (seven name/DDL columns + the vector of the DDL).
 * The demo, the tests and the benchmarks build their starting stores with it.
 */
import * as lancedb from "@lancedb/lancedb";
import { hashedTextEmbedding } from "../embed/hashed-embedding.js";
import type { SourceTable } from "../model.js";
import { v0RowsToArrow } from "./arrow-rows.js";
import { SCHEMA_TABLE, v0Schema } from "./schemas.js";

/** Create (or replace) `schema_metadata` in `storePath` as a v0 table holding `rows`, written in chunks. */
export async function writeV0Store(storePath: string, rows: Iterable<SourceTable> | AsyncIterable<SourceTable>, dim = 384, chunkRows = 10_000): Promise<number> {
  const db = await lancedb.connect(storePath);
  let table: lancedb.Table | undefined;
  let chunk: SourceTable[] = [];
  let written = 0;
  const flush = async () => {
    if (!chunk.length) return;
    const vectors = new Float32Array(chunk.length * dim);
    chunk.forEach((r, i) => hashedTextEmbedding(r.definition, dim, vectors.subarray(i * dim, (i + 1) * dim)));
    const data = v0RowsToArrow(chunk, vectors, dim);
    if (!table) table = await db.createTable(SCHEMA_TABLE, data, { mode: "overwrite" });
    else await table.add(data);
    written += chunk.length;
    chunk = [];
  };
  for await (const row of rows) {
    chunk.push(row);
    if (chunk.length >= chunkRows) await flush();
  }
  await flush();
  if (!table) await db.createEmptyTable(SCHEMA_TABLE, v0Schema(dim), { mode: "overwrite" });
  return written;
}
