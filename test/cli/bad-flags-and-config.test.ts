/**
 * Bad flags and bad config, as a user types them: every one is exit 2 before anything is touched, and the
 * message names the flag, key or variable and what to do. "Nothing touched" is checked on disk: every file
 * under the test directory, byte for byte, before and after.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { syntheticCatalog } from "../../bench/synthetic-catalog.js";
import { writeV0Store } from "../../src/store/v0-store.js";
import { runCli, tempDir } from "../helpers/env.js";
import { hashingConfig, snapshotTree } from "../helpers/tree.js";

function assertUsage(run: { code: number | null; stderr: string }, what: string, message: RegExp): void {
  assert.equal(run.code, 2, `${what}: exit 2\n${run.stderr}`);
  assert.match(run.stderr, /^error: /m, `${what}: an error line`);
  assert.match(run.stderr, /^hint: \S/m, `${what}: a hint line`);
  assert.match(run.stderr, message, `${what}: says what is wrong`);
  assert.doesNotMatch(run.stderr, /^\s+at |file:\/\/|IO \{|LocalFileSystem|\.rs:\d+/m, `${what}: no stack trace or native dump`);
}

test("numeric flags that are not whole numbers are refused as typed (never NaN), before anything is touched", async (t) => {
  const dir = tempDir(t);
  const store = path.join(dir, "datus_db_synth");
  await writeV0Store(store, syntheticCatalog(5));
  const before = snapshotTree(dir);
  const cases: [string[], RegExp][] = [
    [["migrate", "--workers", "NaN"], /--workers "NaN": expected a whole number >= 1/],
    [["migrate", "--workers", "abc"], /--workers "abc": expected a whole number >= 1/],
    [["migrate", "--workers", "0"], /--workers 0: expected a whole number >= 1/],
    [["migrate", "--workers", "1.5"], /--workers 1\.5: expected a whole number >= 1/],
    [["migrate", "--workers"], /--workers|workers/],
    [["migrate", "--index-min-rows", "x"], /--index-min-rows "x": expected a whole number >= 0/],
    [["embed", "--index-min-rows", "-1"], /--index-min-rows -1: expected a whole number >= 0/],
    [["report", "--top-tags", "abc"], /--top-tags "abc": expected a whole number >= 0/],
    [["migrate", "--llm-fallback", "--llm-timeout", "soon"], /--llm-timeout "soon": expected a whole number >= 1/],
  ];
  // independent runs, side by side: each CLI start costs a second
  const runs = await Promise.all(cases.map(([args]) => runCli([args[0], "--db-path", store, ...args.slice(1)])));
  cases.forEach(([args, message], i) => {
    assertUsage(runs[i], args.join(" "), message);
    if (!args.includes("NaN")) assert.doesNotMatch(runs[i].stderr, /NaN/, `${args.join(" ")}: what was typed, not NaN`);
  });
  assert.deepEqual(snapshotTree(dir), before, "nothing under the store's directory changed");
});

test("--workers far beyond the machine is capped at 4 x the CPU cores, with a note, and the run completes", async (t) => {
  const dir = tempDir(t);
  const store = path.join(dir, "datus_db_synth");
  await writeV0Store(store, syntheticCatalog(40));
  const cap = 4 * (os.availableParallelism?.() ?? os.cpus().length);
  const run = await runCli(["migrate", "--db-path", store, "--skip-backup", "--workers", "1000", "--log-format=json"]);
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  const note = lines.find((l) => l.level === "warn" && String(l.msg).includes("--workers 1000"));
  assert.ok(note, `a note says --workers was capped:\n${run.stdout}`);
  assert.match(String(note.msg), new RegExp(`capped at ${cap}\\b`));
  const summary = lines.find((l) => l.event === "migrate")!;
  assert.equal(summary.written, 40);
  // 1000 threads took 14 GB; the capped run stays within what a few workers need
  assert.ok(Number(summary.peak_rss_kb) < 3 * 2 ** 20, `peak RSS ${summary.peak_rss_kb} kB`);
});

test("a store that is not there, or is a file, is bad usage (exit 2) naming --db-path or the config key; nothing is created", async (t) => {
  const dir = tempDir(t);
  const missing = path.join(dir, "no-such-store");
  const file = path.join(dir, "a-file");
  fs.writeFileSync(file, "not a store\n");
  const before = snapshotTree(dir);
  const onMissing = ["migrate", "report", "embed"];
  const onFile = ["migrate", "report", "embed", "rollback"];
  const runs = await Promise.all([
    ...onMissing.map((command) => runCli([command, "--db-path", missing])),
    ...onFile.map((command) => runCli([command, "--db-path", file])),
    runCli(["report", "--db-path", path.join(file, "inside")]),
  ]);
  onMissing.forEach((command, i) => assertUsage(runs[i], `${command} on a missing store`, /--db-path .*no-such-store does not exist/));
  onFile.forEach((command, i) => assertUsage(runs[onMissing.length + i], `${command} on a file`, /--db-path .*a-file is a file, not a store directory/));
  assertUsage(runs.at(-1)!, "a path through a file", /a part of the path is a file/);

  const cfg = hashingConfig(path.join(dir, "agent.yml"), { basePath: path.join(dir, "data"), lines: ["  namespace:", "    shop:", "      type: sqlite", `      uri: ${path.join(dir, "shop.db")}`] });
  const byNamespace = await runCli(["report", "--config", cfg, "--namespace", "shop"]);
  assertUsage(byNamespace, "a namespace whose store is missing", /the store of namespace shop \(.*datus_db_shop\) does not exist/);
  assert.match(byNamespace.stderr, /^hint: .*agent\.storage\.base_path/m);
  fs.rmSync(cfg);
  assert.deepEqual(snapshotTree(dir), before, "nothing was created");
});

test("a live database type the tool cannot read is a config error (exit 2) naming the key, before anything is touched", async (t) => {
  const dir = tempDir(t);
  const data = path.join(dir, "data");
  await writeV0Store(path.join(data, "datus_db_pg"), syntheticCatalog(5));
  const cfg = hashingConfig(path.join(dir, "agent.yml"), {
    basePath: data,
    lines: ["  namespace:", "    pg:", "      type: oracle", "      host: 127.0.0.1", "      port: 1", "      username: reader", "      password: pg-secret-1", "      database: shop", "    pg2:", "      type: oracle", "      host: 127.0.0.1"],
  });
  const before = snapshotTree(dir);
  const [statistics, importOnly, bootstrap] = await Promise.all([
    runCli(["migrate", "--config", cfg, "--namespace", "pg", "--extract-statistics"]),
    runCli(["migrate", "--config", cfg, "--namespace", "pg", "--import-schemas", "--import-only"]),
    runCli(["bootstrap", "--config", cfg, "--namespace", "pg2"]),
  ]);
  // every type the config accepts is read live now: one it does not know is refused when the config is read
  assertUsage(statistics, "migrate --extract-statistics", /agent\.namespace\.pg\.type is .*oracle.*not a supported database type/);
  assertUsage(importOnly, "migrate --import-only", /agent\.namespace\.pg\.type/);
  assertUsage(bootstrap, "bootstrap", /agent\.namespace\.pg2\.type is .*oracle.*not a supported database type/);
  assert.deepEqual(snapshotTree(dir), before, "no store was created or changed");
});

test("--llm-model or --llm-timeout without --llm-fallback, and a --dialect that contradicts the namespace, are refused (exit 2)", async (t) => {
  const dir = tempDir(t);
  const data = path.join(dir, "data");
  const store = path.join(data, "datus_db_demo");
  await writeV0Store(store, syntheticCatalog(5));
  const cfg = hashingConfig(path.join(dir, "agent.yml"), { basePath: data, lines: ["  namespace:", "    demo:", "      type: duckdb", `      uri: ${path.join(dir, "demo.duckdb")}`] });
  const before = snapshotTree(dir);
  const [alone, off, timeout, dialect] = await Promise.all([
    runCli(["migrate", "--db-path", store, "--llm-model", "deepseek-chat"]),
    runCli(["migrate", "--db-path", store, "--llm-fallback=false", "--llm-model", "x"]),
    runCli(["migrate", "--db-path", store, "--llm-timeout", "5"]),
    runCli(["migrate", "--config", cfg, "--dialect", "mysql"]),
  ]);
  assertUsage(alone, "--llm-model alone", /--llm-model applies to --llm-fallback, which is not on/);
  assertUsage(off, "--llm-model with the fallback off", /--llm-model applies to --llm-fallback/);
  assertUsage(timeout, "--llm-timeout alone", /--llm-timeout applies to --llm-fallback/);
  assertUsage(dialect, "--dialect against the namespace", /--dialect mysql does not match namespace demo \(type duckdb\)/);
  assert.deepEqual(snapshotTree(dir), before, "nothing was touched");
  // the namespace's own dialect is no contradiction; --dialect with --db-path alone names the store's dialect
  const same = await runCli(["migrate", "--config", cfg, "--dialect", "duckdb", "--dry-run"]);
  assert.equal(same.code, 0, same.stderr);
  const orphan = await runCli(["migrate", "--config", cfg, "--db-path", store, "--dialect", "mysql", "--dry-run"]);
  assert.equal(orphan.code, 0, orphan.stderr);
  assert.match(orphan.stdout, /Dialects: mysql 5/);
});

test("report of an empty table: one JSON object with --json, zero counts in text, exit 0", async (t) => {
  const dir = tempDir(t);
  const store = path.join(dir, "datus_db_empty");
  await writeV0Store(store, []);
  const json = await runCli(["report", "--db-path", store, "--json"]);
  assert.equal(json.code, 0, json.stderr);
  const lines = json.stdout.trim().split("\n");
  assert.equal(lines.length, 1, `exactly one line:\n${json.stdout}`);
  const figures = JSON.parse(lines[0]) as { total_records: number; v1_records: { count: number; total: number; pct: number } };
  assert.equal(figures.total_records, 0);
  assert.deepEqual(figures.v1_records, { count: 0, total: 0, pct: 0 });
  const text = await runCli(["report", "--db-path", store]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^Total records: 0 \(the table is empty/m);
  assert.match(text.stdout, /^v1 records: 0\/0 \(0\.0%\)$/m);
});
