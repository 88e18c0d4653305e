/**
 * The plain, readonly data that crosses module and thread boundaries.
 * Every stage (scan, enrich, statistics, write, report) speaks in these types only.
 */
import type { DialectName } from "./dialects/registry.js";

/**
 * SQL dialects the DDL reader knows: one per folder of `src/dialects/`, registered in `registry.ts`.
 * `unknown` means: sniff it from the text.
 */
export type Dialect = DialectName | "unknown";

export type TableType = "table" | "view" | "mv";

/**
 * What the store's v1 row for a table already says, handed to a re-migration so it never loses a field the
 * source did not say is gone (an imported row's catalog comments under an engine DDL that has none; the
 * statistics of a run without --extract-statistics).
 */
export interface StoredFields {
  /** The DDL the stored row was built from (null: none). */
  readonly definition: string | null;
  readonly tableComment: string;
  /** Column name -> comment, from the stored column_comments. */
  readonly columnComments: Readonly<Record<string, string>>;
  readonly rowCount: number;
  readonly sampleStatistics: string;
}

/** One row of a v0 store, as the scan hands it to the enrichment stage (the v0 vector stays behind). */
export interface SourceTable {
  /** The table's stored v1 row, when one exists and is read (re-migrations and imports). */
  readonly stored?: StoredFields;
  /** The row's stored vector, read only when it is kept as it is (--keep-vectors). */
  readonly storedVector?: Float32Array;
  readonly identifier: string;
  readonly catalogName: string;
  readonly databaseName: string;
  readonly schemaName: string;
  readonly tableName: string;
  readonly tableType: TableType;
  /** The DDL exactly as stored; never rewritten. */
  readonly definition: string;
  /** The stored row has no DDL at all (null): it is read as `""` and written back as null. */
  readonly definitionNull?: boolean;
}

/**
 * A scanned batch's tables as the catalog pass hands them to the workers: every text field as UTF-8 bytes in
 * shared memory (catalog-text.ts reads them). The coordinator holds no JS string per table while the workers
 * read the batch: held that long, they outlived the young generation and were collected only by full GCs.
 */
export interface CatalogText {
  /** Each table's fields in SOURCE_COLUMNS order, one after the other. */
  readonly bytes: Uint8Array<SharedArrayBuffer>;
  /** Where field f of table t ends in `bytes`: ends[t * SOURCE_COLUMNS.length + f] (it starts where the one before ends). */
  readonly ends: Int32Array<SharedArrayBuffer>;
  /** 1 where the table's definition is null (read as ""). */
  readonly nullDefinition: Uint8Array<SharedArrayBuffer>;
}

export interface ColumnInfo {
  readonly name: string;
  /** The type as written, e.g. `varchar(20)`, `DECIMAL(15,2)`. */
  readonly type: string;
  readonly nullable: boolean;
  readonly defaultValue?: string;
  /** `""` when the column has no comment. */
  readonly comment: string;
}

export interface ForeignKey {
  readonly name?: string;
  readonly fromColumns: readonly string[];
  /** The referenced table as written (may be qualified: `db.table`). */
  readonly toTable: string;
  /** Empty when the DDL names no columns (`REFERENCES t`): the target's primary key is meant. */
  readonly toColumns: readonly string[];
}

/** How a table's structure was obtained. */
export type ParseSource = "node-sql-parser" | "scanner" | "catalog" | "llm" | "none";

/** What the DDL reader (or a live catalog) says about one table. */
export interface TableStructure {
  readonly tableName: string;
  readonly schemaName: string;
  readonly databaseName: string;
  readonly tableType: TableType;
  readonly comment: string;
  readonly columns: readonly ColumnInfo[];
  readonly primaryKey: readonly string[];
  readonly uniqueKeys: readonly (readonly string[])[];
  readonly foreignKeys: readonly ForeignKey[];
  readonly source: ParseSource;
  /** Set when the DDL could not be fully read; the table still migrates with what was recovered. */
  readonly parseError?: string;
  /** The dialect the text was read as (after sniffing, when sniffing was needed). */
  readonly dialect: Dialect;
  /** `CREATE TEMPORARY TABLE` (also TEMP, GLOBAL/LOCAL TEMPORARY, VOLATILE): never a relationship target. Absent when false. */
  readonly temporary?: true;
  /** The tables it takes its columns from, as written (PostgreSQL `INHERITS (p)`, `PARTITION OF p`). Absent when none. */
  readonly parents?: readonly string[];
  /** StarRocks/Doris `DUPLICATE KEY (...)` / `AGGREGATE KEY (...)`: the sort key, which is no primary key. Absent when none. */
  readonly sortKey?: readonly string[];
  /**
   * Columns the database numbers itself: AUTO_INCREMENT, IDENTITY, GENERATED ... AS IDENTITY, a serial type,
   * `DEFAULT nextval(...)`, `unique_rowid()`, or a sequence OWNED BY it. Absent when none.
   */
  readonly identityColumns?: readonly string[];
  /**
   * Keys this text adds to other tables (a dump's `ALTER TABLE other ADD CONSTRAINT ...` kept in this table's
   * definition): for the catalog to apply to those tables. Absent when none.
   */
  readonly keysOfOthers?: readonly TableKeys[];
}

/** Keys a statement adds to a table, named as written (possibly qualified). */
export interface TableKeys {
  readonly table: string;
  readonly primaryKey: readonly string[];
  readonly uniqueKeys: readonly (readonly string[])[];
  readonly foreignKeys: readonly ForeignKey[];
}

export interface EnumValue {
  readonly value: string;
  readonly label: string;
}

/** One foreign-key edge in relationship_metadata (CONTRACT §3 keys plus `source`/`confidence`). */
export interface RelationshipEdge {
  readonly from_column: string;
  readonly to_table: string;
  readonly to_column: string;
  readonly source: string;
  readonly confidence: number;
}

export interface RelationshipMetadata {
  readonly foreign_keys: readonly RelationshipEdge[];
  readonly join_paths: readonly string[];
  readonly source: string;
}

/** One value of a low-cardinality column and how often it occurs (over the rows the column's `method` names). */
export interface TopValue {
  /** The value as text, at most 200 characters. */
  readonly value: string;
  readonly count: number;
  /** count / non-null rows read. */
  readonly fraction: number;
}

/**
 * How a figure was obtained: `exact` (every row read), `sampled` (over `sampled_rows` rows drawn by
 * `sampling`), `catalog` (the engine's own statistics, e.g. pg_stats; no row read).
 */
export type FigureMethod = "exact" | "sampled" | "catalog";

/** How a sample was drawn: a Bernoulli or reservoir sample (random, seeded), or the first rows the engine returns. */
export type SamplingMethod = "bernoulli" | "reservoir" | "first_rows";

export interface ColumnStatistics {
  readonly min?: number | string | null;
  readonly max?: number | string | null;
  readonly mean?: number | null;
  readonly std?: number | null;
  readonly null_fraction?: number | null;
  readonly distinct?: number | null;
  readonly sampled_rows?: number;
  /** How this column's figures were obtained. */
  readonly method?: FigureMethod;
  /** How the sample was drawn, when `method` is `sampled`. */
  readonly sampling?: SamplingMethod;
  /** Every value with its count, most frequent first, when the column has at most `top_values` distinct values. */
  readonly top_values?: readonly TopValue[];
  /** Why a low-cardinality column has no `top_values`: `personal_data` (by its name or its values' shape). */
  readonly top_values_withheld?: "personal_data";
}

/** How a table's row_count was obtained: `SELECT count(*)`, or the catalog's estimate (a table too large to count). */
export type RowCountMethod = "exact" | "catalog_estimate";

/** Table-level provenance, stored under {@link PROVENANCE_KEY} of sample_statistics. */
export interface StatisticsProvenance {
  readonly row_count: RowCountMethod;
  /** The catalog's row estimate read first (pg_class.reltuples, TABLE_ROWS, estimated_size), when the engine has one. */
  readonly row_count_estimate?: number;
  /** How the column figures were obtained. */
  readonly columns: FigureMethod;
  readonly sampling?: SamplingMethod;
  /** The sampling rule in force (`sample_rows` of the namespace). */
  readonly sample_rows: number;
}

/** The key of sample_statistics holding {@link StatisticsProvenance}; every other key is a column. */
export const PROVENANCE_KEY = "_provenance";

/** Live-database facts about a table (statistics stage). */
export interface TableStatistics {
  readonly rowCount: number;
  readonly columns: Readonly<Record<string, ColumnStatistics>>;
  /** How the figures were obtained; absent from sources that do not say. */
  readonly provenance?: StatisticsProvenance;
}

/**
 * A v1 row without its vector, in the exact column order of CONTRACT §3.
 * JSON columns are already serialised strings.
 */
export interface V1Row {
  readonly identifier: string;
  readonly catalog_name: string;
  readonly database_name: string;
  readonly schema_name: string;
  readonly table_name: string;
  readonly table_type: TableType;
  /** The source row's DDL as it was (null when it had none). */
  readonly definition: string | null;
  readonly search_text: string;
  readonly table_comment: string;
  readonly column_comments: string;
  readonly column_enums: string;
  readonly business_tags: readonly string[];
  readonly row_count: number;
  readonly sample_statistics: string;
  readonly relationship_metadata: string;
  readonly metadata_version: number;
  readonly last_updated: number;
}

/** The v1 column names, in order: the one place the order is written down. */
export const V1_COLUMNS = [
  "identifier",
  "catalog_name",
  "database_name",
  "schema_name",
  "table_name",
  "table_type",
  "definition",
  "search_text",
  "vector",
  "table_comment",
  "column_comments",
  "column_enums",
  "business_tags",
  "row_count",
  "sample_statistics",
  "relationship_metadata",
  "metadata_version",
  "last_updated",
] as const;

/** The columns every schema_metadata table holds, v0 or v1, in order: a table's name parts and its DDL. */
export const SOURCE_COLUMNS = ["identifier", "catalog_name", "database_name", "schema_name", "table_name", "table_type", "definition"] as const;

/** The v0 column names, in order. */
export const V0_COLUMNS = [...SOURCE_COLUMNS, "vector"] as const;

/** Canonical identifier (CONTRACT §3): the non-empty name parts joined by `.`. */
export function canonicalIdentifier(parts: {
  readonly catalogName: string;
  readonly databaseName: string;
  readonly schemaName: string;
  readonly tableName: string;
}): string {
  return [parts.catalogName, parts.databaseName, parts.schemaName, parts.tableName]
    .filter((p) => p !== "")
    .join(".");
}
