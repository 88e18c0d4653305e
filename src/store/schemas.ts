/**
 * The Arrow schemas of `schema_metadata`: v1 exactly as CONTRACT §3 fixes it, v0 as the old agent wrote it.
 */
import { DataType, Field, FixedSizeList, Float32, Int32, Int64, List, Schema, Utf8 } from "apache-arrow";
import { SOURCE_COLUMNS, V0_COLUMNS, V1_COLUMNS } from "../model.js";

export const SCHEMA_TABLE = "schema_metadata";
export const VALUE_TABLE = "schema_value";

function vectorType(dim: number): FixedSizeList<Float32> {
  return new FixedSizeList(dim, new Field("item", new Float32(), true));
}

const V1_TYPES = {
  identifier: () => new Utf8(),
  catalog_name: () => new Utf8(),
  database_name: () => new Utf8(),
  schema_name: () => new Utf8(),
  table_name: () => new Utf8(),
  table_type: () => new Utf8(),
  definition: () => new Utf8(),
  search_text: () => new Utf8(),
  table_comment: () => new Utf8(),
  column_comments: () => new Utf8(),
  column_enums: () => new Utf8(),
  business_tags: () => new List(new Field("item", new Utf8(), true)),
  row_count: () => new Int64(),
  sample_statistics: () => new Utf8(),
  relationship_metadata: () => new Utf8(),
  metadata_version: () => new Int32(),
  last_updated: () => new Int64(),
} as const;

/**
 * The v1 schema for vectors of `dim` floats. Every column nullable, as the agent's own writer makes them.
 * `metadata` is the table's schema metadata (the embedding-function entry).
 */
export function v1Schema(dim: number, metadata?: ReadonlyMap<string, string>): Schema {
  return new Schema(
    V1_COLUMNS.map((name) =>
      name === "vector" ? new Field(name, vectorType(dim), true) : new Field(name, V1_TYPES[name](), true),
    ),
    metadata ? new Map(metadata) : undefined,
  );
}

/** The v0 schema (seven name/DDL columns plus the vector of the DDL). */
export function v0Schema(dim: number): Schema {
  return new Schema(
    V0_COLUMNS.map((name) => (name === "vector" ? new Field(name, vectorType(dim), true) : new Field(name, new Utf8(), true))),
  );
}

/** The vector dimension of a stored schema, or undefined when it has no fixed-size `vector` column. */
export function vectorDimension(schema: Schema): number | undefined {
  const field = schema.fields.find((f) => f.name === "vector");
  // `instanceof` fails for the schemas LanceDB returns (another copy of the Arrow classes): ask the type id
  if (field && DataType.isFixedSizeList(field.type)) return (field.type as FixedSizeList).listSize;
  return undefined;
}

export { SOURCE_COLUMNS } from "../model.js";

/** How a stored column holds text: as utf8 strings, or as bytes (Binary) that must be UTF-8 to be read. */
export function textEncoding(type: DataType): "text" | "bytes" | undefined {
  if (DataType.isUtf8(type) || DataType.isLargeUtf8(type) || DataType.isNull(type)) return "text";
  if (DataType.isDictionary(type)) return textEncoding(type.dictionary) === "text" ? "text" : undefined;
  if (DataType.isBinary(type) || DataType.isLargeBinary(type)) return "bytes";
  return undefined;
}

/**
 * Why a stored schema_metadata cannot be migrated as it is (a source column missing, or not text nor
 * bytes), or undefined when it can.
 */
export function sourceColumnsProblem(schema: Schema): string | undefined {
  const found = schema.fields.map((f) => f.name);
  const missing = SOURCE_COLUMNS.filter((name) => !found.includes(name));
  if (missing.length > 0) return `columns found: ${found.join(", ") || "none"}; missing: ${missing.join(", ")}`;
  const odd = schema.fields.filter((f) => (SOURCE_COLUMNS as readonly string[]).includes(f.name) && textEncoding(f.type) === undefined);
  if (odd.length > 0) return `columns that hold neither text nor bytes: ${odd.map((f) => `${f.name} (${String(f.type)})`).join(", ")}`;
  return undefined;
}

/** Which shape a stored table has: v1 when it carries `metadata_version`, v0 otherwise. */
export function schemaShape(schema: Schema): "v0" | "v1" {
  return schema.fields.some((f) => f.name === "metadata_version") ? "v1" : "v0";
}
