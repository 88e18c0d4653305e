/**
 * The DDL reader and the worker's enrichment never throw and never change a definition, whatever the DDL:
 * every cut point of the corpus tables, random byte flips, NULs, broken UTF-8, and the pathological shapes.
 * Called directly (no threads), so thousands of cases run in seconds; FUZZ=full runs the whole sweep.
 */
import assert from "node:assert/strict";
import { test, type TestContext } from "node:test";
import { parseDdl, parseDdlScript } from "../../src/ddl/parse-ddl.js";
import { summarizeBatch } from "../../src/engine/summarize-batch.js";
import { enrichBatch } from "../../src/engine/enrich-batch.js";
import type { Dialect, SourceTable } from "../../src/model.js";
import { corpusDdl, cutPoints, flipBytes, FULL, insertAt, pathological, random, SEED } from "../helpers/fuzz-cases.js";
import { readCorpus } from "../helpers/ddl-corpus.js";

function table(i: number, definition: string): SourceTable {
  return { identifier: `fuzz.t${i}`, catalogName: "", databaseName: "fuzz", schemaName: "", tableName: `t${i}`, tableType: "table", definition };
}

interface Tally {
  cases: number;
  failures: number;
  slowestMs: number;
  slowest: string;
}

/**
 * Run `definitions` through the worker's code (enrich + catalog summary) in batches, as `dialect` and as
 * `unknown` (sniffed): one row per table, the definition as it came, and either a clean read or a reason.
 */
function check(label: string, definitions: readonly string[], dialect: Dialect, tally: Tally): void {
  for (const read of dialect === "unknown" ? (["unknown"] as const) : [dialect, "unknown" as const]) {
    for (let from = 0; from < definitions.length; from += 64) {
      const rows = definitions.slice(from, from + 64).map((d, i) => table(from + i, d));
      const started = performance.now();
      const result = enrichBatch({ rows, dialect: read, vectors: { kind: "keep", dim: 2 }, now: 1, extractRelationships: true });
      const summaries = summarizeBatch({ rows, dialect: read });
      const ms = performance.now() - started;
      if (ms > tally.slowestMs) Object.assign(tally, { slowestMs: ms, slowest: `${label} [${read}] batch at ${from}` });
      tally.cases += rows.length;
      tally.failures += result.parseFailures.length;
      assert.equal(result.rows.length, rows.length, label);
      assert.equal(summaries.length, rows.length, label);
      assert.equal(result.parseFailures.length + result.parsedOk.length, rows.length, `${label}: every table either read or reported`);
      result.rows.forEach((row, i) => {
        assert.equal(row.identifier, rows[i].identifier, label);
        assert.ok(row.definition === rows[i].definition, `${label} [${read}] ${row.identifier}: the definition is returned as it came`);
        assert.equal(row.metadata_version, 1);
        assert.ok(typeof row.search_text === "string" && row.search_text.startsWith(rows[i].tableName), `${label}: search_text names the table`);
        for (const json of [row.column_comments, row.column_enums, row.relationship_metadata, row.sample_statistics]) JSON.parse(json);
      });
    }
  }
}

function report(t: TestContext, tally: Tally, started: number): void {
  t.diagnostic(`${tally.cases} cases (${tally.failures} reported unreadable) in ${((performance.now() - started) / 1000).toFixed(1)} s; slowest batch ${tally.slowestMs.toFixed(0)} ms: ${tally.slowest}`);
}

const newTally = (): Tally => ({ cases: 0, failures: 0, slowestMs: 0, slowest: "" });

test(`every cut point of the corpus DDL (${FULL ? "all" : "a sample"}) is read or reported, never thrown, definition unchanged`, (t) => {
  const started = performance.now();
  const tally = newTally();
  for (const { name, dialect, ddl } of corpusDdl()) {
    const cuts = cutPoints(ddl, FULL ? 1 : 5);
    check(`${name} cut`, cuts.map((at) => ddl.slice(0, at)), dialect, tally);
  }
  report(t, tally, started);
});

test("corpus DDL with random bytes flipped, NULs and broken UTF-8 put in is read or reported, never thrown", (t) => {
  const started = performance.now();
  const tally = newTally();
  const next = random(SEED);
  const variants = FULL ? 200 : 12;
  for (const { name, dialect, ddl } of corpusDdl()) {
    const mutated: string[] = [];
    for (let v = 0; v < variants; v++) {
      mutated.push(flipBytes(ddl, 1 + Math.floor(next() * 8), next));
      mutated.push(insertAt(ddl, "\0", 1 + Math.floor(next() * 4), next));
      mutated.push(insertAt(ddl, ["\ud800", "\udfff", "\ufffd", "\ufeff", "'", "(", ")", "`", '"', "--", "/*", "$$", ";"][v % 13], 1 + Math.floor(next() * 3), next));
    }
    check(`${name} mutated`, mutated, dialect, tally);
  }
  report(t, tally, started);
});

test("pathological definitions (empty, 10 MB, 10,000 columns, 10,000 nested parentheses, a 100,000-value ENUM) are read or reported in seconds", (t) => {
  for (const [name, ddl] of pathological()) {
    const tally = newTally();
    const started = performance.now();
    check(name, [ddl], "mysql", tally);
    if (ddl.length < 100_000 || FULL) check(name, [ddl], "postgresql", tally);
    const seconds = (performance.now() - started) / 1000;
    t.diagnostic(`${name} (${ddl.length} chars): ${seconds.toFixed(2)} s, ${tally.failures} of ${tally.cases} reported unreadable`);
    // linear work: a 10 MB DDL is read in seconds (a quadratic step would take minutes)
    assert.ok(seconds < (FULL ? 300 : 60), `${name}: ${seconds} s`);
  }
  const wide = parseDdl(pathological().find(([n]) => n === "10,000 columns")![1], "mysql");
  assert.equal(wide.columns.length, 10_000);
  assert.equal(wide.parseError, undefined);
});

test("whole corpus scripts cut at random points split into tables without throwing", (t) => {
  const started = performance.now();
  const next = random(SEED + 1);
  let cases = 0;
  for (const [file, dialect] of [["sakila/mysql-schema.sql", "mysql"], ["sakila/postgres-schema.sql", "postgresql"], ["sakila/sqlite-schema.sql", "sqlite"], ["employees/mysql-schema.sql", "mysql"]] as const) {
    const text = readCorpus(file);
    for (let i = 0; i < (FULL ? 400 : 25); i++) {
      const cut = text.slice(0, Math.floor(next() * text.length));
      const tables = parseDdlScript(cut, dialect);
      assert.ok(Array.isArray(tables));
      for (const s of tables) assert.equal(typeof s.tableName, "string");
      cases++;
    }
  }
  t.diagnostic(`${cases} script cuts in ${((performance.now() - started) / 1000).toFixed(1)} s`);
});
