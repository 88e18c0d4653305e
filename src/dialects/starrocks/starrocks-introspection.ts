/**
 * The StarRocks catalog of one database: tables, views and materialized views with their columns and comments
 * in two set-based information_schema queries, then the DDL from SHOW CREATE TABLE / VIEW / MATERIALIZED VIEW,
 * which StarRocks has per object only: those run at most `concurrency` at a time (the namespace's
 * max_connections). Keys come from the DDL: the table model's PRIMARY KEY(…) / UNIQUE KEY(…), and the
 * `unique_constraints` / `foreign_key_constraints` properties (StarRocks' key_column_usage is empty).
 */
import pLimit from "p-limit";
import { parseDdl } from "../../ddl/parse-ddl.js";
import { canonicalIdentifier, type ColumnInfo, type ForeignKey, type TableType } from "../../model.js";
import type { LiveTable } from "../live-source.js";
import { defaultSql } from "../mysql/mysql-introspection.js";
import type { RowsQuery } from "../mysql/mysql-connection.js";
import { quoteIdent, type Row } from "../mysql/mysql-sql.js";
import { foreignKeyConstraints, showCreateText, uniqueConstraints } from "./starrocks-ddl.js";


export const TABLES_SQL = `
SELECT TABLE_NAME AS name, TABLE_TYPE AS kind, TABLE_COMMENT AS comment
  FROM information_schema.tables WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME`;

export const COLUMNS_SQL = `
SELECT TABLE_NAME AS t, COLUMN_NAME AS name, COLUMN_TYPE AS type, IS_NULLABLE AS nullable, COLUMN_DEFAULT AS dflt,
       COLUMN_COMMENT AS comment
  FROM information_schema.columns WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION`;

const str = (v: unknown): string => (v === null || v === undefined ? "" : Buffer.isBuffer(v) ? v.toString("utf8") : String(v));

/** information_schema.tables' TABLE_TYPE as a v1 table_type; external tables are read as tables. */
export function tableTypeOf(kind: string): TableType {
  const k = kind.toUpperCase();
  if (k === "VIEW" || k === "SYSTEM VIEW") return "view";
  if (k === "MATERIALIZED VIEW") return "mv";
  return "table";
}

/** The statement that returns an object's CREATE text. */
export function showCreateSql(database: string, name: string, type: TableType): string {
  const object = `${quoteIdent(database)}.${quoteIdent(name)}`;
  if (type === "mv") return `SHOW CREATE MATERIALIZED VIEW ${object}`;
  if (type === "view") return `SHOW CREATE VIEW ${object}`;
  return `SHOW CREATE TABLE ${object}`;
}

export interface IntrospectOptions {
  readonly database: string;
  /** The catalog the tables are named in (`catalog_name`), "" for the default catalog. */
  readonly catalog: string;
  /** How many SHOW CREATE statements run at once. */
  readonly concurrency: number;
}

export async function introspectCatalog(query: RowsQuery, options: IntrospectOptions): Promise<LiveTable[]> {
  const { database, catalog } = options;
  const tables = await query(TABLES_SQL, [database]);
  const columnsOf = new Map<string, Row[]>();
  for (const c of await query(COLUMNS_SQL, [database])) {
    const t = str(c.t);
    const list = columnsOf.get(t);
    if (list === undefined) columnsOf.set(t, [c]);
    else list.push(c);
  }
  const limit = pLimit(Math.max(1, options.concurrency));
  const ddls = await Promise.all(
    tables.map((t) => limit(async () => showCreateText((await query(showCreateSql(database, str(t.name), tableTypeOf(str(t.kind)))))[0]))),
  );

  return tables.map((table, i) => {
    const name = str(table.name);
    const tableType = tableTypeOf(str(table.kind));
    const definition = ddls[i];
    // views have no comment (MariaDB reports the word VIEW for every view)
    const comment = tableType === "view" ? "" : str(table.comment);
    const columns: ColumnInfo[] = (columnsOf.get(name) ?? []).map((c) => {
      const dflt = defaultSql(c.dflt, false);
      return { name: str(c.name), type: str(c.type), nullable: str(c.nullable).toUpperCase() === "YES", ...(dflt === undefined ? {} : { defaultValue: dflt }), comment: str(c.comment) };
    });
    const read = tableType === "view" ? undefined : parseDdl(definition, "starrocks");
    const uniqueKeys = [...(read?.uniqueKeys ?? []), ...uniqueConstraints(definition, name)];
    const foreignKeys: ForeignKey[] = [...(read?.foreignKeys ?? []), ...foreignKeyConstraints(definition, name)];
    const names = { catalogName: catalog, databaseName: database, schemaName: "", tableName: name };
    return {
      source: { ...names, identifier: canonicalIdentifier(names), tableType, definition },
      structure: {
        tableName: name,
        schemaName: "",
        databaseName: database,
        tableType,
        comment,
        columns,
        primaryKey: read?.primaryKey ?? [],
        uniqueKeys,
        foreignKeys,
        source: "catalog",
        dialect: "starrocks",
      },
    };
  });
}
