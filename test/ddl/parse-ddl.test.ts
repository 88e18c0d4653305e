import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseDdl } from "../../src/ddl/parse-ddl.js";
import { parseWithSqlParser } from "../../src/ddl/sql-parser-fallback.js";
import type { Dialect } from "../../src/model.js";
import { readCorpus } from "../helpers/ddl-corpus.js";

/** StarRocks `SHOW CREATE TABLE` output, Chinese double-quoted comments included. */
const STARROCKS_SHOW_CREATE = `CREATE TABLE \`dw\`.\`dwd_order_fact\` (
  \`order_id\` bigint(20) NOT NULL COMMENT "订单ID",
  \`status\` tinyint(4) NULL DEFAULT "0" COMMENT "订单状态（0:录入、1:生产、2:配车）",
  \`amount\` decimal(15, 2) SUM NULL COMMENT "金额<元>",
  \`note\` varchar(65533) NULL COMMENT "说明: \\"quoted\\" and 'single'"
) ENGINE=OLAP
AGGREGATE KEY(\`order_id\`, \`status\`)
COMMENT "订单事实表"
DISTRIBUTED BY HASH(\`order_id\`) BUCKETS 10
PROPERTIES (
"replication_num" = "3",
"in_memory" = "false"
);`;

function columns(sql: string, dialect: Dialect): string[] {
  return parseDdl(sql, dialect).columns.map((c) => c.name);
}

describe("parseDdl: StarRocks and MySQL SHOW CREATE output", () => {
  it("reads the qualified name, types as written, NULL/NOT NULL, defaults and Chinese comments exactly", () => {
    const s = parseDdl(STARROCKS_SHOW_CREATE, "starrocks");
    assert.equal(s.databaseName, "dw");
    assert.equal(s.tableName, "dwd_order_fact");
    assert.equal(s.comment, "订单事实表");
    assert.deepEqual(s.columns, [
      { name: "order_id", type: "bigint(20)", nullable: false, comment: "订单ID" },
      { name: "status", type: "tinyint(4)", nullable: true, defaultValue: '"0"', comment: "订单状态（0:录入、1:生产、2:配车）" },
      { name: "amount", type: "decimal(15, 2)", nullable: true, comment: "金额<元>" },
      { name: "note", type: "varchar(65533)", nullable: true, comment: "说明: \"quoted\" and 'single'" },
    ]);
    assert.equal(s.source, "scanner");
    assert.equal(s.parseError, undefined);
  });

  it("reads truncated output: a trailing comma, or the text cut inside a type", () => {
    const trailingComma = 'CREATE TABLE `orders` (\n  `id` bigint(20) NOT NULL COMMENT "订单ID",\n  `status` tinyint(4) NULL COMMENT "状态",\n';
    const s = parseDdl(trailingComma, "starrocks");
    assert.equal(s.tableName, "orders");
    assert.deepEqual(
      s.columns.map((c) => [c.name, c.comment]),
      [
        ["id", "订单ID"],
        ["status", "状态"],
      ],
    );
    assert.equal(s.parseError, undefined);
    const cut = 'CREATE TABLE `orders` (\n  `id` bigint(20) NOT NULL COMMENT "订单ID",\n  `status` varchar(2';
    assert.deepEqual(columns(cut, "starrocks"), ["id", "status"]);
    const cutInComment = 'CREATE TABLE `orders` (\n  `id` bigint(20) NOT NULL COMMENT "订单';
    assert.deepEqual(parseDdl(cutInComment, "starrocks").columns[0].comment, "订单");
  });

  it("reads truncated StarRocks output whose table clauses were cut off", () => {
    const sql = STARROCKS_SHOW_CREATE.slice(0, STARROCKS_SHOW_CREATE.indexOf("DISTRIBUTED BY") + 22);
    const s = parseDdl(sql, "starrocks");
    assert.equal(s.columns.length, 4);
    assert.equal(s.comment, "订单事实表");
  });

  it("recovers columns whose separating commas an old tool stripped (backticked names)", () => {
    const sql = "CREATE TABLE `t` ( `id` bigint(20) NOT NULL COMMENT 'id' `name` varchar(20) COMMENT 'it''s a name' `x` int PRIMARY KEY (`id`) ) ENGINE=InnoDB";
    const s = parseDdl(sql, "mysql");
    assert.deepEqual(
      s.columns.map((c) => [c.name, c.type, c.comment]),
      [
        ["id", "bigint(20)", "id"],
        ["name", "varchar(20)", "it's a name"],
        ["x", "int", ""],
      ],
    );
    assert.deepEqual(s.primaryKey, ["id"]);
  });

  it("reads MySQL COMMENT='…' table options, unescaping doubled quotes and backslashes", () => {
    const sql = "CREATE TABLE `user` (`id` int COMMENT 'a\\\\b \\'q\\' \"d\"') ENGINE=InnoDB AUTO_INCREMENT=7 DEFAULT CHARSET=utf8mb4 COMMENT='用户表 ''vip'' 标记'";
    const s = parseDdl(sql, "mysql");
    assert.equal(s.comment, "用户表 'vip' 标记");
    assert.equal(s.columns[0].comment, "a\\b 'q' \"d\"");
  });

  it("keeps columns whose names contain `found` or `missing`, and tells KEY indexes from columns named key", () => {
    const sql = "CREATE TABLE t (`key` varchar(10), `index` int, found_at datetime, missing_cnt int, KEY idx (`key`), UNIQUE KEY uk (`index`), FULLTEXT KEY ft (`key`))";
    const s = parseDdl(sql, "mysql");
    assert.deepEqual(s.columns.map((c) => c.name), ["key", "index", "found_at", "missing_cnt"]);
    assert.deepEqual(s.uniqueKeys, [["index"]]);
  });

  it("reads a StarRocks PRIMARY KEY model and materialized views", () => {
    const pk = parseDdl("CREATE TABLE t (`id` bigint NOT NULL, `v` int) ENGINE=OLAP PRIMARY KEY(`id`) DISTRIBUTED BY HASH(`id`)", "starrocks");
    assert.deepEqual(pk.primaryKey, ["id"]);
    const mv = parseDdl('CREATE MATERIALIZED VIEW mv_sales COMMENT "物化视图" DISTRIBUTED BY HASH(k) REFRESH ASYNC AS SELECT k, sum(v) AS total FROM t GROUP BY k', "starrocks");
    assert.equal(mv.tableType, "mv");
    assert.equal(mv.comment, "物化视图");
    assert.deepEqual(mv.columns.map((c) => c.name), ["k", "total"]);
  });
});

describe("parseDdl: other dialects", () => {
  it("PostgreSQL: COMMENT ON and ALTER TABLE … ADD in the same text, composite foreign keys, inline REFERENCES", () => {
    const sql = `CREATE TABLE public.users (
      id serial PRIMARY KEY,
      email text UNIQUE NOT NULL,
      org_id int REFERENCES orgs,
      team int REFERENCES public.teams(id) ON DELETE CASCADE
    );
    COMMENT ON TABLE public.users IS '用户';
    COMMENT ON COLUMN public.users.email IS 'E-mail, it''s unique';
    COMMENT ON COLUMN other.email IS 'not ours';
    ALTER TABLE ONLY public.users ADD CONSTRAINT users_org_fk FOREIGN KEY (org_id, team) REFERENCES orgs (id, team_id);`;
    const s = parseDdl(sql, "postgresql");
    assert.equal(s.schemaName, "public");
    assert.equal(s.tableName, "users");
    assert.equal(s.comment, "用户");
    assert.equal(s.columns[1].comment, "E-mail, it's unique");
    assert.equal(s.columns[1].nullable, false);
    assert.equal(s.columns[0].nullable, false, "a primary key column is not nullable");
    assert.deepEqual(s.primaryKey, ["id"]);
    assert.deepEqual(s.uniqueKeys, [["email"]]);
    assert.deepEqual(s.foreignKeys, [
      { fromColumns: ["org_id"], toTable: "orgs", toColumns: [] },
      { fromColumns: ["team"], toTable: "public.teams", toColumns: ["id"] },
      { name: "users_org_fk", fromColumns: ["org_id", "team"], toTable: "orgs", toColumns: ["id", "team_id"] },
    ]);
  });

  it("Snowflake: CREATE OR REPLACE TABLE db.schema.table, COMMENT='…'", () => {
    const s = parseDdl("create or replace TABLE DB.PUBLIC.EVENTS (\n\tID NUMBER(38,0) NOT NULL COMMENT 'event id',\n\tPAYLOAD VARIANT\n) COMMENT='events table';", "snowflake");
    assert.deepEqual([s.databaseName, s.schemaName, s.tableName, s.comment], ["DB", "PUBLIC", "EVENTS", "events table"]);
    assert.deepEqual(s.columns.map((c) => `${c.name} ${c.type}`), ["ID NUMBER(38,0)", "PAYLOAD VARIANT"]);
  });

  it("BigQuery: one backticked project.dataset.table, STRUCT<…> types, OPTIONS(description=…)", () => {
    const s = parseDdl('CREATE TABLE `proj.ds.t` (id INT64 OPTIONS(description="the id"), s STRUCT<a INT64, b STRING>) OPTIONS(description="bq table")', "bigquery");
    assert.deepEqual([s.databaseName, s.schemaName, s.tableName, s.comment], ["proj", "ds", "t", "bq table"]);
    assert.deepEqual(s.columns.map((c) => [c.name, c.type, c.comment]), [
      ["id", "INT64", "the id"],
      ["s", "STRUCT<a INT64, b STRING>", ""],
    ]);
  });

  it("Hive: CREATE EXTERNAL TABLE IF NOT EXISTS, comments before PARTITIONED BY", () => {
    const s = parseDdl("CREATE EXTERNAL TABLE IF NOT EXISTS db.logs (ts STRING COMMENT 'time', msg STRING) COMMENT 'logs' PARTITIONED BY (dt STRING) STORED AS ORC", "hive");
    assert.deepEqual([s.databaseName, s.tableName, s.comment, s.columns[0].comment], ["db", "logs", "logs", "time"]);
  });

  it("SQL Server: [bracketed] names, IDENTITY, PRIMARY KEY CLUSTERED", () => {
    const s = parseDdl("CREATE TABLE [dbo].[Orders] ([Id] INT IDENTITY(1,1) NOT NULL, [Total] DECIMAL(10,2) NULL, CONSTRAINT [PK_Orders] PRIMARY KEY CLUSTERED ([Id] ASC))", "sqlserver");
    assert.deepEqual([s.schemaName, s.tableName], ["dbo", "Orders"]);
    assert.deepEqual(s.columns.map((c) => `${c.name} ${c.type}`), ["Id INT", "Total DECIMAL(10,2)"]);
    assert.deepEqual(s.primaryKey, ["Id"]);
  });

  it("CREATE TABLE … AS SELECT takes its columns from the select list", () => {
    assert.deepEqual(columns("CREATE TABLE t AS SELECT a, b AS c, count(*) n FROM x", "mysql"), ["a", "c", "n"]);
  });

  it("unknown dialect: sniffed from the text, then read", () => {
    const s = parseDdl(readCorpus("starrocks-tpch/ddl/region.sql"), "unknown");
    assert.equal(s.dialect, "starrocks");
    assert.equal(s.columns.length, 3);
  });
});

describe("parseDdl never throws", () => {
  it("reports text without a CREATE statement in parseError", () => {
    const s = parseDdl("SHOW CREATE TABLE failed: access denied", "mysql");
    assert.equal(s.tableName, "");
    assert.equal(s.source, "none");
    assert.equal(s.parseError, "no CREATE TABLE or CREATE VIEW statement found");
  });

  it("reports a table whose columns cannot be read", () => {
    const s = parseDdl("CREATE TABLE t ( 'not a column' )", "mysql");
    assert.equal(s.tableName, "t");
    assert.equal(s.parseError, "no columns found");
  });

  it("survives every prefix of real DDL and random garbage", () => {
    const texts = [readCorpus("starrocks-tpch/ddl/lineitem.sql"), readCorpus("employees/mysql-schema.sql").slice(0, 1500), STARROCKS_SHOW_CREATE];
    for (const text of texts) {
      for (let i = 0; i <= text.length; i += 7) {
        const s = parseDdl(text.slice(0, i), "unknown");
        assert.equal(typeof s.tableName, "string");
      }
    }
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const alphabet = "CREATE TABLE ( ) , ; ' \" ` [ ] -- /* */ $$ # \\ \n COMMENT NOT NULL DEFAULT 订单 ";
    for (let n = 0; n < 300; n++) {
      let text = "";
      for (let k = 0; k < 60; k++) text += alphabet[Math.floor(random() * alphabet.length)];
      for (const d of ["mysql", "postgresql", "sqlserver", "unknown"] as const) assert.doesNotThrow(() => parseDdl(text, d));
    }
  });
});

describe("node-sql-parser fallback", () => {
  it("maps a CREATE TABLE: name, columns, comments, keys", () => {
    const draft = parseWithSqlParser(
      "CREATE TABLE `t` (`id` bigint(20) NOT NULL COMMENT '主键', `o` int, PRIMARY KEY (`id`), CONSTRAINT fk FOREIGN KEY (o) REFERENCES db.other (x)) COMMENT='表'",
      "mysql",
    );
    assert.ok(draft);
    assert.equal(draft.tableName, "t");
    assert.equal(draft.comment, "表");
    assert.deepEqual(draft.columns.map((c) => [c.name, c.nullable, c.comment]), [
      ["id", false, "主键"],
      ["o", true, ""],
    ]);
    assert.deepEqual(draft.primaryKey, ["id"]);
    assert.deepEqual(draft.foreignKeys, [{ name: "fk", fromColumns: ["o"], toTable: "db.other", toColumns: ["x"] }]);
  });

  it("returns null where it cannot read (StarRocks clauses)", () => {
    assert.equal(parseWithSqlParser(readCorpus("starrocks-tpch/ddl/lineitem.sql"), "starrocks"), null);
  });
});
