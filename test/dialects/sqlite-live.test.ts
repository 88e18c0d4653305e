/**
 * SQLite as a user runs it: the corpus' Chinook (its SQLite script, as it is) written to a database file by
 * sql.js, then `bootstrap` and `migrate --import-schemas --extract-statistics=true` through the CLI, every v1
 * row checked against the file's catalog as sql.js reads it (not the driver under test) and its row_count
 * against SELECT count(*). Then the source itself: max_connections, the statement timeout, interrupt, and a
 * file that is only read.
 */
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { DatusError } from "../../src/errors.js";
import { openLiveSource } from "../../src/dialects/live-source.js";
import { SqliteSource } from "../../src/dialects/sqlite/sqlite-source.js";
import { parseDdl } from "../../src/ddl/parse-ddl.js";
import { writeV0Store } from "../../src/store/v0-store.js";
import { corpusFile, corpusTables } from "../helpers/corpus.js";
import { readSqliteCatalog, sqliteRows, withSqliteFile, writeSqliteFile } from "../helpers/engines.js";
import { reportLine, runCli, tempDir } from "../helpers/env.js";
import { readRows } from "../helpers/store-rows.js";

const CHINOOK = "chinook/chinook_sqlite.sql";
const CHINOOK_TABLES = 11;
let dir = "";
let file = "";

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "datus-schema-sqlite-"));
  file = path.join(dir, "chinook.db");
  await writeSqliteFile(file, corpusFile(CHINOOK));
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

function sha256(p: string): string {
  return crypto.createHash("sha256").update(fs.readFileSync(p)).digest("hex");
}

function config(at: string, db: string, extra = ""): string {
  const cfg = path.join(at, "agent.yml");
  fs.writeFileSync(
    cfg,
    `agent:\n  storage:\n    base_path: ${path.join(at, "stores")}\n    database:\n      registry_name: hashing\n      model_name: datus-schema-hashing\n      dim_size: 384\n` +
      `  namespace:\n    chinook:\n      type: sqlite\n      uri: sqlite:///${db}\n      max_connections: 2\n${extra}`,
  );
  return cfg;
}

/** Every stored row against what sql.js says about the file; returns the number of foreign-key columns checked. */
async function checkAgainstCatalog(store: string): Promise<number> {
  return withSqliteFile(file, async (db) => {
    const catalog = readSqliteCatalog(db);
    const rows = new Map((await readRows(store)).map((r) => [String(r.table_name), r]));
    assert.equal(rows.size, Object.keys(catalog).length, "one v1 row per table and view");
    let foreignKeys = 0;
    for (const [name, truth] of Object.entries(catalog)) {
      const row = rows.get(name);
      assert.ok(row, `${name} is in the store`);
      assert.equal(row.metadata_version, 1);
      assert.equal(row.identifier, `chinook.${name}`, "canonical identifier: file stem . table");
      assert.equal(row.database_name, "chinook");
      assert.equal(row.schema_name, "");
      assert.equal(row.table_type, truth.kind);
      const [master] = sqliteRows(db, "SELECT sql FROM sqlite_master WHERE name = ?", [name]);
      assert.equal(row.definition, master.sql, `${name}: definition is sqlite_master.sql byte for byte`);
      assert.equal(String(row.table_comment), "", "SQLite keeps no comments");
      const ddl = parseDdl(String(row.definition), "sqlite");
      assert.deepEqual(ddl.columns.map((c) => c.name), truth.columns.map((c) => c.name), `${name}: columns in order`);
      assert.deepEqual(ddl.columns.map((c) => c.type.toUpperCase().replace(/\s+/g, "")), truth.columns.map((c) => c.type.toUpperCase().replace(/\s+/g, "")), `${name}: declared types`);
      assert.deepEqual(ddl.columns.map((c) => c.nullable), truth.columns.map((c) => c.nullable), `${name}: nullability`);
      assert.deepEqual(ddl.primaryKey, truth.primaryKey, `${name}: primary key`);
      const edges = (JSON.parse(String(row.relationship_metadata)) as { foreign_keys?: { from_column: string; to_table: string; to_column: string }[] }).foreign_keys ?? [];
      for (const fk of truth.foreignKeys) {
        for (let i = 0; i < fk.from.length; i++) {
          assert.ok(edges.some((e) => e.from_column === fk.from[i] && e.to_table.split(".").pop() === fk.toTable && e.to_column === fk.to[i]), `${name}.${fk.from[i]} -> ${fk.toTable}.${fk.to[i]}`);
          foreignKeys++;
        }
      }
      const [counted] = sqliteRows(db, `SELECT count(*) AS n FROM "${name.replace(/"/g, '""')}"`);
      assert.equal(row.row_count, Number(counted.n), `${name}: row_count is SELECT count(*)`);
    }
    // one column's figures against the engine's own aggregates (Track has fewer rows than the sample: exact)
    const track = rows.get("Track")!;
    const stats = JSON.parse(String(track.sample_statistics)) as Record<string, { min: number; max: number; distinct: number; mean: number }>;
    const [truth] = sqliteRows(db, "SELECT min(Milliseconds) AS lo, max(Milliseconds) AS hi, count(DISTINCT GenreId) AS genres, avg(UnitPrice) AS price FROM Track");
    assert.equal(stats.Milliseconds.min, truth.lo);
    assert.equal(stats.Milliseconds.max, truth.hi);
    assert.equal(stats.GenreId.distinct, truth.genres);
    assert.ok(Math.abs(stats.UnitPrice.mean - Number(truth.price)) < 1e-9, "mean of a NUMERIC column");
    // a low-cardinality column's values with their counts, as a GROUP BY of the engine says, and how they were read
    const media = (JSON.parse(String(track.sample_statistics)) as Record<string, { top_values?: { value: string; count: number }[]; method?: string }>).MediaTypeId;
    const grouped = sqliteRows(db, "SELECT CAST(MediaTypeId AS TEXT) AS v, count(*) AS n FROM Track GROUP BY MediaTypeId");
    assert.deepEqual(
      (media.top_values ?? []).map((v) => [v.value, v.count]).sort(),
      grouped.map((g) => [String(g.v), Number(g.n)]).sort(),
      "Track.MediaTypeId top values",
    );
    assert.equal(media.method, "exact", "Track fits in the sample: read whole");
    return foreignKeys;
  });
}

test("bootstrap of Chinook in SQLite: every row matches the file's catalog, row counts exact, the file only read", async (t) => {
  const at = tempDir(t);
  const before = sha256(file);
  const run = await runCli(["bootstrap", "--config", config(at, file), "--namespace", "chinook", "--workers", "2"], { cwd: at });
  assert.equal(run.code, 0, run.stderr);
  const fks = await checkAgainstCatalog(path.join(at, "stores", "datus_db_chinook"));
  assert.ok(fks >= 11, `foreign keys checked: ${fks}`);
  assert.equal(sha256(file), before, "the database file is unchanged");
  assert.deepEqual(fs.readdirSync(dir), ["chinook.db"], "no journal or lock file was left beside it");
});

test("migrate --import-schemas --extract-statistics=true on a v0 store of Chinook: the same identifiers, no duplicates, figures exact", async (t) => {
  const at = tempDir(t);
  const cfg = config(at, file);
  const store = path.join(at, "stores", "datus_db_chinook");
  const v0 = corpusTables(CHINOOK, "sqlite", "chinook");
  assert.equal(v0.length, CHINOOK_TABLES);
  await writeV0Store(store, v0);
  const run = await runCli(["migrate", "--config", cfg, "--namespace", "chinook", "--import-schemas", "--extract-statistics=true", "--workers", "2"], { cwd: at });
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(reportLine(run.stdout, "v1 records"), [CHINOOK_TABLES, CHINOOK_TABLES], "the import upserts the migrated identifiers");
  assert.deepEqual(reportLine(run.stdout, "row_count"), [CHINOOK_TABLES, CHINOOK_TABLES]);
  await checkAgainstCatalog(store);
});

test("bootstrap --database must be the file stem and --schema main; anything else is a clear error", async (t) => {
  const at = tempDir(t);
  const cfg = config(at, file);
  const wrongDb = await runCli(["bootstrap", "--config", cfg, "--namespace", "chinook", "--database", "nosuch"], { cwd: at });
  assert.equal(wrongDb.code, 1, wrongDb.stderr);
  assert.match(wrongDb.stderr, /^error: .*nosuch.*its database is chinook/m);
  const wrongSchema = await runCli(["bootstrap", "--config", cfg, "--namespace", "chinook", "--schema", "nosuch"], { cwd: at });
  assert.equal(wrongSchema.code, 1, wrongSchema.stderr);
  assert.match(wrongSchema.stderr, /^error: .*no schema nosuch/m);
  assert.match(wrongSchema.stderr, /^hint: /m);
});

/** The descriptors this process has open on `db` (each SQLite connection holds the file open once). */
function openHandles(db: string): number {
  let n = 0;
  for (const fd of fs.readdirSync("/proc/self/fd")) {
    try {
      if (fs.readlinkSync(`/proc/self/fd/${fd}`) === db) n++;
    } catch {
      // closed while listing
    }
  }
  return n;
}

test("the source never holds more than max_connections connections, however many calls wait", { skip: !fs.existsSync("/proc/self/fd") && "needs /proc" }, async () => {
  const source = await SqliteSource.open(file, { maxConnections: 2 });
  try {
    const tables = await source.listTables({});
    let most = 0;
    const sampler = setInterval(() => (most = Math.max(most, openHandles(file))), 1);
    const stats = await Promise.all([...tables, ...tables, ...tables].map((t) => source.tableStatistics(t.source, { sampleRows: 1000 })));
    clearInterval(sampler);
    most = Math.max(most, openHandles(file));
    assert.equal(stats.length, tables.length * 3);
    assert.ok(most >= 1 && most <= 2, `at most 2 connections open (saw ${most})`);
  } finally {
    await source.close();
  }
  assert.equal(openHandles(file), 0, "close releases every connection");
});

test("a statement slower than statement_timeout is stopped on time; interrupt() stops a running one at once", async (t) => {
  const at = tempDir(t);
  const slow = path.join(at, "slow.db");
  // counting this view means walking ten billion rows: far longer than any timeout here
  await writeSqliteFile(slow, `CREATE TABLE t (id INTEGER PRIMARY KEY); CREATE VIEW endless AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 10000000000) SELECT x AS id FROM c;`);
  const source = await openLiveSource({ type: "sqlite", uri: slow, statementTimeoutSeconds: 1, maxConnections: 2 });
  try {
    const view = (await source.listTables({})).find((x) => x.source.tableName === "endless")!;
    let started = Date.now();
    await assert.rejects(source.tableStatistics(view.source, { sampleRows: 10 }), (err: unknown) => err instanceof DatusError && err.code === "source" && /statement_timeout/.test(err.message));
    assert.ok(Date.now() - started < 3000, `stopped after ${Date.now() - started} ms`);
    started = Date.now();
    const running = source.tableStatistics(view.source, { sampleRows: 10 });
    setTimeout(() => source.interrupt(), 200);
    await assert.rejects(running, (err: unknown) => err instanceof DatusError && /interrupted/.test(err.message));
    assert.ok(Date.now() - started < 900, `interrupted after ${Date.now() - started} ms, before the timeout`);
    await assert.rejects(source.listTables({}), /interrupted/, "no new statement after interrupt()");
  } finally {
    await source.close();
  }
});

test("a missing file is a source error naming it, and is not created", async (t) => {
  const at = tempDir(t);
  const missing = path.join(at, "nowhere.db");
  await assert.rejects(openLiveSource({ type: "sqlite", uri: missing }), (err: unknown) => err instanceof DatusError && err.code === "source" && err.message.includes(missing) && err.hint !== "");
  assert.deepEqual(fs.readdirSync(at), []);
});
