/**
 * `bootstrap` against the machine's PostgreSQL, as a user runs it: the corpus' Chinook and Sakila loaded into
 * databases of their own, then every v1 row checked against the engine's catalog (read by the test, not by the
 * code under test) and its row_count against SELECT count(*); max_connections held across the whole run as
 * pg_stat_activity shows it; a user with nothing but SELECT rights is enough.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import type pg from "pg";
import { parseDdl, splitStatements } from "../../src/ddl/parse-ddl.js";
import { corpusFile } from "../helpers/corpus.js";
import { mostToolSessions, postgresNamespace, readPostgresCatalog, structureStatements, withPostgresDatabase } from "../helpers/engines.js";
import { runCli, tempDir } from "../helpers/env.js";
import { namespaceConfig } from "../helpers/tree.js";
import { readRows } from "../helpers/store-rows.js";

/** The structure of a corpus script as the ground-truth loader runs it, then its INSERTs (Chinook has them inline). */
function corpusStatements(file: string): string[] {
  const sql = corpusFile(file);
  const inserts = splitStatements(sql, "postgresql").filter((s) => /^\s*INSERT\s+INTO/i.test(s));
  return [...structureStatements(sql, "postgresql").statements, ...inserts];
}

function config(dir: string, namespace: string): string {
  return namespaceConfig(dir, "pg", namespace);
}

async function checkAgainstCatalog(client: pg.Client, store: string): Promise<number> {
  const catalog = await readPostgresCatalog(client);
  const rows = new Map((await readRows(store)).map((r) => [String(r.table_name), r]));
  assert.equal(rows.size, Object.keys(catalog).length, "one v1 row per table and view");
  let foreignKeys = 0;
  for (const [name, truth] of Object.entries(catalog)) {
    const row = rows.get(name);
    assert.ok(row, `${name} is in the store`);
    assert.equal(row.metadata_version, 1);
    assert.equal(row.table_type, truth.kind === "view" ? "view" : row.table_type === "mv" ? "mv" : "table");
    assert.equal(String(row.table_comment), truth.comment, `${name}: table comment`);
    const comments = JSON.parse(String(row.column_comments)) as Record<string, string>;
    for (const c of truth.columns) assert.equal(comments[c.name] ?? "", c.comment, `${name}.${c.name}: column comment`);
    // the stored DDL, read back, has the catalog's columns, types, keys
    const ddl = parseDdl(String(row.definition), "postgresql");
    if (truth.kind === "table") {
      assert.deepEqual(ddl.columns.map((c) => c.name), truth.columns.map((c) => c.name), `${name}: columns in order`);
      assert.deepEqual(ddl.columns.map((c) => c.type.toLowerCase()), truth.columns.map((c) => c.type.toLowerCase()), `${name}: types`);
      assert.deepEqual(ddl.columns.map((c) => c.nullable), truth.columns.map((c) => c.nullable), `${name}: nullability`);
      assert.deepEqual(ddl.primaryKey, truth.primaryKey, `${name}: primary key`);
    }
    const edges = (JSON.parse(String(row.relationship_metadata)) as { foreign_keys?: { from_column: string; to_table: string; to_column: string; source: string }[] }).foreign_keys ?? [];
    for (const fk of truth.foreignKeys) {
      for (let i = 0; i < fk.from.length; i++) {
        const edge = edges.find((e) => e.from_column === fk.from[i] && e.to_table.split(".").pop() === fk.toTable && e.to_column === fk.to[i]);
        assert.ok(edge, `${name}.${fk.from[i]} -> ${fk.toTable}.${fk.to[i]} is a foreign key in the row`);
        foreignKeys++;
      }
    }
    const count = Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM "${name.replace(/"/g, '""')}"`)).rows[0].n);
    assert.equal(row.row_count, count, `${name}: row_count is SELECT count(*)`);
  }
  return foreignKeys;
}

for (const [label, file, tables] of [
  ["Chinook", "chinook/chinook_postgresql.sql", 11],
  ["Sakila", "sakila/postgres-schema.sql", 0],
] as const) {
  test(`bootstrap of ${label} in PostgreSQL: every row matches the catalog, row counts exact`, async (t) => {
    const dir = tempDir(t);
    const statements = corpusStatements(file);
    await withPostgresDatabase(statements, async (database, client) => {
      const cfg = config(dir, postgresNamespace(database, { schema: "public", max_connections: 2 }));
      const run = await runCli(["bootstrap", "--config", cfg, "--namespace", "pg", "--workers", "2"], { cwd: dir });
      assert.equal(run.code, 0, run.stderr);
      const store = path.join(dir, "stores", "datus_db_pg");
      const fks = await checkAgainstCatalog(client, store);
      if (tables) assert.equal((await readRows(store)).length, tables);
      assert.ok(fks >= (label === "Sakila" ? 40 : 11), `foreign keys checked: ${fks}`);
    });
  });
}

test("max_connections holds across the run: pg_stat_activity never shows more of our sessions; a SELECT-only user is enough", async (t) => {
  const dir = tempDir(t);
  const tables = 2000; // the acceptance figure: a 2,000-table bootstrap with --workers 2
  const statements: string[] = [];
  for (let i = 0; i < tables; i++) {
    statements.push(`CREATE TABLE t${i} (id INTEGER PRIMARY KEY, customer_id INTEGER, note TEXT)`, `INSERT INTO t${i} SELECT g, g % 5, 'n' || g FROM generate_series(1, ${10 + (i % 20)}) g`);
  }
  const role = `datus_ro_${process.pid}`;
  await withPostgresDatabase(statements, async (database, client) => {
    await client.query(`DROP ROLE IF EXISTS ${role}`);
    await client.query(`CREATE ROLE ${role} LOGIN`);
    t.after(async () => {
      await client.query(`DROP OWNED BY ${role}`).catch(() => undefined);
      await client.query(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
    });
    await client.query(`GRANT CONNECT ON DATABASE ${database} TO ${role}`);
    await client.query(`GRANT USAGE ON SCHEMA public TO ${role}`);
    await client.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role}`);
    const cfg = config(dir, postgresNamespace(database, { schema: "public", max_connections: 2, username: role }));
    const { result: run, most } = await mostToolSessions(client, database, () => runCli(["bootstrap", "--config", cfg, "--namespace", "pg", "--workers", "2"], { cwd: dir }));
    assert.equal(run.code, 0, run.stderr);
    assert.ok(most > 0, "the sampler saw the tool's sessions");
    assert.ok(most <= 2, `at most max_connections sessions at once (saw ${most})`);
    assert.equal(most, 2, "both allowed connections were in use at some point: the two worker threads shared them");
    const rows = await readRows(path.join(dir, "stores", "datus_db_pg"));
    assert.equal(rows.length, tables);
    assert.ok(rows.every((r) => Number(r.row_count) >= 10), "every table counted by the SELECT-only user");
  });
});

test("max_queries_per_second paces every statement the tool sends: about `rate` start in any second", async (t) => {
  const dir = tempDir(t);
  const statements: string[] = [];
  for (let i = 0; i < 12; i++) statements.push(`CREATE TABLE p${i} (id INTEGER PRIMARY KEY, status SMALLINT, note TEXT)`, `INSERT INTO p${i} SELECT g, g % 3, 'n' || g FROM generate_series(1, 50) g`);
  await withPostgresDatabase(statements, async (database, client) => {
    const rate = 10;
    const cfg = config(dir, postgresNamespace(database, { schema: "public", max_connections: 4, max_queries_per_second: rate }));
    // pg_stat_activity keeps each session's last statement start until its next one: sampled every few ms it
    // shows every statement the tool starts when they are paced (a broken pace shows bursts a few ms apart)
    const starts = new Set<string>();
    let running = true;
    const sampler = (async () => {
      while (running) {
        const r = await client.query<{ pid: number; at: string }>(
          "SELECT pid, (extract(epoch FROM query_start) * 1000000)::bigint::text AS at FROM pg_stat_activity WHERE datname = $1 AND application_name = 'datus-schema' AND query_start IS NOT NULL",
          [database],
        );
        for (const row of r.rows) starts.add(`${row.pid}:${row.at}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    const run = await runCli(["bootstrap", "--config", cfg, "--namespace", "pg", "--extract-statistics=true"], { cwd: dir });
    running = false;
    await sampler;
    assert.equal(run.code, 0, run.stderr);
    const times = [...starts].map((s) => Number(s.split(":")[1]) / 1000).sort((a, b) => a - b);
    assert.ok(times.length > 30, `the sampler saw enough statements for the pace to matter (${times.length})`);
    // the most statement starts in any one-second window: about `rate` when paced (the protocol's parse and
    // execute can show one statement twice), the whole run's worth when not
    let most = 0;
    for (let i = 0, j = 0; i < times.length; i++) {
      while (times[i] - times[j] >= 1000) j++;
      most = Math.max(most, i - j + 1);
    }
    assert.ok(most <= rate * 1.5, `${times.length} statements, at most ${most} started within one second (rate ${rate})`);
    const rows = await readRows(path.join(dir, "stores", "datus_db_pg"));
    assert.ok(rows.length === 12 && rows.every((r) => r.row_count === 50), "every table counted");
  });
});
