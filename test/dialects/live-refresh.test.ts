/**
 * What users of the guide lost or missed when they refreshed a store from a live database, on every engine the
 * tool reads: a forced fast migration after an import must keep what the catalog knew (comments, enums, row
 * counts); a table dropped in the database leaves the store, said so in the summary; --incremental redoes a
 * table whose comment alone changed; a schema that does not exist is an error, never "0 tables" and exit 0.
 * The truth is what each step asked of the engine itself, and what the first run stored.
 */
import assert from "node:assert/strict";
import crypto from "node:crypto";
import path from "node:path";
import { describe, test, type TestContext } from "node:test";
import mysql from "mysql2/promise";
import pg from "pg";
import { mariadbNamespace, postgresNamespace, withDuckDbFile } from "../helpers/engines.js";
import { readRows, type StoredRow } from "../helpers/store-rows.js";
import { fileHashes, runCli, tempDir } from "../helpers/env.js";
import { namespaceConfig } from "../helpers/tree.js";

/** The tables every engine gets: comments on tables and columns, a coded status column, a few rows each. */
const TABLES = [
  { name: "orders", comment: "customer orders", columns: [["id", "INTEGER", ""], ["status", "INTEGER", "order status: 0=new, 1=paid, 2=shipped"], ["note", "VARCHAR(40)", ""]], rows: 5 },
  { name: "customers", comment: "people who buy", columns: [["id", "INTEGER", ""], ["full_name", "VARCHAR(40)", "the customer's full name"]], rows: 3 },
  { name: "items", comment: "order lines", columns: [["id", "INTEGER", ""], ["order_id", "INTEGER", "the order this line belongs to"], ["sku", "VARCHAR(20)", ""]], rows: 7 },
] as const;

interface Engine {
  readonly name: string;
  /** Create TABLES; returns the namespace's YAML body. */
  create(t: TestContext, dir: string): Promise<string>;
  /** Run statements against the database, as its owner would. */
  exec(...statements: string[]): Promise<void>;
  /** SQL that sets a table's comment. */
  setComment(table: string, comment: string): string;
  count(table: string): Promise<number>;
  /** The namespace YAML body with a schema that does not exist. */
  noSuchSchema(namespace: string): string;
}

const quoteSql = (s: string) => `'${s.replace(/'/g, "''")}'`;

function standardDdl(withComments: (t: (typeof TABLES)[number]) => string[]): string[] {
  return TABLES.flatMap((t) => [
    `CREATE TABLE ${t.name} (${t.columns.map(([c, type]) => `${c} ${type}${c === "id" ? " PRIMARY KEY" : ""}`).join(", ")})`,
    ...withComments(t),
    `INSERT INTO ${t.name} (id, ${t.columns[1][0]}) SELECT g, g % 3 FROM generate_series(1, ${t.rows}) AS s(g)`,
  ]);
}

const commentOn = (t: (typeof TABLES)[number]) => [
  `COMMENT ON TABLE ${t.name} IS ${quoteSql(t.comment)}`,
  ...t.columns.filter(([, , c]) => c !== "").map(([col, , c]) => `COMMENT ON COLUMN ${t.name}.${col} IS ${quoteSql(c)}`),
];

function duckdb(): Engine {
  let file = "";
  const exec = (...statements: string[]) =>
    withDuckDbFile(file, async (conn) => {
      for (const s of statements) await conn.run(s);
    });
  return {
    name: "duckdb",
    async create(_t, dir) {
      file = path.join(dir, "shop.duckdb");
      await exec(...standardDdl(commentOn));
      return `      type: duckdb\n      uri: ${file}\n`;
    },
    exec,
    setComment: (table, comment) => `COMMENT ON TABLE ${table} IS ${quoteSql(comment)}`,
    count: (table) => withDuckDbFile(file, async (conn) => Number((await conn.runAndReadAll(`SELECT count(*) AS n FROM ${table}`)).getRowObjectsJS()[0].n)),
    noSuchSchema: (ns) => `${ns}      schema: nosuch\n`,
  };
}

function postgresql(): Engine {
  let database = "";
  const client = (db: string) => new pg.Client({ host: process.env.PGHOST ?? "127.0.0.1", port: Number(process.env.PGPORT ?? 5432), user: process.env.PGUSER ?? "postgres", password: process.env.PGPASSWORD, database: db });
  const on = async <T>(db: string, work: (c: pg.Client) => Promise<T>): Promise<T> => {
    const c = client(db);
    await c.connect();
    try {
      return await work(c);
    } finally {
      await c.end();
    }
  };
  const exec = (...statements: string[]) => on(database, async (c) => {
    for (const s of statements) await c.query(s);
  });
  return {
    name: "postgresql",
    async create(t) {
      database = `datus_refresh_${crypto.randomBytes(5).toString("hex")}`;
      await on(process.env.PGDATABASE ?? "test", (c) => c.query(`CREATE DATABASE ${database}`));
      t.after(() => on(process.env.PGDATABASE ?? "test", (c) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)));
      await exec(...standardDdl(commentOn));
      return postgresNamespace(database);
    },
    exec,
    setComment: (table, comment) => `COMMENT ON TABLE ${table} IS ${quoteSql(comment)}`,
    count: (table) => on(database, async (c) => Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0].n)),
    noSuchSchema: (ns) => `${ns}      schema: nosuch\n`,
  };
}

function mariadb(): Engine {
  let database = "";
  const on = async <T>(work: (c: mysql.Connection) => Promise<T>, use = true): Promise<T> => {
    const c = await mysql.createConnection({ host: process.env.MYSQL_HOST ?? "127.0.0.1", port: Number(process.env.MYSQL_PORT ?? 3306), user: process.env.MYSQL_USER ?? "root", password: process.env.MYSQL_PASSWORD ?? "" });
    try {
      if (use) await c.query(`USE \`${database}\``);
      return await work(c);
    } finally {
      await c.end();
    }
  };
  const exec = (...statements: string[]) => on(async (c) => {
    for (const s of statements) await c.query(s);
  });
  return {
    name: "mariadb",
    async create(t) {
      database = `datus_refresh_${crypto.randomBytes(5).toString("hex")}`;
      await on((c) => c.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4`), false);
      t.after(() => on((c) => c.query(`DROP DATABASE IF EXISTS \`${database}\``), false));
      await exec(
        ...TABLES.flatMap((t) => [
          `CREATE TABLE ${t.name} (${t.columns.map(([c, type, comment]) => `${c} ${type}${c === "id" ? " PRIMARY KEY" : ""}${comment ? ` COMMENT ${quoteSql(comment)}` : ""}`).join(", ")}) COMMENT = ${quoteSql(t.comment)}`,
          `INSERT INTO ${t.name} (id, ${t.columns[1][0]}) SELECT seq, seq % 3 FROM seq_1_to_${t.rows}`,
        ]),
      );
      return mariadbNamespace(database);
    },
    exec,
    setComment: (table, comment) => `ALTER TABLE ${table} COMMENT = ${quoteSql(comment)}`,
    count: (table) => on(async (c) => Number(((await c.query(`SELECT count(*) AS n FROM ${table}`))[0] as { n: number }[])[0].n)),
    // a MySQL schema is its database: another name is refused rather than read as nothing
    noSuchSchema: (ns) => `${ns}      schema: nosuch\n`,
  };
}

function config(dir: string, namespace: string): string {
  return namespaceConfig(dir, "shop", namespace);
}

const byName = (rows: readonly StoredRow[]) => new Map(rows.map((r) => [String(r.table_name), r]));
const ok = (run: { code: number | null; stderr: string }, what: string) => assert.equal(run.code, 0, `${what}: ${run.stderr}`);

for (const make of [duckdb, postgresql, mariadb]) {
  describe(`refreshing a store from ${make().name}`, () => {
    test("the guide's full migration, then its fast migration with --force: nothing the catalog said is lost", async (t) => {
      const engine = make();
      const dir = tempDir(t);
      const cfg = config(dir, await engine.create(t, dir));
      const store = path.join(dir, "stores", "datus_db_shop");
      ok(await runCli(["bootstrap", "--config", cfg, "--namespace", "shop", "--extract-statistics=true"], { cwd: dir }), "bootstrap");
      const imported = byName(await readRows(store));
      for (const table of TABLES) {
        const row = imported.get(table.name)!;
        assert.equal(row.table_comment, table.comment, `${table.name}: the catalog's table comment`);
        assert.equal(row.row_count, await engine.count(table.name), `${table.name}: row_count is the engine's count`);
      }
      assert.match(String(imported.get("orders")!.column_enums), /shipped/, "the status codes are enums");

      ok(await runCli(["migrate", "--config", cfg, "--namespace", "shop", "--force"], { cwd: dir }), "migrate --force");
      const after = byName(await readRows(store));
      assert.equal(after.size, TABLES.length);
      for (const table of TABLES) {
        const before = imported.get(table.name)!;
        const now = after.get(table.name)!;
        for (const field of ["table_comment", "column_comments", "column_enums", "row_count", "sample_statistics"] as const) {
          assert.deepEqual(now[field], before[field], `${table.name}.${field} kept by the forced re-migration`);
        }
      }
    });

    test("a table dropped in the database leaves the store at the next bootstrap, and the summary says so", async (t) => {
      const engine = make();
      const dir = tempDir(t);
      const cfg = config(dir, await engine.create(t, dir));
      const store = path.join(dir, "stores", "datus_db_shop");
      ok(await runCli(["bootstrap", "--config", cfg, "--namespace", "shop"], { cwd: dir }), "bootstrap");
      assert.equal((await readRows(store)).length, TABLES.length);
      await engine.exec("DROP TABLE items");
      const run = await runCli(["bootstrap", "--config", cfg, "--namespace", "shop", "--incremental"], { cwd: dir });
      ok(run, "bootstrap --incremental");
      assert.match(run.stdout, /^Removed: 1 tables the database no longer has/m);
      assert.match(run.stderr, /removed 1 tables the database no longer has: [^\n]*items/);
      assert.deepEqual([...byName(await readRows(store)).keys()].sort(), ["customers", "orders"]);
    });

    test("--incremental redoes a table whose comment alone changed, and only that one", async (t) => {
      const engine = make();
      const dir = tempDir(t);
      const cfg = config(dir, await engine.create(t, dir));
      const store = path.join(dir, "stores", "datus_db_shop");
      ok(await runCli(["bootstrap", "--config", cfg, "--namespace", "shop"], { cwd: dir }), "bootstrap");
      const unchanged = await runCli(["bootstrap", "--config", cfg, "--namespace", "shop", "--incremental"], { cwd: dir });
      ok(unchanged, "bootstrap --incremental, nothing changed");
      assert.match(unchanged.stdout, new RegExp(`\\(${TABLES.length} unchanged, skipped\\)`));
      await engine.exec(engine.setComment("orders", "every order a customer placed"));
      const run = await runCli(["bootstrap", "--config", cfg, "--namespace", "shop", "--incremental"], { cwd: dir });
      ok(run, "bootstrap --incremental after the comment change");
      assert.match(run.stdout, new RegExp(`\\(${TABLES.length - 1} unchanged, skipped\\)`));
      assert.equal(byName(await readRows(store)).get("orders")?.table_comment, "every order a customer placed");
    });

    test("a schema the database does not have is an error naming it, and the store is untouched", async (t) => {
      const engine = make();
      const dir = tempDir(t);
      const ns = await engine.create(t, dir);
      const cfg = config(dir, ns);
      ok(await runCli(["bootstrap", "--config", cfg, "--namespace", "shop"], { cwd: dir }), "bootstrap");
      const before = fileHashes(path.join(dir, "stores"));
      const run = await runCli(["bootstrap", "--config", config(dir, engine.noSuchSchema(ns)), "--namespace", "shop"], { cwd: dir });
      assert.notEqual(run.code, 0, run.stdout);
      assert.match(run.stderr, /^error: .*nosuch/m);
      assert.match(run.stderr, /^hint: /m);
      assert.deepEqual(fileHashes(path.join(dir, "stores")), before, "the store is as it was");
    });
  });
}
