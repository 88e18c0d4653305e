/**
 * Conversions between Arrow record batches and the plain rows the pipeline uses.
 * Columns are built directly as Arrow data (no per-row objects handed to LanceDB): it is the hot path of every write.
 */
import {
  Data,
  DataType,
  Field,
  FixedSizeList,
  Float32,
  Int32,
  Int64,
  List,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  Utf8,
  vectorFromArray,
} from "apache-arrow";
import { type CatalogText, canonicalIdentifier, SOURCE_COLUMNS, type SourceTable, type StoredFields, type TableType, type V1Row } from "../model.js";
import type { ReportRow } from "../report/coverage.js";
import { V1_COLUMNS } from "../model.js";
import { v0Schema, v1Schema } from "./schemas.js";

/** A vector column from row-major floats; rows in `nullRows` are null (a row without any vector). */
function fixedSizeVectorData(field: Field, vectors: Float32Array, rows: number, nullRows?: ReadonlySet<number>): Data {
  const type = field.type as FixedSizeList<Float32>;
  const child = makeData({ type: new Float32(), length: vectors.length, nullCount: 0, data: vectors });
  if (!nullRows || nullRows.size === 0) return makeData({ type, length: rows, nullCount: 0, child });
  const valid = new Uint8Array(Math.ceil(rows / 8));
  for (let i = 0; i < rows; i++) if (!nullRows.has(i)) valid[i >> 3] |= 1 << (i & 7);
  return makeData({ type, length: rows, nullCount: nullRows.size, nullBitmap: valid, child });
}

function columnData(field: Field, values: unknown[]): Data {
  return vectorFromArray(values, field.type as DataType).data[0];
}

/** Validity bits of `values` (absent when none is null) and how many are null. */
function validity(values: readonly unknown[]): { nullBitmap?: Uint8Array; nullCount: number } {
  let nullCount = 0;
  for (const v of values) if (v === null) nullCount++;
  if (nullCount === 0) return { nullCount };
  const nullBitmap = new Uint8Array(Math.ceil(values.length / 8));
  values.forEach((v, i) => {
    if (v !== null) nullBitmap[i >> 3] |= 1 << (i & 7);
  });
  return { nullBitmap, nullCount };
}

/**
 * A utf8 column written straight into one buffer. apache-arrow's builder encodes value by value through
 * TextEncoder and grows its buffers as it goes: it was the main thread's largest cost in a migration (3.1 of
 * its 13.8 busy seconds per 100,000 tables). A UTF-16 code unit takes at most 3 bytes of UTF-8, so the buffer
 * is sized once and Buffer.write (which encodes lone surrogates as U+FFFD, as TextEncoder does) fills it.
 */
export function utf8Data(values: readonly (string | null)[], memory: ByteMemory = freshBytes): Data<Utf8> {
  let units = 0;
  for (const v of values) if (v) units += v.length;
  const bytes = memory(units * 3);
  const valueOffsets = new Int32Array(values.length + 1);
  let at = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v) at += bytes.write(v, at);
    valueOffsets[i + 1] = at;
  }
  const data = new Uint8Array(bytes.buffer, bytes.byteOffset, at);
  return makeData({ type: new Utf8(), length: values.length, valueOffsets, data, ...validity(values) });
}

/** Where a column's bytes go: `bytes` writable bytes that the column keeps as long as it lives. */
export type ByteMemory = (bytes: number) => Buffer;

const freshBytes: ByteMemory = (bytes) => Buffer.allocUnsafe(bytes);

/** What a scratch buffer starts at, and the most it keeps across a reset. */
const SCRATCH_START = 1 << 20;
const SCRATCH_KEPT = 64 << 20;

/**
 * Memory for columns that live only until they are serialized (a worker's packed rows, the writer's commit):
 * one buffer, handed out in pieces and taken back whole by `reset`, so a batch's text costs no allocation
 * once the buffer is big enough.
 */
export class ScratchBytes {
  private buffer = Buffer.allocUnsafeSlow(SCRATCH_START);
  private used = 0;

  /** Everything handed out since the last reset is free again (and will be overwritten). */
  reset(): void {
    this.used = 0;
    // an outsized batch (very long DDL) does not keep its buffer for the rest of the run
    if (this.buffer.length > SCRATCH_KEPT) this.buffer = Buffer.allocUnsafeSlow(SCRATCH_START);
  }

  readonly take: ByteMemory = (bytes) => {
    if (this.used + bytes > this.buffer.length) {
      // the pieces handed out so far keep the old buffer until the reset
      this.buffer = Buffer.allocUnsafeSlow(Math.max(2 * this.buffer.length, bytes));
      this.used = 0;
    }
    const piece = this.buffer.subarray(this.used, this.used + bytes);
    // 8-byte aligned, as Arrow buffers like to be
    this.used += (bytes + 7) & ~7;
    return piece;
  };
}

/** A list-of-utf8 column (business_tags) built the same way. */
function utf8ListData(field: Field, values: readonly (readonly string[] | null)[], memory: ByteMemory = freshBytes): Data {
  const valueOffsets = new Int32Array(values.length + 1);
  const items: string[] = [];
  values.forEach((list, i) => {
    if (list) for (const item of list) items.push(item);
    valueOffsets[i + 1] = items.length;
  });
  return makeData({ type: field.type as List<Utf8>, length: values.length, valueOffsets, child: utf8Data(items, memory), ...validity(values) });
}

function int64Data(values: readonly number[]): Data {
  const data = new BigInt64Array(values.length);
  values.forEach((v, i) => (data[i] = BigInt(Math.trunc(v))));
  return makeData({ type: new Int64(), length: values.length, nullCount: 0, data });
}

function int32Data(values: readonly number[]): Data {
  return makeData({ type: new Int32(), length: values.length, nullCount: 0, data: Int32Array.from(values) });
}

function tableFrom(schema: Schema, children: Data[], rows: number): Table {
  const struct = makeData({ type: new Struct(schema.fields), length: rows, nullCount: 0, children });
  return new Table([new RecordBatch(schema, struct)]);
}

/**
 * v1 rows plus their vectors (row-major, `rows.length * dim` floats) as one Arrow table in contract order.
 * Rows in `nullRows` get a null vector (they have none: never a zero vector, which no search can rank).
 * The text columns' bytes come from `memory`.
 */
export function v1RowsToArrow(rows: readonly V1Row[], vectors: Float32Array, dim: number, nullRows?: ReadonlySet<number>, memory: ByteMemory = freshBytes): Table {
  if (vectors.length !== rows.length * dim) {
    throw new Error(`vector buffer holds ${vectors.length} floats, expected ${rows.length} x ${dim}`);
  }
  const schema = v1Schema(dim);
  const children = schema.fields.map((field) => {
    const name = field.name as (typeof V1_COLUMNS)[number];
    if (name === "vector") return fixedSizeVectorData(field, vectors, rows.length, nullRows);
    if (name === "row_count" || name === "last_updated") return int64Data(rows.map((r) => r[name]));
    if (name === "metadata_version") return int32Data(rows.map((r) => r[name]));
    if (name === "business_tags") return utf8ListData(field, rows.map((r) => r.business_tags), memory);
    return utf8Data(rows.map((r) => r[name]), memory);
  });
  return tableFrom(schema, children, rows.length);
}

/** v0 rows (name parts, DDL and the DDL's vector) as an Arrow table: used to build v0 stores (demo, tests, bench). */
export function v0RowsToArrow(rows: readonly SourceTable[], vectors: Float32Array, dim: number): Table {
  const schema = v0Schema(dim);
  const pick: Record<string, (r: SourceTable) => string | null> = {
    identifier: (r) => r.identifier,
    catalog_name: (r) => r.catalogName,
    database_name: (r) => r.databaseName,
    schema_name: (r) => r.schemaName,
    table_name: (r) => r.tableName,
    table_type: (r) => r.tableType,
    definition: (r) => (r.definitionNull ? null : r.definition),
  };
  const children = schema.fields.map((field) =>
    field.name === "vector" ? fixedSizeVectorData(field, vectors, rows.length) : utf8Data(rows.map(pick[field.name])),
  );
  return tableFrom(schema, children, rows.length);
}

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
/** For reading only (the report): bytes that are not UTF-8 read as U+FFFD instead of stopping the report. */
const LENIENT_UTF8 = new TextDecoder("utf-8", { ignoreBOM: true });

/** A text column's value `i` as it is stored: `get(i)` of a utf8 or binary column, or null. */
type TextAt = (i: number) => string | null;

/** utf8 and binary columns (large or not): each value is a run of bytes between two offsets. */
function holdsBytesWithOffsets(type: DataType): boolean {
  return DataType.isUtf8(type) || DataType.isLargeUtf8(type) || DataType.isBinary(type) || DataType.isLargeBinary(type);
}

/**
 * Read a utf8 or binary column's values from their bytes, decoded as UTF-8 byte for byte: apache-arrow's
 * own reader drops a leading byte order mark, and gives a Binary value as bytes (whose `String()` is their
 * decimal digits). Bytes that are not UTF-8 throw (source-check.ts refuses such a store first).
 * Other columns (dictionaries) are read with `get`.
 */
function textAt(column: { readonly data: readonly Data[]; readonly type: DataType; get(i: number): unknown }, decoder = UTF8): TextAt {
  if (!holdsBytesWithOffsets(column.type)) {
    return (i) => {
      const v = column.get(i);
      return v === null || v === undefined ? null : v instanceof Uint8Array ? decoder.decode(v) : String(v);
    };
  }
  const bytes = valueBytes(column);
  return (i) => {
    const value = bytes(i);
    return value === null ? null : decoder.decode(value);
  };
}

/** Value `i` of a column that holds bytes between offsets (`holdsBytesWithOffsets`): a view of its buffer, or null. */
function valueBytes(column: { readonly data: readonly Data[] }): (i: number) => Uint8Array | null {
  const chunks = column.data;
  const ends: number[] = [];
  chunks.reduce((at, d) => (ends.push(at + d.length), at + d.length), 0);
  return (i) => {
    let c = 0;
    while (ends[c] <= i) c++;
    const data = chunks[c] as Data<Utf8>;
    const j = i - (c === 0 ? 0 : ends[c - 1]);
    if (!data.getValid(j)) return null;
    return data.values.subarray(Number(data.valueOffsets[j]), Number(data.valueOffsets[j + 1]));
  };
}

/** Whether a stored value (utf8, or bytes of a Binary column) is text this tool can keep byte for byte. */
export function isStoredText(value: unknown): boolean {
  if (!(value instanceof Uint8Array)) return true;
  try {
    UTF8.decode(value);
    return true;
  } catch {
    return false;
  }
}

function textColumn(batch: RecordBatch, name: string, decoder = UTF8): TextAt {
  const col = batch.getChild(name);
  return col ? textAt(col, decoder) : () => null;
}

function stringColumn(batch: RecordBatch, name: string): (i: number) => string {
  const text = textColumn(batch, name);
  return (i) => text(i) ?? "";
}

function tableType(value: string): TableType {
  const v = value.toLowerCase();
  if (v === "view") return "view";
  if (v === "mv" || v === "materialized_view" || v === "materialized view") return "mv";
  return "table";
}

/**
 * The source rows of a scanned batch (v0 or v1 shape: the seven name/DDL columns, and the stored vector
 * when the batch has a `vector` column and `withVectors` asks for it).
 */
/** The columns {@link storedFieldsOf} reads, beside the source columns. */
export const STORED_FIELD_COLUMNS = ["metadata_version", "table_comment", "column_comments", "row_count", "sample_statistics"] as const;

function commentsOf(text: string | null): Record<string, string> {
  if (text === null || text === "" || text === "{}") return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return {};
    return Object.fromEntries(Object.entries(parsed as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === "string" && e[1] !== ""));
  } catch {
    return {};
  }
}

/** Per row of a batch that has {@link STORED_FIELD_COLUMNS}: the v1 row's fields, undefined for rows not yet v1. */
export function storedFieldsOf(batch: RecordBatch): (StoredFields | undefined)[] {
  const version = batch.getChild("metadata_version");
  const def = textColumn(batch, "definition");
  const comment = textColumn(batch, "table_comment");
  const comments = textColumn(batch, "column_comments");
  const rows = batch.getChild("row_count");
  const stats = textColumn(batch, "sample_statistics");
  const out: (StoredFields | undefined)[] = new Array(batch.numRows);
  for (let i = 0; i < batch.numRows; i++) {
    if (Number(version?.get(i) ?? 0) !== 1) continue;
    out[i] = {
      definition: def(i),
      tableComment: comment(i) ?? "",
      columnComments: commentsOf(comments(i)),
      rowCount: Number(rows?.get(i) ?? 0),
      sampleStatistics: stats(i) ?? "{}",
    };
  }
  return out;
}

export function sourceTablesOf(batch: RecordBatch, withVectors = false, withStored = false): SourceTable[] {
  const stored = withStored ? storedFieldsOf(batch) : undefined;
  const vec = withVectors ? batch.getChild("vector") : null;
  const id = stringColumn(batch, "identifier");
  const cat = stringColumn(batch, "catalog_name");
  const db = stringColumn(batch, "database_name");
  const sch = stringColumn(batch, "schema_name");
  const tbl = stringColumn(batch, "table_name");
  const typ = stringColumn(batch, "table_type");
  const def = textColumn(batch, "definition");
  const out: SourceTable[] = new Array(batch.numRows);
  for (let i = 0; i < batch.numRows; i++) {
    const definition = def(i);
    out[i] = {
      identifier: id(i),
      catalogName: cat(i),
      databaseName: db(i),
      schemaName: sch(i),
      tableName: tbl(i),
      tableType: tableType(typ(i)),
      definition: definition ?? "",
      ...(definition === null ? { definitionNull: true } : {}),
    };
    if (vec) {
      const v = vec.get(i) as { toArray(): Float32Array } | null;
      if (v) out[i] = { ...out[i], storedVector: Float32Array.from(v.toArray()) };
    }
    if (stored?.[i] !== undefined) out[i] = { ...out[i], stored: stored[i] };
  }
  return out;
}

/** A scanned column can be reused when it is one chunk of exactly the target type (child names included). */
function reusable(source: { data: readonly Data[]; type: DataType }, field: Field): boolean {
  const sameChildren = (a: DataType, b: DataType): boolean =>
    (a.children ?? []).length === (b.children ?? []).length && (a.children ?? []).every((c, i) => c.name === b.children[i].name);
  return source.data.length === 1 && String(source.type) === String(field.type) && sameChildren(source.type, field.type as DataType);
}

/** A vector column of `rows` entries from `source` rows `index` (null where the source row has none or another size). */
function vectorColumn(field: Field, source: { get(i: number): unknown } | null, index: readonly number[], dim: number): Data {
  const type = field.type as FixedSizeList<Float32>;
  const rows = index.length;
  const flat = new Float32Array(rows * dim);
  const valid = new Uint8Array(Math.ceil(rows / 8));
  let nulls = 0;
  index.forEach((row, i) => {
    const v = source?.get(row) as { toArray(): Float32Array; length: number } | null | undefined;
    if (v && v.length === dim) {
      flat.set(v.toArray(), i * dim);
      valid[i >> 3] |= 1 << (i & 7);
    } else {
      nulls++;
    }
  });
  const child = makeData({ type: new Float32(), length: flat.length, nullCount: 0, data: flat });
  return makeData({ type, length: rows, nullCount: nulls, nullBitmap: nulls ? valid : undefined, child });
}

/**
 * A scanned batch (v0 or v1) in the shape of `schema` (a v1 schema): columns matched by name, absent ones
 * null, vectors of another dimension null. `pending` sets `metadata_version = 0` on every row (work left
 * for the migration); otherwise the row's version is kept. `keep` selects rows (all when absent).
 */
export function asV1Batch(batch: RecordBatch, schema: Schema, options: { readonly pending: boolean; readonly keep?: readonly number[] }): Table {
  const index = options.keep ?? Array.from({ length: batch.numRows }, (_, i) => i);
  const rows = index.length;
  const whole = options.keep === undefined;
  const children = schema.fields.map((field) => {
    const source = batch.getChild(field.name);
    if (field.name === "metadata_version" && (options.pending || !source)) return columnData(field, new Array(rows).fill(0));
    if (source && whole && reusable(source, field)) return source.data[0];
    if (field.name === "vector") return vectorColumn(field, source, index, (field.type as FixedSizeList).listSize);
    if (!source) return columnData(field, new Array(rows).fill(null));
    // text stored as bytes (Binary) becomes utf8 with the same bytes, never the bytes' decimal digits
    if (DataType.isUtf8(field.type)) {
      return utf8Data(index.map(textAt(source)));
    }
    return columnData(field, index.map((row) => source.get(row) as unknown));
  });
  return tableFrom(schema, children, rows);
}

/**
 * `table` (v1 rows, one batch) with new `search_text` and `vector` columns: the full rows the `embed`
 * command writes back. Whole rows, never a column subset: LanceDB's Node client aligns every write to a
 * table carrying an embedding-function entry to the full schema, filling missing columns with nulls.
 */
export function withNewVectors(table: Table, texts: readonly string[], vectors: Float32Array, dim: number): Table {
  const schema = table.schema;
  const [batch] = table.batches;
  const children = schema.fields.map((field) => {
    if (field.name === "search_text") return utf8Data(texts);
    if (field.name === "vector") return fixedSizeVectorData(field, vectors, texts.length);
    return batch.getChild(field.name)!.data[0];
  });
  if (vectors.length !== texts.length * dim || batch.numRows !== texts.length) throw new Error(`withNewVectors: ${batch.numRows} rows, ${texts.length} texts, ${vectors.length / dim} vectors`);
  return tableFrom(schema, children, texts.length);
}

/** A list-of-text column's value `i` (business_tags), or null. */
function textListAt(column: { readonly data: readonly Data[]; get(i: number): unknown }): (i: number) => string[] | null {
  if (column.data.length !== 1 || !DataType.isList(column.data[0].type)) {
    return (i) => {
      const v = column.get(i) as { toArray(): unknown[] } | null;
      return v ? Array.from(v.toArray(), (x) => (x instanceof Uint8Array ? LENIENT_UTF8.decode(x) : String(x))) : null;
    };
  }
  const list = column.data[0] as Data<List>;
  const item = textAt({ data: list.children, type: list.children[0].type, get: () => null }, LENIENT_UTF8);
  return (i) => {
    if (!list.getValid(i)) return null;
    const out: string[] = [];
    for (let k = list.valueOffsets[i]; k < list.valueOffsets[i + 1]; k++) out.push(item(k) ?? "");
    return out;
  };
}

/** Each value of a column as bytes: a view into the column's own buffer where it holds bytes between offsets, else encoded. */
function bytesAt(column: { readonly data: readonly Data[]; readonly type: DataType; get(i: number): unknown }): (i: number) => Uint8Array | null {
  if (!holdsBytesWithOffsets(column.type)) {
    const encoder = new TextEncoder();
    return (i) => {
      const v = column.get(i);
      return v === null || v === undefined ? null : v instanceof Uint8Array ? v : encoder.encode(String(v));
    };
  }
  return valueBytes(column);
}

/**
 * The catalog pass's view of a scanned batch: each table's fields copied as bytes, undecoded, into shared
 * memory that the worker reading them shares (catalog-pass.ts). The table type is stored normalized.
 */
export function catalogBatchOf(batch: RecordBatch): CatalogText {
  const encoder = new TextEncoder();
  const columns = SOURCE_COLUMNS.map((name) => {
    const column = batch.getChild(name);
    if (name === "table_type") {
      const typ = stringColumn(batch, name);
      return (i: number): Uint8Array => encoder.encode(tableType(typ(i)));
    }
    return column ? bytesAt(column) : () => null;
  });
  const n = batch.numRows;
  const definition = SOURCE_COLUMNS.indexOf("definition");
  const nullDefinition = new Uint8Array(new SharedArrayBuffer(n));
  const values: (Uint8Array | null)[] = new Array(n * columns.length);
  let total = 0;
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < columns.length; f++) {
      const v = columns[f](i);
      values[i * columns.length + f] = v;
      total += v?.length ?? 0;
      if (v === null && f === definition) nullDefinition[i] = 1;
    }
  }
  const bytes = new Uint8Array(new SharedArrayBuffer(total));
  const ends = new Int32Array(new SharedArrayBuffer(4 * values.length));
  let at = 0;
  values.forEach((v, k) => {
    if (v) bytes.set(v, at);
    at += v?.length ?? 0;
    ends[k] = at;
  });
  return { bytes, ends, nullDefinition };
}

/** The rows of a scanned batch as the coverage report reads them; columns the batch lacks read as null. */
export function reportRowsOf(batch: RecordBatch): ReportRow[] {
  const text = (name: string): TextAt => textColumn(batch, name, LENIENT_UTF8);
  const number = (name: string): ((i: number) => number | bigint | null) => {
    const col = batch.getChild(name);
    return col ? (i) => col.get(i) as number | bigint | null : () => null;
  };
  const identifier = text("identifier");
  const tableName = text("table_name");
  const comment = text("table_comment");
  const comments = text("column_comments");
  const enums = text("column_enums");
  const tagsColumn = batch.getChild("business_tags");
  const tags = tagsColumn ? textListAt(tagsColumn) : () => null;
  const rowCount = number("row_count");
  const statistics = text("sample_statistics");
  const relationships = text("relationship_metadata");
  const version = number("metadata_version");
  const out: ReportRow[] = new Array(batch.numRows);
  for (let i = 0; i < batch.numRows; i++) {
    const v = version(i);
    out[i] = {
      identifier: identifier(i),
      table_name: tableName(i),
      table_comment: comment(i),
      column_comments: comments(i),
      column_enums: enums(i),
      business_tags: tags(i),
      row_count: rowCount(i),
      sample_statistics: statistics(i),
      relationship_metadata: relationships(i),
      metadata_version: v === null ? null : Number(v),
    };
  }
  return out;
}

/** The identifiers of a batch's v1 rows (metadata_version 1), read as the report reads them; nothing else is decoded. */
export function v1IdentifiersOf(batch: RecordBatch): string[] {
  const version = batch.getChild("metadata_version");
  if (!version) return [];
  const identifier = textColumn(batch, "identifier", LENIENT_UTF8);
  const out: string[] = [];
  for (let i = 0; i < batch.numRows; i++) {
    const v = version.get(i) as number | bigint | null;
    if (v === null || Number(v) !== 1) continue;
    const id = identifier(i);
    if (id !== null) out.push(id);
  }
  return out;
}

/** A utf8 or binary column's bytes, read in place: value i is `values[start(i) .. end(i))`, a null value empty. */
interface RawText {
  readonly values: Uint8Array;
  start(i: number): number;
  end(i: number): number;
}

function rawText(batch: RecordBatch, name: string): RawText | undefined {
  const column = batch.getChild(name);
  if (!column) return { values: new Uint8Array(0), start: () => 0, end: () => 0 };
  if (column.data.length !== 1 || !holdsBytesWithOffsets(column.type)) return undefined;
  const data = column.data[0] as Data<Utf8>;
  const offsets = data.valueOffsets;
  const start = (i: number): number => (data.getValid(i) ? Number(offsets[i]) : 0);
  return { values: data.values, start, end: (i) => (data.getValid(i) ? Number(offsets[i + 1]) : 0) };
}

const DOT = 0x2e;

/**
 * The identifiers of a batch's rows that are not their row's canonical identifier (catalog.database.schema.table,
 * empty parts left out; `canonicalIdentifier`), or whose table name is empty. The stored bytes are compared in
 * place, so a scan of every row of a large store decodes only the identifiers it returns.
 */
export function nonCanonicalIdentifiersOf(batch: RecordBatch): string[] {
  const id = rawText(batch, "identifier");
  const parts = ["catalog_name", "database_name", "schema_name", "table_name"].map((name) => rawText(batch, name));
  if (id === undefined || parts.some((p) => p === undefined)) {
    return sourceTablesOf(batch)
      .filter((t) => t.tableName === "" || canonicalIdentifier(t) !== t.identifier)
      .map((t) => t.identifier);
  }
  const raw = parts as RawText[];
  const table = raw[3];
  const out: string[] = [];
  for (let i = 0; i < batch.numRows; i++) {
    const idEnd = id.end(i);
    let at = id.start(i);
    let same = table.end(i) > table.start(i);
    let first = true;
    for (let p = 0; p < 4 && same; p++) {
      const part = raw[p];
      const end = part.end(i);
      let k = part.start(i);
      if (k === end) continue;
      if (!first) same = at < idEnd && id.values[at++] === DOT;
      first = false;
      for (; same && k < end; k++, at++) same = at < idEnd && id.values[at] === part.values[k];
    }
    if (!same || at !== idEnd) out.push(LENIENT_UTF8.decode(id.values.subarray(id.start(i), idEnd)));
  }
  return out;
}
