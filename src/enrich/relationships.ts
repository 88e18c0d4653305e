/**
 * `relationship_metadata` from declared foreign keys: one edge per column pair (composite keys too),
 * join paths that name both ends (`from_table.from_column -> to_table.to_column`).
 */
import type { RelationshipEdge, RelationshipMetadata, TableStructure } from "../model.js";

/** The primary key of a referenced table, when the caller knows it (e.g. from the rest of the schema). */
export type PrimaryKeyLookup = (table: string) => readonly string[] | undefined;

export interface RelationshipOptions {
  /** Where the foreign keys came from: `ddl` (default) or `catalog`. */
  readonly source?: string;
  readonly primaryKeyOf?: PrimaryKeyLookup;
}

/** `REFERENCES t` without columns means t's primary key; a guess (same column name) gets this confidence. */
export const GUESSED_TARGET_CONFIDENCE = 0.6;

/** A join path naming both ends: `from_table.from_column -> to_table.to_column`. */
export function joinPath(fromTable: string, fromColumn: string, toTable: string, toColumn: string): string {
  return `${fromTable}.${fromColumn} -> ${toTable}.${toColumn}`;
}

function lastPart(name: string): string {
  const i = name.lastIndexOf(".");
  return (i < 0 ? name : name.slice(i + 1)).toLowerCase();
}

/**
 * The relationships a table declares, or null when it declares none.
 * A foreign key without target columns points at the target's primary key: this table's own key for a
 * self-reference, else whatever `primaryKeyOf` says; failing both, the referencing column's own name
 * is used with confidence GUESSED_TARGET_CONFIDENCE.
 */
export function declaredRelationships(structure: Pick<TableStructure, "tableName" | "primaryKey" | "foreignKeys">, options: RelationshipOptions = {}): RelationshipMetadata | null {
  const source = options.source ?? "ddl";
  const edges: RelationshipEdge[] = [];
  const seen = new Set<string>();
  const add = (from: string, toTable: string, to: string, confidence: number): void => {
    const key = `${from}\u0000${toTable}\u0000${to}`;
    if (from === "" || toTable === "" || to === "" || seen.has(key)) return;
    seen.add(key);
    edges.push({ from_column: from, to_table: toTable, to_column: to, source, confidence });
  };
  for (const fk of structure.foreignKeys) {
    let targets: readonly string[] = fk.toColumns;
    let confidence = 1;
    if (targets.length === 0) {
      const selfReference = lastPart(fk.toTable) === structure.tableName.toLowerCase();
      const pk = selfReference ? structure.primaryKey : options.primaryKeyOf?.(fk.toTable);
      if (pk !== undefined && pk.length === fk.fromColumns.length) targets = pk;
      else {
        targets = fk.fromColumns;
        confidence = GUESSED_TARGET_CONFIDENCE;
      }
    }
    const n = Math.min(fk.fromColumns.length, targets.length);
    for (let i = 0; i < n; i++) add(fk.fromColumns[i], fk.toTable, targets[i], confidence);
  }
  if (edges.length === 0) return null;
  const from = structure.tableName;
  return {
    foreign_keys: edges,
    join_paths: edges.map((e) => joinPath(from, e.from_column, e.to_table, e.to_column)),
    source,
  };
}
