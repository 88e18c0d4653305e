/**
 * Bad DDL never stops a run, through the built CLI on a real store: a v0 table of fuzzed definitions (cut
 * corpus DDL, flipped bytes, NULs, broken UTF-8, empty and null, 10 MB, 10,000 columns, 10,000 nested
 * parentheses, duplicate identifiers) migrates with exit 0, every table once, every definition byte for
 * byte as the v0 table held it, and what could not be read is reported. FUZZ=full: ten times the tables.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import type { SourceTable } from "../../src/model.js";
import { writeV0Store } from "../../src/store/v0-store.js";
import { runCli, tempDir } from "../helpers/env.js";
import { corpusDdl, flipBytes, FULL, insertAt, pathological, random, SEED } from "../helpers/fuzz-cases.js";
import { definitionBytes, readRows } from "../helpers/store-rows.js";

const TABLES = Number(process.env.FUZZ_TABLES ?? (FULL ? 3000 : 300));

function row(i: number, definition: string, extra: Partial<SourceTable> = {}): SourceTable {
  return { identifier: `fuzz.t${i}`, catalogName: "", databaseName: "fuzz", schemaName: "", tableName: `t${i}`, tableType: "table", definition, ...extra };
}

/** `TABLES` fuzzed rows, then the pathological ones, then rows repeating identifiers already used. */
function fuzzedRows(): SourceTable[] {
  const next = random(SEED);
  const corpus = corpusDdl();
  const rows: SourceTable[] = [];
  for (let i = 0; i < TABLES; i++) {
    const { ddl } = corpus[Math.floor(next() * corpus.length)];
    const kind = i % 5;
    const definition =
      kind === 0 || kind === 1
        ? ddl.slice(0, Math.floor(next() * (ddl.length + 1)))
        : kind === 2
          ? flipBytes(ddl, 1 + Math.floor(next() * 8), next)
          : kind === 3
            ? insertAt(ddl, "\0", 1 + Math.floor(next() * 3), next)
            : insertAt(ddl, ["\ud800", "\ufffd", "\ufeff", "'", "(", "`", "/*"][Math.floor(next() * 7)], 1 + Math.floor(next() * 3), next);
    rows.push(row(i, definition));
  }
  for (const [j, [, ddl]] of pathological(false).entries()) rows.push(row(TABLES + j, ddl));
  rows.push(row(TABLES + 100, "", { definitionNull: true }), row(TABLES + 101, "", { definitionNull: true }));
  // the same identifier again (another export of the table): the first row is the one kept
  rows.push(row(0, "CREATE TABLE t0 (id int) -- a second row for fuzz.t0"), row(1, rows[1].definition));
  return rows;
}

test(`${TABLES}+ fuzzed definitions migrate through the CLI: exit 0, every table once, definitions byte for byte, failures reported`, async (t) => {
  const dir = tempDir(t);
  const store = path.join(dir, "datus_db_fuzz");
  const rows = fuzzedRows();
  await writeV0Store(store, rows);
  // the truth: the bytes the v0 table holds (first row of each identifier), read before the migration
  const before = await definitionBytes(store);
  const started = performance.now();
  const run = await runCli(["migrate", "--db-path", store, "--workers", "2", "--skip-backup"], { timeoutMs: 600_000 });
  t.diagnostic(`${rows.length} rows migrated in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  assert.equal(run.code, 0, `${run.signal ?? ""}\n${run.stdout.slice(-3000)}\n${run.stderr.slice(-3000)}`);
  const tables = before.size;
  const after = await definitionBytes(store);
  assert.equal(after.size, tables, "every table once");
  for (const [id, bytes] of before) assert.deepEqual(after.get(id), bytes, `${id}: the definition is byte for byte the v0 one`);
  assert.match(run.stdout, /^Duplicate identifiers: 2 rows of the v0 table repeated an identifier/m);
  assert.match(run.stdout, new RegExp(`^Row check: ${tables} rows before, ${tables} written, ${tables} expected after, ${tables} found$`, "m"));
  const migrated = await readRows(store);
  assert.equal(migrated.length, tables);
  assert.ok(migrated.every((r) => r.metadata_version === 1 && r.table_name === String(r.identifier).slice("fuzz.".length)));

  const failures = Number(/^DDL parse failures: (\d+)/m.exec(run.stdout)?.[1]);
  assert.ok(failures > 0 && failures < tables, `some fuzzed tables are unreadable and reported (${failures})`);
  const report = await runCli(["report", "--db-path", store, "--json"]);
  assert.equal(report.code, 0, report.stderr);
  const figures = JSON.parse(report.stdout) as { parse_failures: { total: number } };
  assert.equal(figures.parse_failures.total, failures, "report lists every table the run reported");
});
