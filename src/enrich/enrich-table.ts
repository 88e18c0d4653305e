/**
 * One v0 row -> one v1 row (without its vector): parse the DDL (or take a live catalog's structure,
 * with the DDL filling its gaps), then comments, enums, tags, relationships and search_text.
 * Never throws: a DDL that cannot be read still gives a row, and the structure says why.
 */
import { parseDdl, unreadStructure } from "../ddl/parse-ddl.js";
import { describeError } from "../errors.js";
import {
  canonicalIdentifier,
  type ColumnInfo,
  type ColumnStatistics,
  type Dialect,
  type EnumValue,
  type SourceTable,
  type TableStructure,
  type V1Row,
} from "../model.js";
import { extractEnums } from "./enums.js";
import { mergeObservedEnums } from "./observed-enums.js";
import { declaredRelationships } from "./relationships.js";
import { buildSearchText, type TextBudget } from "./search-text.js";
import { inferBusinessTags } from "./tags.js";
import type { TagDictionary } from "./tag-dictionary.js";

export interface EnrichOptions {
  readonly dialect: Dialect;
  readonly extractRelationships: boolean;
  /** Unix seconds for `last_updated`. */
  readonly now: number;
  /** The table as a live database's catalog describes it: it wins for comments, columns and keys; the DDL fills gaps. */
  readonly catalog?: TableStructure;
  readonly tagDictionary?: TagDictionary;
  /** What search_text must fit in: the embedding model's word pieces, or characters (default). */
  readonly textBudget?: TextBudget;
  /** Do not read the DDL (it crashed or overran a worker): the row comes from the names, and this is the parse error. */
  readonly unread?: string;
  /** Other tables of the catalog point at this one (the catalog's answer, relationship-stage.ts): tags it a dimension. */
  readonly isReferenced?: boolean;
}

export interface EnrichedTable {
  readonly row: V1Row;
  readonly structure: TableStructure;
}

function byName(columns: readonly ColumnInfo[]): Map<string, ColumnInfo> {
  return new Map(columns.map((c) => [c.name.toLowerCase(), c]));
}

/** The catalog's view of a table, with the DDL's comments, types and keys where the catalog has none. */
export function mergeCatalog(catalog: TableStructure, ddl: TableStructure): TableStructure {
  const fromDdl = byName(ddl.columns);
  const columns: ColumnInfo[] =
    catalog.columns.length === 0
      ? [...ddl.columns]
      : catalog.columns.map((c) => {
          const d = fromDdl.get(c.name.toLowerCase());
          const defaultValue = c.defaultValue ?? d?.defaultValue;
          return {
            name: c.name,
            type: c.type !== "" ? c.type : (d?.type ?? ""),
            nullable: c.nullable,
            ...(defaultValue !== undefined ? { defaultValue } : {}),
            comment: c.comment !== "" ? c.comment : (d?.comment ?? ""),
          };
        });
  const tableName = catalog.tableName !== "" ? catalog.tableName : ddl.tableName;
  const readable = tableName !== "" && (columns.length > 0 || catalog.tableType !== "table");
  return {
    tableName,
    schemaName: catalog.schemaName !== "" ? catalog.schemaName : ddl.schemaName,
    databaseName: catalog.databaseName !== "" ? catalog.databaseName : ddl.databaseName,
    tableType: catalog.tableType !== "table" ? catalog.tableType : ddl.tableType,
    comment: catalog.comment !== "" ? catalog.comment : ddl.comment,
    columns,
    primaryKey: catalog.primaryKey.length > 0 ? catalog.primaryKey : ddl.primaryKey,
    uniqueKeys: catalog.uniqueKeys.length > 0 ? catalog.uniqueKeys : ddl.uniqueKeys,
    foreignKeys: catalog.foreignKeys.length > 0 ? catalog.foreignKeys : ddl.foreignKeys,
    source: catalog.columns.length > 0 ? "catalog" : ddl.source,
    ...(!readable && ddl.parseError !== undefined ? { parseError: ddl.parseError } : {}),
    dialect: ddl.dialect,
    ...(ddl.temporary ? { temporary: ddl.temporary } : {}),
    ...(ddl.parents !== undefined ? { parents: ddl.parents } : {}),
    ...(ddl.sortKey !== undefined ? { sortKey: ddl.sortKey } : {}),
    ...((catalog.identityColumns ?? ddl.identityColumns) !== undefined ? { identityColumns: catalog.identityColumns ?? ddl.identityColumns } : {}),
  };
}

/**
 * Comments the stored row has and a new reading of the same DDL lacks come back: that DDL never said they
 * were gone (they came from a live catalog, or from a reading that knew more). A changed DDL is the
 * source now, and a live catalog speaks for itself (a comment it no longer has is gone).
 */
function withStoredComments(structure: TableStructure, source: SourceTable): TableStructure {
  const stored = source.stored;
  if (stored === undefined || (stored.definition ?? "") !== source.definition) return structure;
  const byName = new Map(Object.entries(stored.columnComments).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    ...structure,
    comment: structure.comment !== "" ? structure.comment : stored.tableComment,
    columns: structure.columns.map((c) => (c.comment !== "" ? c : { ...c, comment: byName.get(c.name.toLowerCase()) ?? "" })),
  };
}

function withStoredObservations(columnEnums: string, sampleStatistics: string): string {
  try {
    const stats = JSON.parse(sampleStatistics) as unknown;
    if (stats === null || typeof stats !== "object" || Array.isArray(stats)) return columnEnums;
    return mergeObservedEnums(columnEnums, stats as Record<string, ColumnStatistics>);
  } catch {
    return columnEnums;
  }
}

/** Values of a MySQL-style `ENUM('a','b')` / `SET(…)` type: the column's own enumeration. */
function typeEnum(type: string): EnumValue[] {
  const m = /^\s*(enum|set)\s*\(([\s\S]*)\)\s*$/i.exec(type);
  if (m === null) return [];
  // a Set, not a scan of the list so far: a 100,000-value ENUM took minutes
  const values = new Set<string>();
  for (const v of m[2].matchAll(/'((?:[^'\\]|''|\\.)*)'/g)) values.add(v[1].replace(/''/g, "'").replace(/\\(.)/g, "$1"));
  return [...values].map((value) => ({ value, label: value }));
}

function columnEnums(columns: readonly ColumnInfo[]): Record<string, EnumValue[]> {
  const out: Record<string, EnumValue[]> = {};
  for (const c of columns) {
    let values = c.comment !== "" ? extractEnums(c.comment) : [];
    if (values.length === 0) values = typeEnum(c.type);
    if (values.length > 0) out[c.name] = values;
  }
  return out;
}

function columnComments(columns: readonly ColumnInfo[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of columns) if (c.comment !== "") out[c.name] = c.comment;
  return out;
}

function json(value: object): string {
  return Object.keys(value).length === 0 ? "{}" : JSON.stringify(value);
}

/**
 * Enriches one source table into a v1 row. Never throws: should an enrichment step fail, the row is
 * built again from the names alone and the structure's parseError says what happened.
 */
export function enrichTable(source: SourceTable, options: EnrichOptions): EnrichedTable {
  const parsed = options.unread !== undefined ? unreadStructure(options.dialect, options.unread) : parseDdl(source.definition, options.dialect);
  try {
    return buildRow(source, options.catalog !== undefined ? mergeCatalog(options.catalog, parsed) : withStoredComments(parsed, source), options);
  } catch (err) {
    const bare: TableStructure = {
      ...parsed,
      comment: "",
      columns: [],
      primaryKey: [],
      uniqueKeys: [],
      foreignKeys: [],
      source: "none",
      parseError: `enrichment failed: ${describeError(err)}`,
    };
    return buildRow(source, bare, { ...options, extractRelationships: false });
  }
}

/**
 * StarRocks writes `COMMENT "OLAP"` (its engine's name) into SHOW CREATE TABLE for every table created
 * without a comment: a placeholder, not a description. The DDL reader reports it as written; the v1 row,
 * its tags and its search text do not take it.
 */
const PLACEHOLDER_COMMENTS: ReadonlySet<string> = new Set(["OLAP"]);

function buildRow(source: SourceTable, parsedOrMerged: TableStructure, options: EnrichOptions): EnrichedTable {
  let structure = PLACEHOLDER_COMMENTS.has(parsedOrMerged.comment.trim()) ? { ...parsedOrMerged, comment: "" } : parsedOrMerged;
  // names come from the source row; an orphan row without a name takes the DDL's
  const named = source.tableName !== "";
  const parts = {
    catalogName: source.catalogName,
    databaseName: named || source.databaseName !== "" ? source.databaseName : structure.databaseName,
    schemaName: named || source.schemaName !== "" ? source.schemaName : structure.schemaName,
    tableName: named ? source.tableName : structure.tableName,
  };
  if (structure.tableName === "" && parts.tableName !== "") structure = { ...structure, tableName: parts.tableName };
  const identifier = canonicalIdentifier(parts);
  const tableType = source.tableType === "table" && structure.tableType !== "table" ? structure.tableType : source.tableType;

  const enums = columnEnums(structure.columns);
  const tags = inferBusinessTags(structure, options.tagDictionary, { isReferenced: options.isReferenced === true });
  const catalogKeys = options.catalog !== undefined && options.catalog.foreignKeys.length > 0;
  const relationships = options.extractRelationships
    ? declaredRelationships(structure, { source: catalogKeys ? "catalog" : "ddl" })
    : null;

  const row: V1Row = {
    identifier: identifier !== "" ? identifier : source.identifier,
    catalog_name: parts.catalogName,
    database_name: parts.databaseName,
    schema_name: parts.schemaName,
    table_name: parts.tableName,
    table_type: tableType,
    definition: source.definitionNull ? null : source.definition,
    search_text: buildSearchText({
      tableName: parts.tableName,
      tableComment: structure.comment,
      tags,
      columns: structure.columns,
      enums,
    }, options.textBudget),
    table_comment: structure.comment,
    column_comments: json(columnComments(structure.columns)),
    // the codes the stored statistics saw stay marked (observed, undocumented) until new statistics replace them
    column_enums: source.stored !== undefined ? withStoredObservations(json(enums), source.stored.sampleStatistics) : json(enums),
    business_tags: tags,
    // figures of an earlier run stay until a statistics stage measures new ones
    row_count: source.stored?.rowCount ?? 0,
    sample_statistics: source.stored?.sampleStatistics ?? "{}",
    relationship_metadata: relationships !== null ? JSON.stringify(relationships) : "{}",
    metadata_version: 1,
    last_updated: options.now,
  };
  return { row, structure };
}
