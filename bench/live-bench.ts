/**
 * Live bootstrap figures (`BENCH_ONLY=live npm run bench`): a generated PostgreSQL schema of BENCH_LIVE_TABLES
 * tables (default 2,000; 10 to 1,000 rows each) bootstrapped with statistics at max_connections 1, 2 and 4
 * (`--workers 2`), with tables/s, peak RSS and the most sessions pg_stat_activity showed while it ran.
 * Needs the machine's PostgreSQL (PGHOST/PGPORT/PGUSER/PGPASSWORD, default 127.0.0.1:5432 postgres).
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";

export interface LiveRun {
  readonly maxConnections: number;
  readonly seconds: number;
  readonly tablesPerSecond: number;
  readonly peakRssMiB: number;
  readonly mostSessions: number;
  /** The tool's CPU seconds (user + system, every thread) and that as a share of both cores over the run. */
  readonly cpuSeconds: number;
  readonly cpuShare: number;
  /** Mean statements running on the server at once, sampled, over max_connections. */
  readonly connectionUse: number;
  /** The whole machine's busy share of its cores over the run (the tool and the database server together), from /proc/stat; null elsewhere. */
  readonly machineBusy: number | null;
}

/** Busy and total jiffies of all cores, from /proc/stat (Linux); null when it cannot be read. */
function cpuTimes(): { busy: number; total: number } | null {
  try {
    const fields = fs.readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    const idle = fields[3] + (fields[4] ?? 0);
    const total = fields.reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

const server = (database: string) => ({
  host: process.env.PGHOST ?? "127.0.0.1",
  port: Number(process.env.PGPORT ?? 5432),
  user: process.env.PGUSER ?? "postgres",
  password: process.env.PGPASSWORD,
  database,
});

/** A database of `tables` tables shaped like an OLTP schema: keys, a foreign key each, text, numbers, dates. */
async function generate(database: string, tables: number): Promise<void> {
  const admin = new pg.Client(server(process.env.PGDATABASE ?? "test"));
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const client = new pg.Client(server(database));
  await client.connect();
  try {
    for (let i = 0; i < tables; i += 100) {
      const statements: string[] = [];
      for (let j = i; j < Math.min(tables, i + 100); j++) {
        const rows = 10 + ((j * 37) % 991);
        statements.push(
          `CREATE TABLE t${j} (id INTEGER PRIMARY KEY, parent_id INTEGER, status SMALLINT, amount NUMERIC(12,2), name VARCHAR(40), created DATE)`,
          `COMMENT ON TABLE t${j} IS 'generated table ${j}'`,
          `INSERT INTO t${j} SELECT g, g / 3, g % 4, g * 1.5, 'name ' || g, DATE '2024-01-01' + g FROM generate_series(1, ${rows}) g`,
        );
      }
      await client.query(statements.join(";\n"));
    }
    await client.query("ANALYZE");
  } finally {
    await client.end();
  }
}

async function bootstrapOnce(cli: string, scratch: string, database: string, maxConnections: number, tables: number): Promise<LiveRun> {
  const dir = path.join(scratch, `live-${maxConnections}`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const s = server(database);
  const cfg = path.join(dir, "agent.yml");
  fs.writeFileSync(
    cfg,
    `agent:\n  storage:\n    base_path: ${dir}\n    database:\n      registry_name: hashing\n      model_name: datus-schema-hashing\n      dim_size: 384\n` +
      `  namespace:\n    bench:\n      type: postgresql\n      host: ${s.host}\n      port: ${s.port}\n      username: ${s.user}\n${s.password ? `      password: ${JSON.stringify(s.password)}\n` : ""}      database: ${database}\n      schema: public\n      max_connections: ${maxConnections}\n`,
  );
  const watcher = new pg.Client(server(database));
  await watcher.connect();
  let most = 0;
  let running = true;
  let samples = 0;
  let activeSum = 0;
  let statisticsStarted = false;
  const sampler = (async () => {
    while (running) {
      const { n, active } = (
        await watcher.query<{ n: string; active: string }>(
          "SELECT count(*) AS n, count(*) FILTER (WHERE state = 'active') AS active FROM pg_stat_activity WHERE application_name = 'datus-schema' AND datname = $1",
          [database],
        )
      ).rows[0];
      most = Math.max(most, Number(n));
      // connection use counts from the first statistics statement on (the catalog read before it is one session)
      if (Number(n) > 0) statisticsStarted = true;
      if (statisticsStarted) {
        samples++;
        activeSum += Number(active);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const started = process.hrtime.bigint();
  const cpuBefore = cpuTimes();
  const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(cli, ["bootstrap", "--config", cfg, "--namespace", "bench", "--extract-statistics=true", "--workers", "2", "--log-format", "json"], { cwd: dir });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuAfter = cpuTimes();
  running = false;
  await sampler;
  await watcher.end();
  if (result.code !== 0) throw new Error(`bootstrap at max_connections ${maxConnections} failed (${result.code}):\n${result.stderr.slice(-2000)}`);
  const summary = result.stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .find((o) => o.event === "import");
  if (!summary || Number(summary.written) !== tables) throw new Error(`bootstrap wrote ${String(summary?.written)} of ${tables} tables`);
  fs.rmSync(dir, { recursive: true, force: true });
  const cpuSeconds = Number(summary.cpu_seconds);
  return {
    maxConnections,
    seconds,
    tablesPerSecond: tables / seconds,
    peakRssMiB: Number(summary.peak_rss_kb) / 1024,
    mostSessions: most,
    cpuSeconds,
    cpuShare: cpuSeconds / (seconds * os.availableParallelism()),
    connectionUse: samples === 0 ? 0 : activeSum / samples / maxConnections,
    machineBusy: cpuBefore && cpuAfter && cpuAfter.total > cpuBefore.total ? (cpuAfter.busy - cpuBefore.busy) / (cpuAfter.total - cpuBefore.total) : null,
  };
}

export async function liveBench(cli: string, scratch: string, tables: number): Promise<LiveRun[]> {
  const database = `datus_bench_${process.pid}`;
  console.log(`generating a PostgreSQL schema of ${tables.toLocaleString("en-US")} tables ...`);
  await generate(database, tables);
  try {
    const runs: LiveRun[] = [];
    for (const maxConnections of [1, 2, 4]) {
      const run = await bootstrapOnce(cli, scratch, database, maxConnections, tables);
      console.log(
        `bootstrap with statistics, max_connections ${maxConnections}: ${run.tablesPerSecond.toFixed(1)} tables/s (${run.seconds.toFixed(1)} s), ` +
          `peak RSS ${run.peakRssMiB.toFixed(0)} MiB, at most ${run.mostSessions} sessions, statements running ${(100 * run.connectionUse).toFixed(0)}% of the allowed connections, ` +
          `CPU ${run.cpuSeconds.toFixed(1)} s (${(100 * run.cpuShare).toFixed(0)}% of the cores)` +
          (run.machineBusy === null ? "" : `, the machine (tool and server) ${(100 * run.machineBusy).toFixed(0)}% busy`),
      );
      runs.push(run);
    }
    return runs;
  } finally {
    const admin = new pg.Client(server(process.env.PGDATABASE ?? "test"));
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  }
}
