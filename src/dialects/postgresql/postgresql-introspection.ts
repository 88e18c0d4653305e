/**
 * The PostgreSQL catalog of one database in three set-based queries (relations, columns, constraints),
 * never one per table: pg_class / pg_attribute / pg_constraint with their comments, the way Kysely's
 * introspector reads it. PostgreSQL keeps no CREATE text, so the DDL is rebuilt from the catalog with the
 * engine's own renderers (format_type, pg_get_expr, pg_get_constraintdef, pg_get_viewdef).
 */
import type pg from "pg";
import { canonicalIdentifier, type ColumnInfo, type ForeignKey, type TableType } from "../../model.js";
import type { LiveTable } from "../live-source.js";
import { qualifiedName, quoteIdent, quoteLiteral } from "./postgresql-sql.js";

export interface CatalogFilter {
  /** The database the connection reads (PostgreSQL reads one per connection). */
  readonly database: string;
  readonly schema?: string;
}

const USER_SCHEMAS = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%' AND ($1::text IS NULL OR n.nspname = $1)`;
// tables, partitioned tables, foreign tables, views, materialized views; partitions are read through their parent
const RELATION = `c.relkind IN ('r', 'p', 'f', 'v', 'm') AND NOT c.relispartition AND ${USER_SCHEMAS}`;

const RELATIONS_SQL = `
SELECT n.nspname AS schema_name, c.relname AS name, c.relkind AS kind,
       coalesce(obj_description(c.oid, 'pg_class'), '') AS comment,
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid, true) END AS viewdef
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE ${RELATION}
 ORDER BY n.nspname, c.relname`;

const COLUMNS_SQL = `
SELECT n.nspname AS schema_name, c.relname AS table_name, a.attname AS name,
       format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull,
       pg_get_expr(d.adbin, d.adrelid) AS default_value, a.attidentity AS identity, a.attgenerated AS generated,
       coalesce(col_description(c.oid, a.attnum), '') AS comment
  FROM pg_attribute a
  JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE a.attnum > 0 AND NOT a.attisdropped AND ${RELATION}
 ORDER BY n.nspname, c.relname, a.attnum`;

const CONSTRAINTS_SQL = `
SELECT n.nspname AS schema_name, c.relname AS table_name, con.contype::text AS type, con.conname AS name,
       array(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(num, ord)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num ORDER BY k.ord) AS cols,
       fn.nspname AS ref_schema, fc.relname AS ref_table,
       array(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(num, ord)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num ORDER BY k.ord) AS ref_cols,
       pg_get_constraintdef(con.oid, true) AS definition
  FROM pg_constraint con
  JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_class fc ON fc.oid = con.confrelid LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
 WHERE con.contype IN ('p', 'u', 'f') AND ${RELATION}
 ORDER BY n.nspname, c.relname, con.contype, con.conname`;

interface ColumnRow {
  schema_name: string;
  table_name: string;
  name: string;
  type: string;
  notnull: boolean;
  default_value: string | null;
  identity: string;
  generated: string;
  comment: string;
}

interface ConstraintRow {
  schema_name: string;
  table_name: string;
  type: "p" | "u" | "f";
  name: string;
  cols: string[];
  ref_schema: string | null;
  ref_table: string | null;
  ref_cols: string[];
  definition: string;
}

const keyOf = (schema: string, table: string): string => JSON.stringify([schema, table]);

function group<T extends { schema_name: string; table_name: string }>(rows: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const row of rows) {
    const key = keyOf(row.schema_name, row.table_name);
    const list = out.get(key) ?? [];
    list.push(row);
    out.set(key, list);
  }
  return out;
}

/** Every table and view of the connection's database (or one schema), ordered by schema then name. */
export async function introspectCatalog(client: pg.ClientBase, filter: CatalogFilter): Promise<LiveTable[]> {
  const params = [filter.schema ?? null];
  const relations = (await client.query<{ schema_name: string; name: string; kind: string; comment: string; viewdef: string | null }>(RELATIONS_SQL, params)).rows;
  const columns = group((await client.query<ColumnRow>(COLUMNS_SQL, params)).rows);
  const constraints = group((await client.query<ConstraintRow>(CONSTRAINTS_SQL, params)).rows);

  return relations.map((rel) => {
    const key = keyOf(rel.schema_name, rel.name);
    const cols = columns.get(key) ?? [];
    const cons = constraints.get(key) ?? [];
    const tableType: TableType = rel.kind === "v" ? "view" : rel.kind === "m" ? "mv" : "table";
    const names = { catalogName: "", databaseName: filter.database, schemaName: rel.schema_name, tableName: rel.name };
    const foreignKeys: ForeignKey[] = cons
      .filter((c) => c.type === "f")
      .map((c) => ({
        name: c.name,
        fromColumns: c.cols,
        // the schema is named when it differs, as a DDL would write it
        toTable: c.ref_schema && c.ref_schema !== rel.schema_name ? `${c.ref_schema}.${c.ref_table ?? ""}` : c.ref_table ?? "",
        toColumns: c.ref_cols,
      }));
    return {
      source: { ...names, identifier: canonicalIdentifier(names), tableType, definition: ddl(rel, cols, cons) },
      structure: {
        tableName: rel.name,
        schemaName: rel.schema_name,
        databaseName: filter.database,
        tableType,
        comment: rel.comment,
        columns: cols.map(toColumn),
        primaryKey: cons.find((c) => c.type === "p")?.cols ?? [],
        uniqueKeys: cons.filter((c) => c.type === "u").map((c) => c.cols),
        foreignKeys,
        source: "catalog",
        dialect: "postgresql",
      },
    };
  });
}

function toColumn(row: ColumnRow): ColumnInfo {
  return {
    name: row.name,
    type: row.type,
    nullable: !row.notnull,
    ...(row.default_value === null ? {} : { defaultValue: row.default_value }),
    comment: row.comment,
  };
}

/** The CREATE statement (and COMMENT ONs) a pg_dump of the relation would hold, rebuilt from the catalog. */
function ddl(rel: { schema_name: string; name: string; kind: string; comment: string; viewdef: string | null }, cols: readonly ColumnRow[], cons: readonly ConstraintRow[]): string {
  const name = qualifiedName(rel.schema_name, rel.name);
  const out: string[] = [];
  if (rel.kind === "v" || rel.kind === "m") {
    out.push(`CREATE ${rel.kind === "m" ? "MATERIALIZED " : ""}VIEW ${name} AS\n${(rel.viewdef ?? "").trim().replace(/;$/, "")};`);
  } else {
    const lines = cols.map((c) => {
      let line = `    ${quoteIdent(c.name)} ${c.type}`;
      if (c.generated === "s" && c.default_value !== null) line += ` GENERATED ALWAYS AS (${c.default_value}) STORED`;
      else if (c.identity === "a" || c.identity === "d") line += ` GENERATED ${c.identity === "a" ? "ALWAYS" : "BY DEFAULT"} AS IDENTITY`;
      else if (c.default_value !== null) line += ` DEFAULT ${c.default_value}`;
      if (c.notnull) line += " NOT NULL";
      return line;
    });
    for (const c of cons) lines.push(`    CONSTRAINT ${quoteIdent(c.name)} ${c.definition}`);
    out.push(`CREATE ${rel.kind === "f" ? "FOREIGN " : ""}TABLE ${name} (\n${lines.join(",\n")}\n);`);
  }
  const object = rel.kind === "v" ? "VIEW" : rel.kind === "m" ? "MATERIALIZED VIEW" : "TABLE";
  if (rel.comment !== "") out.push(`COMMENT ON ${object} ${name} IS ${quoteLiteral(rel.comment)};`);
  for (const c of cols) if (c.comment !== "") out.push(`COMMENT ON COLUMN ${name}.${quoteIdent(c.name)} IS ${quoteLiteral(c.comment)};`);
  return out.join("\n");
}
