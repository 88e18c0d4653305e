/**
 * What lands on the terminal: a reader that closes the pipe early (`report --details | head`), stored names
 * holding control characters, and LanceDB's Rust log lines. Each is checked on the bytes a real process wrote.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { syntheticCatalog } from "../../bench/synthetic-catalog.js";
import type { SourceTable } from "../../src/model.js";
import { writeV0Store } from "../../src/store/v0-store.js";
import { CLI, type CliResult, REPO_ROOT, runCli, tempDir } from "../helpers/env.js";
import { readRows } from "../helpers/store-rows.js";
import { hashingConfig } from "../helpers/tree.js";

/** The CLI with its stdout closed by the reader before it writes anything (what `| head -0` or a crashed pager does). */
function runWithClosedStdout(args: readonly string[]): Promise<Omit<CliResult, "stdout">> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stderr }));
  });
}

test("a reader that closes the pipe (report --details | head) ends the output quietly: exit 0, nothing on stderr", async (t) => {
  const dir = tempDir(t);
  const store = path.join(dir, "datus_db_pipe");
  await writeV0Store(store, syntheticCatalog(300));
  const report = await runWithClosedStdout(["report", "--db-path", store, "--details"]);
  assert.equal(report.code, 0, report.stderr);
  assert.equal(report.stderr, "");
  // a migration whose reader went away still does its work and exits with its own status
  const cfg = hashingConfig(path.join(dir, "agent.yml"));
  const migrate = await runWithClosedStdout(["migrate", "--config", cfg, "--db-path", store, "--skip-backup", "--log-format=json"]);
  assert.equal(migrate.code, 0, migrate.stderr);
  assert.doesNotMatch(migrate.stderr, /EPIPE|^\s+at /m);
  assert.ok((await readRows(store)).every((r) => r.metadata_version === 1));
});

const HOSTILE: readonly [string, string][] = [
  ["shop.evil\nFAKE: 0/0 (100.0%)", "evil\nFAKE: 0/0 (100.0%)"],
  ["shop.red\u001b[31mALERT\u001b[0m", "red\u001b[31mALERT\u001b[0m"],
  ["shop.clear\u001b[2J\u0007", "clear\u001b[2J\u0007"],
  ["shop.rtl\u202egnp.exe", "rtl\u202egnp.exe"],
  ["shop.cr\rOVERWRITE", "cr\rOVERWRITE"],
];

test("stored names with newlines and control characters are printed escaped in the summary, the report and warnings", async (t) => {
  const dir = tempDir(t);
  const store = path.join(dir, "datus_db_hostile");
  const rows: SourceTable[] = HOSTILE.map(([identifier, tableName], i) => ({
    identifier,
    catalogName: "",
    // the last row has lost its database_name: its identifier changes, and the warning quotes both
    databaseName: i === HOSTILE.length - 1 ? "" : "shop",
    schemaName: "",
    tableName,
    tableType: "table",
    // no parser reads this: the table is listed among the parse failures, by name
    definition: `ERROR 1146 (42S02): Table 'shop.t${i}' doesn't exist`,
  }));
  await writeV0Store(store, rows);
  const cfg = hashingConfig(path.join(dir, "agent.yml"));
  const migrate = await runCli(["migrate", "--config", cfg, "--db-path", store, "--dialect", "mysql", "--skip-backup"]);
  assert.equal(migrate.code, 0, migrate.stderr);
  const report = await runCli(["report", "--db-path", store, "--details"]);
  assert.equal(report.code, 0, report.stderr);
  for (const [name, run] of [["migrate", migrate], ["report --details", report]] as const) {
    const printed = run.stdout + run.stderr;
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(printed, /[\u0000-\u0008\u000b-\u001f\u007f\u202e]/, `${name}: no raw control character reaches the terminal`);
    assert.doesNotMatch(printed, /^FAKE:|^OVERWRITE/m, `${name}: a name cannot forge a line`);
  }
  assert.match(migrate.stdout, /shop\.evil\\nFAKE: 0\/0 \(100\.0%\) \[mysql\]/);
  assert.match(report.stdout, /shop\.red\\x1b\[31mALERT\\x1b\[0m/);
  assert.match(report.stdout, /shop\.rtl\\u\{202e\}gnp\.exe/);
  assert.match(migrate.stderr, /^warning: identifier shop\.cr\\rOVERWRITE becomes cr\\rOVERWRITE: /m);
  assert.match(report.stdout, /^ {4}cr\\rOVERWRITE$/m);
  // the names themselves are stored as they came
  const stored = HOSTILE.map(([id]) => (id === "shop.cr\rOVERWRITE" ? "cr\rOVERWRITE" : id));
  assert.deepEqual((await readRows(store)).map((r) => r.identifier).sort(), stored.sort());
});

const RUST_LOG_LINE = /\[\d{4}-\d\d-\d\dT[\d:]+Z (?:WARN|INFO|ERROR|DEBUG)\s+lance/;

test("LanceDB's Rust log lines stay out of the output unless LANCEDB_LOG or RUST_LOG asks for them", async (t) => {
  const dir = tempDir(t);
  // the demo writes a new table: LanceDB warns "No existing dataset ..., it will be created"
  const unset = { LANCEDB_LOG: undefined, RUST_LOG: undefined };
  const demo = await runCli(["demo", "--dir", path.join(dir, "demo")], { env: unset });
  assert.equal(demo.code, 0, demo.stderr);
  assert.doesNotMatch(demo.stdout + demo.stderr, RUST_LOG_LINE);
  assert.doesNotMatch(demo.stderr, /No existing dataset/);

  // an index over 300 rows: k-means warns about empty clusters and duplicate vectors
  const cfg = hashingConfig(path.join(dir, "agent.yml"));
  const source = path.join(dir, "source");
  await writeV0Store(source, syntheticCatalog(300));
  const runIndex = async (name: string, env: NodeJS.ProcessEnv) => {
    const store = path.join(dir, name);
    fs.cpSync(source, store, { recursive: true });
    const run = await runCli(["migrate", "--config", cfg, "--db-path", store, "--skip-backup", "--index-min-rows", "1"], { env });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Indexes: .*vector/, "the vector index was built");
    return run;
  };
  const quiet = await runIndex("datus_db_quiet", unset);
  assert.doesNotMatch(quiet.stdout + quiet.stderr, RUST_LOG_LINE);
  assert.doesNotMatch(quiet.stderr, /KMeans|duplicate vectors/);
  const asked = await runIndex("datus_db_asked", { ...unset, LANCEDB_LOG: "warn" });
  assert.match(asked.stderr, RUST_LOG_LINE, "LANCEDB_LOG=warn set by the user is honoured");
  const rust = await runIndex("datus_db_rust", { ...unset, RUST_LOG: "warn" });
  assert.match(rust.stderr, RUST_LOG_LINE, "RUST_LOG=warn set by the user is honoured");
});
