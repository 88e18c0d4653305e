/**
 * Every flow of the users' guide (§1.1, §2, §3, §4) as the matching `datus-schema` command, against a v0
 * store built from the corpus' Chinook DDL and a DuckDB namespace holding Chinook with its rows.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { before, test } from "node:test";
import type { TestContext } from "node:test";
import { writeV0Store } from "../../src/store/v0-store.js";
import { chinookDuckDb, corpusTables } from "../helpers/corpus.js";
import { FakeOpenAiServer } from "../helpers/fake-openai-server.js";
import { reportLine, runCli, tempDir } from "../helpers/env.js";
import { readRows } from "../helpers/store-rows.js";

const CHINOOK_TABLES = 11;
let duckFile = "";
let duckDir = "";

before(async () => {
  duckDir = fs.mkdtempSync(path.join((await import("node:os")).tmpdir(), "datus-schema-chinook-"));
  duckFile = path.join(duckDir, "chinook.duckdb");
  await chinookDuckDb(duckFile);
});

process.on("exit", () => fs.rmSync(duckDir, { recursive: true, force: true }));

/** A config whose namespace `chinook` is the DuckDB file, and a v0 store of the Chinook DDL in it. */
async function setup(t: TestContext, withStore = true): Promise<{ cfg: string; store: string; dir: string }> {
  const dir = tempDir(t);
  const cfg = path.join(dir, "agent.yml");
  fs.writeFileSync(
    cfg,
    `agent:\n  storage:\n    base_path: ${path.join(dir, "data")}\n  namespace:\n    chinook:\n      type: duckdb\n      uri: ${duckFile}\n      max_connections: 2\n`,
  );
  const store = path.join(dir, "data", "datus_db_chinook");
  if (withStore) {
    const rows = corpusTables("chinook/chinook_postgresql.sql", "postgresql", "chinook", "main");
    assert.equal(rows.length, CHINOOK_TABLES);
    await writeV0Store(store, rows);
  }
  return { cfg, store, dir };
}

test("guide §1.1 full migration: statistics + relationships + live import, forced", async (t) => {
  const { cfg, store } = await setup(t);
  const run = await runCli(["migrate", `--config=${cfg}`, "--extract-statistics=true", "--extract-relationships=true", "--import-schemas", "--force"]);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(reportLine(run.stdout, "v1 records"), [CHINOOK_TABLES, CHINOOK_TABLES], "import upserts the same identifiers: no duplicates");
  assert.deepEqual(reportLine(run.stdout, "row_count"), [CHINOOK_TABLES, CHINOOK_TABLES]);
  assert.deepEqual(reportLine(run.stdout, "sample_statistics"), [CHINOOK_TABLES, CHINOOK_TABLES]);
  const rows = await readRows(store);
  const track = rows.find((r) => r.table_name === "track")!;
  assert.equal(Number(track.row_count), 3503);
  const stats = JSON.parse(String(track.sample_statistics));
  assert.equal(stats.milliseconds.min, 1071);
  assert.equal(stats.milliseconds.max, 5286953);
});

test("guide §1.1 fast migration and relationships-only: declared foreign keys, no statistics", async (t) => {
  for (const args of [["--extract-statistics=false", "--extract-relationships=true"], ["--extract-statistics=false"]]) {
    const { cfg, store } = await setup(t);
    const run = await runCli(["migrate", `--config=${cfg}`, ...args]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(reportLine(run.stdout, "v1 records"), [CHINOOK_TABLES, CHINOOK_TABLES]);
    assert.deepEqual(reportLine(run.stdout, "row_count"), [0, CHINOOK_TABLES]);
    // every Chinook table but artist, genre, media_type and playlist declares a foreign key
    assert.deepEqual(reportLine(run.stdout, "relationship_metadata"), [7, CHINOOK_TABLES]);
    const invoice = (await readRows(store)).find((r) => r.table_name === "invoice")!;
    const rel = JSON.parse(String(invoice.relationship_metadata));
    assert.deepEqual(
      rel.foreign_keys.map((f: { from_column: string; to_table: string; to_column: string }) => [f.from_column, f.to_table, f.to_column]),
      [["customer_id", "customer", "customer_id"]],
    );
  }
});

test("guide §1.1 schema import only: --import-schemas --import-only --clear --force rebuilds from the live database, after a backup", async (t) => {
  const { cfg, store, dir } = await setup(t);
  const run = await runCli(["migrate", `--config=${cfg}`, "--namespace=chinook", "--import-schemas", "--import-only", "--clear", "--force"]);
  assert.equal(run.code, 0, run.stderr);
  assert.ok(fs.readdirSync(path.join(dir, "data")).some((n) => n.startsWith("datus_db_chinook.backup_v0_")), "backup taken before --clear");
  const rows = await readRows(store);
  assert.equal(rows.length, CHINOOK_TABLES);
  assert.ok(rows.every((r) => r.metadata_version === 1));
  assert.ok(rows.every((r) => String(r.definition).startsWith("CREATE TABLE")), "definitions come from the live catalog");
  // rollback still brings the v0 rows back
  const back = await runCli(["rollback", `--config=${cfg}`, "--namespace=chinook"]);
  assert.equal(back.code, 0, back.stderr);
  assert.equal((await readRows(store)).filter((r) => r.metadata_version === undefined).length, CHINOOK_TABLES);
});

test("guide §1.1 LLM fallback: DDL no parser reads is read by the configured model, validated, and migrated", async (t) => {
  const server = await FakeOpenAiServer.start();
  t.after(() => server.close());
  const { cfg, store } = await setup(t, false);
  // an export format no SQL parser reads; the model's answer must name only what the text holds
  const odd = "TABLE playlist_note WITH FIELDS (note_id INTEGER KEY, body TEXT NOTE 'free text about the playlist')";
  const rows = [...corpusTables("chinook/chinook_postgresql.sql", "postgresql", "chinook", "main"), { identifier: "chinook.main.playlist_note", catalogName: "", databaseName: "chinook", schemaName: "main", tableName: "playlist_note", tableType: "table" as const, definition: odd }];
  await writeV0Store(store, rows);
  // the recovered table is tagged with the same dictionary as every other table
  fs.writeFileSync(path.join(path.dirname(cfg), "business_terms.yml"), "business_tags:\n  annotations: [note]\n");
  fs.appendFileSync(cfg, `  target: deepseek\n  models:\n    deepseek:\n      type: openai\n      base_url: ${server.baseUrl()}\n      api_key: test-key\n      model: deepseek-chat\n`);
  server.otherwise(() => ({
    content: JSON.stringify({
      table: { name: "playlist_note", comment: "" },
      columns: [
        { name: "note_id", type: "INTEGER", nullable: false, default: null, comment: "" },
        { name: "body", type: "TEXT", nullable: true, default: null, comment: "free text about the playlist" },
      ],
      primary_key: ["note_id"],
      unique_keys: [],
      foreign_keys: [],
    }),
  }));
  const run = await runCli(["migrate", `--config=${cfg}`, "--extract-relationships=true", "--llm-fallback", "--llm-model=deepseek-chat"]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(server.requests.length, 1, "only the unreadable table was sent to the model");
  assert.equal(server.requests[0].headers.authorization, "Bearer test-key");
  assert.match(run.stdout, /LLM fallback: 1 tables read by the LLM, 0 it could not read/);
  assert.deepEqual(reportLine(run.stdout, "v1 records"), [CHINOOK_TABLES + 1, CHINOOK_TABLES + 1]);
  const note = (await readRows(store)).find((r) => r.table_name === "playlist_note")!;
  assert.equal(note.definition, odd);
  assert.deepEqual(JSON.parse(String(note.column_comments)), { body: "free text about the playlist" });
  assert.ok((note.business_tags as string[]).includes("annotations"), `business_terms.yml applies to LLM-read tables: ${String(note.business_tags)}`);
});

test("guide §2 report: by namespace, by --db-path with --top-tags, and as JSON", async (t) => {
  const { cfg, store } = await setup(t);
  assert.equal((await runCli(["migrate", `--config=${cfg}`, "--skip-backup"])).code, 0);
  const byNs = await runCli(["report", `--config=${cfg}`, "--namespace=chinook"]);
  assert.equal(byNs.code, 0, byNs.stderr);
  const labels = ["v1 records", "table_comment", "column_comments", "column_enums", "business_tags", "relationship_metadata", "row_count", "sample_statistics"];
  const positions = labels.map((l) => byNs.stdout.search(new RegExp(`^\\s*${l}: \\d+/\\d+ \\(\\d+\\.\\d%\\)`, "m")));
  assert.ok(positions.every((p) => p >= 0), `every CONTRACT §4 line is printed:\n${byNs.stdout}`);
  assert.deepEqual([...positions].sort((a, b) => a - b), positions, "in the CONTRACT order");
  assert.match(byNs.stdout, /^Relationship sources:$/m);
  assert.match(byNs.stdout, /^Top 10 business tags:$/m);
  const byPath = await runCli(["report", `--config=${cfg}`, `--db-path=${store}`, "--top-tags=20"]);
  assert.equal(byPath.code, 0, byPath.stderr);
  assert.match(byPath.stdout, /^Top 20 business tags:$/m);
  const json = await runCli(["report", `--config=${cfg}`, "--json"]);
  assert.equal(json.code, 0, json.stderr);
  const figures = JSON.parse(json.stdout);
  assert.equal(figures.v1_records.count, CHINOOK_TABLES);
});

test("guide §3 live bootstrap builds the store from the live database; --incremental then skips unchanged tables", async (t) => {
  const { cfg, store } = await setup(t, false);
  const args = ["bootstrap", `--config=${cfg}`, "--database=chinook", "--schema=main", "--dialect=duckdb", "--extract-statistics=true", "--extract-relationships=true"];
  const run = await runCli(args);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(reportLine(run.stdout, "v1 records"), [CHINOOK_TABLES, CHINOOK_TABLES]);
  assert.deepEqual(reportLine(run.stdout, "row_count"), [CHINOOK_TABLES, CHINOOK_TABLES]);
  // a query log on a bootstrap: JOINs become relationships of the live tables
  const log = path.join(path.dirname(cfg), "queries.sql");
  fs.writeFileSync(log, "SELECT c.first_name, SUM(i.total) FROM invoice i JOIN customer c ON i.customer_id = c.customer_id GROUP BY 1;\n");
  const withLog = await runCli([...args, `--query-log=${log}`]);
  assert.equal(withLog.code, 0, withLog.stderr);
  assert.match(withLog.stderr, /query log .*queries\.sql: 1 queries read, 0 not parsed/);
  const invoice = (await readRows(store)).find((r) => r.table_name === "invoice")!;
  assert.ok(JSON.parse(String(invoice.relationship_metadata)).join_paths.includes("invoice.customer_id -> customer.customer_id"));
  const again = await runCli([...args, "--incremental"]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, new RegExp(`${CHINOOK_TABLES} unchanged, skipped`));
  assert.equal((await readRows(store)).length, CHINOOK_TABLES);
});

test("guide §4 rollback restores the store after a migration, and says how", async (t) => {
  const { cfg, store } = await setup(t);
  const v0 = await readRows(store);
  assert.equal((await runCli(["migrate", `--config=${cfg}`])).code, 0);
  const back = await runCli(["rollback", `--config=${cfg}`]);
  assert.equal(back.code, 0, back.stderr);
  assert.match(back.stdout, /restored schema_metadata/);
  assert.deepEqual(await readRows(store), v0);
});

test("backups are named for what they hold: one v0 backup for the guide's rollback, v1 backups kept to --keep-backups; the summary gives the store's size", async (t) => {
  const { cfg, store, dir } = await setup(t);
  const data = path.join(dir, "data");
  const backups = (kind: string) => fs.readdirSync(data).filter((n) => n.startsWith(`datus_db_chinook.backup_${kind}_`));
  const first = await runCli(["migrate", `--config=${cfg}`, "--log-format=json"]);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(backups("v0").length, 1, "the v0 store is backed up once, as backup_v0_*");
  const summary = JSON.parse(first.stdout.split("\n").find((l) => l.includes('"event":"migrate"'))!) as { store_bytes: { before: number; after: number } };
  assert.ok(summary.store_bytes.before > 0 && summary.store_bytes.after > summary.store_bytes.before, JSON.stringify(summary.store_bytes));
  assert.equal(summary.store_bytes.after, bytesUnder(store), "the size after is the store directory's, as counted outside");

  // each --clear of the store, now v1, takes a backup of what it clears
  for (let i = 0; i < 4; i++) {
    const clear = await runCli(["migrate", `--config=${cfg}`, "--namespace=chinook", "--import-schemas", "--import-only", "--clear", "--force", "--keep-backups=2"]);
    assert.equal(clear.code, 0, clear.stderr);
    assert.match(clear.stdout, /Store size: [\d.]+ [kMG]B before, [\d.]+ [kMG]B after/);
  }
  assert.equal(backups("v1").length, 2, `the newest two v1 backups are kept: ${backups("v1").join(", ")}`);
  assert.equal(backups("v0").length, 1, "the v0 backup, the user's original data, is never removed");
  // the guide's rollback (§4) moves `<store>.backup_v0_*` into place: exactly one directory matches
  const [v0] = backups("v0");
  fs.rmSync(store, { recursive: true, force: true });
  fs.renameSync(path.join(data, v0), store);
  assert.equal((await readRows(store)).filter((r) => r.metadata_version === undefined).length, CHINOOK_TABLES, "the v0 backup holds the v0 rows");
});

/** Bytes of the files under `dir`, counted here without the tool's code. */
function bytesUnder(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += fs.statSync(path.join(entry.parentPath ?? entry.path, entry.name)).size;
  }
  return total;
}
