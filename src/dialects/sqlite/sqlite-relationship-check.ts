/**
 * One undeclared relationship measured on SQLite data: the from-column's non-null values (the first
 * `sampleRows` rows when the table has more: SQLite has no sampling clause and no row estimate, so only as many
 * rows as the rule allows plus one are counted to know), each looked up in the target column with EXISTS.
 * Identifiers quoted, names bound.
 */
import type { ProfileRule } from "../column-profile.js";
import type { EdgeCheck, EdgeMeasure } from "../../relationships/verify-with-data.js";
import { finiteNumber, quoteIdent, type SqliteConnection } from "./sqlite-sql.js";

/** Whether `column` alone is the table's primary key or has a unique index of its own. */
const UNIQUE_ALONE_SQL = `
SELECT ((SELECT count(*) FROM pragma_table_info(?1) WHERE pk > 0) = 1
        AND EXISTS (SELECT 1 FROM pragma_table_info(?1) WHERE pk > 0 AND name = ?2 COLLATE NOCASE))
    OR EXISTS (SELECT 1 FROM pragma_index_list(?1) il
                WHERE il."unique" = 1
                  AND (SELECT count(*) FROM pragma_index_info(il.name)) = 1
                  AND (SELECT name FROM pragma_index_info(il.name)) = ?2 COLLATE NOCASE) AS unique_alone`;

async function uniqueAlone(conn: SqliteConnection, table: string, column: string): Promise<boolean> {
  const [row] = await conn.all(UNIQUE_ALONE_SQL, [table, column]);
  return Number(row?.unique_alone) === 1;
}

export async function checkRelationship(conn: SqliteConnection, check: EdgeCheck, rule: ProfileRule): Promise<EdgeMeasure> {
  const fromTable = `main.${quoteIdent(check.from.tableName)}`;
  const toTable = `main.${quoteIdent(check.to.tableName)}`;
  const f = quoteIdent(check.fromColumn);
  const t = quoteIdent(check.toColumn);
  const limit = Math.floor(rule.sampleRows);
  const [counted] = limit > 0 ? await conn.all(`SELECT count(*) AS n FROM (SELECT 1 FROM ${fromTable} LIMIT ${limit + 1})`) : [undefined];
  const sample = limit > 0 && (finiteNumber(counted?.n) ?? 0) > limit;
  const source = sample ? `(SELECT ${f} FROM ${fromTable} LIMIT ${limit})` : fromTable;
  const [r] = await conn.all(
    `SELECT count(*) AS n_rows, count(DISTINCT v) AS n_distinct,
            coalesce(sum(CASE WHEN found THEN 0 ELSE 1 END), 0) AS orphan_rows,
            count(DISTINCT CASE WHEN found THEN v END) AS found_distinct
       FROM (SELECT s.v AS v, EXISTS (SELECT 1 FROM ${toTable} k WHERE k.${t} = s.v) AS found
               FROM (SELECT ${f} AS v FROM ${source} WHERE ${f} IS NOT NULL) s)`,
  );
  return {
    rows: finiteNumber(r?.n_rows) ?? 0,
    distinctValues: finiteNumber(r?.n_distinct) ?? 0,
    foundValues: finiteNumber(r?.found_distinct) ?? 0,
    orphanRows: finiteNumber(r?.orphan_rows) ?? 0,
    ...(sample ? { sampling: "first_rows" as const } : {}),
    fromUniqueIndex: await uniqueAlone(conn, check.from.tableName, check.fromColumn),
    toUniqueIndex: await uniqueAlone(conn, check.to.tableName, check.toColumn),
  };
}
