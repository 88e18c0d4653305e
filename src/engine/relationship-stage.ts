/**
 * The step that gives each table its relationships from every signal: the foreign keys its DDL declares
 * (read once, kept typed in the table's summary), names across the whole catalog, and JOINs mined from a
 * query log. This is the one step that turns them into `relationship_metadata`.
 *
 * It runs in the worker threads, right after enrichment: the catalog index and the inferred edges are built
 * once on the main thread and put in shared memory (`shareRelationships`), and every task carries the same
 * handles, so no thread holds a copy. The main-thread stage only redoes the rows a later stage changed
 * (the LLM fallback recovering a table's structure).
 */
import { randomUUID } from "node:crypto";
import { declaredRelationships } from "../enrich/relationships.js";
import type { RelationshipEdge, SourceTable, V1Row } from "../model.js";
import { CatalogIndex, type SharedCatalog, type TableSummary } from "../relationships/catalog-index.js";
import { fuseRelationships } from "../relationships/fuse.js";
import { InferredCatalog, type InferredPart, type SharedInferred } from "../relationships/inferred-catalog.js";
import { JoinEvidence, joinEdges, type JoinCounts, viewJoinPaths } from "../relationships/query-log.js";
import { readSharedJson, sharedJson } from "../relationships/string-list.js";
import type { EnrichResult } from "./enrich-batch.js";
import type { ResultStage } from "./pipeline.js";

/** What the relationship step reads: the whole catalog, its inferred edges, the query log's joins. */
export interface Relationships {
  readonly index: CatalogIndex;
  readonly inferred: InferredCatalog;
  readonly evidence?: JoinEvidence;
}

/** `Relationships` in shared memory, for a task to carry (`shareRelationships`). */
export interface SharedRelationships {
  /** Tells a worker whether it has opened these already. */
  readonly id: string;
  readonly index: SharedCatalog;
  readonly inferred: SharedInferred;
  /** `JoinCounts` as JSON. */
  readonly evidence?: Uint8Array<ArrayBufferLike>;
}

/**
 * Puts a built index and its inferred edges in shared memory. Returns the handles for the tasks and the
 * main thread's own view of the same memory, which replaces the built index (its arrays can then go).
 */
export function shareRelationships(built: Relationships): { readonly shared: SharedRelationships; readonly opened: Relationships } {
  const index = { id: randomUUID(), shared: built.index.share() };
  return shareWithIndex(index, CatalogIndex.open(index.shared), built.inferred, built.evidence);
}

/** An index already in shared memory (`CatalogIndex.share`), with the id its tasks carry. */
export interface SharedIndex {
  readonly id: string;
  readonly shared: SharedCatalog;
}

/**
 * The relationships over an index already shared (`index`, opened as `opened` on this thread): the inferred
 * edges go to shared memory beside it, under the same id.
 */
export function shareWithIndex(index: SharedIndex, opened: CatalogIndex, inferred: InferredCatalog, evidence?: JoinEvidence): { readonly shared: SharedRelationships; readonly opened: Relationships } {
  const shared: SharedRelationships = {
    id: index.id,
    index: index.shared,
    inferred: inferred.share(),
    ...(evidence ? { evidence: sharedJson(evidence.counts()) } : {}),
  };
  return { shared, opened: { index: opened, inferred: InferredCatalog.open(shared.inferred, opened), ...(evidence ? { evidence } : {}) } };
}

/** The last index and relationships this thread opened: a run's tasks all carry the same ones. */
let lastIndex: { readonly id: string; readonly index: CatalogIndex } | undefined;
let lastOpened: { readonly id: string; readonly relationships: Relationships } | undefined;

function openIndex(id: string, shared: SharedCatalog): CatalogIndex {
  if (lastIndex?.id !== id) lastIndex = { id, index: CatalogIndex.open(shared) };
  return lastIndex.index;
}

export function openRelationships(shared: SharedRelationships): Relationships {
  if (lastOpened?.id !== shared.id) {
    const index = openIndex(shared.id, shared.index);
    const evidence = shared.evidence ? JoinEvidence.fromCounts(readSharedJson<JoinCounts>(shared.evidence)) : undefined;
    lastOpened = { id: shared.id, relationships: { index, inferred: InferredCatalog.open(shared.inferred, index), ...(evidence ? { evidence } : {}) } };
  }
  return lastOpened.relationships;
}

/** A range of the catalog's tables whose edges a worker infers (`inferRange`). */
export interface InferTask {
  readonly index: SharedIndex;
  readonly from: number;
  readonly to: number;
}

/** Worker side: the name-inferred edges of tables [from, to), over the shared index. */
export function inferRange(task: InferTask): InferredPart {
  return InferredCatalog.inferPart(openIndex(task.index.id, task.index.shared), task.from, task.to);
}

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
export function referencedRows({ index, inferred }: Relationships): (rows: readonly SourceTable[]) => string[] {
  return (rows) => rows.filter((r) => inferred.referenced(index.locate(r.databaseName, r.schemaName, r.tableName))).map((r) => r.identifier);
}

/** The result with `relationship_metadata` fused for every row not yet `related`; all rows are related after. */
export function relateRows(result: EnrichResult, { index, inferred, evidence }: Relationships): EnrichResult {
  let relationships = 0;
  // plain loops, not chained maps: TurboFan inlined `rows.map` over the array its own inlined map had made,
  // met another array map each batch and threw the whole enrichBatch away (100+ recompiles per 100,000 tables)
  const rows: V1Row[] = [];
  const related: boolean[] = [];
  for (let i = 0; i < result.rows.length; i++) {
    rows.push(relatedRow(result.rows[i], i));
    related.push(true);
  }
  return { ...result, rows, relationships, related };

  function relatedRow(row: V1Row, i: number): V1Row {
    if (result.related?.[i] === true) {
      if (row.relationship_metadata !== "{}") relationships++;
      return row;
    }
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
  }
}

/** The main-thread stage: relates the rows the workers did not (or a later stage changed). */
export function relationshipStage(relationships: Relationships): ResultStage {
  return (result: EnrichResult): EnrichResult => {
    if (result.related !== undefined && result.related.every((r) => r)) return result;
    if (result.packed) throw new Error("a packed result reached the relationship stage unrelated: packed rows are related in the workers");
    return relateRows(result, relationships);
  };
}
