/**
 * One undeclared relationship measured on DuckDB data: the from-column's non-null values (a seeded reservoir
 * sample of `sampleRows` rows when duckdb_tables().estimated_size says the table is larger), each looked up in
 * the target column with EXISTS. Identifiers quoted, names bound.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import type { ProfileRule } from "../column-profile.js";
import type { EdgeCheck, EdgeMeasure } from "../../relationships/verify-with-data.js";
import { finiteNumber, qualifiedName, queryRows, quoteIdent } from "./duckdb-sql.js";

/** The from-table's estimate, and whether each column alone is a primary key or unique constraint. */
const CATALOG_SQL = `
SELECT (SELECT estimated_size FROM duckdb_tables() WHERE database_name = $fdb AND schema_name = $fschema AND table_name = $ftable) AS estimate,
       EXISTS (SELECT 1 FROM duckdb_constraints() WHERE database_name = $fdb AND schema_name = $fschema AND table_name = $ftable
                AND constraint_type IN ('PRIMARY KEY', 'UNIQUE') AND constraint_column_names = [$fcol]) AS from_unique,
       EXISTS (SELECT 1 FROM duckdb_constraints() WHERE database_name = $tdb AND schema_name = $tschema AND table_name = $ttable
                AND constraint_type IN ('PRIMARY KEY', 'UNIQUE') AND constraint_column_names = [$tcol]) AS to_unique`;

export async function checkRelationship(conn: DuckDBConnection, check: EdgeCheck, rule: ProfileRule): Promise<EdgeMeasure> {
  const { from, to } = check;
  const [info] = await queryRows(conn, CATALOG_SQL, {
    fdb: from.databaseName,
    fschema: from.schemaName,
    ftable: from.tableName,
    fcol: check.fromColumn,
    tdb: to.databaseName,
    tschema: to.schemaName,
    ttable: to.tableName,
    tcol: check.toColumn,
  });
  const estimate = finiteNumber(info, "estimate") ?? -1;
  const sample = rule.sampleRows > 0 && estimate > rule.sampleRows;
  const f = quoteIdent(check.fromColumn);
  const t = quoteIdent(check.toColumn);
  const source = sample ? `(SELECT ${f} FROM ${qualifiedName(from.databaseName, from.schemaName, from.tableName)} USING SAMPLE reservoir(${Math.floor(rule.sampleRows)} ROWS) REPEATABLE (42))` : qualifiedName(from.databaseName, from.schemaName, from.tableName);
  const [r] = await queryRows(
    conn,
    `SELECT count(*) AS n_rows, count(DISTINCT v) AS n_distinct,
            count(*) FILTER (WHERE NOT found) AS orphan_rows, count(DISTINCT v) FILTER (WHERE found) AS found_distinct
       FROM (SELECT s.v, EXISTS (SELECT 1 FROM ${qualifiedName(to.databaseName, to.schemaName, to.tableName)} k WHERE k.${t} = s.v) AS found
               FROM (SELECT ${f} AS v FROM ${source} WHERE ${f} IS NOT NULL) s) x`,
  );
  return {
    rows: finiteNumber(r, "n_rows") ?? 0,
    distinctValues: finiteNumber(r, "n_distinct") ?? 0,
    foundValues: finiteNumber(r, "found_distinct") ?? 0,
    orphanRows: finiteNumber(r, "orphan_rows") ?? 0,
    ...(sample ? { sampling: "reservoir" as const } : {}),
    fromUniqueIndex: info?.from_unique === true,
    toUniqueIndex: info?.to_unique === true,
  };
}
