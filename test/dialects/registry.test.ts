/**
 * One home per dialect: every registered dialect has its folder and profile, and what the rest of the tool
 * accepts (`--dialect`, a namespace's `type`, the DDL reader) is exactly what the registry lists.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { parseDialect } from "../../src/cli/context.js";
import { DIALECTS, findDialect, LIVE_DIALECTS, splitQualifiedName } from "../../src/dialects/registry.js";
import { parseDdl } from "../../src/ddl/parse-ddl.js";
import { lexRules } from "../../src/ddl/tokenize.js";
import { REPO_ROOT } from "../helpers/env.js";

test("every registered dialect lives in src/dialects/<name>/<name>-profile.ts", () => {
  for (const p of DIALECTS) {
    assert.ok(fs.existsSync(path.join(REPO_ROOT, "src", "dialects", p.name, `${p.name}-profile.ts`)), `${p.name} has its folder and profile`);
  }
  assert.equal(new Set(DIALECTS.map((p) => p.name)).size, DIALECTS.length, "no name twice");
});

test("--dialect takes every registered name and alias, in any case, and nothing else", () => {
  for (const p of DIALECTS) {
    assert.equal(parseDialect(p.name.toUpperCase(), "--dialect"), p.name);
    for (const alias of p.aliases) assert.equal(parseDialect(alias, "--dialect"), p.name);
  }
  assert.throws(() => parseDialect("cobol", "--dialect"), /unknown dialect/);
  assert.equal(findDialect("Postgres")?.name, "postgresql");
});

test("the live dialects are the namespace types of the contract", () => {
  assert.deepEqual(LIVE_DIALECTS.map((p) => p.name).sort(), ["duckdb", "mariadb", "mysql", "postgresql", "sqlite", "starrocks"]);
  assert.deepEqual(LIVE_DIALECTS.filter((p) => p.live.fileExtension !== undefined).map((p) => p.name).sort(), ["duckdb", "sqlite"]);
});

test("each profile's name rules are what the DDL reader applies", () => {
  const cases: [string, string, { databaseName: string; schemaName: string; tableName: string }][] = [
    ["mysql", "a.b", { databaseName: "a", schemaName: "", tableName: "b" }],
    ["postgresql", "a.b", { databaseName: "", schemaName: "a", tableName: "b" }],
    ["postgresql", "a.b.c", { databaseName: "a", schemaName: "b", tableName: "c" }],
    ["starrocks", "cat.db.t", { databaseName: "db", schemaName: "", tableName: "t" }],
    ["sqlite", "main.t", { databaseName: "main", schemaName: "", tableName: "t" }],
  ];
  for (const [dialect, name, want] of cases) {
    const d = findDialect(dialect)!.name;
    assert.deepEqual(splitQualifiedName(name.split("."), d), want, `${dialect} ${name}`);
    const read = parseDdl(`CREATE TABLE ${name} (x INT)`, d);
    assert.deepEqual({ databaseName: read.databaseName, schemaName: read.schemaName, tableName: read.tableName }, want, `${dialect}: the reader agrees`);
  }
  assert.equal(lexRules("sqlite").bracketIdentifiers, true);
  assert.equal(lexRules("unknown").dollarQuotes, true);
});
