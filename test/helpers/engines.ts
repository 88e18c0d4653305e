/**
 * Ground truth for the DDL reader: load a corpus script into a fresh database of a real engine and read
 * back what the engine's own catalog says (tables and views, columns with type, nullability and comment,
 * primary, unique and foreign keys, table comments), as one comparable shape for every engine.
 *
 * - PostgreSQL and MariaDB are the servers of the machine: each load creates a uniquely named database
 *   (`datus_gt_<random>`) and drops it afterwards, also when loading or reading fails.
 *   Connection: PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE (default 127.0.0.1:5432, postgres, database
 *   `test` to connect to) and MYSQL_HOST/MYSQL_PORT/MYSQL_USER/MYSQL_PASSWORD (default 127.0.0.1:3306, root, "").
 * - SQLite (sql.js, WASM) and DuckDB run embedded, in memory.
 *
 * Only structure is loaded: INSERT and COPY statements are skipped, and so are the statements that
 * would leave the fresh database (psql meta-commands like `\c`, CREATE/DROP DATABASE, USE, client
 * commands like `source`). Everything else runs in file order, split by the project's own splitter.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import { DuckDBInstance } from "@duckdb/node-api";
import mysql from "mysql2/promise";
import pg from "pg";
import initSqlJs from "sql.js";
import { splitStatements } from "../../src/ddl/parse-ddl.js";
import type { Dialect, TableStructure } from "../../src/model.js";

// ---------------------------------------------------------------------------------------------
// the comparable shape

export interface CatalogColumn {
  readonly name: string;
  /** The type as the engine reports it (PostgreSQL format_type, MariaDB COLUMN_TYPE, SQLite declared type, DuckDB data_type). */
  readonly type: string;
  readonly nullable: boolean;
  /** "" when none. */
  readonly comment: string;
}

export interface CatalogForeignKey {
  readonly from: readonly string[];
  readonly toTable: string;
  readonly to: readonly string[];
}

export interface CatalogTable {
  readonly kind: "table" | "view";
  readonly columns: readonly CatalogColumn[];
  /** In key order; [] when none. */
  readonly primaryKey: readonly string[];
  /** UNIQUE constraints and unique indexes (primary key excluded), each in key order. */
  readonly uniqueKeys: readonly (readonly string[])[];
  readonly foreignKeys: readonly CatalogForeignKey[];
  /** "" when none. */
  readonly comment: string;
}

/** Table (or view) name -> what the engine says about it. */
export type Catalog = Record<string, CatalogTable>;

export type Engine = "postgresql" | "mariadb" | "sqlite" | "duckdb";

/** What a load did with the script's statements. */
export interface LoadReport {
  /** Statements sent to the engine. */
  readonly run: number;
  /** Statements left out (INSERT/COPY data, meta-commands, database switching). */
  readonly skipped: number;
}

export interface Loaded {
  readonly catalog: Catalog;
  readonly load: LoadReport;
  /** The name of the database that was created (and dropped again); "" for embedded engines. */
  readonly database: string;
}

export interface LoadOptions {
  /** Statements (beyond data and database switching) that this engine cannot run; counted as skipped. */
  readonly skip?: RegExp;
  /**
   * Rewrites a statement before it runs (after the skip filter), e.g. to point a view's
   * `sakila.film` at the fresh database. Receives the fresh database's name ("" for embedded engines).
   */
  readonly rewrite?: (statement: string, database: string) => string;
}

// ---------------------------------------------------------------------------------------------
// which statements run

/** Data, not structure. */
const DATA = /^(?:INSERT|COPY|REPLACE)\b/i;
/** Statements that would leave or replace the fresh database, and client-side commands. */
const LEAVES_DATABASE: Readonly<Record<Engine, RegExp>> = {
  postgresql: /^(?:\\|(?:CREATE|DROP)\s+DATABASE\b)/i,
  mariadb: /^(?:(?:CREATE|DROP)\s+(?:DATABASE|SCHEMA)\b|USE\b|SOURCE\b|FLUSH\b)/i,
  sqlite: /^(?:ATTACH|DETACH)\b/i,
  duckdb: /^(?:\\|(?:CREATE|DROP)\s+DATABASE\b|ATTACH\b|DETACH\b|USE\b)/i,
};

const SPLIT_DIALECT: Readonly<Record<Engine, Dialect>> = {
  postgresql: "postgresql",
  mariadb: "mariadb",
  sqlite: "sqlite",
  duckdb: "duckdb",
};

/** The statements of `sql` that a structure load runs, in order, and how many were left out. */
export function structureStatements(sql: string, engine: Engine, skip?: RegExp): { statements: string[]; skipped: number } {
  const all = splitStatements(sql, SPLIT_DIALECT[engine]);
  const statements = all.filter((s) => !DATA.test(s) && !LEAVES_DATABASE[engine].test(s) && !(skip?.test(s) ?? false));
  return { statements, skipped: all.length - statements.length };
}

function freshName(): string {
  return `datus_gt_${randomBytes(6).toString("hex")}`;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Runs the statements one by one, so that a failure names its statement (and the database it ran in). */
async function runAll(statements: readonly string[], exec: (sql: string) => Promise<unknown>, database = ""): Promise<void> {
  for (const [i, statement] of statements.entries()) {
    try {
      await exec(statement);
    } catch (err) {
      const where = database === "" ? "" : ` in ${database}`;
      throw new Error(`statement ${i + 1}${where} failed: ${messageOf(err)}\n${statement.slice(0, 400)}`);
    }
  }
}

/** Connects, or says which server was not reachable and how to point the tests at another one. */
async function reach<T>(what: string, settings: string, connect: () => Promise<T>): Promise<T> {
  try {
    return await connect();
  } catch (err) {
    throw new Error(`${what} is not reachable (${messageOf(err)}); the ground-truth tests need it. Settings: ${settings}`);
  }
}

function sortKeys(keys: (readonly string[])[]): string[][] {
  return keys.map((k) => [...k]).sort((a, b) => a.join(",").localeCompare(b.join(",")));
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

function pgConfig(database: string): pg.ClientConfig {
  return {
    host: process.env.PGHOST ?? "127.0.0.1",
    port: Number(process.env.PGPORT ?? 5432),
    user: process.env.PGUSER ?? "postgres",
    password: process.env.PGPASSWORD,
    database,
  };
}

/** Loads `sql` into a fresh PostgreSQL database, reads its catalog (schema `public`), drops the database. */
export async function loadPostgres(sql: string, options: LoadOptions = {}): Promise<Loaded> {
  const database = freshName();
  const { statements, skipped } = structureStatements(sql, "postgresql", options.skip);
  const admin = new pg.Client(pgConfig(process.env.PGDATABASE ?? "test"));
  await reach("PostgreSQL", "PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE", () => admin.connect());
  try {
    await admin.query(`CREATE DATABASE ${database}`);
    try {
      const client = new pg.Client(pgConfig(database));
      await client.connect();
      try {
        await runAll(statements, (s) => client.query(options.rewrite ? options.rewrite(s, database) : s), database);
        const catalog = await readPostgresCatalog(client);
        return { catalog, load: { run: statements.length, skipped }, database };
      } finally {
        await client.end();
      }
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    }
  } finally {
    await admin.end();
  }
}

const PG_RELATIONS = `
  SELECT c.oid, c.relname AS name, c.relkind AS kind, coalesce(obj_description(c.oid, 'pg_class'), '') AS comment
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'f', 'v', 'm')`;

export async function readPostgresCatalog(client: pg.Client): Promise<Catalog> {
  const relations = await client.query<{ name: string; kind: string; comment: string }>(PG_RELATIONS);
  const columns = await client.query<{ t: string; name: string; type: string; notnull: boolean; comment: string }>(`
    WITH rel AS (${PG_RELATIONS})
    SELECT rel.name AS t, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull,
           coalesce(col_description(rel.oid, a.attnum), '') AS comment
    FROM rel JOIN pg_attribute a ON a.attrelid = rel.oid
    WHERE a.attnum > 0 AND NOT a.attisdropped
    ORDER BY rel.name, a.attnum`);
  const constraints = await client.query<{ t: string; type: string; cols: string[]; ft: string | null; fcols: string[] }>(`
    WITH rel AS (${PG_RELATIONS})
    SELECT rel.name AS t, con.contype::text AS type,
           array(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
                 JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i) AS cols,
           f.relname::text AS ft,
           array(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
                 JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.i) AS fcols
    FROM rel JOIN pg_constraint con ON con.conrelid = rel.oid
    LEFT JOIN pg_class f ON f.oid = con.confrelid
    WHERE con.contype IN ('p', 'u', 'f')
    ORDER BY rel.name, con.conname`);
  // unique indexes that are not the index of a constraint (CREATE UNIQUE INDEX)
  const uniqueIndexes = await client.query<{ t: string; cols: string[] }>(`
    WITH rel AS (${PG_RELATIONS})
    SELECT rel.name AS t,
           array(SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(n, o)
                 JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n ORDER BY k.o) AS cols
    FROM rel JOIN pg_index i ON i.indrelid = rel.oid
    WHERE i.indisunique AND NOT i.indisprimary AND i.indexprs IS NULL
      AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid)`);

  const catalog: Catalog = {};
  for (const r of relations.rows) {
    const mine = constraints.rows.filter((c) => c.t === r.name);
    catalog[r.name] = {
      kind: r.kind === "v" || r.kind === "m" ? "view" : "table",
      columns: columns.rows.filter((c) => c.t === r.name).map((c) => ({ name: c.name, type: c.type, nullable: !c.notnull, comment: c.comment })),
      primaryKey: mine.find((c) => c.type === "p")?.cols ?? [],
      uniqueKeys: sortKeys([...mine.filter((c) => c.type === "u").map((c) => c.cols), ...uniqueIndexes.rows.filter((u) => u.t === r.name).map((u) => u.cols)]),
      foreignKeys: mine.filter((c) => c.type === "f").map((c) => ({ from: c.cols, toTable: c.ft ?? "", to: c.fcols })),
      comment: r.comment,
    };
  }
  return catalog;
}

// ---------------------------------------------------------------------------------------------
// MariaDB / MySQL

function mysqlConfig(): mysql.ConnectionOptions {
  return {
    host: process.env.MYSQL_HOST ?? "127.0.0.1",
    port: Number(process.env.MYSQL_PORT ?? 3306),
    user: process.env.MYSQL_USER ?? "root",
    password: process.env.MYSQL_PASSWORD ?? "",
    // one statement per query: a failure names its statement; routine bodies are one statement each
    multipleStatements: false,
  };
}

/** Loads `sql` into a fresh MariaDB database, reads its information_schema, drops the database. */
export async function loadMariaDb(sql: string, options: LoadOptions = {}): Promise<Loaded> {
  const database = freshName();
  const { statements, skipped } = structureStatements(sql, "mariadb", options.skip);
  const conn = await reach("MariaDB", "MYSQL_HOST, MYSQL_PORT, MYSQL_USER, MYSQL_PASSWORD", () => mysql.createConnection(mysqlConfig()));
  try {
    await conn.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4`);
    try {
      await conn.query(`USE \`${database}\``);
      await runAll(statements, (s) => conn.query(options.rewrite ? options.rewrite(s, database) : s), database);
      const catalog = await readMariaDbCatalog(conn, database);
      return { catalog, load: { run: statements.length, skipped }, database };
    } finally {
      await conn.query(`DROP DATABASE IF EXISTS \`${database}\``);
    }
  } finally {
    await conn.end();
  }
}

export type Row = Record<string, unknown>;

/**
 * COLUMN_TYPE, plus ` binary` for a character column with a binary collation: MariaDB turns the
 * `BINARY` attribute (`VARCHAR(40) BINARY`) into the `…_bin` collation of the column's character set.
 */
function mariaDbType(column: Row): string {
  const type = String(column.type);
  const collation = column.collation === null || column.collation === undefined ? "" : String(column.collation);
  return /^(?:var)?char\(|^(?:tiny|medium|long)?text$/.test(type) && collation.endsWith("_bin") ? `${type} binary` : type;
}

async function rows(conn: mysql.Connection, sql: string, params: unknown[]): Promise<Row[]> {
  const [result] = await conn.query(sql, params);
  return result as Row[];
}

async function readMariaDbCatalog(conn: mysql.Connection, database: string): Promise<Catalog> {
  const tables = await rows(
    conn,
    "SELECT TABLE_NAME AS t, TABLE_TYPE AS kind, TABLE_COMMENT AS comment FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?",
    [database],
  );
  const columns = await rows(
    conn,
    `SELECT TABLE_NAME AS t, COLUMN_NAME AS name, COLUMN_TYPE AS type, COLLATION_NAME AS collation, IS_NULLABLE AS nullable,
            COLUMN_COMMENT AS comment
     FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION`,
    [database],
  );
  const keys = await rows(
    conn,
    `SELECT k.TABLE_NAME AS t, k.CONSTRAINT_NAME AS name, tc.CONSTRAINT_TYPE AS type, k.COLUMN_NAME AS col,
            k.REFERENCED_TABLE_NAME AS ft, k.REFERENCED_COLUMN_NAME AS fcol
     FROM information_schema.KEY_COLUMN_USAGE k
     JOIN information_schema.TABLE_CONSTRAINTS tc
       ON tc.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND tc.TABLE_NAME = k.TABLE_NAME AND tc.CONSTRAINT_NAME = k.CONSTRAINT_NAME
     WHERE k.TABLE_SCHEMA = ? ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION`,
    [database],
  );
  const catalog: Catalog = {};
  for (const table of tables) {
    const t = String(table.t);
    const isView = table.kind === "VIEW";
    const constraints = new Map<string, { type: string; cols: string[]; ft: string; fcols: string[] }>();
    for (const k of keys.filter((k) => k.t === t)) {
      const name = String(k.name);
      let c = constraints.get(name);
      if (c === undefined) {
        c = { type: String(k.type), cols: [], ft: String(k.ft ?? ""), fcols: [] };
        constraints.set(name, c);
      }
      c.cols.push(String(k.col));
      if (k.fcol !== null && k.fcol !== undefined) c.fcols.push(String(k.fcol));
    }
    const all = [...constraints.values()];
    catalog[t] = {
      kind: isView ? "view" : "table",
      columns: columns
        .filter((c) => c.t === t)
        .map((c) => ({ name: String(c.name), type: mariaDbType(c), nullable: c.nullable === "YES", comment: String(c.comment ?? "") })),
      primaryKey: all.find((c) => c.type === "PRIMARY KEY")?.cols ?? [],
      uniqueKeys: sortKeys(all.filter((c) => c.type === "UNIQUE").map((c) => c.cols)),
      foreignKeys: all.filter((c) => c.type === "FOREIGN KEY").map((c) => ({ from: c.cols, toTable: c.ft, to: c.fcols })),
      // MariaDB reports the table comment of every view as the word "VIEW": views have no comment
      comment: isView ? "" : String(table.comment ?? ""),
    };
  }
  return catalog;
}

// ---------------------------------------------------------------------------------------------
// SQLite (sql.js)

let sqlJs: Promise<initSqlJs.SqlJsStatic> | undefined;

/** Loads `sql` into an in-memory SQLite database (sql.js) and reads sqlite_master and the table pragmas. */
export async function loadSqlite(sql: string, options: LoadOptions = {}): Promise<Loaded> {
  sqlJs ??= initSqlJs();
  const SQL = await sqlJs;
  const db = new SQL.Database();
  try {
    const { statements, skipped } = structureStatements(sql, "sqlite", options.skip);
    await runAll(statements, async (s) => db.run(options.rewrite ? options.rewrite(s, "") : s));
    return { catalog: readSqliteCatalog(db), load: { run: statements.length, skipped }, database: "" };
  } finally {
    db.close();
  }
}

function query(db: initSqlJs.Database, sql: string, params: initSqlJs.BindParams = []): Row[] {
  const stmt = db.prepare(sql, params);
  const out: Row[] = [];
  try {
    while (stmt.step()) out.push(stmt.getAsObject());
  } finally {
    stmt.free();
  }
  return out;
}

export function readSqliteCatalog(db: initSqlJs.Database): Catalog {
  const catalog: Catalog = {};
  const objects = query(db, "SELECT type, name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'");
  for (const o of objects) {
    const name = String(o.name);
    const info = query(db, "SELECT name, type, \"notnull\" AS nn, pk FROM pragma_table_info(?) ORDER BY cid", [name]);
    const pk = info
      .filter((c) => Number(c.pk) > 0)
      .sort((a, b) => Number(a.pk) - Number(b.pk))
      .map((c) => String(c.name));
    const fkRows = query(db, "SELECT id, seq, \"table\" AS t, \"from\" AS f, \"to\" AS c FROM pragma_foreign_key_list(?) ORDER BY id, seq", [name]);
    const fks = new Map<number, { from: string[]; toTable: string; to: string[] }>();
    for (const r of fkRows) {
      const id = Number(r.id);
      let fk = fks.get(id);
      if (fk === undefined) {
        fk = { from: [], toTable: String(r.t), to: [] };
        fks.set(id, fk);
      }
      fk.from.push(String(r.f));
      // `REFERENCES t` without columns: SQLite reports no target column (the target's primary key is meant)
      if (r.c !== null) fk.to.push(String(r.c));
    }
    const uniqueKeys = query(db, "SELECT name FROM pragma_index_list(?) WHERE \"unique\" = 1 AND origin <> 'pk'", [name]).map((ix) =>
      query(db, "SELECT name FROM pragma_index_info(?) ORDER BY seqno", [String(ix.name)]).map((c) => String(c.name)),
    );
    // an INTEGER PRIMARY KEY is the rowid: it never holds NULL (NULL stands for "the next rowid"), though
    // table_info reports no NOT NULL; any other primary-key column of a rowid table does accept NULL
    // (SQLite's documented legacy behaviour) and is reported as the engine has it
    const rowid = o.type === "table" && pk.length === 1 && /^INTEGER$/i.test(String(info.find((c) => c.name === pk[0])?.type ?? "")) ? pk[0] : undefined;
    catalog[name] = {
      kind: o.type === "view" ? "view" : "table",
      columns: info.map((c) => ({ name: String(c.name), type: String(c.type), nullable: Number(c.nn) === 0 && c.name !== rowid, comment: "" })),
      primaryKey: pk,
      uniqueKeys: sortKeys(uniqueKeys),
      foreignKeys: [...fks.values()],
      // SQLite keeps no comments
      comment: "",
    };
  }
  return catalog;
}

// ---------------------------------------------------------------------------------------------
// DuckDB

/** Loads `sql` into an in-memory DuckDB database and reads duckdb_tables/views/columns/constraints. */
export async function loadDuckDb(sql: string, options: LoadOptions = {}): Promise<Loaded> {
  const instance = await DuckDBInstance.create(":memory:");
  const conn = await instance.connect();
  try {
    const { statements, skipped } = structureStatements(sql, "duckdb", options.skip);
    await runAll(statements, (s) => conn.run(options.rewrite ? options.rewrite(s, "") : s));
    const read = async (q: string): Promise<Row[]> => (await conn.runAndReadAll(q)).getRowObjectsJS() as Row[];
    const tables = await read("SELECT table_name AS t, 'table' AS kind, coalesce(comment, '') AS comment FROM duckdb_tables() WHERE NOT internal");
    const views = await read("SELECT view_name AS t, 'view' AS kind, coalesce(comment, '') AS comment FROM duckdb_views() WHERE NOT internal");
    const columns = await read(
      "SELECT table_name AS t, column_name AS name, data_type AS type, is_nullable AS nullable, coalesce(comment, '') AS comment FROM duckdb_columns() WHERE NOT internal ORDER BY table_name, column_index",
    );
    const constraints = await read(
      "SELECT table_name AS t, constraint_type AS type, constraint_column_names AS cols, referenced_table AS ft, referenced_column_names AS fcols FROM duckdb_constraints() WHERE constraint_type IN ('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY')",
    );
    const catalog: Catalog = {};
    for (const o of [...tables, ...views]) {
      const t = String(o.t);
      const mine = constraints.filter((c) => c.t === t);
      const names = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
      catalog[t] = {
        kind: o.kind === "view" ? "view" : "table",
        columns: columns.filter((c) => c.t === t).map((c) => ({ name: String(c.name), type: String(c.type), nullable: Boolean(c.nullable), comment: String(c.comment) })),
        primaryKey: names(mine.find((c) => c.type === "PRIMARY KEY")?.cols),
        uniqueKeys: sortKeys(mine.filter((c) => c.type === "UNIQUE").map((c) => names(c.cols))),
        foreignKeys: mine.filter((c) => c.type === "FOREIGN KEY").map((c) => ({ from: names(c.cols), toTable: String(c.ft), to: names(c.fcols) })),
        comment: String(o.comment),
      };
    }
    return { catalog, load: { run: statements.length, skipped }, database: "" };
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** Does the server hold a database of that name (to check that a load cleaned up after itself)? */
export async function databaseExists(engine: "postgresql" | "mariadb", name: string): Promise<boolean> {
  if (engine === "postgresql") {
    const admin = new pg.Client(pgConfig(process.env.PGDATABASE ?? "test"));
    await admin.connect();
    try {
      return (await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name])).rowCount === 1;
    } finally {
      await admin.end();
    }
  }
  const conn = await mysql.createConnection(mysqlConfig());
  try {
    return (await rows(conn, "SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", [name])).length === 1;
  } finally {
    await conn.end();
  }
}

export function loadInto(engine: Engine, sql: string, options: LoadOptions = {}): Promise<Loaded> {
  switch (engine) {
    case "postgresql":
      return loadPostgres(sql, options);
    case "mariadb":
      return loadMariaDb(sql, options);
    case "sqlite":
      return loadSqlite(sql, options);
    case "duckdb":
      return loadDuckDb(sql, options);
  }
}

// ---------------------------------------------------------------------------------------------
// type normalisation: both sides are brought to one canonical spelling per engine

/** Lower-cases outside '…' literals (ENUM/SET values keep their case), collapses spaces, drops the spaces around ( ) and ,. */
function tidy(type: string, upper = false): string {
  let out = "";
  let quoted = false;
  for (const ch of type.trim()) {
    if (ch === "'") quoted = !quoted;
    out += quoted || ch === "'" ? ch : upper ? ch.toUpperCase() : ch.toLowerCase();
  }
  return out
    .replace(/\s+/g, " ")
    .replace(/ ?\( ?/g, "(")
    .replace(/ ?\)/g, ")")
    .replace(/ ?, ?/g, ",");
}

/**
 * PostgreSQL: the spelling of format_type(). `INT` -> `integer`, `serial` -> `integer` (serial is integer
 * with a sequence default), `VARCHAR(40)` -> `character varying(40)`, `TIMESTAMP` -> `timestamp without
 * time zone`, `NUMERIC`/`DECIMAL` -> `numeric`, `bool` -> `boolean`, arrays element-wise.
 */
export function canonicalPostgresType(type: string): string {
  const s = tidy(type);
  if (s.endsWith("[]")) return `${canonicalPostgresType(s.slice(0, -2))}[]`;
  const rules: Array<[RegExp, (m: RegExpExecArray) => string]> = [
    [/^(?:int|int4|integer|serial|serial4)$/, () => "integer"],
    [/^(?:int8|bigint|bigserial|serial8)$/, () => "bigint"],
    [/^(?:int2|smallint|smallserial|serial2)$/, () => "smallint"],
    [/^(?:varchar|character varying)(\(\d+\))?$/, (m) => `character varying${m[1] ?? ""}`],
    [/^(?:char|character|bpchar)(\(\d+\))?$/, (m) => `character${m[1] ?? "(1)"}`],
    [/^(?:timestamptz|timestamp(\(\d\))? with time zone)$/, (m) => `timestamp${m[1] ?? ""} with time zone`],
    [/^timestamp(\(\d\))?(?: without time zone)?$/, (m) => `timestamp${m[1] ?? ""} without time zone`],
    [/^(?:timetz|time(\(\d\))? with time zone)$/, (m) => `time${m[1] ?? ""} with time zone`],
    [/^time(\(\d\))?(?: without time zone)?$/, (m) => `time${m[1] ?? ""} without time zone`],
    [/^(?:bool|boolean)$/, () => "boolean"],
    [/^(?:float8|float|double precision)$/, () => "double precision"],
    [/^(?:float4|real)$/, () => "real"],
    [/^(?:decimal|numeric)(\(.*\))?$/, (m) => `numeric${m[1] ?? ""}`],
  ];
  for (const [re, to] of rules) {
    const m = re.exec(s);
    if (m) return to(m);
  }
  return s;
}

/**
 * MariaDB / MySQL: the spelling of COLUMN_TYPE. Integer display widths are dropped (`int(11)` = `INT`),
 * `INTEGER` -> `int`, `BOOLEAN` -> `tinyint` (MariaDB stores it as tinyint(1)), `NVARCHAR`/`NATIONAL
 * VARCHAR` -> `varchar` and `NCHAR` -> `char` (a character set, not a type), `NUMERIC`/`DEC` -> `decimal`
 * (`decimal(10,0)` when bare), `YEAR(4)` -> `year`, `CHAR` -> `char(1)`. (The engine side shows a
 * `…_bin` collation as the `binary` attribute, see mariaDbType.)
 */
export function canonicalMySqlType(type: string): string {
  let s = tidy(type);
  s = s.replace(/^(?:boolean|bool)\b/, "tinyint");
  s = s.replace(/^integer\b/, "int");
  s = s.replace(/^(?:nvarchar|national varchar|national character varying|character varying|nchar varchar)\b/, "varchar");
  s = s.replace(/^(?:nchar|national char|national character|character)\b/, "char");
  s = s.replace(/^(?:numeric|dec|fixed)\b/, "decimal");
  s = s.replace(/^(?:double precision|real)\b/, "double");
  s = s.replace(/^(tinyint|smallint|mediumint|int|bigint)\(\d+\)/, "$1");
  s = s.replace(/^year\(4\)/, "year");
  s = s.replace(/^decimal(?!\()/, "decimal(10,0)");
  s = s.replace(/^char(?!\()/, "char(1)");
  return s;
}

/** SQLite keeps the declared type text; only case and spacing are normalised. */
export function canonicalSqliteType(type: string): string {
  return tidy(type, true);
}

/**
 * DuckDB: the spelling of duckdb_columns().data_type. `INT`/`INT4` -> `INTEGER`, `NUMERIC` -> `DECIMAL`,
 * `TIMESTAMP WITHOUT TIME ZONE` -> `TIMESTAMP`; DuckDB keeps no length for character types
 * (`VARCHAR(40)` is stored as `VARCHAR`), so the length is dropped on our side.
 */
export function canonicalDuckDbType(type: string): string {
  let s = tidy(type, true);
  s = s.replace(/^(?:INT|INT4|INTEGER|SIGNED)$/, "INTEGER");
  s = s.replace(/^(?:INT8|LONG)$/, "BIGINT");
  s = s.replace(/^(?:INT2|SHORT)$/, "SMALLINT");
  s = s.replace(/^(?:VARCHAR|CHARACTER VARYING|CHAR|CHARACTER|BPCHAR|TEXT|STRING|NVARCHAR)(?:\(\d+\))?$/, "VARCHAR");
  s = s.replace(/^(?:NUMERIC|DECIMAL)\b/, "DECIMAL");
  s = s.replace(/^TIMESTAMP WITHOUT TIME ZONE$/, "TIMESTAMP");
  s = s.replace(/^(?:BOOL|LOGICAL)$/, "BOOLEAN");
  s = s.replace(/^(?:FLOAT8|DOUBLE PRECISION)$/, "DOUBLE");
  return s;
}

export const CANONICAL_TYPE: Readonly<Record<Engine, (type: string) => string>> = {
  postgresql: canonicalPostgresType,
  mariadb: canonicalMySqlType,
  sqlite: canonicalSqliteType,
  duckdb: canonicalDuckDbType,
};

// ---------------------------------------------------------------------------------------------
// the comparison

export interface Comparison {
  /** Every difference found, one line each ([] when the reader agrees with the engine). */
  readonly mismatches: string[];
  readonly tables: number;
  readonly views: number;
  /** Table columns whose name, type, nullability and comment were compared. */
  readonly columns: number;
  /** View columns whose name and comment were compared. */
  readonly viewColumns: number;
  readonly primaryKeys: number;
  readonly uniqueKeys: number;
  readonly foreignKeys: number;
  /** Non-empty comments (table and column) that were compared. */
  readonly comments: number;
  /** Why foreign keys were not compared, when they were not. */
  readonly foreignKeysNotCompared?: string;
}

export interface CompareOptions {
  /** Canonical spelling of a type, applied to both sides (see CANONICAL_TYPE). */
  readonly canonicalType: (type: string) => string;
  /**
   * Foreign keys are not compared, for this reason (an engine that cannot hold the script's foreign
   * keys). The reason is part of the summary line.
   */
  readonly foreignKeysNotCompared?: string;
}

function lastPart(name: string): string {
  return name.split(".").pop() ?? name;
}

function fkKey(fk: CatalogForeignKey): string {
  return `(${fk.from.join(",")}) -> ${fk.toTable}(${fk.to.join(",")})`;
}

/**
 * Compares what parseDdlScript read with what the engine says, table by table:
 * - the same set of tables and views, and each one's kind;
 * - every column, in order: name; for tables also the type (canonical spelling) and nullability;
 *   the column comment;
 * - the table comment, the primary key (in key order), the unique keys and the foreign keys (composite
 *   included; `REFERENCES t` without columns counts as t's primary key).
 * A view's column types and nullability are not compared: the reader does not infer the type of a
 * select-list expression (it reports ""), and the engine derives both from the view's query.
 * When a script creates the same name twice, the last definition counts (as in the engine).
 */
export function compareWithCatalog(parsed: readonly TableStructure[], catalog: Catalog, options: CompareOptions): Comparison {
  const mismatches: string[] = [];
  const byName = new Map<string, TableStructure>();
  for (const s of parsed) byName.set(s.tableName, s);
  const canon = options.canonicalType;
  let tables = 0;
  let views = 0;
  let columns = 0;
  let viewColumns = 0;
  let primaryKeys = 0;
  let uniqueKeys = 0;
  let foreignKeys = 0;
  let comments = 0;

  for (const name of Object.keys(catalog)) if (!byName.has(name)) mismatches.push(`${name}: in the engine, not read`);
  for (const name of byName.keys()) if (!(name in catalog)) mismatches.push(`${name}: read, not in the engine`);

  for (const [name, engine] of Object.entries(catalog)) {
    const ours = byName.get(name);
    if (ours === undefined) continue;
    const at = (what: string, mine: unknown, theirs: unknown): void => {
      mismatches.push(`${name}: ${what}: read ${JSON.stringify(mine)}, engine ${JSON.stringify(theirs)}`);
    };
    const kind = ours.tableType === "table" ? "table" : "view";
    if (kind !== engine.kind) at("kind", kind, engine.kind);
    if (engine.kind === "view") views++;
    else tables++;
    if (ours.parseError !== undefined) at("parse error", ours.parseError, "none");

    const ourNames = ours.columns.map((c) => c.name);
    const theirNames = engine.columns.map((c) => c.name);
    if (ourNames.join("\u0000") !== theirNames.join("\u0000")) at("columns", ourNames, theirNames);
    for (const theirs of engine.columns) {
      const mine = ours.columns.find((c) => c.name === theirs.name);
      if (mine === undefined) continue;
      if (engine.kind === "table") {
        columns++;
        if (canon(mine.type) !== canon(theirs.type)) at(`${theirs.name} type`, `${mine.type} ~ ${canon(mine.type)}`, `${theirs.type} ~ ${canon(theirs.type)}`);
        if (mine.nullable !== theirs.nullable) at(`${theirs.name} nullable`, mine.nullable, theirs.nullable);
      } else viewColumns++;
      if (mine.comment !== theirs.comment) at(`${theirs.name} comment`, mine.comment, theirs.comment);
      if (theirs.comment !== "") comments++;
    }
    if (ours.comment !== engine.comment) at("table comment", ours.comment, engine.comment);
    if (engine.comment !== "") comments++;

    if (ours.primaryKey.join(",") !== engine.primaryKey.join(",")) at("primary key", ours.primaryKey, engine.primaryKey);
    if (engine.primaryKey.length > 0) primaryKeys++;

    const ourUnique = sortKeys([...ours.uniqueKeys]).map((k) => k.join(","));
    const theirUnique = engine.uniqueKeys.map((k) => k.join(","));
    if (ourUnique.join(" | ") !== theirUnique.join(" | ")) at("unique keys", ourUnique, theirUnique);
    uniqueKeys += theirUnique.length;

    if (options.foreignKeysNotCompared !== undefined) continue;
    const ourFks = ours.foreignKeys
      .map((fk) => {
        const toTable = lastPart(fk.toTable);
        const to = fk.toColumns.length > 0 ? fk.toColumns : (byName.get(toTable)?.primaryKey ?? []);
        return fkKey({ from: fk.fromColumns, toTable, to });
      })
      .sort();
    const theirFks = engine.foreignKeys.map(fkKey).sort();
    if (ourFks.join(" | ") !== theirFks.join(" | ")) at("foreign keys", ourFks, theirFks);
    foreignKeys += theirFks.length;
  }
  const notCompared = options.foreignKeysNotCompared;
  return { mismatches, tables, views, columns, viewColumns, primaryKeys, uniqueKeys, foreignKeys, comments, ...(notCompared !== undefined ? { foreignKeysNotCompared: notCompared } : {}) };
}

/** One line: what was compared. */
export function summaryLine(file: string, engine: Engine, c: Comparison, load: LoadReport): string {
  const fks = c.foreignKeysNotCompared !== undefined ? `foreign keys not compared (${c.foreignKeysNotCompared})` : `${c.foreignKeys} foreign keys`;
  return (
    `${file} vs ${engine}: ${c.tables} tables, ${c.columns} columns, ${c.views} views, ${c.viewColumns} view columns, ${c.primaryKeys} primary keys, ` +
    `${c.uniqueKeys} unique keys, ${fks}, ${c.comments} comments compared (${load.run} statements run, ${load.skipped} skipped)`
  );
}

/**
 * A fresh PostgreSQL database for the duration of `work` (created, given to `work`, dropped after), with
 * `statements` run in it first. For tests that point the tool itself at a live database.
 */
export async function withPostgresDatabase<T>(statements: readonly string[], work: (database: string, client: pg.Client) => Promise<T>): Promise<T> {
  const database = freshName();
  const admin = new pg.Client(pgConfig(process.env.PGDATABASE ?? "test"));
  await reach("PostgreSQL", "PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE", () => admin.connect());
  try {
    await admin.query(`CREATE DATABASE ${database}`);
    try {
      const client = new pg.Client(pgConfig(database));
      await client.connect();
      try {
        await runAll(statements, (s) => client.query(s), database);
        return await work(database, client);
      } finally {
        await client.end();
      }
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    }
  } finally {
    await admin.end();
  }
}

/**
 * `work`'s result and the most sessions of the tool (application_name `datus-schema`) pg_stat_activity showed in
 * `database` at once while it ran, sampled every few milliseconds through `client`.
 */
export async function mostToolSessions<T>(client: pg.Client, database: string, work: () => Promise<T>): Promise<{ result: T; most: number }> {
  let most = 0;
  let running = true;
  const sampler = (async () => {
    while (running) {
      const n = Number((await client.query<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'datus-schema' AND datname = $1", [database])).rows[0].n);
      most = Math.max(most, n);
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  try {
    return { result: await work(), most };
  } finally {
    running = false;
    await sampler;
  }
}

/** Namespace keys as YAML lines indented for agent.namespace.<name>, strings quoted. */
function namespaceLines(fields: Readonly<Record<string, string | number>>): string {
  return Object.entries(fields).map(([k, v]) => `      ${k}: ${typeof v === "string" ? JSON.stringify(v) : v}\n`).join("");
}

/** How the tests reach the machine's PostgreSQL, as namespace YAML lines (indented for agent.namespace.<name>). */
export function postgresNamespace(database: string, extra: Readonly<Record<string, string | number>> = {}): string {
  const fields: Record<string, string | number> = {
    type: "postgresql",
    host: process.env.PGHOST ?? "127.0.0.1",
    port: Number(process.env.PGPORT ?? 5432),
    username: process.env.PGUSER ?? "postgres",
    ...(process.env.PGPASSWORD ? { password: process.env.PGPASSWORD } : {}),
    database,
    ...extra,
  };
  return namespaceLines(fields);
}

/** A fresh MariaDB database for the duration of `work`, with `statements` run in it first (dropped after). */
export async function withMariaDbDatabase<T>(
  statements: readonly string[],
  work: (database: string, conn: mysql.Connection) => Promise<T>,
  rewrite?: (statement: string, database: string) => string,
): Promise<T> {
  const database = freshName();
  const conn = await reach("MariaDB", "MYSQL_HOST, MYSQL_PORT, MYSQL_USER, MYSQL_PASSWORD", () => mysql.createConnection(mysqlConfig()));
  try {
    await conn.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4`);
    try {
      await conn.query(`USE \`${database}\``);
      await runAll(statements, (s) => conn.query(rewrite ? rewrite(s, database) : s), database);
      return await work(database, conn);
    } finally {
      await conn.query(`DROP DATABASE IF EXISTS \`${database}\``);
    }
  } finally {
    await conn.end();
  }
}

/** How the tests reach the machine's MariaDB, as namespace YAML lines (indented for agent.namespace.<name>). */
export function mariadbNamespace(database: string, extra: Readonly<Record<string, string | number>> = {}): string {
  const fields: Record<string, string | number> = {
    type: "mariadb",
    host: process.env.MYSQL_HOST ?? "127.0.0.1",
    port: Number(process.env.MYSQL_PORT ?? 3306),
    username: process.env.MYSQL_USER ?? "root",
    ...(process.env.MYSQL_PASSWORD ? { password: process.env.MYSQL_PASSWORD } : {}),
    database,
    ...extra,
  };
  return namespaceLines(fields);
}

export { readMariaDbCatalog };

/**
 * A SQLite database file at `file` holding what `sql` creates and inserts, written by sql.js (not by the
 * driver the tool reads it with), and a reader of its catalog through sql.js.
 */
export async function writeSqliteFile(file: string, sql: string): Promise<void> {
  sqlJs ??= initSqlJs();
  const SQL = await sqlJs;
  const db = new SQL.Database();
  try {
    db.exec(sql);
    fs.writeFileSync(file, db.export());
  } finally {
    db.close();
  }
}

/** A connection to the DuckDB file `file` (created when missing), opened for `work` and closed after it. */
export type DuckDbConnection = Awaited<ReturnType<DuckDBInstance["connect"]>>;

/** `work` on a connection to the DuckDB file `file`; the file is closed (its lock freed) when `work` ends. */
export async function withDuckDbFile<T>(file: string, work: (conn: DuckDbConnection) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(file);
  const conn = await instance.connect();
  try {
    return await work(conn);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** `work` with the SQLite file `file` opened by sql.js (a copy in memory: nothing is written back). */
export async function withSqliteFile<T>(file: string, work: (db: initSqlJs.Database) => T | Promise<T>): Promise<T> {
  sqlJs ??= initSqlJs();
  const SQL = await sqlJs;
  const db = new SQL.Database(fs.readFileSync(file));
  try {
    return await work(db);
  } finally {
    db.close();
  }
}

/** The rows of `sql` on a sql.js database. */
export function sqliteRows(db: initSqlJs.Database, sql: string, params: initSqlJs.BindParams = []): Row[] {
  return query(db, sql, params);
}
