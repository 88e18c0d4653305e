/**
 * The pipeline stage that checks each table's undeclared relationships against the live database
 * (`src/relationships/verify-with-data.ts`), after the relationship stage gave the table its edges. The live
 * catalog that was listed tells where a `to_table` points and which columns are keys.
 */
import pLimit from "p-limit";
import type { LiveTable } from "../dialects/live-source.js";
import type { TableStructure } from "../model.js";
import { type CheckCatalog, type CheckCounts, type CheckedTable, type EdgeChecker, verifyRelationships } from "../relationships/verify-with-data.js";
import type { EnrichResult } from "./enrich-batch.js";
import type { ResultStage } from "./pipeline.js";
import type { Progress } from "./progress.js";

function key(t: CheckedTable): string {
  return `${t.databaseName}\u0000${t.schemaName}\u0000${t.tableName}`;
}

/** Where `to_table` names point in the listed catalog, and which columns are single-column keys. */
export function checkCatalog(listed: readonly LiveTable[]): CheckCatalog {
  const byName = new Map<string, LiveTable[]>();
  const structures = new Map<string, TableStructure>();
  for (const t of listed) {
    const name = t.source.tableName.toLowerCase();
    byName.set(name, [...(byName.get(name) ?? []), t]);
    structures.set(key(t.source), t.structure);
  }
  return {
    resolve(toTable, from) {
      const parts = toTable.split(".");
      const candidates = (byName.get(parts[parts.length - 1].toLowerCase()) ?? []).filter((t) => {
        const qualifiers = [t.source.databaseName, t.source.schemaName].map((q) => q.toLowerCase());
        // a qualified to_table must agree with the table's schema (and database) parts
        return parts.slice(0, -1).every((p) => qualifiers.includes(p.toLowerCase()));
      });
      const same = candidates.filter((t) => t.source.schemaName === from.schemaName && t.source.databaseName === from.databaseName);
      const pick = same.length === 1 ? same[0] : candidates.length === 1 ? candidates[0] : undefined;
      return pick?.source;
    },
    unique(table, column) {
      const s = structures.get(key(table));
      if (!s) return false;
      const one = (cols: readonly string[]) => cols.length === 1 && cols[0].toLowerCase() === column.toLowerCase();
      return one(s.primaryKey) || s.uniqueKeys.some(one);
    },
  };
}

export function dataCheckStage(listed: readonly LiveTable[], checker: EdgeChecker, counts: CheckCounts, progress: Progress): ResultStage {
  const catalog = checkCatalog(listed);
  // one limit for every table of the run: the stage never holds more than max_connections checks at once
  const limit = pLimit(Math.max(1, checker.maxConnections));
  return async (result: EnrichResult): Promise<EnrichResult> => {
    const rows = await Promise.all(
      result.rows.map(async (row) => {
        const from = { databaseName: row.database_name, schemaName: row.schema_name, tableName: row.table_name };
        const metadata = await verifyRelationships(row.relationship_metadata, from, catalog, checker, counts, (m) => progress.warn(m), limit);
        return metadata === row.relationship_metadata ? row : { ...row, relationship_metadata: metadata };
      }),
    );
    return { ...result, rows };
  };
}
