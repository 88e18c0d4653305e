/**
 * `bootstrap --dry-run` and `migrate --extract-statistics=true --dry-run` on every engine that plans its
 * statistics: each table is listed with the statements it would get and the rows each would read, which are
 * the engine's own catalog estimates (queried here); no store is made, an existing one is unchanged, and on
 * PostgreSQL no table's scan counters move.
 */
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { describe, test, type TestContext } from "node:test";
import mysql from "mysql2/promise";
import pg from "pg";
import { type DuckDbConnection, mariadbNamespace, postgresNamespace, sqliteRows, withDuckDbFile, withSqliteFile, writeSqliteFile } from "../helpers/engines.js";
import { fileHashes, runCli, tempDir } from "../helpers/env.js";
import { namespaceConfig } from "../helpers/tree.js";

const TABLES = [
  { name: "orders", rows: 400 },
  { name: "customers", rows: 3 },
  { name: "items", rows: 57 },
] as const;

interface Engine {
  readonly name: string;
  /** Creates TABLES, analysed; returns the namespace's YAML body. */
  create(t: TestContext, dir: string): Promise<string>;
  /** The engine's catalog estimate of each table's rows. */
  estimates(): Promise<Map<string, number>>;
  /** Files the engine's database lives in (their hashes must not change). */
  files(): string[];
}

const ddl = (t: (typeof TABLES)[number]) => `CREATE TABLE ${t.name} (id INTEGER PRIMARY KEY, status INTEGER, note VARCHAR(40))`;

function duckdb(): Engine {
  let file = "";
  const on = <T>(work: (c: DuckDbConnection) => Promise<T>): Promise<T> => withDuckDbFile(file, work);
  return {
    name: "duckdb",
    async create(_t, dir) {
      file = path.join(dir, "shop.duckdb");
      await on(async (c) => {
        for (const t of TABLES) {
          await c.run(ddl(t));
          await c.run(`INSERT INTO ${t.name} SELECT g, g % 3, 'n' || g FROM range(1, ${t.rows + 1}) AS s(g)`);
        }
      });
      return `      type: duckdb\n      uri: ${file}\n`;
    },
    estimates: () => on(async (c) => new Map((await c.runAndReadAll("SELECT table_name, estimated_size FROM duckdb_tables()")).getRowObjectsJS().map((r) => [String(r.table_name), Number(r.estimated_size)]))),
    files: () => [file],
  };
}

/** SQLite keeps an estimate only where ANALYZE left one: the file is analysed, as a user's would be for this. */
function sqlite(): Engine {
  let file = "";
  return {
    name: "sqlite",
    async create(_t, dir) {
      file = path.join(dir, "shop.sqlite");
      const inserts = TABLES.map((t) => `WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ${t.rows}) INSERT INTO ${t.name} SELECT n, n % 3, 'n' || n FROM g;`);
      await writeSqliteFile(file, `${TABLES.map((t) => `${ddl(t)};`).join("\n")}\n${inserts.join("\n")}\nANALYZE;`);
      return `      type: sqlite\n      uri: ${file}\n`;
    },
    estimates: () => withSqliteFile(file, (db) => new Map(sqliteRows(db, "SELECT tbl, stat FROM sqlite_stat1").map((r) => [String(r.tbl), Number(String(r.stat).split(" ")[0])]))),
    files: () => [file],
  };
}

const pgClient = (db: string) => new pg.Client({ host: process.env.PGHOST ?? "127.0.0.1", port: Number(process.env.PGPORT ?? 5432), user: process.env.PGUSER ?? "postgres", password: process.env.PGPASSWORD, database: db });

function postgresql(): Engine & { scans(): Promise<Map<string, number>> } {
  let database = "";
  const on = async <T>(db: string, work: (c: pg.Client) => Promise<T>): Promise<T> => {
    const c = pgClient(db);
    await c.connect();
    try {
      return await work(c);
    } finally {
      await c.end();
    }
  };
  return {
    name: "postgresql",
    async create(t) {
      database = `datus_dry_${crypto.randomBytes(5).toString("hex")}`;
      await on(process.env.PGDATABASE ?? "test", (c) => c.query(`CREATE DATABASE ${database}`));
      t.after(() => on(process.env.PGDATABASE ?? "test", (c) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)));
      await on(database, async (c) => {
        for (const t of TABLES) {
          await c.query(ddl(t));
          await c.query(`INSERT INTO ${t.name} SELECT g, g % 3, 'n' || g FROM generate_series(1, ${t.rows}) AS s(g)`);
        }
        await c.query("ANALYZE");
      });
      return postgresNamespace(database);
    },
    estimates: () =>
      on(database, async (c) => new Map((await c.query<{ relname: string; reltuples: number }>("SELECT relname, reltuples FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace")).rows.map((r) => [r.relname, Math.round(Number(r.reltuples))]))),
    files: () => [],
    /** seq_scan + idx_scan of every table, read fresh (a new snapshot). */
    scans: () =>
      on(database, async (c) => {
        await c.query("SELECT pg_stat_clear_snapshot()");
        return new Map((await c.query<{ relname: string; n: string }>("SELECT relname, coalesce(seq_scan, 0) + coalesce(idx_scan, 0) AS n FROM pg_stat_user_tables")).rows.map((r) => [r.relname, Number(r.n)]));
      }),
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
  return {
    name: "mariadb",
    async create(t) {
      database = `datus_dry_${crypto.randomBytes(5).toString("hex")}`;
      await on((c) => c.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4`), false);
      t.after(() => on((c) => c.query(`DROP DATABASE IF EXISTS \`${database}\``), false));
      await on(async (c) => {
        for (const t of TABLES) {
          await c.query(ddl(t));
          await c.query(`INSERT INTO ${t.name} SELECT seq, seq % 3, concat('n', seq) FROM seq_1_to_${t.rows}`);
          await c.query(`ANALYZE TABLE ${t.name}`);
        }
      });
      return mariadbNamespace(database);
    },
    estimates: () =>
      on(async (c) => new Map(((await c.query("SELECT TABLE_NAME AS name, TABLE_ROWS AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?", [database]))[0] as { name: string; n: number }[]).map((r) => [r.name, Number(r.n)]))),
    files: () => [],
  };
}

function config(dir: string, namespace: string): string {
  return namespaceConfig(dir, "shop", namespace);
}

interface PlannedJson {
  readonly event: string;
  readonly table?: string;
  readonly statements?: { sql: string; estimated_rows: number | null; purpose: string }[];
  readonly tables?: number;
  readonly estimated_rows?: number;
}

const jsonLines = (stdout: string): PlannedJson[] => stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as PlannedJson);
const hashesOf = (files: readonly string[]) => files.map((f) => crypto.createHash("sha256").update(fs.readFileSync(f)).digest("hex"));

/** Every table is planned, its row count and column statements reading the engine's estimate; the total adds up. */
function checkPlans(lines: readonly PlannedJson[], estimates: ReadonlyMap<string, number>): void {
  const tables = lines.filter((l) => l.event === "dry_run_table");
  assert.equal(tables.length, TABLES.length, "one object per table");
  for (const t of TABLES) {
    const plan = tables.find((l) => l.table?.split(".").pop() === t.name);
    assert.ok(plan?.statements, `${t.name} is planned: ${JSON.stringify(plan)}`);
    const truth = estimates.get(t.name);
    assert.ok(truth !== undefined && truth > 0, `${t.name}: the engine has an estimate (${truth})`);
    const count = plan.statements.find((s) => /count\(\*\) AS n FROM/.test(s.sql) && s.purpose.startsWith("row_count"));
    assert.ok(count, `${t.name}: a row count statement`);
    assert.match(count.sql, new RegExp(t.name));
    assert.equal(count.estimated_rows, truth, `${t.name}: the count reads the catalog's estimate`);
    const figures = plan.statements.find((s) => s.purpose.startsWith("column figures"));
    assert.equal(figures?.estimated_rows, truth, `${t.name}: the column figures read every row of a small table`);
    assert.ok(plan.statements.some((s) => s.purpose.startsWith("top values")), `${t.name}: a top-values statement (status has 3 values)`);
  }
  const total = lines.find((l) => l.event === "dry_run");
  const sum = tables.reduce((a, l) => a + l.statements!.reduce((b, s) => b + (s.estimated_rows ?? 0), 0), 0);
  assert.equal(total?.tables, TABLES.length);
  assert.equal(total?.estimated_rows, sum);
}

for (const make of [duckdb, postgresql, mariadb, sqlite]) {
  describe(`--dry-run on ${make().name}`, () => {
    test("bootstrap --dry-run --extract-statistics=true lists each table's statements with the rows they would read, and touches nothing", async (t) => {
      const engine = make();
      const dir = tempDir(t);
      const cfg = config(dir, await engine.create(t, dir));
      const store = path.join(dir, "stores", "datus_db_shop");
      const estimates = await engine.estimates();
      const files = hashesOf(engine.files());
      const pgEngine = engine.name === "postgresql" ? (engine as ReturnType<typeof postgresql>) : undefined;
      const scansBefore = await pgEngine?.scans();

      const run = await runCli(["bootstrap", "--config", cfg, "--namespace", "shop", "--extract-statistics=true", "--dry-run", "--log-format=json"], { cwd: dir });
      assert.equal(run.code, 0, run.stderr);
      checkPlans(jsonLines(run.stdout), estimates);
      const text = await runCli(["bootstrap", "--config", cfg, "--namespace", "shop", "--extract-statistics=true", "--dry-run"], { cwd: dir });
      assert.equal(text.code, 0, text.stderr);
      for (const table of TABLES) {
        assert.match(text.stdout, new RegExp(`\\.${table.name}: \\d statement\\(s\\), ~\\d+ rows read\\n  1\\. row_count: count every row: ~${estimates.get(table.name)} rows\\n     SELECT count`));
      }
      assert.match(text.stdout, /^dry run total: 3 table\(s\), \d+ statement\(s\), ~\d+ rows read; nothing was run$/m);

      assert.equal(fs.existsSync(store), false, "no store, lock or backup directory");
      assert.deepEqual(hashesOf(engine.files()), files, "the database file is unchanged");
      if (pgEngine && scansBefore) {
        // the tool's sessions have ended (their counters are flushed at exit); give the collector a moment
        await new Promise((r) => setTimeout(r, 1500));
        assert.deepEqual(await pgEngine.scans(), scansBefore, "no table was scanned");
        // the check can see a scan: a real bootstrap with statistics moves the counters
        assert.equal((await runCli(["bootstrap", "--config", cfg, "--namespace", "shop", "--extract-statistics=true"], { cwd: dir })).code, 0);
        let after = await pgEngine.scans();
        for (let i = 0; i < 20 && [...after].every(([k, v]) => v === scansBefore.get(k)); i++) {
          await new Promise((r) => setTimeout(r, 500));
          after = await pgEngine.scans();
        }
        for (const table of TABLES) assert.ok(after.get(table.name)! > scansBefore.get(table.name)!, `a real run scans ${table.name}`);
      }
    });

    test("migrate --extract-statistics=true --dry-run plans the statistics of the store's tables and leaves the store as it was", async (t) => {
      const engine = make();
      const dir = tempDir(t);
      const cfg = config(dir, await engine.create(t, dir));
      const store = path.join(dir, "stores", "datus_db_shop");
      assert.equal((await runCli(["bootstrap", "--config", cfg, "--namespace", "shop", "--extract-statistics=false"], { cwd: dir })).code, 0);
      const before = fileHashes(store);
      const estimates = await engine.estimates();
      const run = await runCli(["migrate", "--config", cfg, "--namespace", "shop", "--extract-statistics=true", "--force", "--dry-run", "--log-format=json"], { cwd: dir });
      assert.equal(run.code, 0, run.stderr);
      checkPlans(jsonLines(run.stdout), estimates);
      assert.deepEqual(fileHashes(store), before, "the store's files are unchanged");
    });
  });
}
