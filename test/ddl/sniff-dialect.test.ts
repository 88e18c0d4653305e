import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sniffDialect } from "../../src/ddl/sniff-dialect.js";
import { createTables, readCorpus, STARROCKS_TPCH } from "../helpers/ddl-corpus.js";

describe("sniffDialect", () => {
  it("recognises the corpus DDL of each engine", () => {
    for (const name of STARROCKS_TPCH) assert.equal(sniffDialect(readCorpus(`starrocks-tpch/ddl/${name}.sql`)), "starrocks", name);
    for (const ddl of createTables("sakila/mysql-schema.sql", "mysql")) assert.equal(sniffDialect(ddl), "mysql");
    assert.equal(sniffDialect(createTables("sakila/postgres-schema.sql", "postgresql")[0]), "postgresql"); // nextval(…::regclass)
    assert.equal(sniffDialect(readCorpus("sakila/postgres-schema.sql")), "postgresql");
    assert.equal(sniffDialect(createTables("chinook/chinook_mysql.sql", "mysql")[0]), "mysql"); // backticks
  });

  it("reads keywords, not column names: serial_no, object_id, money_amt say nothing", () => {
    assert.equal(sniffDialect("CREATE TABLE t (serial_no int, object_id int, money_amt decimal(10,2), construction varchar(10))"), "unknown");
    assert.equal(sniffDialect("CREATE TABLE t (id SERIAL PRIMARY KEY)"), "postgresql");
  });

  it("tells StarRocks from MySQL by ENGINE and DISTRIBUTED BY HASH, and knows other engines' marks", () => {
    assert.equal(sniffDialect("CREATE TABLE `t` (`id` int) ENGINE=InnoDB AUTO_INCREMENT=3"), "mysql");
    assert.equal(sniffDialect("CREATE TABLE `t` (`id` bigint(20)) ENGINE=OLAP DUPLICATE KEY(`id`)"), "starrocks");
    assert.equal(sniffDialect("CREATE TABLE t (id int) DISTRIBUTED BY HASH(id) BUCKETS 8"), "starrocks");
    assert.equal(sniffDialect("CREATE TABLE t (a VARIANT, b TIMESTAMP_NTZ)"), "snowflake");
    assert.equal(sniffDialect("CREATE TABLE `p.d.t` (a INT64, b STRUCT<x FLOAT64>)"), "bigquery");
    assert.equal(sniffDialect("CREATE TABLE t (a HUGEINT, b UBIGINT)"), "duckdb");
    assert.equal(sniffDialect("CREATE TABLE [dbo].[t] ([a] INT IDENTITY(1,1))"), "sqlserver");
    assert.equal(sniffDialect("CREATE TABLE t (a VARCHAR2(10), b NUMBER(10))"), "oracle");
    assert.equal(sniffDialect("CREATE TABLE t (a STRING) ROW FORMAT DELIMITED STORED AS TEXTFILE"), "hive");
    assert.equal(sniffDialect("CREATE TABLE t (a int ENCODE zstd) DISTSTYLE KEY DISTKEY(a)"), "redshift");
    assert.equal(sniffDialect("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT)"), "sqlite");
  });
});
