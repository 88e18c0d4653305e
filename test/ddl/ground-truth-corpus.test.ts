/**
 * Acceptance check of the DDL reader against the engines themselves: every table and view of every
 * schema file of the shared corpus, read by parseDdlScript, is compared with what the real engine's
 * catalog says after loading the same file into a fresh database — PostgreSQL and MariaDB from the
 * machine, SQLite (sql.js) and DuckDB embedded. Compared per table: name and kind, every column in
 * order with its type (modulo the canonical spellings of test/helpers/engines.ts), nullability and
 * comment, the table comment, the primary key, unique keys and foreign keys (composite included).
 * Each file is read twice: told its dialect, and as "unknown" (sniffed), as a v0 store would hold it.
 *
 * Where the reader and an engine legitimately differ, the difference is stated here or in
 * compareWithCatalog, with its reason:
 * - views: column names and comments are compared, not column types or nullability (the reader does
 *   not infer the type of a select-list expression; the engine derives both from the view's query);
 * - DuckDB keeps no length for character types, and cannot add a foreign key to an existing table
 *   (Chinook's foreign keys are ALTER TABLE … ADD CONSTRAINT): those foreign keys are compared against
 *   PostgreSQL instead;
 * - Sakila for MySQL names its own database in one view (`sakila.film` in actor_info): the fresh
 *   database's name is put there before loading (the text the reader reads is unchanged);
 * - data (INSERT/COPY) is not loaded, and neither are the statements that leave the fresh database.
 *
 * The StarRocks TPC-H DDL has no engine here: see ground-truth-starrocks.test.ts. The corpus's data
 * files and queries declare no tables: checked below, so that every .sql file of the corpus is accounted for.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { parseDdlScript } from "../../src/ddl/parse-ddl.js";
import type { Dialect } from "../../src/model.js";
import { readCorpus } from "../helpers/ddl-corpus.js";
import { CANONICAL_TYPE, compareWithCatalog, databaseExists, loadInto, summaryLine, type Engine, type LoadOptions } from "../helpers/engines.js";
import { CORPUS } from "../helpers/env.js";

interface Case {
  readonly file: string;
  /** The dialect the file is written in (what the reader is told). */
  readonly dialect: Dialect;
  readonly engine: Engine;
  /** What the file holds, written down from the file: a table lost on both sides alike cannot pass. */
  readonly tables: number;
  readonly columns: number;
  readonly views: number;
  readonly viewColumns: number;
  readonly foreignKeys: number;
  readonly load?: LoadOptions;
  readonly foreignKeysNotCompared?: string;
}

const CASES: readonly Case[] = [
  { file: "chinook/chinook_postgresql.sql", dialect: "postgresql", engine: "postgresql", tables: 11, columns: 64, views: 0, viewColumns: 0, foreignKeys: 11 },
  {
    file: "chinook/chinook_postgresql.sql",
    dialect: "postgresql",
    engine: "duckdb",
    tables: 11,
    columns: 64,
    views: 0,
    viewColumns: 0,
    foreignKeys: 0,
    load: { skip: /^ALTER\s+TABLE\b[\s\S]*\bFOREIGN\s+KEY\b/i },
    foreignKeysNotCompared: "DuckDB cannot ALTER TABLE … ADD FOREIGN KEY; compared against PostgreSQL",
  },
  // 16 tables + 6 INHERITS partitions of payment; 7 views
  { file: "sakila/postgres-schema.sql", dialect: "postgresql", engine: "postgresql", tables: 21, columns: 123, views: 7, viewColumns: 42, foreignKeys: 40 },
  { file: "chinook/chinook_mysql.sql", dialect: "mysql", engine: "mariadb", tables: 11, columns: 64, views: 0, viewColumns: 0, foreignKeys: 11 },
  {
    file: "sakila/mysql-schema.sql",
    dialect: "mysql",
    engine: "mariadb",
    tables: 16,
    columns: 89,
    views: 7,
    viewColumns: 42,
    foreignKeys: 22,
    load: { rewrite: (s, database) => s.replace(/\bsakila\./g, `\`${database}\`.`) },
  },
  { file: "employees/mysql-schema.sql", dialect: "mysql", engine: "mariadb", tables: 6, columns: 24, views: 2, viewColumns: 7, foreignKeys: 6 },
  { file: "chinook/chinook_sqlite.sql", dialect: "sqlite", engine: "sqlite", tables: 11, columns: 64, views: 0, viewColumns: 0, foreignKeys: 11 },
  // actor_info is commented out in this file
  { file: "sakila/sqlite-schema.sql", dialect: "sqlite", engine: "sqlite", tables: 16, columns: 89, views: 5, viewColumns: 31, foreignKeys: 22 },
];

/** Files of the corpus with no CREATE TABLE / VIEW at all: data and queries. */
const NO_TABLES: ReadonlyArray<readonly [string, Dialect]> = [
  ["sakila/mysql-data.sql", "mysql"],
  ["sakila/postgres-data-copy.sql", "postgresql"],
  ...Array.from({ length: 22 }, (_, i) => [`starrocks-tpch/queries/q${i + 1}.sql`, "starrocks"] as const),
];

/** Checked against expectations written from the DDL, in ground-truth-starrocks.test.ts. */
const STARROCKS_DIR = "starrocks-tpch/ddl/";

describe("the DDL reader agrees with the engines on every table of the corpus", () => {
  for (const c of CASES) {
    it(`${c.file} vs ${c.engine}`, { timeout: 30_000 }, async (t) => {
      const sql = readCorpus(c.file);
      const loaded = await loadInto(c.engine, sql, c.load);
      const notCompared = c.foreignKeysNotCompared !== undefined ? { foreignKeysNotCompared: c.foreignKeysNotCompared } : {};
      const comparison = compareWithCatalog(parseDdlScript(sql, c.dialect), loaded.catalog, { canonicalType: CANONICAL_TYPE[c.engine], ...notCompared });
      const line = summaryLine(c.file, c.engine, comparison, loaded.load);
      t.diagnostic(line);
      assert.deepEqual(comparison.mismatches, [], `${c.file}: the reader and ${c.engine} differ`);
      // a v0 store often does not know its dialect: read with the dialect sniffed, the file gives the same answer
      const sniffed = compareWithCatalog(parseDdlScript(sql, "unknown"), loaded.catalog, { canonicalType: CANONICAL_TYPE[c.engine], ...notCompared });
      assert.deepEqual(sniffed.mismatches, [], `${c.file} read as "unknown": the reader and ${c.engine} differ`);
      assert.deepEqual(
        [comparison.tables, comparison.columns, comparison.views, comparison.viewColumns, comparison.foreignKeys],
        [c.tables, c.columns, c.views, c.viewColumns, c.foreignKeys],
        "tables, columns, views, view columns and foreign keys compared",
      );
      if (c.engine === "postgresql" || c.engine === "mariadb") {
        assert.equal(await databaseExists(c.engine, loaded.database), false, `${loaded.database} was dropped`);
      }
    });
  }

  it("the data files and the queries declare no table, and the reader reads none from them", () => {
    for (const [file, dialect] of NO_TABLES) {
      const sql = readCorpus(file);
      assert.doesNotMatch(sql, /\bCREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP(?:ORARY)?\s+)?(?:TABLE|VIEW)\b/i, file);
      assert.deepEqual(parseDdlScript(sql, dialect), [], file);
    }
  });

  it("every .sql file of the corpus is checked by one of the ground-truth tests", () => {
    const all: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of fs.readdirSync(path.join(CORPUS, dir), { withFileTypes: true })) {
        const relative = dir === "" ? entry.name : `${dir}/${entry.name}`;
        if (entry.isDirectory()) walk(relative);
        else if (entry.name.endsWith(".sql")) all.push(relative);
      }
    };
    walk("");
    const covered = new Set([...CASES.map((c) => c.file), ...NO_TABLES.map(([f]) => f)]);
    const unchecked = all.filter((f) => !covered.has(f) && !f.startsWith(STARROCKS_DIR));
    assert.deepEqual(unchecked, []);
    assert.equal(all.filter((f) => f.startsWith(STARROCKS_DIR)).length, 8);
  });
});
