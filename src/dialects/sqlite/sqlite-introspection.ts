/**
 * The catalog of a SQLite database file in four set-based queries: sqlite_master (with pragma_table_list),
 * and the table-valued pragmas table_xinfo, foreign_key_list and index_list/index_info joined to it, never
 * one query per table. The DDL is SQLite's own: `sqlite_master.sql`, the CREATE statement as it was written.
 * SQLite keeps no comments: table and column comments are empty.
 */
import { canonicalIdentifier, type ColumnInfo, type ForeignKey, type TableType } from "../../model.js";
import type { LiveTable } from "../live-source.js";
import { type Row, type SqliteConnection, text } from "./sqlite-sql.js";

/** Objects of SQLite's own (`sqlite_%`) are left out, as the engine reserves the prefix. */
const USER_OBJECT = `m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'`;

const OBJECTS_SQL = `
SELECT m.type AS type, m.name AS name, m.sql AS sql, coalesce(l.wr, 0) AS without_rowid
  FROM sqlite_master m LEFT JOIN pragma_table_list l ON l.schema = 'main' AND l.name = m.name
 WHERE m.type IN ('table', 'view') AND ${USER_OBJECT}
 ORDER BY m.name`;

const columnsSql = (only: string) => `
SELECT m.name AS t, c.cid AS cid, c.name AS name, c.type AS type, c."notnull" AS nn, c.dflt_value AS dflt, c.pk AS pk, c.hidden AS hidden
  FROM sqlite_master m, pragma_table_xinfo(m.name) c
 WHERE m.type IN ('table', 'view') AND ${USER_OBJECT}${only}
 ORDER BY m.name, c.cid`;

const FOREIGN_KEYS_SQL = `
SELECT m.name AS t, f.id AS id, f.seq AS seq, f."table" AS ft, f."from" AS fc, f."to" AS tc
  FROM sqlite_master m, pragma_foreign_key_list(m.name) f
 WHERE m.type = 'table' AND ${USER_OBJECT}
 ORDER BY m.name, f.id, f.seq`;

// partial unique indexes (WHERE …) do not make their columns unique, so they are no key
const UNIQUE_SQL = `
SELECT m.name AS t, i.name AS idx, x.seqno AS seqno, x.name AS col
  FROM sqlite_master m, pragma_index_list(m.name) i, pragma_index_info(i.name) x
 WHERE m.type = 'table' AND ${USER_OBJECT} AND i."unique" = 1 AND i.origin <> 'pk' AND i.partial = 0
 ORDER BY m.name, i.name, x.seqno`;

function groupBy(rows: readonly Row[], key: string): Map<string, Row[]> {
  const out = new Map<string, Row[]>();
  for (const r of rows) {
    const k = text(r[key]);
    const list = out.get(k);
    if (list === undefined) out.set(k, [r]);
    else list.push(r);
  }
  return out;
}

/**
 * The columns of every table and view. A view that no longer compiles (it names a dropped table) makes the
 * set-based query fail as a whole: then each object is read on its own and a broken view has no columns.
 */
async function readColumns(conn: SqliteConnection, objects: readonly Row[]): Promise<Map<string, Row[]>> {
  try {
    return groupBy(await conn.all(columnsSql("")), "t");
  } catch (err) {
    if (objects.length === 0) throw err;
    const out = new Map<string, Row[]>();
    for (const o of objects) {
      const name = text(o.name);
      out.set(name, await conn.all(columnsSql(" AND m.name = ?"), [name]).catch(() => []));
    }
    return out;
  }
}

/** Every table and view of the file as database `database` (the file stem), ordered by name. */
export async function introspectCatalog(conn: SqliteConnection, database: string): Promise<LiveTable[]> {
  const objects = await conn.all(OBJECTS_SQL);
  const columnsOf = await readColumns(conn, objects);
  const foreignKeysOf = groupBy(await conn.all(FOREIGN_KEYS_SQL), "t");
  const uniqueOf = groupBy(await conn.all(UNIQUE_SQL), "t");

  const primaryKey = (name: string): string[] =>
    (columnsOf.get(name) ?? [])
      .filter((c) => Number(c.pk) > 0)
      .sort((a, b) => Number(a.pk) - Number(b.pk))
      .map((c) => text(c.name));

  return objects.map((o) => {
    const name = text(o.name);
    const tableType: TableType = text(o.type) === "view" ? "view" : "table";
    // hidden = 1: a virtual table's hidden column; 2 and 3 are generated columns, which are real columns
    const cols = (columnsOf.get(name) ?? []).filter((c) => Number(c.hidden) !== 1);
    const pk = tableType === "table" ? primaryKey(name) : [];
    // An INTEGER PRIMARY KEY is the rowid and never NULL, and a WITHOUT ROWID table's key columns are NOT NULL,
    // though table_xinfo reports neither; other key columns of a rowid table do take NULL (SQLite's legacy rule).
    const rowidAlias = pk.length === 1 && Number(o.without_rowid) === 0 && /^INTEGER$/i.test(text(cols.find((c) => text(c.name) === pk[0])?.type)) ? pk[0] : undefined;
    const notNull = (c: Row) => Number(c.nn) !== 0 || text(c.name) === rowidAlias || (Number(o.without_rowid) !== 0 && Number(c.pk) > 0);
    const columns: ColumnInfo[] = cols.map((c) => ({
      name: text(c.name),
      type: text(c.type),
      nullable: !notNull(c),
      ...(c.dflt === null || c.dflt === undefined ? {} : { defaultValue: text(c.dflt) }),
      comment: "",
    }));
    const foreignKeys: ForeignKey[] = [];
    for (const [, parts] of groupBy(foreignKeysOf.get(name) ?? [], "id")) {
      const toTable = text(parts[0].ft);
      // `REFERENCES t` without columns names t's primary key
      const written = parts.map((p) => (p.tc === null || p.tc === undefined ? "" : text(p.tc)));
      const toColumns = written.every((c) => c === "") ? primaryKey(toTable) : written;
      foreignKeys.push({ fromColumns: parts.map((p) => text(p.fc)), toTable, toColumns });
    }
    const uniqueKeys: string[][] = [];
    for (const [, parts] of groupBy(uniqueOf.get(name) ?? [], "idx")) {
      // an index on an expression has no column name for it: no key of columns
      if (parts.some((p) => p.col === null || p.col === undefined)) continue;
      uniqueKeys.push(parts.map((p) => text(p.col)));
    }
    const names = { catalogName: "", databaseName: database, schemaName: "", tableName: name };
    return {
      source: { ...names, identifier: canonicalIdentifier(names), tableType, definition: text(o.sql) },
      structure: {
        tableName: name,
        schemaName: "",
        databaseName: database,
        tableType,
        comment: "",
        columns,
        primaryKey: pk,
        uniqueKeys,
        foreignKeys,
        source: "catalog",
        dialect: "sqlite",
      },
    };
  });
}
