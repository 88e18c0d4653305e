import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { splitStatements } from "../../src/ddl/parse-ddl.js";
import { createTables, createViews, readCorpus } from "../helpers/ddl-corpus.js";

describe("splitStatements", () => {
  it("keeps ; inside quotes and comments, and drops leading comments and the delimiter", () => {
    const sql = "-- a; comment\nINSERT INTO t VALUES ('a;b', \"c;d\", `e;f`); /* x; y */ SELECT 1 ;\n# a mysql comment; too\n";
    assert.deepEqual(splitStatements(sql, "mysql"), ["INSERT INTO t VALUES ('a;b', \"c;d\", `e;f`)", "SELECT 1"]);
  });

  it("reads doubled quotes and MySQL backslash escapes inside strings", () => {
    assert.deepEqual(splitStatements("SELECT 'it''s; \\'x;'; SELECT 2", "mysql"), ["SELECT 'it''s; \\'x;'", "SELECT 2"]);
  });

  it("honours DELIMITER blocks: the Sakila MySQL triggers and routines stay whole", () => {
    const statements = splitStatements(readCorpus("sakila/mysql-schema.sql"), "mysql");
    const insFilm = statements.find((s) => s.startsWith("CREATE TRIGGER `ins_film`"));
    assert.ok(insFilm, "trigger ins_film is a statement");
    assert.match(insFilm, /INSERT INTO film_text[\s\S]*END$/);
    const rewards = statements.find((s) => s.startsWith("CREATE PROCEDURE rewards_report"));
    assert.ok(rewards);
    assert.match(rewards, /CREATE TEMPORARY TABLE tmpCustomer[\s\S]*DROP TABLE tmpCustomer;\s*END$/);
    assert.ok(!statements.some((s) => /^DELIMITER/i.test(s)), "DELIMITER lines are not statements");
  });

  it("keeps SQLite trigger bodies (BEGIN … END) whole without DELIMITER", () => {
    const statements = splitStatements(readCorpus("sakila/sqlite-schema.sql"), "sqlite");
    const trigger = statements.find((s) => s.startsWith("CREATE TRIGGER actor_trigger_ai"));
    assert.ok(trigger);
    assert.match(trigger, /BEGIN\s+UPDATE actor SET last_update = DATETIME\('NOW'\)\s+WHERE rowid = new.rowid;\s+END$/);
  });

  it("keeps PostgreSQL $$ function bodies whole", () => {
    const statements = splitStatements(readCorpus("sakila/postgres-schema.sql"), "postgresql");
    const fn = statements.find((s) => s.startsWith("CREATE FUNCTION get_customer_balance"));
    assert.ok(fn);
    assert.match(fn, /RETURN v_rentfees \+ v_overfees - v_payments;\s+END\s+\$\$\s+LANGUAGE plpgsql$/);
  });

  it("finds every CREATE TABLE and CREATE VIEW of the corpus scripts", () => {
    assert.equal(createTables("chinook/chinook_mysql.sql", "mysql").length, 11);
    assert.equal(createTables("chinook/chinook_postgresql.sql", "postgresql").length, 11);
    assert.equal(createTables("chinook/chinook_sqlite.sql", "sqlite").length, 11);
    assert.equal(createTables("sakila/mysql-schema.sql", "mysql").length, 16);
    assert.equal(createViews("sakila/mysql-schema.sql", "mysql").length, 7);
    assert.equal(createTables("sakila/postgres-schema.sql", "postgresql").length, 21); // 15 + 6 payment partitions
    assert.equal(createTables("sakila/sqlite-schema.sql", "sqlite").length, 16);
    assert.equal(createTables("employees/mysql-schema.sql", "mysql").length, 6);
    assert.equal(createViews("employees/mysql-schema.sql", "mysql").length, 2);
  });
});
