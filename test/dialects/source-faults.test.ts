/**
 * Faults of a live source and hostile names in it, per engine: written once, run for every engine the tool
 * reads live (DuckDB today; the live-databases work adds its engines to ENGINES). A failing source is an
 * `error:` + `hint:` and leaves the store as it was; a slow statement is stopped at statement_timeout,
 * retried, then reported, and what the store had for that table is kept; names built to break SQL are
 * read and profiled right, and the source is only read.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { describe, test, type TestContext } from "node:test";
import mysql from "mysql2/promise";
import pg from "pg";
import { type DuckDbConnection, mariadbNamespace, postgresNamespace, sqliteRows, withDuckDbFile, withSqliteFile, writeSqliteFile } from "../helpers/engines.js";
import { readRows } from "../helpers/store-rows.js";
import { CLI, fileHashes, runCli, tempDir, type CliResult } from "../helpers/env.js";
import { namespaceConfig } from "../helpers/tree.js";

/** Names that break naive quoting, string building and terminals. */
export const HOSTILE_NAMES = [
  `x"; DROP TABLE y; --`,
  "it's",
  "back`tick",
  "with space",
  "dot.ted",
  "new\nline",
  "订单明细",
  "Ünïcödé",
  "semi;colon",
  "[brackets]",
] as const;

interface Table {
  readonly name: string;
  readonly column: string;
  readonly rows: number;
}

/** One engine as these tests drive it: build a database, name it in a config, and break it. */
interface EngineUnderTest {
  readonly name: string;
  /** Create the tables (each: an id column, the named text column, `rows` rows) and return the namespace's YAML body. */
  create(t: TestContext, dir: string, tables: readonly Table[]): Promise<string>;
  /** Row count of a table, asked of the engine directly (the truth the tool's row_count is checked against). */
  count(table: string): Promise<number>;
  /** Turn a table into a view whose every scan takes `seconds` (default: long enough to outlast a 1-second statement timeout). */
  makeSlow(table: string, seconds?: number): Promise<void>;
  /** The namespace's YAML body pointing at a database that is not there. */
  missing(dir: string): string;
  /** What the error about the missing database names. */
  readonly missingName: string;
  /** Hold the database the way a competing writer would, when the engine has such a thing; returns the release. */
  readonly lock?: () => Promise<() => Promise<void>>;
  /** What the error about the held database names. */
  readonly lockedName?: string;
  /** A namespace whose credentials the server refuses, when the engine has credentials. */
  readonly badCredentials?: (dir: string) => string;
  /** A namespace pointing at a port where no server listens, when the engine is a server. */
  readonly refused?: () => string;
  /** Whether the tool has a statement running that reads `table` now (server engines). */
  readonly querying?: (table: string) => Promise<boolean>;
  /** End every session the tool holds on the test database, as a server restart would; returns how many. */
  readonly killSessions?: () => Promise<number>;
}

function duckdbEngine(): EngineUnderTest {
  let file = "";
  const withConn = <T>(work: (c: DuckDbConnection) => Promise<T>): Promise<T> => withDuckDbFile(file, work);
  const q = (name: string) => `"${name.replace(/"/g, '""')}"`;
  return {
    name: "duckdb",
    async create(_t, dir, tables) {
      file = path.join(dir, "source.duckdb");
      await withConn(async (conn) => {
        for (const t of tables) {
          await conn.run(`CREATE TABLE ${q(t.name)} (id INTEGER PRIMARY KEY, ${q(t.column)} VARCHAR)`);
          await conn.run(`COMMENT ON TABLE ${q(t.name)} IS 'hostile ''${t.name.replace(/'/g, "''")}'' table'`);
          await conn.run(`INSERT INTO ${q(t.name)} SELECT range, 'v' || (range % 3) FROM range(${t.rows})`);
        }
      });
      return `      type: duckdb\n      uri: ${file}\n      max_connections: 2\n      statement_timeout: 1\n`;
    },
    count: (table) => withConn(async (conn) => Number((await conn.runAndReadAll(`SELECT count(*) AS n FROM ${q(table)}`)).getRowObjectsJS()[0].n)),
    makeSlow: (table) =>
      withConn(async (conn) => {
        await conn.run(`DROP TABLE ${q(table)}`);
        // counting this view means summing ten billion rows: far longer than a 1-second timeout
        await conn.run(`CREATE VIEW ${q(table)} AS SELECT a.range AS id, 'v' AS ${q("c")} FROM range(100000) a, range(100000) b`);
      }),
    missing: (dir) => `      type: duckdb\n      uri: ${path.join(dir, "nowhere.duckdb")}\n`,
    missingName: "nowhere.duckdb",
    lockedName: "source.duckdb",
    async lock() {
      // another process opening the file for writing, as a loader or a notebook would; the timer keeps the
      // instance referenced, or the garbage collector may close it (and free the lock) while the test runs
      const child = spawn(process.execPath, ["--input-type=module", "-e", `import { DuckDBInstance } from "@duckdb/node-api"; const i = await DuckDBInstance.create(${JSON.stringify(file)}); const c = await i.connect(); await c.run("CREATE TABLE IF NOT EXISTS held (x INT)"); console.log("held"); setInterval(() => void [i, c], 1000);`], {
        cwd: path.dirname(new URL(import.meta.url).pathname),
        stdio: ["ignore", "pipe", "inherit"],
      });
      await new Promise<void>((resolve, reject) => {
        child.stdout.on("data", (d: Buffer) => d.toString().includes("held") && resolve());
        child.on("exit", (code) => reject(new Error(`the locking process exited (${code})`)));
      });
      return async () => {
        child.kill("SIGKILL");
        await new Promise((r) => child.once("close", r));
      };
    },
  };
}

function postgresEngine(): EngineUnderTest {
  const admin = () => new pg.Client({ host: process.env.PGHOST ?? "127.0.0.1", port: Number(process.env.PGPORT ?? 5432), user: process.env.PGUSER ?? "postgres", password: process.env.PGPASSWORD, database: process.env.PGDATABASE ?? "test" });
  let database = "";
  const q = (name: string) => `"${name.replace(/"/g, '""')}"`;
  const run = async <T>(work: (c: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ host: process.env.PGHOST ?? "127.0.0.1", port: Number(process.env.PGPORT ?? 5432), user: process.env.PGUSER ?? "postgres", password: process.env.PGPASSWORD, database });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  return {
    name: "postgresql",
    async create(t, _dir, tables) {
      database = `datus_faults_${crypto.randomBytes(5).toString("hex")}`;
      const a = admin();
      await a.connect();
      await a.query(`CREATE DATABASE ${database}`);
      await a.end();
      t.after(async () => {
        const b = admin();
        await b.connect();
        await b.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
        await b.end();
      });
      await run(async (c) => {
        for (const table of tables) {
          await c.query(`CREATE TABLE ${q(table.name)} (id INTEGER PRIMARY KEY, ${q(table.column)} VARCHAR(40))`);
          await c.query(`COMMENT ON TABLE ${q(table.name)} IS 'hostile ''${table.name.replace(/'/g, "''")}'' table'`);
          await c.query(`INSERT INTO ${q(table.name)} SELECT g, 'v' || (g % 3) FROM generate_series(0, ${table.rows - 1}) g`);
        }
      });
      return postgresNamespace(database, { max_connections: 2, statement_timeout: 1, schema: "public" });
    },
    count: (table) => run(async (c) => Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${q(table)}`)).rows[0].n)),
    makeSlow: (table, seconds = 600) =>
      run(async (c) => {
        await c.query(`DROP TABLE ${q(table)}`);
        await c.query(`CREATE VIEW ${q(table)} AS SELECT g AS id, 'v'::text AS c FROM generate_series(1, 3) g, pg_sleep(${Number(seconds)})`);
      }),
    missing: () => postgresNamespace("datus_no_such_database"),
    missingName: "datus_no_such_database",
    badCredentials: () => postgresNamespace("test", { username: "datus_no_such_user" }),
    refused: () => postgresNamespace("test", { port: 1 }),
    querying: (table) =>
      run(async (c) => (await c.query("SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND application_name = 'datus-schema' AND state = 'active' AND position($2 in query) > 0", [database, table])).rowCount! > 0),
    killSessions: () =>
      run(async (c) => (await c.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'datus-schema'", [database])).rowCount ?? 0),
  };
}

function mariadbEngine(): EngineUnderTest {
  let database = "";
  const q = (name: string) => `\`${name.replace(/`/g, "``")}\``;
  const connect = () => mysql.createConnection({ host: process.env.MYSQL_HOST ?? "127.0.0.1", port: Number(process.env.MYSQL_PORT ?? 3306), user: process.env.MYSQL_USER ?? "root", password: process.env.MYSQL_PASSWORD ?? "" });
  const run = async <T>(work: (c: mysql.Connection) => Promise<T>, use = true): Promise<T> => {
    const conn = await connect();
    try {
      if (use) await conn.query(`USE ${q(database)}`);
      return await work(conn);
    } finally {
      await conn.end();
    }
  };
  return {
    name: "mariadb",
    async create(t, _dir, tables) {
      database = `datus_faults_${crypto.randomBytes(5).toString("hex")}`;
      await run((c) => c.query(`CREATE DATABASE ${q(database)} CHARACTER SET utf8mb4`), false);
      t.after(() => run((c) => c.query(`DROP DATABASE IF EXISTS ${q(database)}`), false));
      await run(async (c) => {
        for (const table of tables) {
          await c.query(`CREATE TABLE ${q(table.name)} (id INT PRIMARY KEY, ${q(table.column)} VARCHAR(40)) COMMENT = ?`, [`hostile '${table.name}' table`]);
          await c.query(`INSERT INTO ${q(table.name)} SELECT seq, CONCAT('v', seq % 3) FROM seq_0_to_${table.rows - 1}`);
        }
      });
      return mariadbNamespace(database, { max_connections: 2, statement_timeout: 1 });
    },
    count: (table) => run(async (c) => Number(((await c.query(`SELECT count(*) AS n FROM ${q(table)}`))[0] as { n: number }[])[0].n)),
    makeSlow: (table, seconds = 600) =>
      run(async (c) => {
        await c.query(`DROP TABLE ${q(table)}`);
        // SLEEP runs once per row: three rows
        await c.query(`CREATE VIEW ${q(table)} AS SELECT seq AS id, SLEEP(${Number(seconds) / 3}) AS c FROM seq_1_to_3`);
      }),
    missing: () => mariadbNamespace("datus_no_such_database"),
    missingName: "datus_no_such_database",
    badCredentials: () => mariadbNamespace("test", { username: "datus_no_such_user" }),
    refused: () => mariadbNamespace("test", { port: 1 }),
    querying: (table) =>
      run(async (c) => ((await c.query("SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID() AND INFO LIKE CONCAT('%', ?, '%')", [database, table]))[0] as unknown[]).length > 0, false),
    killSessions: () =>
      run(async (c) => {
        const [ids] = await c.query("SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()", [database]);
        for (const { id } of ids as { id: number }[]) await c.query(`KILL CONNECTION ${Number(id)}`).catch(() => undefined);
        return (ids as unknown[]).length;
      }, false),
  };
}

function sqliteEngine(): EngineUnderTest {
  let file = "";
  const q = (name: string) => `"${name.replace(/"/g, '""')}"`;
  // the file is written by sql.js, never by the driver under test; changes are written back whole
  const rewrite = async (sql: string) => {
    const current = await withSqliteFile(file, (db) => sqliteRows(db, "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL").map((r) => `${String(r.sql)};`).join("\n"));
    const data = await withSqliteFile(file, (db) =>
      sqliteRows(db, "SELECT name FROM sqlite_master WHERE type = 'table'").flatMap((t) =>
        sqliteRows(db, `SELECT * FROM ${q(String(t.name))}`).map((r) => `INSERT INTO ${q(String(t.name))} VALUES (${Object.values(r).map((v) => (typeof v === "number" ? v : `'${String(v).replace(/'/g, "''")}'`)).join(", ")});`),
      ),
    );
    fs.rmSync(file);
    await writeSqliteFile(file, [current, ...data, sql].join("\n"));
  };
  return {
    name: "sqlite",
    async create(_t, dir, tables) {
      file = path.join(dir, "source.db");
      const script = tables.map(
        (t) =>
          `CREATE TABLE ${q(t.name)} (id INTEGER PRIMARY KEY, ${q(t.column)} VARCHAR(40));\n` +
          `INSERT INTO ${q(t.name)} WITH RECURSIVE g(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM g WHERE n + 1 < ${t.rows}) SELECT n, 'v' || (n % 3) FROM g;`,
      );
      await writeSqliteFile(file, script.join("\n"));
      return `      type: sqlite\n      uri: ${file}\n      max_connections: 2\n      statement_timeout: 1\n`;
    },
    count: (table) => withSqliteFile(file, (db) => Number(sqliteRows(db, `SELECT count(*) AS n FROM ${q(table)}`)[0].n)),
    makeSlow: (table) =>
      // counting this view means walking ten billion rows: far longer than a 1-second timeout
      rewrite(`DROP TABLE ${q(table)}; CREATE VIEW ${q(table)} AS WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g LIMIT 10000000000) SELECT n AS id, 'v' AS c FROM g;`),
    missing: (dir) => `      type: sqlite\n      uri: ${path.join(dir, "nowhere.db")}\n`,
    missingName: "nowhere.db",
    lockedName: "source.db",
    async lock() {
      // another process writing to the file, holding SQLite's exclusive lock, as a loader would
      const child = spawn(process.execPath, ["-e", `const s = require("sqlite3"); const db = new s.Database(${JSON.stringify(file)}); db.exec("BEGIN EXCLUSIVE; CREATE TABLE held (x INT);", (e) => { if (e) { console.error(e); process.exit(1); } console.log("held"); }); setInterval(() => {}, 1000);`], {
        cwd: path.dirname(new URL(import.meta.url).pathname),
        stdio: ["ignore", "pipe", "inherit"],
      });
      await new Promise<void>((resolve, reject) => {
        child.stdout.on("data", (d: Buffer) => d.toString().includes("held") && resolve());
        child.on("exit", (code) => reject(new Error(`the locking process exited (${code})`)));
      });
      return async () => {
        child.kill("SIGKILL");
        await new Promise((r) => child.once("close", r));
      };
    },
  };
}

const ENGINES: readonly (() => EngineUnderTest)[] = [duckdbEngine, postgresEngine, mariadbEngine, sqliteEngine];

function config(dir: string, namespace: string): string {
  return namespaceConfig(dir, "src", namespace);
}

function assertActionable(run: CliResult, ...fragments: string[]): void {
  assert.match(run.stderr, /^error: /m, run.stderr);
  assert.match(run.stderr, /^hint: /m, run.stderr);
  assert.doesNotMatch(run.stderr, /\n\s+at [\w.<>]+ \(/, "no stack trace");
  for (const f of fragments) assert.ok(run.stderr.includes(f), `names ${f}:\n${run.stderr}`);
}

for (const make of ENGINES) {
  describe(`live source faults: ${make().name}`, () => {
    test("hostile table and column names are read and profiled right, and the source only read", async (t) => {
      const engine = make();
      const dir = tempDir(t);
      const tables = [...HOSTILE_NAMES.map((name, i) => ({ name, column: HOSTILE_NAMES[(i + 1) % HOSTILE_NAMES.length], rows: 5 + i })), { name: "y", column: "canary", rows: 3 }];
      const cfg = config(dir, await engine.create(t, dir, tables));
      const run = await runCli(["bootstrap", "--config", cfg, "--namespace", "src"], { cwd: dir });
      assert.equal(run.code, 0, run.stderr);
      const rows = await readRows(path.join(dir, "stores", "datus_db_src"));
      const byName = new Map(rows.map((r) => [String(r.table_name), r]));
      for (const table of tables) {
        const row = byName.get(table.name);
        assert.ok(row, `${JSON.stringify(table.name)} is in the store`);
        assert.equal(row.row_count, await engine.count(table.name), `${JSON.stringify(table.name)}: row_count is the engine's count`);
        const stats = JSON.parse(String(row.sample_statistics)) as Record<string, { distinct?: number }>;
        assert.equal(stats[table.column]?.distinct, Math.min(3, table.rows), `${JSON.stringify(table.column)} profiled`);
      }
      assert.equal(await engine.count("y"), 3, "the canary table y is still there: nothing but reads reached the source");
    });

    test("a missing database: error and hint naming it, the store untouched", async (t) => {
      const engine = make();
      const dir = tempDir(t);
      const cfg = config(dir, engine.missing(dir));
      const stores = path.join(dir, "stores");
      const run = await runCli(["bootstrap", "--config", cfg, "--namespace", "src"], { cwd: dir });
      assert.equal(run.code, 1, run.stderr);
      assertActionable(run, engine.missingName);
      assert.deepEqual(fileHashes(stores), new Map(), "no store was created");
    });

    test("credentials the server refuses: error and hint naming the user, nothing else said", { skip: make().badCredentials === undefined && "this engine has no credentials" }, async (t) => {
      const engine = make();
      const dir = tempDir(t);
      const cfg = config(dir, engine.badCredentials!(dir));
      const run = await runCli(["bootstrap", "--config", cfg, "--namespace", "src"], { cwd: dir });
      assert.equal(run.code, 1, run.stderr);
      assertActionable(run, "datus_no_such_user", "username");
      assert.deepEqual(fileHashes(path.join(dir, "stores")), new Map());
    });

    test("a server that refuses the connection: error and hint naming the address, the store untouched", { skip: make().refused === undefined && "this engine has no server" }, async (t) => {
      const engine = make();
      const dir = tempDir(t);
      const cfg = config(dir, engine.refused!());
      const run = await runCli(["bootstrap", "--config", cfg, "--namespace", "src"], { cwd: dir });
      assert.equal(run.code, 1, run.stderr);
      assertActionable(run, ":1/test", ".port");
      assert.deepEqual(fileHashes(path.join(dir, "stores")), new Map(), "no store was created");
    });

    test("the server ends the tool's sessions mid-run (a restart): statements are retried on new connections, the run completes right", { skip: make().killSessions === undefined && "this engine has no server" }, async (t) => {
      const engine = make();
      const dir = tempDir(t);
      const tables = [{ name: "orders", column: "status", rows: 40 }, ...Array.from({ length: 8 }, (_, i) => ({ name: `t${i}`, column: "c", rows: 10 + i }))];
      const cfg = config(dir, (await engine.create(t, dir, tables)).replace("statement_timeout: 1", "statement_timeout: 60"));
      const first = await runCli(["bootstrap", "--config", cfg, "--namespace", "src"], { cwd: dir });
      assert.equal(first.code, 0, `${first.signal ?? ""} ${first.stderr}`);
      await engine.makeSlow("orders", 2);
      const child = spawn(process.execPath, [CLI, "bootstrap", "--config", cfg, "--namespace", "src"], { cwd: dir, env: { ...process.env, FASTEMBED_CACHE_PATH: dir } });
      let stderr = "";
      child.stdout.resume();
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      const closed = new Promise<number | null>((resolve) => child.on("close", resolve));
      let killed = 0;
      for (let i = 0; i < 400 && killed === 0 && child.exitCode === null; i++) {
        if (await engine.querying!("orders")) killed = await engine.killSessions!();
        else await new Promise((r) => setTimeout(r, 25));
      }
      const code = await closed;
      assert.ok(killed > 0, "the tool's sessions were ended while it read orders");
      assert.equal(code, 0, stderr);
      const rows = new Map((await readRows(path.join(dir, "stores", "datus_db_src"))).map((r) => [String(r.table_name), r]));
      assert.equal(rows.size, tables.length, "every table is in the store once");
      for (const table of tables) assert.equal(rows.get(table.name)?.row_count, await engine.count(table.name), `${table.name}: row_count is the engine's count after the retry`);
    });

    test("a database held by a writer: error and hint, the store untouched", { skip: make().lock === undefined && "this engine has no exclusive writer" }, async (t) => {
      const engine = make();
      const dir = tempDir(t);
      const cfg = config(dir, await engine.create(t, dir, [{ name: "orders", column: "status", rows: 10 }]));
      assert.equal((await runCli(["bootstrap", "--config", cfg, "--namespace", "src"], { cwd: dir })).code, 0);
      const before = fileHashes(path.join(dir, "stores"));
      const release = await engine.lock!();
      try {
        const run = await runCli(["bootstrap", "--config", cfg, "--namespace", "src"], { cwd: dir });
        assert.equal(run.code, 1, run.stderr);
        assertActionable(run, engine.lockedName!);
      } finally {
        await release();
      }
      assert.deepEqual(fileHashes(path.join(dir, "stores")), before, "the store is as it was");
    });

    test("a statement slower than statement_timeout is stopped, retried, reported, and the stored figures kept", async (t) => {
      const engine = make();
      const dir = tempDir(t);
      const cfg = config(dir, await engine.create(t, dir, [{ name: "orders", column: "status", rows: 40 }, { name: "customers", column: "name", rows: 7 }]));
      assert.equal((await runCli(["bootstrap", "--config", cfg, "--namespace", "src"], { cwd: dir })).code, 0);
      const store = path.join(dir, "stores", "datus_db_src");
      const before = new Map((await readRows(store)).map((r) => [String(r.table_name), r]));
      await engine.makeSlow("orders");
      const started = Date.now();
      const run = await runCli(["bootstrap", "--config", cfg, "--namespace", "src"], { cwd: dir });
      const seconds = (Date.now() - started) / 1000;
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, /statistics failed for [^\n]*orders after 3 attempt\(s\): [^\n]*statement_timeout/);
      assert.ok(seconds < 30, `the slow view was stopped (${seconds.toFixed(1)} s)`);
      const after = new Map((await readRows(store)).map((r) => [String(r.table_name), r]));
      assert.equal(after.get("orders")?.row_count, before.get("orders")?.row_count, "the row count the store had is kept");
      assert.equal(after.get("orders")?.sample_statistics, before.get("orders")?.sample_statistics, "the statistics the store had are kept");
      assert.equal(after.get("customers")?.row_count, 7, "the rest of the run completed");
    });

    test("Ctrl-C or SIGTERM during a slow statement ends the run within seconds, exit 130 with the report; a second Ctrl-C at once", async (t) => {
      const engine = make();
      const dir = tempDir(t);
      const namespace = (await engine.create(t, dir, [{ name: "orders", column: "status", rows: 40 }])).replace("statement_timeout: 1", "statement_timeout: 600");
      const cfg = config(dir, namespace);
      await engine.makeSlow("orders");
      for (const signals of [["SIGINT"], ["SIGTERM"], ["SIGINT", "SIGINT"]] as const) {
        const child = spawn(process.execPath, [CLI, "bootstrap", "--config", cfg, "--namespace", "src"], { cwd: dir, env: { ...process.env, FASTEMBED_CACHE_PATH: dir } });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        const closed = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on("close", (c, sig) => resolve([c, sig])));
        // the slow view's statistics are running once the catalog was read and the rows are being enriched
        for (let i = 0; i < 200 && !/importing/.test(stderr + stdout); i++) await new Promise((r) => setTimeout(r, 50));
        await new Promise((r) => setTimeout(r, 1000));
        const sent = Date.now();
        for (const sig of signals) {
          child.kill(sig);
          await new Promise((r) => setTimeout(r, 100));
        }
        const [code, sig] = await closed;
        const seconds = (Date.now() - sent) / 1000;
        assert.ok(seconds < 10, `${signals.join("+")}: ended ${seconds.toFixed(1)} s after the signal`);
        if (signals.length === 1) {
          assert.equal(code, 130, `${signals[0]}: exit 130\n${stderr}`);
          assert.match(stdout, /LIVE IMPORT SUMMARY/, "the report is still printed");
        } else {
          // ended by our exit, by the SIGKILL we send ourselves, or by the default SIGINT once our handler is gone
          assert.ok(code === 130 || sig === "SIGKILL" || sig === "SIGINT", `a second Ctrl-C ends it (${code} ${sig})`);
        }
      }
    });
  });
}

test("hostile names in a v0 store migrate right: every row once, names and DDL exactly as stored", async (t) => {
  const dir = tempDir(t);
  const store = path.join(dir, "datus_db_hostile");
  const rows = HOSTILE_NAMES.map((name) => {
    const quoted = `"${name.replace(/"/g, '""')}"`;
    return {
      identifier: `shop.${name}`,
      catalogName: "",
      databaseName: "shop",
      schemaName: "",
      tableName: name,
      tableType: "table" as const,
      definition: `CREATE TABLE ${quoted} (id INT PRIMARY KEY, ${quoted} VARCHAR(20) COMMENT 'the ${name.replace(/'/g, "''")} column') COMMENT='${name.replace(/'/g, "''")}';`,
    };
  });
  const { writeV0Store } = await import("../../src/store/v0-store.js");
  await writeV0Store(store, rows);
  const cfg = config(dir, "      type: duckdb\n      uri: unused.duckdb\n");
  const run = await runCli(["migrate", "--config", cfg, "--db-path", store, "--dialect", "mysql"], { cwd: dir });
  assert.equal(run.code, 0, run.stderr);
  const migrated = await readRows(store);
  assert.equal(migrated.length, rows.length);
  const byId = new Map(migrated.map((r) => [String(r.identifier), r]));
  for (const row of rows) {
    const got = byId.get(row.identifier);
    assert.ok(got, `${JSON.stringify(row.identifier)} kept its identifier`);
    assert.equal(got.table_name, row.tableName);
    assert.equal(got.definition, row.definition, "DDL byte for byte");
    assert.equal(got.metadata_version, 1);
  }
});
