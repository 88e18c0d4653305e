/**
 * The pipeline stage that gives each table its relationships from every signal: the foreign keys its DDL
 * declares (already in the row), names across the whole catalog, and JOINs mined from a query log.
 */
import type { RelationshipEdge } from "../model.js";
import type { CatalogIndex } from "../relationships/catalog-index.js";
import { fuseRelationships } from "../relationships/fuse.js";
import { inferFromNames } from "../relationships/infer-from-names.js";
import { joinEdges, type JoinEvidence } from "../relationships/query-log.js";
import type { EnrichResult } from "./enrich-batch.js";
import type { ResultStage } from "./pipeline.js";

function declaredEdges(relationshipMetadata: string): RelationshipEdge[] {
  try {
    const parsed = JSON.parse(relationshipMetadata) as { foreign_keys?: RelationshipEdge[] };
    return Array.isArray(parsed.foreign_keys) ? parsed.foreign_keys : [];
  } catch {
    return [];
  }
}

export function relationshipStage(index: CatalogIndex, evidence: JoinEvidence | undefined): ResultStage {
  return (result: EnrichResult): EnrichResult => {
    let relationships = 0;
    const rows = result.rows.map((row, i) => {
      const summary = result.summaries[i];
      const fused = fuseRelationships(summary, {
        declared: declaredEdges(row.relationship_metadata),
        inferred: inferFromNames(summary, index),
        joined: evidence ? joinEdges(summary, evidence, index) : { foreignKeys: [], joinPaths: [] },
      });
      if (fused) relationships++;
      return { ...row, relationship_metadata: fused ? JSON.stringify(fused) : "{}" };
    });
    return { ...result, rows, relationships };
  };
}
