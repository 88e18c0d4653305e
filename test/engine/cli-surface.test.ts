/**
 * The CLI surface the CONTRACT fixes: --help with an example on every command and alias, JSON logs that a
 * scheduler can parse line by line, boolean flags in every form.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { syntheticCatalog } from "../../bench/synthetic-catalog.js";
import { writeV0Store } from "../../src/store/v0-store.js";
import { REPO_ROOT, runCli, tempDir } from "../helpers/env.js";
import { readRows } from "../helpers/store-rows.js";

test("every command has --help with examples; the guide's alias bins run the same commands", async () => {
  for (const command of ["migrate", "report", "bootstrap", "rollback", "demo"]) {
    const run = await runCli([command, "--help"]);
    assert.equal(run.code, 0, `${command}: ${run.stderr}`);
    assert.match(run.stdout, /Examples:/, `${command} --help shows examples`);
  }
  const unknown = await runCli(["migrat"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /Did you mean migrate/);
  const { spawnSync } = await import("node:child_process");
  for (const [bin, word] of [["bin-migrate.js", "--extract-statistics"], ["bin-report.js", "--top-tags"], ["bin-bootstrap.js", "--incremental"]]) {
    const out = spawnSync(process.execPath, [path.join(REPO_ROOT, "dist/src/cli", bin), "--help"], { encoding: "utf8" });
    assert.equal(out.status, 0, out.stderr);
    assert.ok(out.stdout.includes(word), `${bin} --help is the right command's help`);
  }
});

test("--log-format=json prints only JSON lines: progress, the summary and the report figures", async (t) => {
  const dir = tempDir(t);
  const store = path.join(dir, "datus_db_json");
  await writeV0Store(store, syntheticCatalog(30));
  const run = await runCli(["migrate", "--db-path", store, "--skip-backup", "--log-format=json"]);
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.ok(lines.some((l) => l.event === "progress" && l.phase === "migrating" && l.done === 30), "a progress line reports the finished phase");
  const summary = lines.find((l) => l.event === "migrate")!;
  assert.equal(summary.written, 30);
  assert.equal(summary.status, "migrated");
  const figures = lines.find((l) => "v1_records" in l) as { v1_records: { count: number } };
  assert.equal(figures.v1_records.count, 30);
});

test("boolean flags: --no-extract-relationships and --extract-relationships=NO both turn relationships off", async (t) => {
  for (const flag of ["--no-extract-relationships", "--extract-relationships=NO"]) {
    const dir = tempDir(t);
    const store = path.join(dir, "datus_db_flags");
    await writeV0Store(store, syntheticCatalog(8));
    const run = await runCli(["migrate", "--db-path", store, "--skip-backup", flag]);
    assert.equal(run.code, 0, run.stderr);
    assert.ok((await readRows(store)).every((r) => r.relationship_metadata === "{}"), `${flag}: no relationships written`);
  }
});

test("business_terms.yml beside agent.yml extends the tag dictionary; a broken one stops the run before anything is touched", async (t) => {
  const dir = tempDir(t);
  const store = path.join(dir, "data", "datus_db_pharma");
  await writeV0Store(store, [
    { identifier: "rx.drug_catalog", catalogName: "", databaseName: "rx", schemaName: "", tableName: "drug_catalog", tableType: "table", definition: "CREATE TABLE drug_catalog (drug_id INT PRIMARY KEY, name VARCHAR(80) COMMENT '药品名称')" },
  ]);
  const cfg = path.join(dir, "agent.yml");
  fs.writeFileSync(cfg, `agent:\n  storage:\n    base_path: ${path.join(dir, "data")}\n  namespace:\n    pharma:\n      type: mysql\n      host: 127.0.0.1\n`);
  const terms = path.join(dir, "business_terms.yml");
  fs.writeFileSync(terms, "business_tags: {sales: [order, 订单\n");
  const broken = await runCli(["migrate", `--config=${cfg}`, "--skip-backup"]);
  assert.equal(broken.code, 2, broken.stderr);
  assert.match(broken.stderr, /^error: business terms: not valid YAML/m);
  assert.equal((await readRows(store))[0].metadata_version, undefined, "the store was not touched");

  fs.writeFileSync(terms, "business_tags:\n  pharmacy: [drug, 药品]\n");
  const run = await runCli(["migrate", `--config=${cfg}`, "--skip-backup"]);
  assert.equal(run.code, 0, run.stderr);
  assert.ok(((await readRows(store))[0].business_tags as string[]).includes("pharmacy"));
});
