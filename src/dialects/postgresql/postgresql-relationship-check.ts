/**
 * One undeclared relationship measured on PostgreSQL data: the from-column's non-null values (a repeatable
 * Bernoulli sample of about `sampleRows` rows when pg_class.reltuples says the table is larger), each looked
 * up in the target column with EXISTS (an index probe when the target is a key). Identifiers quoted; the
 * sample fraction is a bound parameter.
 */
import type pg from "pg";
import type { ProfileRule } from "../column-profile.js";
import type { EdgeCheck, EdgeMeasure } from "../../relationships/verify-with-data.js";
import { finiteNumber, qualifiedName, quoteIdent } from "./postgresql-sql.js";

/** The from-table's estimate and kind, and whether each column alone carries a unique index. */
const CATALOG_SQL = `
SELECT c.reltuples AS estimate, c.relkind AS kind,
       EXISTS (SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                WHERE i.indrelid = c.oid AND i.indisunique AND i.indnatts = 1 AND i.indpred IS NULL AND a.attname = $3) AS from_unique,
       EXISTS (SELECT 1 FROM pg_index i JOIN pg_class tc ON tc.oid = i.indrelid JOIN pg_namespace tn ON tn.oid = tc.relnamespace
                 JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                WHERE tn.nspname = $4 AND tc.relname = $5 AND i.indisunique AND i.indnatts = 1 AND i.indpred IS NULL AND a.attname = $6) AS to_unique
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = $1 AND c.relname = $2`;

export async function checkRelationship(client: pg.ClientBase, check: EdgeCheck, rule: ProfileRule): Promise<EdgeMeasure> {
  const info = (
    await client.query<{ estimate: number; kind: string; from_unique: boolean; to_unique: boolean }>(CATALOG_SQL, [
      check.from.schemaName,
      check.from.tableName,
      check.fromColumn,
      check.to.schemaName,
      check.to.tableName,
      check.toColumn,
    ])
  ).rows[0];
  const estimate = finiteNumber(info?.estimate) ?? -1;
  const sample = rule.sampleRows > 0 && info?.kind !== "v" && estimate > rule.sampleRows;
  const from = qualifiedName(check.from.schemaName, check.from.tableName);
  const to = qualifiedName(check.to.schemaName, check.to.tableName);
  const f = quoteIdent(check.fromColumn);
  const t = quoteIdent(check.toColumn);
  const rows = sample ? `${from} TABLESAMPLE BERNOULLI ($1) REPEATABLE (42)` : from;
  // a value compared as its own type when the two columns' types compare, else as text
  const measure = async (cast: string): Promise<Record<string, unknown>> =>
    (
      await client.query<Record<string, unknown>>(
        `SELECT count(*) AS n_rows, count(DISTINCT v) AS n_distinct,
                count(*) FILTER (WHERE NOT found) AS orphan_rows, count(DISTINCT v) FILTER (WHERE found) AS found_distinct
           FROM (SELECT s.v, EXISTS (SELECT 1 FROM ${to} k WHERE k.${t}${cast} = s.v${cast}) AS found
                   FROM (SELECT ${f} AS v FROM ${rows} WHERE ${f} IS NOT NULL) s) x`,
        sample ? [Math.min(100, (100 * rule.sampleRows) / estimate)] : [],
      )
    ).rows[0] ?? {};
  let r: Record<string, unknown>;
  try {
    r = await measure("");
  } catch (err) {
    // 42883: no operator for the two types (integer = text); 42804: types that do not match
    const code = (err as { code?: string }).code;
    if (code !== "42883" && code !== "42804") throw err;
    r = await measure("::text");
  }
  return {
    rows: finiteNumber(r.n_rows) ?? 0,
    distinctValues: finiteNumber(r.n_distinct) ?? 0,
    foundValues: finiteNumber(r.found_distinct) ?? 0,
    orphanRows: finiteNumber(r.orphan_rows) ?? 0,
    ...(sample ? { sampling: "bernoulli" as const } : {}),
    fromUniqueIndex: info?.from_unique === true,
    toUniqueIndex: info?.to_unique === true,
  };
}
