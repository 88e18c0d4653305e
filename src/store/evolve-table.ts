/**
 * Bring `schema_metadata` to the v1 shape in place, with LanceDB's schema evolution: every step is one
 * commit that rewrites no row (new columns are all-null, the schema metadata is set by the same commit), so a
 * reader never sees a partial table, however large it is and wherever a run is killed. Each step looks at the
 * table as it is, so running it again after an interruption simply finishes it.
 *
 * A migrated v0 table keeps its columns where they were and gets the v1 columns after them (so `vector`
 * stands before `search_text`): LanceDB and the Datus agent match columns by name on every read and write.
 */
import type * as lancedb from "@lancedb/lancedb";
import type * as ArrowTypes from "apache-arrow";
import { SOURCE_COLUMNS, V1_COLUMNS } from "../model.js";
import { lancedbArrow } from "./lancedb-arrow.js";
import { withCommitRetries } from "./schema-store.js";
import { vectorDimension } from "./schemas.js";

/** The Arrow classes LanceDB's Node client checks schemas against with `instanceof` (lancedb-arrow.ts). */
const arrow = lancedbArrow();

const VECTOR_NEW = "vector__datus_schema_new";
const VECTOR_OLD = "vector__datus_schema_old";

function fieldFor(name: (typeof V1_COLUMNS)[number], dim: number): ArrowTypes.Field {
  const nullable = true;
  switch (name) {
    case "vector":
      return new arrow.Field(name, new arrow.FixedSizeList(dim, new arrow.Field("item", new arrow.Float32(), true)), nullable);
    case "business_tags":
      return new arrow.Field(name, new arrow.List(new arrow.Field("item", new arrow.Utf8(), true)), nullable);
    case "row_count":
    case "last_updated":
      return new arrow.Field(name, new arrow.Int64(), nullable);
    case "metadata_version":
      return new arrow.Field(name, new arrow.Int32(), nullable);
    default:
      return new arrow.Field(name, new arrow.Utf8(), nullable);
  }
}

export interface EvolveTarget {
  /** The vector dimension the table must have (vectors of another size become null). */
  readonly dim: number;
  /** Schema metadata keys to set (the embedding-function entry). */
  readonly metadata: Readonly<Record<string, string>>;
}

export interface EvolveOutcome {
  /** Rows removed because an earlier row had the same identifier. */
  readonly duplicatesRemoved: number;
  /** Whether the vector column changed dimension (its vectors are then null: every row needs embedding). */
  readonly vectorsDropped: boolean;
}

async function fieldNames(table: lancedb.Table): Promise<Set<string>> {
  return new Set((await table.schema()).fields.map((f) => f.name));
}

/** Delete every row whose identifier an earlier row (in scan order) already has: one commit. */
async function removeDuplicates(table: lancedb.Table): Promise<number> {
  const seen = new Set<string>();
  const extra: string[] = [];
  for await (const batch of table.query().withRowId().select(["identifier"])) {
    const ids = batch.getChild("identifier");
    const rowIds = batch.getChild("_rowid");
    for (let i = 0; i < batch.numRows; i++) {
      const id = String(ids?.get(i) ?? "");
      if (seen.has(id)) extra.push(String(rowIds?.get(i)));
      else seen.add(id);
    }
  }
  for (let i = 0; i < extra.length; i += 10_000) {
    const chunk = extra.slice(i, i + 10_000);
    await withCommitRetries("remove duplicate identifiers", () => table.delete(`_rowid IN (${chunk.join(", ")})`));
  }
  return extra.length;
}

/** Give the vector column `dim` (its values become null), converging from any half-done earlier attempt. */
async function resizeVectors(table: lancedb.Table, dim: number): Promise<boolean> {
  let names = await fieldNames(table);
  const current = vectorDimension(await table.schema());
  if (current === dim && !names.has(VECTOR_NEW) && !names.has(VECTOR_OLD)) return false;
  if (current !== dim && !names.has(VECTOR_NEW)) {
    await table.addColumns(new arrow.Schema([new arrow.Field(VECTOR_NEW, fieldFor("vector", dim).type, true)]));
    names = await fieldNames(table);
  }
  if (names.has("vector") && names.has(VECTOR_NEW)) {
    await table.alterColumns([{ path: "vector", rename: VECTOR_OLD }]);
    names = await fieldNames(table);
  }
  if (names.has(VECTOR_NEW)) await table.alterColumns([{ path: VECTOR_NEW, rename: "vector" }]);
  if ((await fieldNames(table)).has(VECTOR_OLD)) await table.dropColumns([VECTOR_OLD]);
  return true;
}

/**
 * Make `column` utf8 with the same bytes, converging from any half-done attempt: a utf8 copy (one commit,
 * DataFusion's cast keeps every byte), then renames and a drop, as for the vector.
 */
async function toUtf8(table: lancedb.Table, column: string): Promise<void> {
  const fresh = `${column}__datus_schema_utf8`;
  const old = `${column}__datus_schema_bytes`;
  let fields = (await table.schema()).fields;
  const isText = (name: string) => fields.some((f) => f.name === name && arrow.DataType.isUtf8(f.type));
  if (fields.some((f) => f.name === column) && !isText(column) && !fields.some((f) => f.name === fresh)) {
    await table.addColumns([{ name: fresh, valueSql: `CAST(${quoteSqlIdent(column)} AS STRING)` }]);
    fields = (await table.schema()).fields;
  }
  if (fields.some((f) => f.name === fresh)) {
    if (fields.some((f) => f.name === column)) await table.alterColumns([{ path: column, rename: old }]);
    await table.alterColumns([{ path: fresh, rename: column }]);
  }
  if ((await fieldNames(table)).has(old)) await table.dropColumns([old]);
}

function quoteSqlIdent(name: string): string {
  return `\`${name.replace(/`/g, "``")}\``;
}

/** Evolve the table to the v1 columns, `target.dim` and `target.metadata`; see the module comment. */
export async function evolveToV1(table: lancedb.Table, target: EvolveTarget): Promise<EvolveOutcome> {
  // v1 keeps the name/DDL columns as utf8; a v0 table may hold them as bytes (checked to be UTF-8 before this)
  for (const column of SOURCE_COLUMNS) await toUtf8(table, column);
  const duplicatesRemoved = await removeDuplicates(table);
  const vectorsDropped = (await fieldNames(table)).has("vector") ? await resizeVectors(table, target.dim) : false;
  const names = await fieldNames(table);
  const missing = V1_COLUMNS.filter((c) => !names.has(c)).map((c) => fieldFor(c, target.dim));
  const stored = (await table.schema()).metadata;
  const metadataChanges = Object.entries(target.metadata).some(([k, v]) => stored.get(k) !== v);
  // one commit: the missing columns, all null, and the schema metadata (a metadata-only commit when none is missing)
  if (missing.length > 0 || metadataChanges) await table.addColumns(new arrow.Schema(missing, new Map(Object.entries(target.metadata))));
  return { duplicatesRemoved, vectorsDropped };
}
