/**
 * The pipeline stage that gives each table its relationships from every signal: the foreign keys its DDL
 * declares (read once, kept typed in the table's summary), names across the whole catalog, and JOINs mined
 * from a query log. This is the one step that turns them into `relationship_metadata`.
 */
import { declaredRelationships } from "../enrich/relationships.js";
import type { RelationshipEdge, SourceTable } from "../model.js";
import type { CatalogIndex, TableSummary } from "../relationships/catalog-index.js";
import { fuseRelationships } from "../relationships/fuse.js";
import type { InferredCatalog } from "../relationships/inferred-catalog.js";
import { joinEdges, type JoinEvidence, viewJoinPaths } from "../relationships/query-log.js";
import type { EnrichResult } from "./enrich-batch.js";
import type { ResultStage } from "./pipeline.js";

/** The source the worker gave the declared keys (`ddl`, or `catalog` for a live database's), `ddl` when none. */
function declaredSource(relationshipMetadata: string): string {
  try {
    const parsed = JSON.parse(relationshipMetadata) as { source?: unknown };
    return typeof parsed.source === "string" && parsed.source !== "" ? parsed.source : "ddl";
  } catch {
    return "ddl";
  }
}

/** The declared edges of a table; `REFERENCES t` without columns points at t's key as the catalog knows it. */
function declaredEdges(summary: TableSummary, relationshipMetadata: string, index: CatalogIndex): readonly RelationshipEdge[] {
  const self = index.locate(summary.databaseName, summary.schemaName, summary.tableName);
  // its own DDL's, and those another row's ALTER statements declare for it
  const foreignKeys = [...(summary.foreignKeys ?? []), ...(self >= 0 ? index.foreignKeysDeclaredFor(self) : [])];
  if (foreignKeys.length === 0) return [];
  const scope = index.scopeOf(summary.databaseName, summary.schemaName);
  const primaryKeyOf = (table: string): readonly string[] | undefined => {
    const t = index.parentNamed(table, scope);
    const key = t >= 0 ? index.primaryKeyColumns(t) : [];
    return key.length > 0 ? key : undefined;
  };
  const declared = declaredRelationships({ tableName: summary.tableName, primaryKey: summary.primaryKey, foreignKeys }, { source: declaredSource(relationshipMetadata), primaryKeyOf });
  return declared?.foreign_keys ?? [];
}

/**
 * The rows of a batch that other tables point at, by declared or name-inferred foreign keys, as the whole
 * catalog says: the `isReferenced` answer for their tags.
 */
export function referencedRows(index: CatalogIndex, inferred: InferredCatalog): (rows: readonly SourceTable[]) => string[] {
  return (rows) => rows.filter((r) => inferred.referenced(index.locate(r.databaseName, r.schemaName, r.tableName))).map((r) => r.identifier);
}

export function relationshipStage(index: CatalogIndex, inferred: InferredCatalog, evidence: JoinEvidence | undefined): ResultStage {
  return (result: EnrichResult): EnrichResult => {
    let relationships = 0;
    const rows = result.rows.map((row, i) => {
      const summary = result.summaries[i];
      const joined = evidence ? joinEdges(summary, evidence, index) : { foreignKeys: [], joinPaths: [] };
      // a view gets the joins it is observed in as join paths, never as foreign keys
      const isView = (summary.tableType ?? "table") !== "table";
      const fused = fuseRelationships(summary, {
        declared: isView ? [] : declaredEdges(summary, row.relationship_metadata, index),
        inferred: inferred.edgesFor(summary),
        joined: isView ? { foreignKeys: [], joinPaths: joined.joinPaths } : joined,
        viewPaths: isView ? viewJoinPaths(summary, summary.viewJoins ?? [], index) : [],
      });
      if (fused) relationships++;
      return { ...row, relationship_metadata: fused ? JSON.stringify(fused) : "{}" };
    });
    return { ...result, rows, relationships };
  };
}
