/**
 * Acceptance for relationships on real DDL (issue 9), measured from outside the code under test.
 *
 * A v0 store holds the whole shared corpus the way Datus stores it: one row per CREATE TABLE / CREATE VIEW
 * statement (also the temporary table a routine creates), the definition exactly as in the file, each file
 * a database of its own. The real `migrate` command upgrades it. Its foreign keys are then scored against
 * what the files declare, read by this test with its own small parser (test/helpers/corpus-truth.ts):
 * - keys that only ALTER statements declare (pg_dump's `ALTER TABLE ONLY ... ADD CONSTRAINT`, Chinook's
 *   `ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY`) are not in any row: name inference must find them,
 *   with recall and precision >= 0.90 per database and in total;
 * - keys a CREATE statement declares come back, every one, as declared;
 * - no view gets a foreign key, no edge joins columns whose types cannot hold the same values, no edge
 *   points at a temporary table.
 * The same store with every foreign-key clause cut out of every definition shows name inference alone.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { before, describe, it } from "node:test";
import type { SourceTable } from "../../src/model.js";
import { writeV0Store } from "../../src/store/v0-store.js";
import {
  alterForeignKeys,
  alterStatements,
  bareName,
  columnTypes,
  compatible,
  createStatements,
  type CreateStatement,
  inheritsFrom,
  inlineForeignKeys,
  truthKey,
  typeFamily,
  withoutForeignKeys,
} from "../helpers/corpus-truth.js";
import { CORPUS, runCli } from "../helpers/env.js";
import { TPCH_SPEC_FOREIGN_KEYS } from "../helpers/relationships-corpus.js";
import { readRows } from "../helpers/store-rows.js";

/** Each corpus script as a database of the store. */
const DATABASES: readonly (readonly [string, readonly string[]])[] = [
  ["chinook_mysql", ["chinook/chinook_mysql.sql"]],
  ["chinook_postgresql", ["chinook/chinook_postgresql.sql"]],
  ["chinook_sqlite", ["chinook/chinook_sqlite.sql"]],
  ["sakila_mysql", ["sakila/mysql-schema.sql"]],
  ["sakila_postgres", ["sakila/postgres-schema.sql"]],
  ["sakila_sqlite", ["sakila/sqlite-schema.sql"]],
  ["employees", ["employees/mysql-schema.sql"]],
  ["tpch", fs.readdirSync(path.join(CORPUS, "starrocks-tpch/ddl")).sort().map((f) => `starrocks-tpch/ddl/${f}`)],
];

interface Database {
  readonly name: string;
  readonly creates: CreateStatement[];
  /** Per CREATE (same order): the ALTER statements that follow it in its file before the next CREATE. */
  readonly trailing: string[][];
  /** Edges only ALTER statements declare, and edges CREATE statements declare. */
  readonly alter: Set<string>;
  readonly inline: Set<string>;
}

function readDatabases(): Database[] {
  return DATABASES.map(([name, files]) => {
    const creates: CreateStatement[] = [];
    const trailing: string[][] = [];
    const alter = new Set<string>();
    for (const file of files) {
      const script = fs.readFileSync(path.join(CORPUS, file), "utf8");
      const own = createStatements(script);
      const after = own.map((): string[] => []);
      for (const a of alterStatements(script)) {
        const before = own.filter((c) => c.at < a.at).length - 1;
        if (before >= 0) after[before].push(a.text);
      }
      creates.push(...own);
      trailing.push(...after);
      for (const e of alterForeignKeys(script)) alter.add(truthKey(e));
    }
    const inline = new Set(creates.flatMap((c) => inlineForeignKeys(c)).map(truthKey));
    return { name, creates, trailing, alter, inline };
  });
}

/** How a row holds its table: the CREATE as written, without its FK clauses, or with the ALTERs that follow it in the file (a dump split at each CREATE). */
type RowShape = "as-written" | "stripped" | "with-following-alters";

function rowsOf(databases: readonly Database[], shape: RowShape): SourceTable[] {
  return databases.flatMap((db) =>
    db.creates.map((c, i) => ({
      identifier: `${db.name}.${c.name}`,
      catalogName: "",
      databaseName: db.name,
      schemaName: "",
      tableName: c.name,
      tableType: c.type,
      definition: shape === "stripped" ? withoutForeignKeys(c.text) : shape === "with-following-alters" ? [c.text, ...db.trailing[i]].join("\n") : c.text,
    })),
  );
}

interface Edge {
  readonly from_column: string;
  readonly to_table: string;
  readonly to_column: string;
  readonly source: string;
  readonly confidence: number;
}

interface Migrated {
  /** database -> table (lower-case) -> its foreign keys. */
  readonly edges: Map<string, Map<string, Edge[]>>;
  /** database -> view (lower-case) -> its join paths. */
  readonly viewPaths: Map<string, Map<string, string[]>>;
  /** `database.table` (lower-case) -> its business tags. */
  readonly tags: Map<string, string[]>;
  readonly stdout: string;
}

async function migrated(dir: string, rows: readonly SourceTable[]): Promise<Migrated> {
  const store = path.join(dir, "datus_db_corpus");
  await writeV0Store(store, rows);
  const run = await runCli(["migrate", "--db-path", store, "--skip-backup", "--workers", "2"], { timeoutMs: 300_000 });
  assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
  const edges = new Map<string, Map<string, Edge[]>>();
  const viewPaths = new Map<string, Map<string, string[]>>();
  const tags = new Map<string, string[]>();
  for (const row of await readRows(store)) {
    tags.set(`${String(row.database_name)}.${String(row.table_name)}`.toLowerCase(), (row.business_tags as string[] | null) ?? []);
    const rel = JSON.parse(String(row.relationship_metadata)) as { foreign_keys?: Edge[]; join_paths?: string[] };
    const db = String(row.database_name);
    if (!edges.has(db)) edges.set(db, new Map());
    edges.get(db)!.set(String(row.table_name).toLowerCase(), rel.foreign_keys ?? []);
    if (row.table_type === "view") {
      if (!viewPaths.has(db)) viewPaths.set(db, new Map());
      viewPaths.get(db)!.set(String(row.table_name).toLowerCase(), rel.join_paths ?? []);
    }
  }
  return { edges, viewPaths, tags, stdout: run.stdout };
}

const edgeKey = (table: string, e: Edge): string => `${table}.${e.from_column.toLowerCase()} -> ${bareName(e.to_table)}.${e.to_column.toLowerCase()}`;
const DECLARED = new Set(["ddl", "catalog"]);

interface Score {
  truth: number;
  found: number;
  correct: number;
}

function scoreOf(truth: ReadonlySet<string>, found: ReadonlySet<string>): Score {
  return { truth: truth.size, found: found.size, correct: [...found].filter((k) => truth.has(k)).length };
}

const recall = (s: Score): number => (s.truth === 0 ? 1 : s.correct / s.truth);
const precision = (s: Score): number => (s.found === 0 ? 1 : s.correct / s.found);

function describeScore(label: string, s: Score, truth?: ReadonlySet<string>, found?: ReadonlySet<string>): string {
  const lines = [`${label.padEnd(20)} recall ${recall(s).toFixed(2)} (${s.correct}/${s.truth})  precision ${precision(s).toFixed(2)} (${s.correct}/${s.found})`];
  if (truth !== undefined && found !== undefined) {
    const missed = [...truth].filter((k) => !found.has(k));
    const wrong = [...found].filter((k) => !truth.has(k));
    if (missed.length > 0) lines.push(`    missed: ${missed.join(", ")}`);
    if (wrong.length > 0) lines.push(`    not declared: ${wrong.join(", ")}`);
  }
  return lines.join("\n");
}

function add(into: Score, s: Score): void {
  into.truth += s.truth;
  into.found += s.found;
  into.correct += s.correct;
}

/** The edges of a database's tables (views and temporary tables included), split by declared or not. */
function edgesOf(m: Migrated, db: string): { declared: Map<string, Edge>; undeclared: Map<string, Edge> } {
  const declared = new Map<string, Edge>();
  const undeclared = new Map<string, Edge>();
  for (const [table, edges] of m.edges.get(db) ?? []) {
    for (const e of edges) (DECLARED.has(e.source) ? declared : undeclared).set(edgeKey(table, e), e);
  }
  return { declared, undeclared };
}

describe("relationships of the whole corpus, one v0 row per CREATE statement, through migrate", () => {
  const databases = readDatabases();
  let asStored: Migrated;
  let stripped: Migrated;
  let dumpSplit: Migrated;

  before(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "datus-corpus-rel-"));
    try {
      asStored = await migrated(path.join(dir, "as-stored"), rowsOf(databases, "as-written"));
      stripped = await migrated(path.join(dir, "stripped"), rowsOf(databases, "stripped"));
      dumpSplit = await migrated(path.join(dir, "dump-split"), rowsOf(databases, "with-following-alters"));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the store holds what the files hold: every CREATE, with the keys the test reads from the files", () => {
    const count = (f: (db: Database) => number): number => databases.reduce((n, db) => n + f(db), 0);
    console.log(`rows ${count((db) => db.creates.length)} (views ${count((db) => db.creates.filter((c) => c.type === "view").length)}, temporary ${count((db) => db.creates.filter((c) => c.temporary).length)}); ALTER foreign keys ${count((db) => db.alter.size)}, CREATE foreign keys ${count((db) => db.inline.size)}`);
    assert.equal(count((db) => db.alter.size), 62, "Chinook MySQL and PostgreSQL 11 each, Sakila pg_dump 40");
    assert.ok(count((db) => db.creates.filter((c) => c.temporary).length) >= 2, "the routines' temporary tables are rows too");
  });

  it("foreign keys only ALTER statements declare are inferred with recall and precision >= 0.90, per database and in total", () => {
    const total: Score = { truth: 0, found: 0, correct: 0 };
    const lines = ["foreign keys declared only by ALTER statements, as stored:"];
    const failures: string[] = [];
    for (const db of databases) {
      if (db.alter.size === 0) continue;
      const found = new Set(edgesOf(asStored, db.name).undeclared.keys());
      const s = scoreOf(db.alter, found);
      lines.push(describeScore(db.name, s, db.alter, found));
      add(total, s);
      if (recall(s) < 0.9 || precision(s) < 0.9) failures.push(db.name);
    }
    lines.push(describeScore("TOTAL", total));
    console.log(lines.join("\n"));
    assert.deepEqual(failures, [], "every database at recall and precision >= 0.90");
    assert.ok(recall(total) >= 0.9 && precision(total) >= 0.9, `total recall ${recall(total)}, precision ${precision(total)}`);
  });

  it("foreign keys a CREATE statement declares all come back, declared, and nothing else is declared", () => {
    const lines = ["foreign keys declared in CREATE statements:"];
    for (const db of databases) {
      const { declared, undeclared } = edgesOf(asStored, db.name);
      const found = new Set(declared.keys());
      if (db.inline.size === 0 && found.size === 0) continue;
      const s = scoreOf(db.inline, found);
      lines.push(describeScore(db.name, s, db.inline, found));
      const extra = [...undeclared.keys()].filter((k) => !db.inline.has(k) && !db.alter.has(k));
      if (extra.length > 0) lines.push(`    inferred beside them: ${extra.join(", ")}`);
      assert.equal(recall(s), 1, `${db.name}: every declared foreign key`);
      assert.equal(precision(s), 1, `${db.name}: only declared foreign keys are marked declared`);
      for (const k of db.inline) assert.equal(declared.get(k)!.confidence, 1, k);
    }
    console.log(lines.join("\n"));
  });

  it("a dump split at each CREATE (a row holds the ALTER statements that follow its table): every ALTER key comes back declared", () => {
    const lines = ["ALTER statements kept in whichever row precedes them:"];
    const failures: string[] = [];
    for (const db of databases) {
      if (db.alter.size === 0) continue;
      const { declared } = edgesOf(dumpSplit, db.name);
      const found = new Set(declared.keys());
      const s = scoreOf(db.alter, found);
      lines.push(describeScore(db.name, s, db.alter, found));
      if (recall(s) < 1 || precision(s) < 1 || [...db.alter].some((k) => declared.get(k)?.confidence !== 1)) failures.push(db.name);
    }
    console.log(lines.join("\n"));
    assert.deepEqual(failures, [], "every ALTER foreign key declared, with confidence 1, and nothing else");
  });

  it("TPC-H (StarRocks, no keys declared at all): the specification's foreign keys, printed", () => {
    const found = new Set(edgesOf(asStored, "tpch").undeclared.keys());
    const s = scoreOf(new Set(TPCH_SPEC_FOREIGN_KEYS), found);
    console.log(describeScore("tpch (spec)", s, new Set(TPCH_SPEC_FOREIGN_KEYS), found));
    assert.ok(precision(s) >= 0.9, "what is inferred for TPC-H is in the specification");
  });

  it("no foreign key on a view, no edge between columns whose types cannot match, no edge to a temporary table", () => {
    for (const m of [asStored, stripped, dumpSplit]) {
      for (const db of databases) {
        const creates = new Map(db.creates.map((c) => [c.name.toLowerCase(), c]));
        const typesOf = (table: string): Map<string, string> => {
          const c = creates.get(table);
          if (c === undefined) return new Map();
          const parent = inheritsFrom(c);
          return new Map([...(parent !== undefined ? typesOf(parent) : []), ...columnTypes(c)]);
        };
        for (const [table, edges] of m.edges.get(db.name) ?? []) {
          const self = creates.get(table)!;
          if (self.type === "view") assert.deepEqual(edges, [], `${db.name}.${table} is a view`);
          for (const e of edges) {
            const target = creates.get(bareName(e.to_table));
            assert.ok(target !== undefined, `${db.name}.${edgeKey(table, e)}: the target is a table of the database`);
            assert.ok(!target.temporary, `${db.name}.${edgeKey(table, e)} points at a temporary table`);
            assert.equal(target.type, "table", `${db.name}.${edgeKey(table, e)} points at a view`);
            const from = typesOf(table).get(e.from_column.toLowerCase()) ?? "";
            const to = typesOf(bareName(e.to_table)).get(e.to_column.toLowerCase()) ?? "";
            assert.ok(compatible(typeFamily(from), typeFamily(to)), `${db.name}.${edgeKey(table, e)}: ${from} -> ${to}`);
          }
        }
      }
    }
  });

  it("a view's join paths are its own query's joins between tables (or views) of its database, toward the key the files declare", () => {
    let views = 0;
    let withPaths = 0;
    for (const db of databases) {
      const relations = new Set(db.creates.map((c) => c.name.toLowerCase()));
      const keys = new Set([...db.alter, ...db.inline].map((k) => k.split(" -> ")[1]));
      for (const [view, paths] of asStored.viewPaths.get(db.name) ?? []) {
        views++;
        if (paths.length > 0) withPaths++;
        for (const p of paths) {
          const [from, to] = p.toLowerCase().split(" -> ");
          assert.ok(relations.has(from.split(".")[0]) && relations.has(to.split(".")[0]), `${db.name}.${view}: ${p} joins two tables (or views) of the database`);
          if (keys.has(from)) assert.ok(keys.has(to), `${db.name}.${view}: ${p} points from a declared key to a non-key`);
        }
      }
    }
    console.log(`views with join paths from their own query: ${withPaths}/${views}`);
    assert.ok(withPaths >= views / 2, "most views join tables");
  });

  it("tags hear the catalog: a table only other tables point at (pg_dump's inventory, keys in no row) is a dimension", () => {
    // inventory (inventory_id, film_id, store_id, last_update) has no descriptive column: only the references to it make it a dimension
    assert.ok(asStored.tags.get("sakila_postgres.inventory")?.includes("dimension_table"), JSON.stringify(asStored.tags.get("sakila_postgres.inventory")));
    assert.ok(asStored.tags.get("sakila_mysql.inventory")?.includes("dimension_table"), "declared: the same answer");
  });

  it("with every foreign-key clause cut out of every definition: name inference alone, printed", () => {
    const total: Score = { truth: 0, found: 0, correct: 0 };
    const lines = ["every foreign-key clause removed (name inference alone), against ALTER and CREATE foreign keys:"];
    for (const db of databases) {
      const truth = new Set([...db.alter, ...db.inline]);
      if (truth.size === 0) continue;
      const found = new Set(edgesOf(stripped, db.name).undeclared.keys());
      const s = scoreOf(truth, found);
      lines.push(describeScore(db.name, s, truth, found));
      add(total, s);
    }
    lines.push(describeScore("TOTAL", total));
    console.log(lines.join("\n"));
    assert.ok(recall(total) >= 0.85 && precision(total) >= 0.9, `total recall ${recall(total)}, precision ${precision(total)}`);
  });
});
