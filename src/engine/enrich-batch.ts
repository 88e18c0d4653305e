/**
 * One worker task: enrich a batch of source tables into v1 rows and embed their search_text.
 * Runs inside a Piscina worker; plain data in, plain data out, so it is tested without threads.
 */
import { sniffDialect } from "../ddl/sniff-dialect.js";
import { hashedTextEmbedding } from "../embed/hashed-embedding.js";
import { enrichTable } from "../enrich/enrich-table.js";
import { describeError } from "../errors.js";
import type { Dialect, SourceTable, TableStructure, V1Row } from "../model.js";

export interface EnrichTask {
  readonly rows: readonly SourceTable[];
  /** The namespace's dialect, or `unknown` to sniff each DDL (orphan stores opened with --db-path). */
  readonly dialect: Dialect;
  readonly dim: number;
  readonly now: number;
  readonly extractRelationships: boolean;
  /** Live catalog structure per source identifier, when the tables came from a live database. */
  readonly catalog?: Readonly<Record<string, TableStructure>>;
}

export interface TableFailure {
  readonly identifier: string;
  readonly dialect: string;
  readonly error: string;
}

export interface EnrichResult {
  readonly rows: V1Row[];
  /** Row-major vectors, `rows.length * dim` floats. */
  readonly vectors: Float32Array;
  /** The identifier each row had in the source (differs from `rows[i].identifier` when it was not canonical). */
  readonly sourceIdentifiers: string[];
  readonly parseFailures: TableFailure[];
  /** Identifiers that parsed cleanly (clears an earlier recorded failure). */
  readonly parsedOk: string[];
  readonly dialects: Record<string, number>;
  readonly parsers: Record<string, number>;
  relationships: number;
}

function bump(counter: Record<string, number>, key: string): void {
  counter[key] = (counter[key] ?? 0) + 1;
}

export function enrichBatch(task: EnrichTask): EnrichResult {
  const rows: V1Row[] = [];
  const vectors = new Float32Array(task.rows.length * task.dim);
  const result: EnrichResult = {
    rows,
    vectors,
    sourceIdentifiers: [],
    parseFailures: [],
    parsedOk: [],
    dialects: {},
    parsers: {},
    relationships: 0,
  };
  for (const source of task.rows) {
    const dialect = task.dialect === "unknown" ? sniffDialect(source.definition) : task.dialect;
    let row: V1Row;
    let error: string | undefined;
    try {
      const enriched = enrichTable(source, {
        dialect,
        extractRelationships: task.extractRelationships,
        now: task.now,
        catalog: task.catalog?.[source.identifier],
      });
      row = enriched.row;
      error = enriched.structure.parseError;
      bump(result.parsers, enriched.structure.source);
      if (enriched.row.relationship_metadata !== "{}") result.relationships++;
    } catch (err) {
      // enrichTable is meant never to throw; if it does, the table still migrates with its names and DDL
      error = `enrichment failed: ${describeError(err)}`;
      row = bareRow(source, task.now);
      bump(result.parsers, "none");
    }
    bump(result.dialects, dialect);
    if (error) result.parseFailures.push({ identifier: row.identifier, dialect, error });
    else result.parsedOk.push(row.identifier);
    hashedTextEmbedding(row.search_text, task.dim, vectors.subarray(rows.length * task.dim, (rows.length + 1) * task.dim));
    rows.push(row);
    result.sourceIdentifiers.push(source.identifier);
  }
  return result;
}

function bareRow(source: SourceTable, now: number): V1Row {
  const identifier = [source.catalogName, source.databaseName, source.schemaName, source.tableName].filter(Boolean).join(".") || source.identifier;
  return {
    identifier,
    catalog_name: source.catalogName,
    database_name: source.databaseName,
    schema_name: source.schemaName,
    table_name: source.tableName,
    table_type: source.tableType,
    definition: source.definition,
    search_text: source.tableName,
    table_comment: "",
    column_comments: "{}",
    column_enums: "{}",
    business_tags: [],
    row_count: 0,
    sample_statistics: "{}",
    relationship_metadata: "{}",
    metadata_version: 1,
    last_updated: now,
  };
}
