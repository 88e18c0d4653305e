/**
 * Relationships checked against the data, as a user meets them: Sakila loaded into the machine's PostgreSQL with
 * its data, every foreign-key constraint dropped (the truth read from pg_constraint first), a look-alike column
 * planted (`film.store_id` whose values are no store's key), then `bootstrap --extract-relationships
 * --extract-statistics=true` through the CLI. Inferred edges that match a dropped constraint must carry measured
 * containment >= 0.99 and the constraint's cardinality; the look-alike must not be a foreign key.
 * The same run checks the statistics' depth: provenance, top values, personal data withheld, codes seen in the
 * data but missing from a comment marked undocumented.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { corpusFile } from "../helpers/corpus.js";
import { splitStatements } from "../../src/ddl/parse-ddl.js";
import { mariadbNamespace, postgresNamespace, sqliteRows, structureStatements, withMariaDbDatabase, withPostgresDatabase, withSqliteFile, writeSqliteFile } from "../helpers/engines.js";
import { runCli, tempDir } from "../helpers/env.js";
import { namespaceConfig } from "../helpers/tree.js";
import { copyBlocks, loadCopyBlocks } from "../helpers/pg-copy.js";
import { readRows } from "../helpers/store-rows.js";

interface Edge {
  from_column: string;
  to_table: string;
  to_column: string;
  source: string;
  confidence: number;
  containment?: number | null;
  orphan_rate?: number | null;
  cardinality?: string | null;
  data_check?: { method: string; sampling?: string; rows: number; distinct_values: number };
}

interface Truth {
  from_table: string;
  from_column: string;
  to_table: string;
  to_column: string;
  from_unique: boolean;
}

const TRUTH_SQL = `
SELECT c.conrelid::regclass::text AS from_table, a.attname AS from_column, c.confrelid::regclass::text AS to_table, af.attname AS to_column,
       EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid AND i.indisunique AND i.indnatts = 1 AND i.indkey[0] = a.attnum) AS from_unique
  FROM pg_constraint c
  JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
  JOIN pg_attribute af ON af.attrelid = c.confrelid AND af.attnum = c.confkey[1]
 WHERE c.contype = 'f' AND cardinality(c.conkey) = 1
 ORDER BY 1, 2`;

function config(dir: string, namespace: string, name = "pg"): string {
  return namespaceConfig(dir, name, namespace);
}

const lastPart = (name: string): string => name.split(".").pop()!.replace(/"/g, "");

test("Sakila in PostgreSQL without its foreign keys: inferred edges are measured on the data, a look-alike column is not a foreign key", async (t) => {
  const dir = tempDir(t);
  const { statements } = structureStatements(corpusFile("sakila/postgres-schema.sql"), "postgresql");
  await withPostgresDatabase(statements, async (database, client) => {
    const truth = (await client.query<Truth>(TRUTH_SQL)).rows;
    assert.ok(truth.length >= 20, `Sakila declares its foreign keys (${truth.length})`);
    const drops = (await client.query<{ sql: string }>("SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname) AS sql FROM pg_constraint WHERE contype = 'f'")).rows;
    for (const d of drops) await client.query(d.sql);
    const loaded = await loadCopyBlocks(client, copyBlocks(corpusFile("sakila/postgres-data-copy.sql")));
    assert.ok(loaded > 40_000, `Sakila's data loaded (${loaded} rows)`);
    // the look-alike: named like a key of store, but holding values that are no store's key (store has 1 and 2)
    await client.query("ALTER TABLE film ADD COLUMN store_id integer");
    await client.query("UPDATE film SET store_id = 100 + film_id % 37");
    // personal data in a column whose name does not say so, and a documented code list the data extends
    await client.query("ALTER TABLE store ADD COLUMN contact text");
    await client.query("UPDATE store SET contact = '+1 555 010' || store_id || ' 77'");
    await client.query("COMMENT ON COLUMN customer.active IS 'status: 1=active'");
    await client.query("ANALYZE");
    assert.equal(Number((await client.query("SELECT count(*) AS n FROM pg_constraint WHERE contype = 'f'")).rows[0].n), 0, "no foreign key left");

    const cfg = config(dir, postgresNamespace(database, { schema: "public", max_connections: 2 }));
    const run = await runCli(["bootstrap", "--config", cfg, "--namespace", "pg", "--workers", "2", "--extract-relationships", "--extract-statistics=true"], { cwd: dir });
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stdout + run.stderr, /sakilastaff\.com|555 010/, "no sample value in the output");
    const rows = new Map((await readRows(path.join(dir, "stores", "datus_db_pg"))).map((r) => [String(r.table_name), r]));
    const meta = (table: string) => JSON.parse(String(rows.get(table)?.relationship_metadata ?? "{}")) as { foreign_keys?: Edge[]; join_paths?: string[]; rejected_foreign_keys?: (Edge & { reason: string })[] };

    // every inferred edge that matches a dropped constraint: found in the data, and of the constraint's cardinality
    let matched = 0;
    const figures: string[] = [];
    for (const fk of truth) {
      const from = lastPart(fk.from_table);
      const edge = (meta(from).foreign_keys ?? []).find((e) => e.from_column === fk.from_column && lastPart(e.to_table) === lastPart(fk.to_table) && e.to_column === fk.to_column);
      if (!edge) continue;
      const count = Number((await client.query(`SELECT count(${fk.from_column}) AS n FROM ${fk.from_table}`)).rows[0].n);
      if (count === 0) continue;
      matched++;
      assert.notEqual(edge.source, "catalog", `${from}.${fk.from_column}: no constraint is left to declare it`);
      assert.ok(edge.containment !== undefined && edge.containment !== null && edge.containment >= 0.99, `${from}.${fk.from_column} -> ${fk.to_table}: containment ${edge.containment}`);
      assert.equal(edge.orphan_rate, 0, `${from}.${fk.from_column}: no orphan`);
      assert.equal(edge.cardinality, fk.from_unique ? "1:1" : "N:1", `${from}.${fk.from_column} -> ${fk.to_table}: cardinality`);
      assert.ok(edge.data_check && edge.data_check.rows > 0);
      figures.push(`${from}.${fk.from_column}->${lastPart(fk.to_table)} ${edge.containment} ${edge.cardinality} ${edge.data_check.method}/${edge.data_check.rows} conf ${edge.confidence}`);
    }
    t.diagnostic(`dropped foreign keys found again and confirmed by the data: ${matched} of ${truth.length}`);
    for (const f of figures) t.diagnostic(f);
    assert.ok(matched >= 15, `most dropped foreign keys are inferred again and confirmed (${matched})`);
    assert.ok(figures.some((f) => / sampled\//.test(f)), "large tables are sampled");

    // the look-alike: measured, not a foreign key, not a join path
    const film = meta("film");
    assert.equal((film.foreign_keys ?? []).find((e) => e.from_column === "store_id"), undefined, "film.store_id is not reported as a foreign key");
    assert.ok(!(film.join_paths ?? []).some((p) => p.startsWith("film.store_id")), "nor as a join path");
    const rejected = (film.rejected_foreign_keys ?? []).find((e) => e.from_column === "store_id");
    assert.ok(rejected, "the look-alike is listed as rejected, with its figures");
    assert.ok(rejected.containment !== undefined && rejected.containment !== null && rejected.containment < 0.5, `low containment (${rejected.containment})`);
    assert.equal(rejected.reason, "low_containment");
    t.diagnostic(`look-alike film.store_id: containment ${rejected.containment}, orphan_rate ${rejected.orphan_rate}`);

    // statistics: provenance, top values, personal data withheld, undocumented codes
    const stats = (table: string) => JSON.parse(String(rows.get(table)?.sample_statistics ?? "{}")) as Record<string, Record<string, unknown>>;
    const rental = stats("rental");
    assert.deepEqual(rental._provenance, { row_count: "exact", row_count_estimate: Number(rows.get("rental")?.row_count), columns: "sampled", sampling: "bernoulli", sample_rows: 10000 });
    assert.equal(rental.rental_id.method, "sampled");
    const rating = stats("film").rating.top_values as { value: string; count: number }[];
    const truthRating = (await client.query<{ v: string; n: string }>("SELECT rating::text AS v, count(*) AS n FROM film GROUP BY 1 ORDER BY 2 DESC, 1")).rows;
    assert.deepEqual(rating.map((r) => [r.value, r.count]), truthRating.map((r) => [r.v, Number(r.n)]), "film.rating: every value with its count");
    assert.equal(stats("staff").email.top_values, undefined, "staff.email (2 values) is personal by its name: no values");
    assert.equal(stats("store").contact.top_values_withheld, "personal_data", "store.contact holds phone numbers: withheld");
    const enums = JSON.parse(String(rows.get("customer")?.column_enums)) as Record<string, { value: string; label: string; undocumented?: boolean; observed?: boolean }[]>;
    assert.deepEqual(enums.active, [
      { value: "1", label: "active", observed: true },
      { value: "0", label: "", observed: true, undocumented: true },
    ]);
  });
});

const MARIADB_TRUTH_SQL = `
SELECT k.TABLE_NAME AS from_table, k.COLUMN_NAME AS from_column, k.REFERENCED_TABLE_NAME AS to_table, k.REFERENCED_COLUMN_NAME AS to_column, k.CONSTRAINT_NAME AS name,
       EXISTS (SELECT 1 FROM information_schema.STATISTICS s WHERE s.TABLE_SCHEMA = k.TABLE_SCHEMA AND s.TABLE_NAME = k.TABLE_NAME AND s.COLUMN_NAME = k.COLUMN_NAME
                 AND s.NON_UNIQUE = 0 AND s.SEQ_IN_INDEX = 1
                 AND NOT EXISTS (SELECT 1 FROM information_schema.STATISTICS o WHERE o.TABLE_SCHEMA = s.TABLE_SCHEMA AND o.TABLE_NAME = s.TABLE_NAME AND o.INDEX_NAME = s.INDEX_NAME AND o.SEQ_IN_INDEX > 1)) AS from_unique
  FROM information_schema.KEY_COLUMN_USAGE k
 WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL
 ORDER BY 1, 2`;

test("Sakila in MariaDB without its foreign keys: inferred edges are measured on the data, a look-alike column is not a foreign key", async (t) => {
  const dir = tempDir(t);
  const schema = corpusFile("sakila/mysql-schema.sql");
  const inserts = splitStatements(corpusFile("sakila/mysql-data.sql"), "mariadb").filter((x) => /^\s*INSERT\s+INTO/i.test(x));
  const statements = [...structureStatements(schema, "mariadb").statements, "SET FOREIGN_KEY_CHECKS = 0", ...inserts, "SET FOREIGN_KEY_CHECKS = 1"];
  await withMariaDbDatabase(statements, async (database, conn) => {
    const [truthRows] = await conn.query(MARIADB_TRUTH_SQL);
    const truth = truthRows as (Truth & { name: string })[];
    assert.ok(truth.length >= 20, `Sakila declares its foreign keys (${truth.length})`);
    for (const fk of truth) await conn.query(`ALTER TABLE \`${fk.from_table}\` DROP FOREIGN KEY \`${fk.name}\``);
    await conn.query("ALTER TABLE film ADD COLUMN store_id INT");
    await conn.query("UPDATE film SET store_id = 100 + film_id % 37");
    await conn.query("ANALYZE TABLE rental, payment, film, inventory");
    const cfg = config(dir, mariadbNamespace(database, { max_connections: 2 }), "my");
    const run = await runCli(["bootstrap", "--config", cfg, "--namespace", "my", "--workers", "2", "--extract-relationships", "--extract-statistics=true"], { cwd: dir });
    assert.equal(run.code, 0, run.stderr);
    const rows = new Map((await readRows(path.join(dir, "stores", "datus_db_my"))).map((r) => [String(r.table_name), r]));
    const meta = (table: string) => JSON.parse(String(rows.get(table)?.relationship_metadata ?? "{}")) as { foreign_keys?: Edge[]; join_paths?: string[]; rejected_foreign_keys?: (Edge & { reason: string })[] };
    let matched = 0;
    for (const fk of truth) {
      const edge = (meta(fk.from_table).foreign_keys ?? []).find((e) => e.from_column === fk.from_column && lastPart(e.to_table) === fk.to_table && e.to_column === fk.to_column);
      if (!edge) continue;
      const [counted] = await conn.query(`SELECT count(\`${fk.from_column}\`) AS n FROM \`${fk.from_table}\``);
      if (Number((counted as { n: number }[])[0].n) === 0) {
        assert.equal(edge.containment, null, `${fk.from_table}.${fk.from_column} holds no value: nothing measured`);
        continue;
      }
      matched++;
      assert.ok(edge.containment !== undefined && edge.containment !== null && edge.containment >= 0.99, `${fk.from_table}.${fk.from_column} -> ${fk.to_table}: containment ${edge.containment}`);
      assert.equal(edge.cardinality, Number(fk.from_unique) === 1 ? "1:1" : "N:1", `${fk.from_table}.${fk.from_column} -> ${fk.to_table}: cardinality`);
    }
    t.diagnostic(`MariaDB: dropped foreign keys found again and confirmed by the data: ${matched} of ${truth.length}`);
    assert.ok(matched >= 15, `most dropped foreign keys are inferred again and confirmed (${matched})`);
    const film = meta("film");
    assert.equal((film.foreign_keys ?? []).find((e) => e.from_column === "store_id"), undefined, "film.store_id is not reported as a foreign key");
    const rejected = (film.rejected_foreign_keys ?? []).find((e) => e.from_column === "store_id");
    assert.ok(rejected && rejected.containment !== undefined && rejected.containment !== null && rejected.containment < 0.5, `low containment (${rejected?.containment})`);
    const provenance = (JSON.parse(String(rows.get("rental")?.sample_statistics)) as Record<string, Record<string, unknown>>)._provenance;
    assert.equal(provenance.row_count, "exact");
    assert.equal(provenance.sampling, "first_rows");
  }, (s, database) => s.replace(/\bsakila\./g, `\`${database}\`.`));
});

/** Every foreign-key clause of SQLite DDL text (table constraints, named or not, with their ON actions) removed. */
function withoutForeignKeys(sql: string): string {
  const action = String.raw`(?:\s+ON\s+(?:DELETE|UPDATE)\s+(?:NO\s+ACTION|CASCADE|SET\s+NULL|SET\s+DEFAULT|RESTRICT))*`;
  return sql.replace(new RegExp(String.raw`,\s*(?:CONSTRAINT\s+(?:\[[^\]]*\]|"[^"]*"|\w+)\s+)?FOREIGN\s+KEY\s*\([^)]*\)\s*REFERENCES\s+(?:\[[^\]]*\]|"[^"]*"|\w+)\s*\([^)]*\)${action}`, "gi"), "");
}

test("Chinook in SQLite without its foreign keys: inferred edges are measured on the data, a look-alike column is not a foreign key", async (t) => {
  const dir = tempDir(t);
  const source = corpusFile("chinook/chinook_sqlite.sql");
  const original = path.join(dir, "original.sqlite");
  await writeSqliteFile(original, source);
  const FK_SQL = `SELECT m.name AS from_table, f."from" AS from_column, f."table" AS to_table, f."to" AS to_column FROM sqlite_master m, pragma_foreign_key_list(m.name) f WHERE m.type = 'table'`;
  const truth = (await withSqliteFile(original, (db) => sqliteRows(db, FK_SQL))) as unknown as Truth[];
  assert.ok(truth.length >= 10, `Chinook declares its foreign keys (${truth.length})`);
  const file = path.join(dir, "chinook.sqlite");
  // the look-alike: Album.MediaTypeId, whose values are no media type's key
  await writeSqliteFile(file, `${withoutForeignKeys(source)};\nALTER TABLE Album ADD COLUMN MediaTypeId INTEGER;\nUPDATE Album SET MediaTypeId = 100 + AlbumId % 37;`);
  assert.equal((await withSqliteFile(file, (db) => sqliteRows(db, FK_SQL))).length, 0, "the file under test declares no foreign key");
  const cfg = namespaceConfig(dir, "chinook", `      type: sqlite\n      uri: sqlite:///${file}\n      max_connections: 2\n`);
  const run = await runCli(["bootstrap", "--config", cfg, "--namespace", "chinook", "--workers", "2", "--extract-relationships", "--extract-statistics=true"], { cwd: dir });
  assert.equal(run.code, 0, run.stderr);
  const rows = new Map((await readRows(path.join(dir, "stores", "datus_db_chinook"))).map((r) => [String(r.table_name), r]));
  const meta = (table: string) => JSON.parse(String(rows.get(table)?.relationship_metadata ?? "{}")) as { foreign_keys?: Edge[]; rejected_foreign_keys?: (Edge & { reason: string })[] };
  let matched = 0;
  await withSqliteFile(file, (db) => {
    for (const fk of truth) {
      const edge = (meta(fk.from_table).foreign_keys ?? []).find((e) => e.from_column === fk.from_column && lastPart(e.to_table) === fk.to_table && e.to_column === fk.to_column);
      if (!edge) continue;
      matched++;
      const unique = sqliteRows(db, `SELECT count(*) = count(DISTINCT "${fk.from_column}") AS u FROM "${fk.from_table}"`)[0].u === 1;
      assert.ok(edge.containment !== undefined && edge.containment !== null && edge.containment >= 0.99, `${fk.from_table}.${fk.from_column} -> ${fk.to_table}: containment ${edge.containment}`);
      assert.equal(edge.cardinality, unique ? "1:1" : "N:1", `${fk.from_table}.${fk.from_column} -> ${fk.to_table}: cardinality`);
      assert.equal(edge.data_check?.method, "exact", "Chinook's tables are smaller than the default sample: every row read");
    }
  });
  t.diagnostic(`SQLite: dropped foreign keys found again and confirmed by the data: ${matched} of ${truth.length}`);
  assert.ok(matched >= 8, `most foreign keys are inferred again and confirmed (${matched} of ${truth.length})`);
  const album = meta("Album");
  assert.equal((album.foreign_keys ?? []).find((e) => e.from_column === "MediaTypeId"), undefined, "Album.MediaTypeId is not reported as a foreign key");
  const rejected = (album.rejected_foreign_keys ?? []).find((e) => e.from_column === "MediaTypeId");
  assert.ok(rejected && rejected.containment === 0, `no Album.MediaTypeId value is a media type (containment ${rejected?.containment})`);
});
