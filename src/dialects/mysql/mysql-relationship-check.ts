/**
 * One undeclared relationship measured on MySQL/MariaDB data: the from-column's non-null values (the first
 * `sampleRows` of them when information_schema's TABLE_ROWS says the table is larger: MySQL has no
 * TABLESAMPLE), each looked up in the target column with EXISTS. Identifiers quoted, names and the sample size
 * bound as parameters.
 */
import type mysql from "mysql2/promise";
import type { ProfileRule } from "../column-profile.js";
import type { EdgeCheck, EdgeMeasure } from "../../relationships/verify-with-data.js";
import { finiteNumber, quoteIdent, type Row } from "./mysql-sql.js";

/** The from-table's estimate and type, and whether each column alone carries a unique index. */
const CATALOG_SQL = `
SELECT t.TABLE_ROWS AS estimate, t.TABLE_TYPE AS table_type,
       EXISTS (SELECT 1 FROM information_schema.STATISTICS s
                WHERE s.TABLE_SCHEMA = ? AND s.TABLE_NAME = ? AND s.COLUMN_NAME = ? AND s.NON_UNIQUE = 0 AND s.SEQ_IN_INDEX = 1
                  AND NOT EXISTS (SELECT 1 FROM information_schema.STATISTICS o WHERE o.TABLE_SCHEMA = s.TABLE_SCHEMA AND o.TABLE_NAME = s.TABLE_NAME AND o.INDEX_NAME = s.INDEX_NAME AND o.SEQ_IN_INDEX > 1)) AS from_unique,
       EXISTS (SELECT 1 FROM information_schema.STATISTICS s
                WHERE s.TABLE_SCHEMA = ? AND s.TABLE_NAME = ? AND s.COLUMN_NAME = ? AND s.NON_UNIQUE = 0 AND s.SEQ_IN_INDEX = 1
                  AND NOT EXISTS (SELECT 1 FROM information_schema.STATISTICS o WHERE o.TABLE_SCHEMA = s.TABLE_SCHEMA AND o.TABLE_NAME = s.TABLE_NAME AND o.INDEX_NAME = s.INDEX_NAME AND o.SEQ_IN_INDEX > 1)) AS to_unique
  FROM information_schema.TABLES t
 WHERE t.TABLE_SCHEMA = ? AND t.TABLE_NAME = ?`;

export async function checkRelationship(conn: mysql.PoolConnection, check: EdgeCheck, rule: ProfileRule): Promise<EdgeMeasure> {
  const { from, to } = check;
  const [catalog] = await conn.query(CATALOG_SQL, [from.databaseName, from.tableName, check.fromColumn, to.databaseName, to.tableName, check.toColumn, from.databaseName, from.tableName]);
  const info = (catalog as Row[])[0] ?? {};
  const estimate = finiteNumber(info.estimate) ?? -1;
  const sample = rule.sampleRows > 0 && /BASE TABLE/i.test(String(info.table_type ?? "")) && estimate > rule.sampleRows;
  const f = quoteIdent(check.fromColumn);
  const t = quoteIdent(check.toColumn);
  const fromName = `${quoteIdent(from.databaseName)}.${quoteIdent(from.tableName)}`;
  const toName = `${quoteIdent(to.databaseName)}.${quoteIdent(to.tableName)}`;
  const values = `SELECT ${f} AS v FROM ${fromName} WHERE ${f} IS NOT NULL${sample ? " LIMIT ?" : ""}`;
  const [result] = await conn.query(
    `SELECT count(*) AS n_rows, count(DISTINCT v) AS n_distinct,
            COALESCE(sum(CASE WHEN found THEN 0 ELSE 1 END), 0) AS orphan_rows, count(DISTINCT CASE WHEN found THEN v END) AS found_distinct
       FROM (SELECT s.v, EXISTS (SELECT 1 FROM ${toName} k WHERE k.${t} = s.v) AS found FROM (${values}) s) x`,
    sample ? [rule.sampleRows] : [],
  );
  const r = (result as Row[])[0] ?? {};
  return {
    rows: finiteNumber(r.n_rows) ?? 0,
    distinctValues: finiteNumber(r.n_distinct) ?? 0,
    foundValues: finiteNumber(r.found_distinct) ?? 0,
    orphanRows: finiteNumber(r.orphan_rows) ?? 0,
    ...(sample ? { sampling: "first_rows" as const } : {}),
    fromUniqueIndex: Number(info.from_unique) === 1,
    toUniqueIndex: Number(info.to_unique) === 1,
  };
}
