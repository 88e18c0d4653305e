/**
 * The ground-truth harness itself (test/helpers/engines.ts): comments really are compared (the corpus
 * has almost none), a difference really is reported, types are normalised no further than documented,
 * and every database a load creates is dropped, also when loading fails.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseDdlScript } from "../../src/ddl/parse-ddl.js";
import type { TableStructure } from "../../src/model.js";
import {
  CANONICAL_TYPE,
  canonicalDuckDbType,
  canonicalMySqlType,
  canonicalPostgresType,
  compareWithCatalog,
  databaseExists,
  loadDuckDb,
  loadMariaDb,
  loadPostgres,
  loadSqlite,
  structureStatements,
} from "../helpers/engines.js";

describe("ground-truth harness", () => {
  it("PostgreSQL: COMMENT ON TABLE / COLUMN are compared", { timeout: 20_000 }, async () => {
    const sql = `CREATE TABLE shop (id serial PRIMARY KEY, name varchar(40) NOT NULL, opened timestamp);
      COMMENT ON TABLE shop IS 'Shops';
      COMMENT ON COLUMN shop.name IS 'Display name';
      CREATE TABLE sale (shop_id int, day date, amount numeric(10,2), PRIMARY KEY (shop_id, day), FOREIGN KEY (shop_id) REFERENCES shop);
      CREATE TABLE refund (id int PRIMARY KEY, shop_id int, sale_day date);
      ALTER TABLE refund ADD CONSTRAINT refund_sale FOREIGN KEY (shop_id, sale_day) REFERENCES sale (shop_id, day);`;
    const loaded = await loadPostgres(sql);
    const comparison = compareWithCatalog(parseDdlScript(sql, "postgresql"), loaded.catalog, { canonicalType: CANONICAL_TYPE.postgresql });
    assert.deepEqual(comparison.mismatches, []);
    assert.equal(comparison.comments, 2);
    assert.equal(comparison.foreignKeys, 2, "REFERENCES shop without columns: shop's primary key; a composite key");
    assert.deepEqual(loaded.catalog.refund.foreignKeys, [{ from: ["shop_id", "sale_day"], toTable: "sale", to: ["shop_id", "day"] }]);
  });

  it("MariaDB: column and table COMMENT are compared, int(11) is INT", { timeout: 20_000 }, async () => {
    const sql = `CREATE TABLE shop (id int(11) NOT NULL AUTO_INCREMENT COMMENT 'Id', name varchar(40) BINARY COMMENT 'Display name', PRIMARY KEY (id)) COMMENT='Shops';
      CREATE TABLE sale (shop_id int, day date, PRIMARY KEY (shop_id, day), CONSTRAINT sale_shop FOREIGN KEY (shop_id) REFERENCES shop (id));
      CREATE TABLE refund (id int PRIMARY KEY, shop_id int, sale_day date, CONSTRAINT refund_sale FOREIGN KEY (shop_id, sale_day) REFERENCES sale (shop_id, day));`;
    const loaded = await loadMariaDb(sql);
    const comparison = compareWithCatalog(parseDdlScript(sql, "mysql"), loaded.catalog, { canonicalType: CANONICAL_TYPE.mariadb });
    assert.deepEqual(comparison.mismatches, []);
    assert.equal(comparison.comments, 3);
    assert.equal(comparison.foreignKeys, 2);
    assert.deepEqual(loaded.catalog.refund.foreignKeys, [{ from: ["shop_id", "sale_day"], toTable: "sale", to: ["shop_id", "day"] }]);
    assert.equal(loaded.catalog.shop.columns[1].type, "varchar(40) binary", "the _bin collation shows as BINARY");
  });

  it("DuckDB: COMMENT ON is compared", { timeout: 20_000 }, async () => {
    const sql = "CREATE TABLE shop (id INTEGER PRIMARY KEY, name VARCHAR(40)); COMMENT ON TABLE shop IS 'Shops'; COMMENT ON COLUMN shop.name IS 'Display name';";
    const loaded = await loadDuckDb(sql);
    const comparison = compareWithCatalog(parseDdlScript(sql, "duckdb"), loaded.catalog, { canonicalType: CANONICAL_TYPE.duckdb });
    assert.deepEqual(comparison.mismatches, []);
    assert.equal(comparison.comments, 2);
  });

  it("a difference in any compared part is reported", { timeout: 20_000 }, async () => {
    const sql = `CREATE TABLE a (id INTEGER PRIMARY KEY, x VARCHAR(10) NOT NULL);
      CREATE TABLE b (id INTEGER, a_id INTEGER REFERENCES a (id), PRIMARY KEY (id));
      CREATE TABLE c (k1 TEXT NOT NULL, k2 INT NOT NULL, PRIMARY KEY (k1, k2));
      CREATE TABLE d (id INTEGER PRIMARY KEY, k1 TEXT, k2 INT, FOREIGN KEY (k1, k2) REFERENCES c (k1, k2));`;
    const loaded = await loadSqlite(sql);
    const parsed = parseDdlScript(sql, "sqlite");
    const clean = compareWithCatalog(parsed, loaded.catalog, { canonicalType: CANONICAL_TYPE.sqlite });
    assert.deepEqual(clean.mismatches, []);
    assert.equal(clean.foreignKeys, 2);
    assert.deepEqual(loaded.catalog.d.foreignKeys, [{ from: ["k1", "k2"], toTable: "c", to: ["k1", "k2"] }]);
    const [a, b] = parsed;
    const tampered: TableStructure[] = [
      {
        ...a,
        comment: "invented",
        columns: [a.columns[0], { ...a.columns[1], type: "VARCHAR(11)", nullable: true, comment: "c" }],
      },
      { ...b, primaryKey: [], foreignKeys: [] },
      { ...b, tableName: "ghost" },
      ...parsed.slice(2),
    ];
    assert.deepEqual(compareWithCatalog(tampered, loaded.catalog, { canonicalType: CANONICAL_TYPE.sqlite }).mismatches, [
      'ghost: read, not in the engine',
      'a: x type: read "VARCHAR(11) ~ VARCHAR(11)", engine "VARCHAR(10) ~ VARCHAR(10)"',
      "a: x nullable: read true, engine false",
      'a: x comment: read "c", engine ""',
      'a: table comment: read "invented", engine ""',
      'b: primary key: read [], engine ["id"]',
      'b: foreign keys: read [], engine ["(a_id) -> a(id)"]',
    ]);
  });

  it("type spellings: only the documented equivalences", () => {
    assert.equal(canonicalPostgresType("INT"), canonicalPostgresType("integer"));
    assert.equal(canonicalPostgresType("serial"), "integer");
    assert.equal(canonicalPostgresType("VARCHAR(40)"), "character varying(40)");
    assert.equal(canonicalPostgresType("TIMESTAMP"), "timestamp without time zone");
    assert.equal(canonicalPostgresType("NUMERIC(10, 2)"), "numeric(10,2)");
    assert.equal(canonicalPostgresType("text[]"), "text[]");
    assert.notEqual(canonicalPostgresType("VARCHAR(40)"), canonicalPostgresType("VARCHAR(41)"));
    assert.notEqual(canonicalPostgresType("timestamptz"), canonicalPostgresType("timestamp"));
    assert.equal(canonicalMySqlType("int(11)"), canonicalMySqlType("INTEGER"));
    assert.equal(canonicalMySqlType("int(10) unsigned"), "int unsigned");
    assert.equal(canonicalMySqlType("BOOLEAN"), canonicalMySqlType("tinyint(1)"));
    assert.equal(canonicalMySqlType("NVARCHAR(160)"), "varchar(160)");
    assert.equal(canonicalMySqlType("ENUM ('M','F')"), "enum('M','F')");
    assert.notEqual(canonicalMySqlType("ENUM('m','f')"), canonicalMySqlType("ENUM('M','F')"));
    assert.notEqual(canonicalMySqlType("int unsigned"), canonicalMySqlType("int"));
    assert.notEqual(canonicalMySqlType("varchar(40) binary"), canonicalMySqlType("varchar(40)"));
    assert.equal(canonicalDuckDbType("VARCHAR(40)"), "VARCHAR");
    assert.equal(canonicalDuckDbType("INT"), "INTEGER");
  });

  it("structure loads skip data, psql meta-commands and database switching, and nothing else", () => {
    const sql = "DROP DATABASE IF EXISTS x;\nCREATE DATABASE x;\n\\c x;\nCREATE TABLE t (a int);\nINSERT INTO t VALUES (1);\nCOMMENT ON TABLE t IS 'T';";
    assert.deepEqual(structureStatements(sql, "postgresql"), { statements: ["CREATE TABLE t (a int)", "COMMENT ON TABLE t IS 'T'"], skipped: 4 });
    const my = "CREATE DATABASE IF NOT EXISTS e;\nUSE e;\nCREATE TABLE t (a int);\nsource load.dump ;\nflush logs;\nCREATE SCHEMA s;";
    assert.deepEqual(structureStatements(my, "mariadb"), { statements: ["CREATE TABLE t (a int)"], skipped: 5 });
  });

  it("a failed load drops the database it created", { timeout: 20_000 }, async () => {
    for (const [engine, load] of [
      ["postgresql", loadPostgres],
      ["mariadb", loadMariaDb],
    ] as const) {
      const error = await load("CREATE TABLE ok (a int);\nCREATE TABLE broken (a no_such_type);").then(
        () => assert.fail(`${engine}: the load should fail`),
        (err: unknown) => String(err),
      );
      const database = /in (datus_gt_[0-9a-f]+) failed/.exec(error)?.[1];
      assert.ok(database, `${engine}: the error names the database: ${error}`);
      assert.equal(await databaseExists(engine, database), false, `${engine}: ${database} was dropped`);
    }
  });
});
