/**
 * Vectors the Datus agent can search, as a user meets them through the CLI: the configured model or exit 2
 * before anything changes, never a silent substitute; LanceDB's embedding-function entry and datus_db.cfg
 * kept as Python writes them; the store's dimension respected; --keep-vectors, then `embed`.
 * The model is a tiny stand-in for all-MiniLM-L6-v2 laid out in a fastembed cache (real weights cannot be
 * fetched here); each vector is checked against an independent forward pass of it.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { Tokenizer } from "@huggingface/tokenizers";
import * as lancedb from "@lancedb/lancedb";
import { RecordBatch, Schema, Table as ArrowTable } from "apache-arrow";
import { syntheticCatalog } from "../../bench/synthetic-catalog.js";
import { hashedTextEmbedding } from "../../src/embed/hashed-embedding.js";
import type { SourceTable } from "../../src/model.js";
import { v0RowsToArrow } from "../../src/store/arrow-rows.js";
import { writeV0Store } from "../../src/store/v0-store.js";
import { CLI, type CliResult, fileHashes, reportLine, runCli as runCliIn, tempDir } from "../helpers/env.js";
import { writeMiniLmStandIn } from "../helpers/stand-in-model.js";
import { readRows } from "../helpers/store-rows.js";
import type { TinyBert } from "../helpers/tiny-bert.js";

/** The CLI run from an empty directory, so the repository's conf/agent.yml (the demo's hashing config) is not read. */
const outside = fs.mkdtempSync(path.join(os.tmpdir(), "datus-schema-cwd-"));
process.on("exit", () => fs.rmSync(outside, { recursive: true, force: true }));
function runCli(args: readonly string[], options: { env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return runCliIn(args, { cwd: outside, env: options.env });
}

function norm(v: readonly number[]): number {
  return Math.sqrt(v.reduce((s, x) => s + x * x, 0));
}

/** The stand-in's vector of `text` computed outside the code under test: the model's tokenizer file, its reference forward pass, mean pooling, L2. */
function expectedVector(tiny: TinyBert, text: string): number[] {
  const tokenizerJson: unknown = JSON.parse(fs.readFileSync(path.join(tiny.dir, "tokenizer.json"), "utf8"));
  const config: unknown = JSON.parse(fs.readFileSync(path.join(tiny.dir, "tokenizer_config.json"), "utf8"));
  const tokenizer = new Tokenizer(tokenizerJson as object, config as object) as unknown as { encode(t: string): { ids: number[] } };
  let ids = tokenizer.encode(text).ids;
  if (ids.length > 256) ids = [...ids.slice(0, 255), ids[ids.length - 1]];
  const states = tiny.forward(ids);
  const mean = new Array<number>(tiny.hidden).fill(0);
  for (const s of states) for (let j = 0; j < tiny.hidden; j++) mean[j] += s[j] / states.length;
  const n = norm(mean);
  return mean.map((x) => x / n);
}

/** A v0 store as the Python agent writes it: schema metadata naming its embedding function, `dim`-d vectors. */
async function pythonV0Store(store: string, rows: readonly SourceTable[], dim: number, functions?: unknown): Promise<void> {
  const vectors = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => hashedTextEmbedding(r.definition, dim, vectors.subarray(i * dim, (i + 1) * dim)));
  const plain = v0RowsToArrow(rows, vectors, dim);
  const metadata = new Map<string, string>();
  // json.dumps(..., indent=2), as Python LanceDB writes the entry
  if (functions !== undefined) metadata.set("embedding_functions", JSON.stringify(functions, null, 2));
  const schema = new Schema(plain.schema.fields, metadata);
  const data = new ArrowTable(plain.batches.map((b) => new RecordBatch(schema, b.data)));
  const db = await lancedb.connect(store);
  await db.createTable("schema_metadata", data);
}

async function tableMetadata(store: string): Promise<Map<string, string>> {
  const db = await lancedb.connect(store);
  return (await (await db.openTable("schema_metadata")).schema()).metadata;
}

const PYTHON_FUNCTIONS = [
  {
    name: "fastembed",
    model: { name: "sentence-transformers/all-MiniLM-L6-v2", device: "cpu", normalize: true, batch_size: 256 },
    source_column: "definition",
    vector_column: "vector",
  },
];

function hashingConfig(dir: string, dim: number): string {
  const file = path.join(dir, "agent.yml");
  fs.writeFileSync(file, `agent:\n  storage:\n    database:\n      registry_name: hashing\n      model_name: datus-schema-hashing\n      dim_size: ${dim}\n`);
  return file;
}

test("no model files anywhere: exit 2 naming every path searched, the store byte for byte unchanged", async (t) => {
  const dir = tempDir(t);
  const store = path.join(dir, "datus_db_x");
  await writeV0Store(store, syntheticCatalog(20));
  const before = fileHashes(store);
  const empty = path.join(dir, "empty");
  fs.mkdirSync(empty);
  const home = path.join(dir, "home");
  const run = await runCli(["migrate", "--db-path", store], { env: { FASTEMBED_CACHE_PATH: path.join(empty, "cache"), HOME: home, HF_HOME: "", HF_HUB_CACHE: "", TMPDIR: empty } });
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /sentence-transformers\/all-MiniLM-L6-v2/);
  for (const searched of [path.join(empty, "cache"), path.join(home, ".cache/huggingface/fastembed"), path.join(home, ".cache/huggingface/hub")]) {
    assert.ok(run.stderr.includes(searched), `names ${searched}:\n${run.stderr}`);
  }
  assert.match(run.stderr, /hint: .*huggingface-cli download qdrant\/all-MiniLM-L6-v2-onnx/);
  assert.match(run.stderr, /--keep-vectors/);
  assert.deepEqual(fileHashes(store), before, "nothing in the store changed");
  assert.equal(fs.readdirSync(dir).filter((n) => n.includes("backup")).length, 0, "no backup was taken either");
});

test("the configured local model embeds every row: unit 384-d vectors, each the model's vector of its search_text", async (t) => {
  const dir = tempDir(t);
  const cache = path.join(dir, "fastembed");
  const tiny = writeMiniLmStandIn(cache);
  const store = path.join(dir, "datus_db_x");
  await writeV0Store(store, syntheticCatalog(60));
  const run = await runCli(["migrate", "--db-path", store, "--workers", "2"], { env: { FASTEMBED_CACHE_PATH: cache } });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout + run.stderr, /all-MiniLM-L6-v2 \(local ONNX/);
  const rows = await readRows(store);
  assert.equal(rows.length, 60);
  for (const row of rows) {
    const v = row.vector as number[];
    assert.equal(v.length, 384);
    assert.ok(Math.abs(norm(v) - 1) < 1e-4, `unit length for ${String(row.identifier)}`);
  }
  for (const row of rows.slice(0, 5)) {
    const want = expectedVector(tiny, String(row.search_text));
    const got = row.vector as number[];
    const worst = Math.max(...want.map((w, i) => Math.abs(w - got[i])));
    assert.ok(worst < 1e-4, `${String(row.identifier)}: vector differs by ${worst}`);
  }
  const cfg = fs.readFileSync(path.join(store, "datus_db.cfg"), "utf8");
  assert.equal(
    cfg,
    "[database]\nregistry_name = sentence-transformers\nmodel_name = all-MiniLM-L6-v2\ndim_size = 384\n\n" +
      "[document]\nregistry_name = sentence-transformers\nmodel_name = all-MiniLM-L6-v2\ndim_size = 384\n\n" +
      "[metric]\nregistry_name = sentence-transformers\nmodel_name = all-MiniLM-L6-v2\ndim_size = 384\n\n",
  );
  // the table had no embedding-function entry: it gets one in Python's format, on search_text
  const functions = JSON.parse((await tableMetadata(store)).get("embedding_functions") ?? "null") as { name: string; source_column: string; vector_column: string }[];
  assert.deepEqual(functions.map((f) => [f.name, f.source_column, f.vector_column]), [["fastembed", "search_text", "vector"]]);
});

test("search_text is bounded to the 256 word pieces the model reads, the table and its described columns first", async (t) => {
  const dir = tempDir(t);
  const cache = path.join(dir, "fastembed");
  const tiny = writeMiniLmStandIn(cache);
  const store = path.join(dir, "datus_db_x");
  const columns = Array.from({ length: 200 }, (_, i) => `  c${i} varchar(20)${i % 50 === 7 ? ` COMMENT 'customer order invoice ${i}'` : ""}`);
  const ddl = `CREATE TABLE wide_orders (\n${columns.join(",\n")}\n) COMMENT='customer orders';`;
  await writeV0Store(store, [{ identifier: "db.wide_orders", catalogName: "", databaseName: "db", schemaName: "", tableName: "wide_orders", tableType: "table", definition: ddl }]);
  const run = await runCli(["migrate", "--db-path", store, "--dialect", "mysql"], { env: { FASTEMBED_CACHE_PATH: cache } });
  assert.equal(run.code, 0, run.stderr);
  const [row] = await readRows(store);
  const text = String(row.search_text);
  const tokenizer = new Tokenizer(JSON.parse(fs.readFileSync(path.join(tiny.dir, "tokenizer.json"), "utf8")) as object, JSON.parse(fs.readFileSync(path.join(tiny.dir, "tokenizer_config.json"), "utf8")) as object) as unknown as {
    encode(t: string, o?: { add_special_tokens?: boolean }): { ids: number[] };
  };
  const pieces = tokenizer.encode(text, { add_special_tokens: false }).ids.length;
  assert.ok(pieces <= 254 && pieces > 200, `search_text has ${pieces} word pieces`);
  assert.match(text, /^wide_orders \(wide orders\) - customer orders/);
  for (const i of [7, 57, 107, 157]) assert.ok(text.includes(`c${i} varchar(20) customer order invoice ${i}`), `described column c${i} kept`);
  assert.ok(!text.includes("c199 "), "undescribed trailing columns make room");
});

test("a store written by the Python agent keeps its embedding-function entry (source moved to search_text) and its vectors with --keep-vectors", async (t) => {
  const dir = tempDir(t);
  const cache = path.join(dir, "fastembed");
  writeMiniLmStandIn(cache);
  const rows = [...syntheticCatalog(30)];
  for (const mode of ["model", "keep"] as const) {
    const store = path.join(dir, `datus_db_${mode}`);
    await pythonV0Store(store, rows, 384, PYTHON_FUNCTIONS);
    const before = new Map((await readRows(store)).map((r) => [r.identifier, r.vector]));
    const args = ["migrate", "--db-path", store, ...(mode === "keep" ? ["--keep-vectors"] : [])];
    const run = await runCli(args, { env: { FASTEMBED_CACHE_PATH: cache } });
    assert.equal(run.code, 0, `${mode}: ${run.stderr}`);
    const raw = (await tableMetadata(store)).get("embedding_functions");
    assert.ok(raw, `${mode}: the entry is kept`);
    const expected = [{ ...PYTHON_FUNCTIONS[0], source_column: "search_text" }];
    assert.deepEqual(JSON.parse(raw), expected, `${mode}: function and model unchanged, source column search_text`);
    assert.equal(raw, JSON.stringify(expected, null, 2), `${mode}: in Python's json.dumps(indent=2) form`);
    const after = await readRows(store);
    assert.equal(after.length, 30);
    assert.ok(after.every((r) => r.metadata_version === 1));
    if (mode === "keep") {
      for (const r of after) assert.deepEqual(r.vector, before.get(r.identifier), `${String(r.identifier)}: vector left as it was`);
      assert.match(run.stdout, /Vectors kept: 30 rows keep a vector of their definition/);
      assert.deepEqual(reportLine(run.stdout, "vectors of search_text"), [0, 30]);
    } else {
      assert.ok(after.some((r) => JSON.stringify(r.vector) !== JSON.stringify(before.get(r.identifier))), "vectors were re-embedded");
      assert.deepEqual(reportLine(run.stdout, "vectors of search_text"), [30, 30]);
    }
  }
});

test("after --keep-vectors, `embed` brings every vector up to date: the same vectors a migration with the model writes", async (t) => {
  const dir = tempDir(t);
  const cache = path.join(dir, "fastembed");
  writeMiniLmStandIn(cache);
  const env = { FASTEMBED_CACHE_PATH: cache };
  const kept = path.join(dir, "datus_db_kept");
  const direct = path.join(dir, "datus_db_direct");
  await writeV0Store(kept, syntheticCatalog(80));
  await writeV0Store(direct, syntheticCatalog(80));
  assert.equal((await runCli(["migrate", "--db-path", kept, "--keep-vectors"], { env })).code, 0);
  assert.equal((await runCli(["migrate", "--db-path", direct], { env })).code, 0);

  const report = await runCli(["report", "--db-path", kept]);
  assert.deepEqual(reportLine(report.stdout, "vectors of search_text"), [0, 80]);
  assert.match(report.stdout, /80 rows carry a vector of their definition/);

  const embed = await runCli(["embed", "--db-path", kept, "--workers", "2"], { env });
  assert.equal(embed.code, 0, embed.stderr);
  assert.match(embed.stdout, /embedded 80 of 80 rows/);
  assert.deepEqual(reportLine(embed.stdout, "vectors of search_text"), [80, 80]);
  const want = new Map((await readRows(direct)).map((r) => [r.identifier, r]));
  for (const row of await readRows(kept)) {
    const other = want.get(row.identifier)!;
    assert.equal(row.search_text, other.search_text);
    const a = row.vector as number[];
    const b = other.vector as number[];
    assert.ok(Math.max(...a.map((x, i) => Math.abs(x - b[i]))) < 1e-5, `${String(row.identifier)}: same vector as a migration with the model`);
    assert.equal(row.column_comments, other.column_comments, "other v1 fields untouched");
  }
  const again = await runCli(["embed", "--db-path", kept], { env });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /nothing to do/);
});

test("the store's own dimension is kept: a 768-d store never comes out 384-d", async (t) => {
  const dir = tempDir(t);
  const cache = path.join(dir, "fastembed");
  writeMiniLmStandIn(cache);
  const rows = [...syntheticCatalog(25)];
  const env = { FASTEMBED_CACHE_PATH: cache };

  // the default model is 384-d: a mismatch, refused before anything changes
  const refused = path.join(dir, "datus_db_refused");
  await pythonV0Store(refused, rows, 768);
  const before = fileHashes(refused);
  const run = await runCli(["migrate", "--db-path", refused], { env });
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /768 dimensions, agent.storage.database.dim_size is 384/);
  assert.match(run.stderr, /--force/);
  assert.deepEqual(fileHashes(refused), before);

  // a config naming a 768-d model keeps 768
  const matching = path.join(dir, "datus_db_768");
  await pythonV0Store(matching, rows, 768);
  const ok = await runCli(["migrate", "--db-path", matching, "--config", hashingConfig(dir, 768)]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.ok((await readRows(matching)).every((r) => (r.vector as number[]).length === 768));

  // --keep-vectors keeps them too, with the 384-d default config
  const keep = path.join(dir, "datus_db_keep");
  await pythonV0Store(keep, rows, 768);
  assert.equal((await runCli(["migrate", "--db-path", keep, "--keep-vectors"], { env })).code, 0);
  assert.ok((await readRows(keep)).every((r) => (r.vector as number[]).length === 768));

  // --force re-embeds every row with the configured 384-d model
  const forced = path.join(dir, "datus_db_forced");
  await pythonV0Store(forced, rows, 768);
  const f = await runCli(["migrate", "--db-path", forced, "--force"], { env });
  assert.equal(f.code, 0, f.stderr);
  const out = await readRows(forced);
  assert.equal(out.length, 25);
  assert.ok(out.every((r) => (r.vector as number[]).length === 384 && Math.abs(norm(r.vector as number[]) - 1) < 1e-4));
});

test("datus_db.cfg naming another model is refused (exit 2), --force re-embeds and rewrites it", async (t) => {
  const dir = tempDir(t);
  const cache = path.join(dir, "fastembed");
  writeMiniLmStandIn(cache);
  const env = { FASTEMBED_CACHE_PATH: cache };
  const store = path.join(dir, "datus_db_x");
  await writeV0Store(store, syntheticCatalog(10));
  fs.writeFileSync(path.join(store, "datus_db.cfg"), "[database]\nregistry_name = fastembed\nmodel_name = BAAI/bge-small-en-v1.5\ndim_size = 384\n\n");
  const before = fileHashes(store);
  const run = await runCli(["migrate", "--db-path", store], { env });
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /datus_db.cfg says fastembed BAAI\/bge-small-en-v1.5/);
  assert.deepEqual(fileHashes(store), before);
  const forced = await runCli(["migrate", "--db-path", store, "--force"], { env });
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(fs.readFileSync(path.join(store, "datus_db.cfg"), "utf8"), /^\[database\]\nregistry_name = sentence-transformers\nmodel_name = all-MiniLM-L6-v2\ndim_size = 384\n/);
});

test("a store migrated by datus-schema 0.1 (hashed vectors, no record of a model) is not taken for MiniLM vectors", async (t) => {
  const dir = tempDir(t);
  const cache = path.join(dir, "fastembed");
  writeMiniLmStandIn(cache);
  const store = path.join(dir, "datus_db_x");
  await writeV0Store(store, syntheticCatalog(12));
  assert.equal((await runCli(["migrate", "--db-path", store, "--config", hashingConfig(dir, 384)])).code, 0);
  // what 0.1 left: a state file without the vectors record, and no datus_db.cfg
  const stateFile = path.join(store, ".datus-schema", "state.json");
  const state = JSON.parse(fs.readFileSync(stateFile, "utf8")) as Record<string, unknown>;
  delete state.vectors;
  fs.writeFileSync(stateFile, JSON.stringify(state));
  fs.rmSync(path.join(store, "datus_db.cfg"));
  const run = await runCli(["migrate", "--db-path", store], { env: { FASTEMBED_CACHE_PATH: cache } });
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /earlier datus-schema with its offline hashing embedding/);
  const embed = await runCli(["embed", "--db-path", store, "--all"], { env: { FASTEMBED_CACHE_PATH: cache } });
  assert.equal(embed.code, 0, embed.stderr);
  assert.match(embed.stdout, /embedded 12 of 12 rows/);
  const again = await runCli(["migrate", "--db-path", store], { env: { FASTEMBED_CACHE_PATH: cache } });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /nothing to do/);
});

test("after a large enough migration the full-text and vector indexes exist; --no-index skips them", async (t) => {
  const dir = tempDir(t);
  const config = hashingConfig(dir, 384);
  for (const skip of [false, true]) {
    const store = path.join(dir, `datus_db_${skip}`);
    await writeV0Store(store, syntheticCatalog(300));
    const run = await runCli(["migrate", "--db-path", store, "--config", config, "--index-min-rows", "100", ...(skip ? ["--no-index"] : [])]);
    assert.equal(run.code, 0, run.stderr);
    const db = await lancedb.connect(store);
    const indices = await (await db.openTable("schema_metadata")).listIndices();
    const described = indices.map((i) => `${i.indexType}:${i.columns.join(",")}`).sort();
    if (skip) assert.deepEqual(described, []);
    else {
      assert.ok(described.some((d) => d.startsWith("FTS:search_text")), described.join(" "));
      assert.ok(described.some((d) => d.includes(":vector")), described.join(" "));
    }
  }
});

test("a v1 store moved to another model with --force: every row re-embedded, no other field lost", async (t) => {
  const dir = tempDir(t);
  const cache = path.join(dir, "fastembed");
  writeMiniLmStandIn(cache);
  const env = { FASTEMBED_CACHE_PATH: cache };
  const store = path.join(dir, "datus_db_x");
  await writeV0Store(store, syntheticCatalog(30));
  assert.equal((await runCli(["migrate", "--db-path", store, "--config", hashingConfig(dir, 384)])).code, 0);
  const before = await readRows(store);
  const refused = await runCli(["migrate", "--db-path", store], { env });
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /datus-schema embedded the rows with hashing datus-schema-hashing/);
  const forced = await runCli(["migrate", "--db-path", store, "--force"], { env });
  assert.equal(forced.code, 0, forced.stderr);
  const after = new Map((await readRows(store)).map((r) => [r.identifier, r]));
  assert.equal(after.size, 30);
  for (const old of before) {
    const row = after.get(old.identifier)!;
    assert.notDeepEqual(row.vector, old.vector, "re-embedded");
    for (const field of ["definition", "column_comments", "column_enums", "relationship_metadata", "business_tags"]) assert.deepEqual(row[field], old[field], field);
  }
  assert.match(fs.readFileSync(path.join(store, "datus_db.cfg"), "utf8"), /registry_name = sentence-transformers/);
  const again = await runCli(["migrate", "--db-path", store], { env });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /nothing to do/);
});

test("`embed` killed part-way resumes: the next run embeds just the rest", async (t) => {
  const dir = tempDir(t);
  const cache = path.join(dir, "fastembed");
  writeMiniLmStandIn(cache);
  const env = { FASTEMBED_CACHE_PATH: cache };
  const store = path.join(dir, "datus_db_x");
  await writeV0Store(store, syntheticCatalog(6000));
  assert.equal((await runCli(["migrate", "--db-path", store, "--keep-vectors", "--skip-backup"], { env })).code, 0);
  const progress = path.join(store, ".datus-schema", "stale-vectors.embed.jsonl");
  const child = spawn(process.execPath, [CLI, "embed", "--db-path", store, "--workers", "1"], { cwd: outside, env: { ...process.env, ...env } });
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  // kill once a first batch of new vectors is committed (recorded fresh only after its commit)
  for (let i = 0; i < 1200; i++) {
    if (fs.existsSync(progress) && fs.readFileSync(progress, "utf8").includes('"stale":false')) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  child.kill("SIGKILL");
  await exited;
  const freshLines = fs.readFileSync(progress, "utf8").split("\n").filter((l) => l.includes('"stale":false')).length;
  assert.ok(freshLines > 0 && freshLines < 6000, `killed part-way (${freshLines} committed)`);
  const resumed = await runCli(["embed", "--db-path", store], { env });
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, new RegExp(`embedded ${6000 - freshLines} of ${6000 - freshLines} rows`));
  assert.deepEqual(reportLine(resumed.stdout, "vectors of search_text"), [6000, 6000]);
  assert.equal((await readRows(store)).length, 6000);
});
