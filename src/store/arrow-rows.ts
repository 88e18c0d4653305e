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
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  vectorFromArray,
} from "apache-arrow";
import type { SourceTable, TableType, V1Row } from "../model.js";
import { V1_COLUMNS } from "../model.js";
import { v0Schema, v1Schema } from "./schemas.js";

function fixedSizeVectorData(field: Field, vectors: Float32Array, rows: number): Data {
  const type = field.type as FixedSizeList<Float32>;
  const child = makeData({ type: new Float32(), length: vectors.length, nullCount: 0, data: vectors });
  return makeData({ type, length: rows, nullCount: 0, child });
}

function columnData(field: Field, values: unknown[]): Data {
  return vectorFromArray(values, field.type as DataType).data[0];
}

function tableFrom(schema: Schema, children: Data[], rows: number): Table {
  const struct = makeData({ type: new Struct(schema.fields), length: rows, nullCount: 0, children });
  return new Table([new RecordBatch(schema, struct)]);
}

/** v1 rows plus their vectors (row-major, `rows.length * dim` floats) as one Arrow table in contract order. */
export function v1RowsToArrow(rows: readonly V1Row[], vectors: Float32Array, dim: number): Table {
  if (vectors.length !== rows.length * dim) {
    throw new Error(`vector buffer holds ${vectors.length} floats, expected ${rows.length} x ${dim}`);
  }
  const schema = v1Schema(dim);
  const children = schema.fields.map((field) => {
    const name = field.name as (typeof V1_COLUMNS)[number];
    if (name === "vector") return fixedSizeVectorData(field, vectors, rows.length);
    if (name === "row_count" || name === "last_updated") {
      return columnData(field, rows.map((r) => BigInt(Math.trunc(r[name]))));
    }
    if (name === "business_tags") return columnData(field, rows.map((r) => [...r.business_tags]));
    return columnData(field, rows.map((r) => r[name]));
  });
  return tableFrom(schema, children, rows.length);
}

/** v0 rows (name parts, DDL and the DDL's vector) as an Arrow table: used to build v0 stores (demo, tests, bench). */
export function v0RowsToArrow(rows: readonly SourceTable[], vectors: Float32Array, dim: number): Table {
  const schema = v0Schema(dim);
  const pick: Record<string, (r: SourceTable) => string> = {
    identifier: (r) => r.identifier,
    catalog_name: (r) => r.catalogName,
    database_name: (r) => r.databaseName,
    schema_name: (r) => r.schemaName,
    table_name: (r) => r.tableName,
    table_type: (r) => r.tableType,
    definition: (r) => r.definition,
  };
  const children = schema.fields.map((field) =>
    field.name === "vector" ? fixedSizeVectorData(field, vectors, rows.length) : columnData(field, rows.map(pick[field.name])),
  );
  return tableFrom(schema, children, rows.length);
}

function stringColumn(batch: RecordBatch, name: string): (i: number) => string {
  const col = batch.getChild(name);
  if (!col) return () => "";
  return (i) => {
    const v = col.get(i) as string | null;
    return v ?? "";
  };
}

function tableType(value: string): TableType {
  const v = value.toLowerCase();
  if (v === "view") return "view";
  if (v === "mv" || v === "materialized_view" || v === "materialized view") return "mv";
  return "table";
}

/** The source rows of a scanned batch (v0 or v1 shape: only the seven name/DDL columns are read). */
export function sourceTablesOf(batch: RecordBatch): SourceTable[] {
  const id = stringColumn(batch, "identifier");
  const cat = stringColumn(batch, "catalog_name");
  const db = stringColumn(batch, "database_name");
  const sch = stringColumn(batch, "schema_name");
  const tbl = stringColumn(batch, "table_name");
  const typ = stringColumn(batch, "table_type");
  const def = stringColumn(batch, "definition");
  const out: SourceTable[] = new Array(batch.numRows);
  for (let i = 0; i < batch.numRows; i++) {
    out[i] = {
      identifier: id(i),
      catalogName: cat(i),
      databaseName: db(i),
      schemaName: sch(i),
      tableName: tbl(i),
      tableType: tableType(typ(i)),
      definition: def(i),
    };
  }
  return out;
}

/** A scanned column can be reused as is when it is one chunk of exactly the target type (child names included). */
function reusable(source: { data: readonly Data[]; type: DataType }, field: Field): boolean {
  const sameChildren = (a: DataType, b: DataType): boolean =>
    (a.children ?? []).length === (b.children ?? []).length && (a.children ?? []).every((c, i) => c.name === b.children[i].name);
  return source.data.length === 1 && String(source.type) === String(field.type) && sameChildren(source.type, field.type as DataType);
}

/**
 * A v0 batch re-shaped to the v1 schema with `metadata_version = 0`: the v1 fields stay null and the
 * v0 vector is kept, so the converted table still answers searches until each row is migrated.
 * `keep` selects rows (all when absent).
 */
export function v0BatchAsPendingV1(batch: RecordBatch, dim: number, keep?: readonly number[]): Table {
  const schema = v1Schema(dim);
  const index = keep ?? Array.from({ length: batch.numRows }, (_, i) => i);
  const rows = index.length;
  const whole = keep === undefined;
  const children = schema.fields.map((field) => {
    const source = batch.getChild(field.name);
    if (field.name === "metadata_version") return columnData(field, new Array(rows).fill(0));
    if (field.name === "vector") {
      if (whole && source && reusable(source, field)) return source.data[0];
      const flat = new Float32Array(rows * dim);
      if (source) {
        index.forEach((row, i) => {
          const v = source.get(row) as { toArray(): Float32Array } | null;
          if (v) flat.set(v.toArray().subarray(0, dim), i * dim);
        });
      }
      return fixedSizeVectorData(field, flat, rows);
    }
    if (!source) return columnData(field, new Array(rows).fill(null));
    if (whole && reusable(source, field)) return source.data[0];
    return columnData(field, index.map((row) => source.get(row) as unknown));
  });
  return tableFrom(schema, children, rows);
}
