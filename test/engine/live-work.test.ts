/**
 * Statistics and relationship checks read in the worker pool (live-work.ts / live-task.ts) against the machine's
 * PostgreSQL: the figures match the engine, max_connections holds for every thread together while all of it is
 * used, a table that keeps failing is reported after its retries without stopping the others, and an interrupt
 * stops a running statement at once.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { LiveNamespace } from "../../src/dialects/live-source.js";
import { LIVE_ATTEMPTS, LiveWork } from "../../src/engine/live-work.js";
import { createEnrichPool } from "../../src/engine/pipeline.js";
import type { SourceTable } from "../../src/model.js";
import { mostToolSessions, withPostgresDatabase } from "../helpers/engines.js";

function namespace(database: string, extra: Partial<LiveNamespace> = {}): LiveNamespace {
  return {
    type: "postgresql",
    host: process.env.PGHOST ?? "127.0.0.1",
    port: Number(process.env.PGPORT ?? 5432),
    username: process.env.PGUSER ?? "postgres",
    database,
    schema: "public",
    statementTimeoutSeconds: 60,
    ...extra,
  };
}

function table(database: string, name: string): SourceTable {
  return { identifier: `${database}.public.${name}`, catalogName: "", databaseName: database, schemaName: "public", tableName: name, tableType: "table", definition: "" };
}

test("statistics read in the workers equal the engine's counts, under one connection cap for all threads, every connection used", async () => {
  const statements: string[] = [];
  for (let i = 0; i < 300; i++) statements.push(`CREATE TABLE w${i} (id INTEGER PRIMARY KEY, v INTEGER)`, `INSERT INTO w${i} SELECT g, g % 7 FROM generate_series(1, ${5 + (i % 40)}) g`);
  await withPostgresDatabase(statements, async (database, client) => {
    const pool = createEnrichPool(2, undefined, { liveTasks: true });
    try {
      const work = new LiveWork(pool, namespace(database), { maxConnections: 3, workers: 2 });
      const tables = Array.from({ length: 300 }, (_, i) => table(database, `w${i}`));
      const { result, most } = await mostToolSessions(client, database, () => work.tableStatistics(tables, { sampleRows: 10_000 }));
      assert.ok(most <= 3, `at most max_connections sessions across both threads (saw ${most})`);
      assert.ok(most >= 2, `the threads used the connections they were allowed (saw at most ${most} at once)`);
      for (let i = 0; i < tables.length; i++) {
        const outcome = result[i];
        assert.ok(outcome.ok, `w${i}: ${JSON.stringify(outcome)}`);
        const truth = Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM w${i}`)).rows[0].n);
        assert.equal(outcome.value.rowCount, truth, `w${i} row_count`);
      }
    } finally {
      await pool.destroy();
    }
  });
});

test("a table that keeps failing is reported after every attempt; the tables beside it are read", async () => {
  await withPostgresDatabase(["CREATE TABLE present (id INTEGER)", "INSERT INTO present VALUES (1), (2), (3)"], async (database) => {
    const pool = createEnrichPool(1, undefined, { liveTasks: true });
    try {
      const work = new LiveWork(pool, namespace(database), { maxConnections: 2, workers: 1 });
      const [gone, present] = await work.tableStatistics([table(database, "dropped_meanwhile"), table(database, "present")], { sampleRows: 100 });
      assert.ok(!gone.ok && !gone.interrupted, JSON.stringify(gone));
      assert.equal(gone.attempts, LIVE_ATTEMPTS);
      assert.match(gone.error, /dropped_meanwhile/);
      assert.ok(present.ok && present.value.rowCount === 3, JSON.stringify(present));
    } finally {
      await pool.destroy();
    }
  });
});

test("an interrupt stops a running statistics statement at once and sends no more", async () => {
  await withPostgresDatabase(["CREATE VIEW slow AS SELECT x FROM generate_series(1, 3) x, LATERAL (SELECT pg_sleep(20)) s", "CREATE TABLE after_it (id INTEGER)"], async (database, client) => {
    const pool = createEnrichPool(1, undefined, { liveTasks: true });
    try {
      const controller = new AbortController();
      const work = new LiveWork(pool, namespace(database), { maxConnections: 1, workers: 1, signal: controller.signal });
      const reading = work.tableStatistics([table(database, "slow"), table(database, "after_it")], { sampleRows: 100 });
      // wait until the slow statement runs on the server
      for (let i = 0; i < 500; i++) {
        const active = await client.query("SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND application_name = 'datus-schema' AND state = 'active' AND query LIKE '%slow%'", [database]);
        if (active.rowCount) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      const started = performance.now();
      controller.abort();
      const outcomes = await reading;
      const took = performance.now() - started;
      assert.ok(took < 5_000, `interrupted within seconds, not after the 60 s sleep (took ${Math.round(took)} ms)`);
      assert.deepEqual(
        outcomes.map((o) => (o.ok ? "ok" : o.interrupted ? "interrupted" : "failed")),
        ["interrupted", "interrupted"],
      );
      const left = await client.query("SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND application_name = 'datus-schema' AND state = 'active'", [database]);
      assert.equal(left.rowCount, 0, "no statement of the tool still runs");
    } finally {
      await pool.destroy();
    }
  });
});
