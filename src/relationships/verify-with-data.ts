/**
 * Relationships checked against the data. Each edge that no constraint declares (inferred from names or
 * mined from a query log) is measured on the live database: the share of its distinct non-null from-values
 * found in the target column (`containment`), the share of from-rows whose value is not there
 * (`orphan_rate`), the rows per distinct from-value (`data_check.rows_per_value`), and its `cardinality`:
 * `N:M` when the target column is no key, `1:1` when the from-column is a key itself, else `N:1`. Values that
 * happen to be distinct today (or in a sample) do not make an edge 1:1: nothing keeps them so. From-values are read over a sample of about
 * `sample_rows` rows on large tables; every statement is bounded by the namespace's statement_timeout.
 *
 * What the figures do to an edge:
 * - containment >= {@link CONFIRMED_CONTAINMENT} onto a unique target: confirmed, its confidence raised;
 * - containment below {@link MIN_CONTAINMENT}: not a foreign key. The edge leaves `foreign_keys` and
 *   `join_paths` and is listed under `rejected_foreign_keys` with its figures, so a person can see why; it is not
 *   kept as a join hint (a join on it would lose or mismatch most rows);
 * - in between, or an `N:M` target: kept, its confidence lowered in proportion.
 * An edge whose check fails (timeout, types that cannot be compared) is kept as it was, with no figures.
 * Declared foreign keys (`ddl`, `catalog`) are not checked.
 */
import pLimit from "p-limit";
import type { RelationshipEdge, SamplingMethod, SourceTable } from "../model.js";
import { describeError } from "../errors.js";
import { joinPath } from "../enrich/relationships.js";
import type { ProfileRule } from "../dialects/column-profile.js";
import { MAX_FUSED_CONFIDENCE } from "./fuse.js";

/** Containment from which an inferred edge counts as confirmed by the data. */
export const CONFIRMED_CONTAINMENT = 0.99;
/** Containment below which an inferred edge is not a foreign key. */
export const MIN_CONTAINMENT = 0.9;

/** Edge sources that are declared by the database or the DDL: never checked. */
const DECLARED_SOURCES: ReadonlySet<string> = new Set(["ddl", "catalog"]);

/** A table of the live catalog as a check names it. */
export type CheckedTable = Pick<SourceTable, "databaseName" | "schemaName" | "tableName">;

/** One edge to measure. */
export interface EdgeCheck {
  readonly from: CheckedTable;
  readonly fromColumn: string;
  readonly to: CheckedTable;
  readonly toColumn: string;
}

/** What an engine measured for an edge (counts over the from-rows read). */
export interface EdgeMeasure {
  /** Non-null from-rows read. */
  readonly rows: number;
  /** Distinct non-null from-values among them. */
  readonly distinctValues: number;
  /** Distinct from-values found in the target column. */
  readonly foundValues: number;
  /** From-rows whose value is not in the target column. */
  readonly orphanRows: number;
  /** The from-rows were a sample, drawn by this method; absent: every row was read. */
  readonly sampling?: SamplingMethod;
  /** The engine has a unique index on the from-column alone (a key the listed catalog may not show). */
  readonly fromUniqueIndex?: boolean;
  /** The engine has a unique index on the target column alone. */
  readonly toUniqueIndex?: boolean;
}

/** Measures edges on a live database (a {@link LiveSource} that can: see `checkRelationship`). */
export interface EdgeChecker {
  readonly maxConnections: number;
  readonly rule: ProfileRule;
  checkRelationship(check: EdgeCheck, rule: ProfileRule): Promise<EdgeMeasure>;
}

/** The figures written into an edge. */
export interface EdgeFigures {
  /** Share of distinct from-values found in the target (null: the column held no value to check). */
  readonly containment: number | null;
  readonly orphan_rate: number | null;
  readonly cardinality: "1:1" | "N:1" | "N:M" | null;
  /** How the figures were obtained: `exact` or `sampled` (with `sampling`), over `rows` non-null from-rows. */
  readonly data_check: {
    readonly method: "exact" | "sampled";
    readonly sampling?: SamplingMethod;
    readonly rows: number;
    readonly distinct_values: number;
    readonly rows_per_value: number | null;
  };
}

export type CheckedEdge = RelationshipEdge & Partial<EdgeFigures>;

/** A rejected edge as listed under `rejected_foreign_keys`. */
export type RejectedEdge = CheckedEdge & { readonly reason: "low_containment" };

function round(v: number, digits = 4): number {
  return Number(v.toFixed(digits));
}

/** The figures of a measured edge; `toUnique`/`fromUnique` from the catalog's keys when it knows them. */
export function figuresOf(m: EdgeMeasure, fromUnique: boolean, toUnique: boolean): EdgeFigures {
  const containment = m.distinctValues === 0 ? null : round(m.foundValues / m.distinctValues);
  const orphan = m.rows === 0 ? null : round(m.orphanRows / m.rows);
  const cardinality = m.rows === 0 ? null : !toUnique ? "N:M" : fromUnique ? "1:1" : "N:1";
  return {
    containment,
    orphan_rate: orphan,
    cardinality,
    data_check: { method: m.sampling ? "sampled" : "exact", ...(m.sampling ? { sampling: m.sampling } : {}), rows: m.rows, distinct_values: m.distinctValues, rows_per_value: m.distinctValues === 0 ? null : round(m.rows / m.distinctValues) },
  };
}

/** The edge's confidence after its figures (see the module comment); null: the edge is rejected. */
export function confidenceAfter(confidence: number, f: EdgeFigures): number | null {
  if (f.containment === null) return confidence;
  if (f.containment < MIN_CONTAINMENT) return null;
  let c = confidence;
  if (f.containment >= CONFIRMED_CONTAINMENT && f.cardinality !== "N:M") c = c + (1 - c) * 0.8;
  else c = c * f.containment;
  if (f.cardinality === "N:M") c *= 0.5;
  return Math.round(Math.min(MAX_FUSED_CONFIDENCE, c) * 100) / 100;
}

/** What the stage needs to know of the catalog: where a to_table name points and which columns are unique. */
export interface CheckCatalog {
  /** The table an edge's `to_table` names, seen from `from` (same schema first); undefined when unknown. */
  resolve(toTable: string, from: CheckedTable): CheckedTable | undefined;
  /** Whether `column` alone is a primary or unique key of `table`. */
  unique(table: CheckedTable, column: string): boolean;
}

interface Metadata {
  foreign_keys?: CheckedEdge[];
  join_paths?: string[];
  source?: string;
  rejected_foreign_keys?: RejectedEdge[];
  [key: string]: unknown;
}

/** Counts of a stage's checks, for the run's summary. */
export interface CheckCounts {
  checked: number;
  confirmed: number;
  rejected: number;
  failed: number;
}

/**
 * The relationship_metadata of `from` with its undeclared edges checked (see the module comment): figures
 * added, confidence moved, low-containment edges moved to `rejected_foreign_keys`. `warn` hears of checks that
 * failed (never a value from the data).
 */
export async function verifyRelationships(
  relationshipMetadata: string,
  from: CheckedTable,
  catalog: CheckCatalog,
  checker: EdgeChecker,
  counts: CheckCounts,
  warn: (message: string) => void,
  limit: <T>(work: () => Promise<T>) => Promise<T> = pLimit(Math.max(1, checker.maxConnections)),
): Promise<string> {
  let meta: Metadata;
  try {
    meta = JSON.parse(relationshipMetadata) as Metadata;
  } catch {
    return relationshipMetadata;
  }
  const edges = Array.isArray(meta.foreign_keys) ? meta.foreign_keys : [];
  if (!edges.some((e) => !DECLARED_SOURCES.has(e.source))) return relationshipMetadata;
  const results = await Promise.all(
    edges.map((edge) =>
      DECLARED_SOURCES.has(edge.source)
        ? Promise.resolve<CheckedEdge | RejectedEdge>(edge)
        : limit(async (): Promise<CheckedEdge | RejectedEdge> => {
            const to = catalog.resolve(edge.to_table, from);
            if (to === undefined) return edge;
            try {
              const measure = await checker.checkRelationship({ from, fromColumn: edge.from_column, to, toColumn: edge.to_column }, checker.rule);
              counts.checked++;
              const figures = figuresOf(measure, measure.fromUniqueIndex === true || catalog.unique(from, edge.from_column), measure.toUniqueIndex === true || catalog.unique(to, edge.to_column));
              const confidence = confidenceAfter(edge.confidence, figures);
              if (confidence === null) {
                counts.rejected++;
                return { ...edge, ...figures, reason: "low_containment" };
              }
              if (figures.containment !== null && figures.containment >= CONFIRMED_CONTAINMENT) counts.confirmed++;
              return { ...edge, confidence, ...figures };
            } catch (err) {
              counts.failed++;
              warn(`relationship ${from.tableName}.${edge.from_column} -> ${edge.to_table}.${edge.to_column} not checked against the data: ${describeError(err)} (kept as inferred)`);
              return edge;
            }
          }),
    ),
  );
  const rejected = results.filter((e): e is RejectedEdge => "reason" in e);
  if (rejected.length === 0) return JSON.stringify({ ...meta, foreign_keys: results });
  const kept = results.filter((e) => !("reason" in e));
  const gone = new Set(rejected.map((e) => joinPath(from.tableName, e.from_column, e.to_table, e.to_column)));
  const paths = (meta.join_paths ?? []).filter((p) => !gone.has(p));
  if (kept.length === 0 && paths.length === 0) return "{}";
  const sources = new Set(kept.map((e) => e.source));
  // a query-log join path of its own keeps query_log among the sources
  const ownPaths = paths.some((p) => !kept.some((e) => p === joinPath(from.tableName, e.from_column, e.to_table, e.to_column)));
  const source = (meta.source ?? "").split("+").filter((s) => sources.has(s) || (s === "query_log" && ownPaths)).join("+");
  return JSON.stringify({ ...meta, foreign_keys: kept, join_paths: paths, source, rejected_foreign_keys: [...(meta.rejected_foreign_keys ?? []), ...rejected] });
}
