/**
 * One table's final `relationship_metadata` from its three signals: declared foreign keys (DDL or catalog),
 * name inference and query-log joins.
 *
 * - One edge per (from_column, to_table, to_column), compared case-insensitively and by the target's last
 *   name part (a declared `Customer` and an inferred `sales.customer` are the same target).
 * - A declared edge wins: it keeps its source and confidence (raised, never lowered, by agreeing signals).
 * - Agreeing undeclared signals raise the confidence: 1 - Π(1 - c), at most MAX_FUSED_CONFIDENCE; the edge's
 *   source is its strongest signal (highest confidence; declared over query_log over name_inference on ties).
 * - A column with a declared foreign key keeps no name-inferred edge to another target (the DDL knows
 *   better); query-log edges stay, as observed use.
 * - join_paths name both ends (`table.col -> other.col`): each kept edge's, then the query log's, then (a
 *   view) those of its own query, once each.
 * - The top-level `source` is the sources of the kept edges (each edge's own, i.e. strongest, source), plus
 *   `query_log` / `view_query` when they added join paths of their own; joined by `+` (`ddl+query_log`), or the one. A signal
 *   that only agreed with a stronger one is not listed (it raised that edge's confidence).
 * Null when no signal gives anything.
 */
import type { RelationshipEdge, RelationshipMetadata } from "../model.js";
import { joinPath } from "../enrich/relationships.js";
import type { TableSummary } from "./catalog-index.js";
import { NAME_INFERENCE } from "./infer-from-names.js";
import { QUERY_LOG } from "./query-log.js";

export const MAX_FUSED_CONFIDENCE = 0.99;

export interface RelationshipParts {
  readonly declared: readonly RelationshipEdge[];
  readonly inferred: readonly RelationshipEdge[];
  readonly joined: { readonly foreignKeys: readonly RelationshipEdge[]; readonly joinPaths: readonly string[] };
  /** A view's join paths from its own query (source VIEW_QUERY). */
  readonly viewPaths?: readonly string[];
}

/** The source of join paths a view's own query gives. */
export const VIEW_QUERY = "view_query";

/** Rank of a signal when confidences tie, and the order sources are listed in. Declared sources rank first. */
function rank(source: string): number {
  if (source === NAME_INFERENCE) return 2;
  if (source === QUERY_LOG) return 1;
  return 0;
}

function lastPart(name: string): string {
  const i = name.lastIndexOf(".");
  return (i < 0 ? name : name.slice(i + 1)).toLowerCase();
}

function edgeKey(e: RelationshipEdge): string {
  return `${e.from_column.toLowerCase()}\u0000${lastPart(e.to_table)}\u0000${e.to_column.toLowerCase()}`;
}

interface Fused {
  /** The edge as its strongest signal gave it. */
  best: RelationshipEdge;
  declared: boolean;
  confidences: number[];
}

function stronger(a: RelationshipEdge, b: RelationshipEdge): boolean {
  return a.confidence > b.confidence || (a.confidence === b.confidence && rank(a.source) < rank(b.source));
}

export function fuseRelationships(table: TableSummary, parts: RelationshipParts): RelationshipMetadata | null {
  const fused = new Map<string, Fused>();
  const declaredColumns = new Set(parts.declared.map((e) => e.from_column.toLowerCase()));
  const take = (e: RelationshipEdge, declared: boolean): void => {
    if (e.from_column === "" || e.to_table === "" || e.to_column === "") return;
    const key = edgeKey(e);
    const f = fused.get(key);
    if (f === undefined) {
      fused.set(key, { best: e, declared, confidences: [e.confidence] });
      return;
    }
    f.confidences.push(e.confidence);
    if (!f.declared && (declared || stronger(e, f.best))) f.best = e;
    f.declared ||= declared;
  };
  for (const e of parts.declared) take(e, true);
  for (const e of parts.joined.foreignKeys) take(e, false);
  for (const e of parts.inferred) {
    // the DDL says where this column points; a different guess is noise
    if (declaredColumns.has(e.from_column.toLowerCase()) && !fused.has(edgeKey(e))) continue;
    take(e, false);
  }

  const edges: RelationshipEdge[] = [];
  const sources = new Set<string>();
  for (const f of fused.values()) {
    let miss = 1;
    for (const c of f.confidences) miss *= 1 - Math.min(1, Math.max(0, c));
    const agreed = f.confidences.length > 1 ? Math.min(MAX_FUSED_CONFIDENCE, 1 - miss) : f.best.confidence;
    const confidence = Math.round(Math.max(f.best.confidence, agreed) * 100) / 100;
    edges.push({ ...f.best, confidence });
    sources.add(f.best.source);
  }
  // declared first (in their order), then by confidence
  const order = new Map(edges.map((e, i) => [e, i]));
  edges.sort((a, b) => {
    const da = fused.get(edgeKey(a))!.declared ? 0 : 1;
    const db = fused.get(edgeKey(b))!.declared ? 0 : 1;
    return da - db || (da === 0 ? order.get(a)! - order.get(b)! : b.confidence - a.confidence || order.get(a)! - order.get(b)!);
  });

  const paths: string[] = [];
  const seenPaths = new Set<string>();
  const addPath = (p: string): boolean => {
    if (seenPaths.has(p)) return false;
    seenPaths.add(p);
    paths.push(p);
    return true;
  };
  for (const e of edges) addPath(joinPath(table.tableName, e.from_column, e.to_table, e.to_column));
  for (const p of parts.joined.joinPaths) if (addPath(p)) sources.add(QUERY_LOG);
  for (const p of parts.viewPaths ?? []) if (addPath(p)) sources.add(VIEW_QUERY);

  if (edges.length === 0 && paths.length === 0) return null;
  const source = [...sources].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0)).join("+");
  return { foreign_keys: edges, join_paths: paths, source };
}
