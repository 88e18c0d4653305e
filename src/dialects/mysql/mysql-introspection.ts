/**
 * The MySQL/MariaDB catalog of one database in four set-based information_schema queries (tables, columns,
 * key columns, views), never one per table. The CREATE statement is rebuilt from the catalog in SHOW CREATE
 * TABLE's form: a per-table SHOW CREATE would cost a round trip per table.
 */
import type mysql from "mysql2/promise";
import { canonicalIdentifier, type ColumnInfo, type ForeignKey, type TableType } from "../../model.js";
import type { LiveTable } from "../live-source.js";
import { connectionQuery } from "./mysql-connection.js";
import { quoteIdent, quoteLiteral, type Row } from "./mysql-sql.js";

const TABLES_SQL = `
SELECT TABLE_NAME AS name, TABLE_TYPE AS kind, TABLE_COMMENT AS comment, ENGINE AS engine
  FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME`;

const COLUMNS_SQL = `
SELECT TABLE_NAME AS t, COLUMN_NAME AS name, COLUMN_TYPE AS type, IS_NULLABLE AS nullable, COLUMN_DEFAULT AS dflt,
       EXTRA AS extra, COLUMN_COMMENT AS comment
  FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION`;

const KEYS_SQL = `
SELECT k.TABLE_NAME AS t, k.CONSTRAINT_NAME AS name, tc.CONSTRAINT_TYPE AS type, k.COLUMN_NAME AS col,
       k.REFERENCED_TABLE_SCHEMA AS fschema, k.REFERENCED_TABLE_NAME AS ft, k.REFERENCED_COLUMN_NAME AS fcol
  FROM information_schema.KEY_COLUMN_USAGE k
  JOIN information_schema.TABLE_CONSTRAINTS tc
    ON tc.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND tc.TABLE_NAME = k.TABLE_NAME AND tc.CONSTRAINT_NAME = k.CONSTRAINT_NAME
 WHERE k.TABLE_SCHEMA = ? AND tc.CONSTRAINT_TYPE IN ('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY')
 ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION`;

const VIEWS_SQL = `SELECT TABLE_NAME AS name, VIEW_DEFINITION AS definition FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ?`;

interface Constraint {
  readonly name: string;
  readonly type: string;
  readonly cols: string[];
  readonly fschema: string;
  readonly ft: string;
  readonly fcols: string[];
}

const str = (v: unknown): string => (v === null || v === undefined ? "" : Buffer.isBuffer(v) ? v.toString("utf8") : String(v));

/**
 * A column default as SQL: MariaDB's information_schema already gives an expression ('text' quoted, NULL as
 * the word NULL); MySQL gives the bare value, quoted here unless it is a number or a function call.
 */
export function defaultSql(value: unknown, mariadb: boolean): string | undefined {
  if (value === null || value === undefined) return undefined;
  const v = str(value);
  if (mariadb) return v === "NULL" ? undefined : v;
  return /^-?\d+(\.\d+)?$/.test(v) || /^[A-Za-z_]+\(.*\)$|^CURRENT_TIMESTAMP/i.test(v) ? v : quoteLiteral(v);
}

export async function introspectCatalog(conn: mysql.PoolConnection, database: string, mariadb: boolean): Promise<LiveTable[]> {
  const query = connectionQuery(conn);
  const tables = await query(TABLES_SQL, [database]);
  const columns = await query(COLUMNS_SQL, [database]);
  const keys = await query(KEYS_SQL, [database]);
  const views = new Map((await query(VIEWS_SQL, [database])).map((v) => [str(v.name), str(v.definition)]));

  const columnsOf = new Map<string, Row[]>();
  for (const c of columns) columnsOf.set(str(c.t), [...(columnsOf.get(str(c.t)) ?? []), c]);
  const constraintsOf = new Map<string, Map<string, Constraint>>();
  for (const k of keys) {
    const t = str(k.t);
    const byName = constraintsOf.get(t) ?? new Map<string, Constraint>();
    const name = str(k.name);
    const c = byName.get(name) ?? { name, type: str(k.type), cols: [], fschema: str(k.fschema), ft: str(k.ft), fcols: [] };
    c.cols.push(str(k.col));
    if (k.fcol !== null && k.fcol !== undefined) c.fcols.push(str(k.fcol));
    byName.set(name, c);
    constraintsOf.set(t, byName);
  }

  return tables.map((table) => {
    const name = str(table.name);
    const isView = str(table.kind) === "VIEW";
    const tableType: TableType = isView ? "view" : "table";
    const cols = columnsOf.get(name) ?? [];
    const cons = [...(constraintsOf.get(name)?.values() ?? [])];
    // MariaDB reports the comment of every view as the word VIEW: views have no comment
    const comment = isView ? "" : str(table.comment);
    const names = { catalogName: "", databaseName: database, schemaName: "", tableName: name };
    const foreignKeys: ForeignKey[] = cons
      .filter((c) => c.type === "FOREIGN KEY")
      .map((c) => ({ name: c.name, fromColumns: c.cols, toTable: c.fschema && c.fschema !== database ? `${c.fschema}.${c.ft}` : c.ft, toColumns: c.fcols }));
    const info: ColumnInfo[] = cols.map((c) => {
      const dflt = defaultSql(c.dflt, mariadb);
      return { name: str(c.name), type: str(c.type), nullable: str(c.nullable) === "YES", ...(dflt === undefined ? {} : { defaultValue: dflt }), comment: str(c.comment) };
    });
    return {
      source: { ...names, identifier: canonicalIdentifier(names), tableType, definition: isView ? viewDdl(name, views.get(name) ?? "") : tableDdl(name, cols, cons, comment, str(table.engine), mariadb) },
      structure: {
        tableName: name,
        schemaName: "",
        databaseName: database,
        tableType,
        comment,
        columns: info,
        primaryKey: cons.find((c) => c.type === "PRIMARY KEY")?.cols ?? [],
        uniqueKeys: cons.filter((c) => c.type === "UNIQUE").map((c) => c.cols),
        foreignKeys,
        source: "catalog",
        dialect: mariadb ? "mariadb" : "mysql",
      },
    };
  });
}

function viewDdl(name: string, definition: string): string {
  return `CREATE VIEW ${quoteIdent(name)} AS ${definition.trim()};`;
}

/** CREATE TABLE as SHOW CREATE TABLE writes it, from the catalog. */
function tableDdl(name: string, cols: readonly Row[], cons: readonly Constraint[], comment: string, engine: string, mariadb: boolean): string {
  const list = (names: readonly string[]) => names.map(quoteIdent).join(",");
  const lines = cols.map((c) => {
    let line = `  ${quoteIdent(str(c.name))} ${str(c.type)}`;
    if (str(c.nullable) !== "YES") line += " NOT NULL";
    const dflt = defaultSql(c.dflt, mariadb);
    if (dflt !== undefined) line += ` DEFAULT ${dflt}`;
    const extra = str(c.extra).replace(/DEFAULT_GENERATED\s*/i, "").trim();
    if (extra) line += ` ${extra}`;
    if (str(c.comment)) line += ` COMMENT ${quoteLiteral(str(c.comment))}`;
    return line;
  });
  for (const c of cons) {
    if (c.type === "PRIMARY KEY") lines.push(`  PRIMARY KEY (${list(c.cols)})`);
    else if (c.type === "UNIQUE") lines.push(`  UNIQUE KEY ${quoteIdent(c.name)} (${list(c.cols)})`);
  }
  for (const c of cons) {
    if (c.type !== "FOREIGN KEY") continue;
    lines.push(`  CONSTRAINT ${quoteIdent(c.name)} FOREIGN KEY (${list(c.cols)}) REFERENCES ${quoteIdent(c.ft)} (${list(c.fcols)})`);
  }
  const tail = [engine ? `ENGINE=${engine}` : "", comment ? `COMMENT=${quoteLiteral(comment)}` : ""].filter(Boolean).join(" ");
  return `CREATE TABLE ${quoteIdent(name)} (\n${lines.join(",\n")}\n)${tail ? ` ${tail}` : ""};`;
}
