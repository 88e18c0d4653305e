/**
 * The DuckDB catalog in three queries for a whole database (tables and views, columns,
 * constraints), never one query per table. Values are bound, never spliced into the SQL.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import {
  canonicalIdentifier,
  type ColumnInfo,
  type ForeignKey,
  type TableType,
} from "../../model.js";
import type { LiveTable } from "../live-source.js";
import { optionalText, queryRows, text, textList, type Row } from "./duckdb-sql.js";

/** Which database (required: DuckDB files can attach several) and, optionally, which schema. */
export interface CatalogFilter {
  readonly database: string;
  readonly schema?: string;
}

const FILTER = `database_name = $database AND ($schema IS NULL OR schema_name = $schema)`;

const RELATIONS_SQL = `
SELECT schema_name, table_name AS name, 'table' AS kind, comment, sql
  FROM duckdb_tables()
 WHERE NOT internal AND NOT temporary AND ${FILTER}
UNION ALL
SELECT schema_name, view_name AS name, 'view' AS kind, comment, sql
  FROM duckdb_views()
 WHERE NOT internal AND NOT temporary AND ${FILTER}
ORDER BY schema_name, name`;

const COLUMNS_SQL = `
SELECT schema_name, table_name, column_name, data_type, is_nullable, column_default, comment
  FROM duckdb_columns()
 WHERE NOT internal AND ${FILTER}
ORDER BY schema_name, table_name, column_index`;

const CONSTRAINTS_SQL = `
SELECT schema_name, table_name, constraint_type, constraint_name,
       constraint_column_names, referenced_table, referenced_column_names
  FROM duckdb_constraints()
 WHERE constraint_type IN ('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY') AND ${FILTER}
ORDER BY schema_name, table_name, constraint_index`;

interface Keys {
  primaryKey: string[];
  uniqueKeys: string[][];
  foreignKeys: ForeignKey[];
}

const keyOf = (schema: string, table: string): string => JSON.stringify([schema, table]);

/** Every table and view matching `filter`, with DDL and catalog structure, ordered by schema then name. */
export async function introspectCatalog(conn: DuckDBConnection, filter: CatalogFilter): Promise<LiveTable[]> {
  const params = { database: filter.database, schema: filter.schema ?? null };
  const relations = await queryRows(conn, RELATIONS_SQL, params);
  const columnRows = await queryRows(conn, COLUMNS_SQL, params);
  const constraintRows = await queryRows(conn, CONSTRAINTS_SQL, params);

  const columns = new Map<string, ColumnInfo[]>();
  for (const row of columnRows) {
    const key = keyOf(text(row, "schema_name"), text(row, "table_name"));
    const list = columns.get(key) ?? [];
    list.push(toColumn(row));
    columns.set(key, list);
  }

  const keys = new Map<string, Keys>();
  for (const row of constraintRows) {
    const key = keyOf(text(row, "schema_name"), text(row, "table_name"));
    const entry = keys.get(key) ?? { primaryKey: [], uniqueKeys: [], foreignKeys: [] };
    addConstraint(entry, row);
    keys.set(key, entry);
  }

  return relations.map((row) => {
    const schemaName = text(row, "schema_name");
    const tableName = text(row, "name");
    const tableType: TableType = text(row, "kind") === "view" ? "view" : "table";
    const key = keyOf(schemaName, tableName);
    const names = { catalogName: "", databaseName: filter.database, schemaName, tableName };
    const k = keys.get(key);
    return {
      source: { ...names, identifier: canonicalIdentifier(names), tableType, definition: text(row, "sql") },
      structure: {
        tableName,
        schemaName,
        databaseName: filter.database,
        tableType,
        comment: text(row, "comment"),
        columns: columns.get(key) ?? [],
        primaryKey: k?.primaryKey ?? [],
        uniqueKeys: k?.uniqueKeys ?? [],
        foreignKeys: k?.foreignKeys ?? [],
        source: "catalog",
        dialect: "duckdb",
      },
    };
  });
}

function toColumn(row: Row): ColumnInfo {
  const defaultValue = optionalText(row, "column_default");
  return {
    name: text(row, "column_name"),
    type: text(row, "data_type"),
    nullable: row["is_nullable"] === true,
    ...(defaultValue === undefined ? {} : { defaultValue }),
    comment: text(row, "comment"),
  };
}

function addConstraint(entry: Keys, row: Row): void {
  const cols = textList(row, "constraint_column_names");
  switch (text(row, "constraint_type")) {
    case "PRIMARY KEY":
      entry.primaryKey = cols;
      break;
    case "UNIQUE":
      if (!entry.uniqueKeys.some((u) => sameList(u, cols))) entry.uniqueKeys.push(cols);
      break;
    case "FOREIGN KEY": {
      const name = optionalText(row, "constraint_name");
      entry.foreignKeys.push({
        ...(name === undefined ? {} : { name }),
        fromColumns: cols,
        toTable: text(row, "referenced_table"),
        toColumns: textList(row, "referenced_column_names"),
      });
      break;
    }
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
