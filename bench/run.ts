/**
 * `npm run bench`: throughput and peak memory of the migration on a generated store, with the raw limits
 * measured in the same run so the ratios mean something on any machine.
 *
 *   BENCH_TABLES=200000 npm run bench      (default 200,000 tables)
 *
 * Results go to stdout and to bench/results/latest.json (with the machine noted).
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as lancedb from "@lancedb/lancedb";
import { parseDdl, splitStatements } from "../src/ddl/parse-ddl.js";
import { enrichBatch } from "../src/engine/enrich-batch.js";
import type { Dialect } from "../src/model.js";
import { v1RowsToArrow } from "../src/store/arrow-rows.js";
import { SCHEMA_TABLE, v1Schema } from "../src/store/schemas.js";
import { writeV0Store } from "../src/store/v0-store.js";
import { syntheticCatalog } from "./synthetic-catalog.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const CLI = path.join(ROOT, "dist/src/cli/datus-schema.js");
const TABLES = Number(process.env.BENCH_TABLES ?? 200_000);
const DIM = 384;

interface MigrateRun {
  readonly workers: number;
  readonly seconds: number;
  readonly tablesPerSecond: number;
  readonly peakRssMiB: number;
  readonly written: number;
}

function machine() {
  return {
    cpu: os.cpus()[0]?.model ?? "unknown",
    cores: os.availableParallelism?.() ?? os.cpus().length,
    memory_gib: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

async function migrateOnce(source: string, workers: number, scratch: string): Promise<MigrateRun> {
  const store = path.join(scratch, `w${workers}`);
  fs.rmSync(store, { recursive: true, force: true });
  await fs.promises.cp(source, store, { recursive: true });
  const started = process.hrtime.bigint();
  const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    // through the bin's shebang, as `npx datus-schema` runs it (it sets the allocator's arena cap)
    const child = spawn(CLI, ["migrate", "--db-path", store, "--skip-backup", "--workers", String(workers), "--log-format", "json"]);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.code !== 0) throw new Error(`migrate --workers ${workers} failed (${result.code}):\n${result.stderr.slice(-2000)}`);
  const summary = result.stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .find((o) => o.event === "migrate");
  if (!summary) throw new Error("no migrate summary line in the JSON output");
  fs.rmSync(store, { recursive: true, force: true });
  const written = Number(summary.written);
  return { workers, seconds, tablesPerSecond: written / seconds, peakRssMiB: Number(summary.peak_rss_kb) / 1024, written };
}

/** The parse/enrich/embed stage alone, one thread, no I/O: the per-worker ceiling. */
function enrichmentCeiling(tables: number): number {
  const rows = [...syntheticCatalog(tables)];
  const started = process.hrtime.bigint();
  for (let i = 0; i < rows.length; i += 256) {
    enrichBatch({ rows: rows.slice(i, i + 256), dialect: "unknown", vectors: { kind: "hashing", dim: DIM }, now: 0, extractRelationships: true });
  }
  return tables / (Number(process.hrtime.bigint() - started) / 1e9);
}

const CORPUS_FILES: readonly [string, Dialect][] = [
  ["chinook/chinook_mysql.sql", "mysql"],
  ["chinook/chinook_postgresql.sql", "postgresql"],
  ["chinook/chinook_sqlite.sql", "sqlite"],
  ["sakila/mysql-schema.sql", "mysql"],
  ["sakila/postgres-schema.sql", "postgresql"],
  ["sakila/sqlite-schema.sql", "sqlite"],
  ["employees/mysql-schema.sql", "mysql"],
  ...["customer", "lineitem", "nation", "orders", "part", "partsupp", "region", "supplier"].map((t): [string, Dialect] => [`starrocks-tpch/ddl/${t}.sql`, "starrocks"]),
];

interface ParseFigures {
  readonly statements: number;
  readonly tablesPerSecond: number;
  /** Per dialect: how many statements each parser read (scanner first, node-sql-parser as fallback, none = unread). */
  readonly parsers: Record<string, Record<string, number>>;
}

/** The DDL reader alone on every CREATE statement of the shared corpus, one thread: the per-worker parse rate. */
function corpusParseRate(corpus: string): ParseFigures | undefined {
  if (!fs.existsSync(corpus)) return undefined;
  const statements: [string, Dialect][] = [];
  for (const [file, dialect] of CORPUS_FILES) {
    for (const stmt of splitStatements(fs.readFileSync(path.join(corpus, file), "utf8"), dialect)) {
      if (/^\s*CREATE\s+(OR\s+REPLACE\s+)?(TABLE|VIEW)\b/i.test(stmt)) statements.push([stmt, dialect]);
    }
  }
  const parsers: Record<string, Record<string, number>> = {};
  for (const [stmt, dialect] of statements) {
    const per = (parsers[dialect] ??= {});
    const source = parseDdl(stmt, dialect).source;
    per[source] = (per[source] ?? 0) + 1;
  }
  let parsed = 0;
  const started = process.hrtime.bigint();
  const deadline = Date.now() + 3000;
  while (Date.now() < deadline) {
    for (const [stmt, dialect] of statements) parseDdl(stmt, dialect);
    parsed += statements.length;
  }
  return { statements: statements.length, tablesPerSecond: parsed / (Number(process.hrtime.bigint() - started) / 1e9), parsers };
}

/** Merge-insert of ready-made v1 rows into a table of the same size: the store's write ceiling. */
async function mergeInsertCeiling(scratch: string, tables: number): Promise<number> {
  const dir = path.join(scratch, "raw-write");
  fs.rmSync(dir, { recursive: true, force: true });
  const db = await lancedb.connect(dir);
  const table = await db.createEmptyTable(SCHEMA_TABLE, v1Schema(DIM));
  const rows = [...syntheticCatalog(tables)];
  const result = enrichBatch({ rows, dialect: "unknown", vectors: { kind: "hashing", dim: DIM }, now: 0, extractRelationships: true });
  const started = process.hrtime.bigint();
  for (let i = 0; i < result.rows.length; i += 2000) {
    const data = v1RowsToArrow(result.rows.slice(i, i + 2000), result.vectors.subarray(i * DIM, Math.min(result.rows.length, i + 2000) * DIM), DIM);
    await table.mergeInsert("identifier").whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(data);
  }
  const rate = tables / (Number(process.hrtime.bigint() - started) / 1e9);
  fs.rmSync(dir, { recursive: true, force: true });
  return rate;
}

async function main(): Promise<void> {
  fs.chmodSync(CLI, 0o755);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "datus-schema-bench-"));
  try {
    console.log(`machine: ${JSON.stringify(machine())}`);
    console.log(`generating a v0 store of ${TABLES.toLocaleString("en-US")} tables ...`);
    const source = path.join(scratch, "source");
    const genStart = Date.now();
    await writeV0Store(source, syntheticCatalog(TABLES), DIM);
    console.log(`  done in ${((Date.now() - genStart) / 1000).toFixed(1)} s`);

    const parse = corpusParseRate(path.resolve(ROOT, "../shared/corpus"));
    if (parse) {
      console.log(`DDL reader on the corpus mix (${parse.statements} CREATE statements), 1 thread: ${Math.round(parse.tablesPerSecond)} tables/s`);
      for (const [dialect, counts] of Object.entries(parse.parsers)) console.log(`  ${dialect}: ${Object.entries(counts).map(([p, n]) => `${p} ${n}`).join(", ")}`);
    } else {
      console.log("DDL reader on the corpus mix: skipped (../shared/corpus not found)");
    }

    const ceilingTables = Math.min(TABLES, 20_000);
    const enrichRate = enrichmentCeiling(ceilingTables);
    console.log(`enrichment alone, 1 thread: ${Math.round(enrichRate)} tables/s (${ceilingTables} tables)`);
    const writeRate = await mergeInsertCeiling(scratch, ceilingTables);
    console.log(`merge-insert alone (2,000-row commits): ${Math.round(writeRate)} tables/s (${ceilingTables} tables)`);

    const runs: MigrateRun[] = [];
    for (const workers of [1, 2]) {
      const run = await migrateOnce(source, workers, scratch);
      runs.push(run);
      console.log(`migrate --workers ${workers}: ${run.written} tables in ${run.seconds.toFixed(1)} s = ${Math.round(run.tablesPerSecond)} tables/s, peak RSS ${Math.round(run.peakRssMiB)} MiB`);
    }
    const [serial, parallel] = runs;
    const results = {
      date: new Date().toISOString(),
      machine: machine(),
      tables: TABLES,
      corpus_parse: parse ? { statements: parse.statements, tables_per_s_1_thread: Math.round(parse.tablesPerSecond), parsers_per_dialect: parse.parsers } : null,
      enrichment_tables_per_s_1_thread: Math.round(enrichRate),
      merge_insert_tables_per_s: Math.round(writeRate),
      migrate: runs.map((r) => ({ workers: r.workers, seconds: Number(r.seconds.toFixed(1)), tables_per_s: Math.round(r.tablesPerSecond), peak_rss_mib: Math.round(r.peakRssMiB) })),
      ratio_parallel_vs_serial: Number((parallel.tablesPerSecond / serial.tablesPerSecond).toFixed(2)),
      ratio_engine_vs_write_ceiling: Number((parallel.tablesPerSecond / writeRate).toFixed(2)),
      peak_rss_under_1_gib: runs.every((r) => r.peakRssMiB < 1024),
    };
    console.log(JSON.stringify(results, null, 2));
    const out = path.join(ROOT, "bench/results");
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, "latest.json"), `${JSON.stringify(results, null, 2)}\n`);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
