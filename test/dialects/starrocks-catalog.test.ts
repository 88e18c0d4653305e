/**
 * The StarRocks source without a StarRocks (none runs here; see README): its catalog queries, SHOW CREATE
 * reading and statistics run against the machine's MariaDB for what the two share (information_schema.tables
 * and .columns, SHOW CREATE TABLE/VIEW, count(*) and aggregates over MySQL's protocol), and against recorded
 * StarRocks outputs (test/fixtures/starrocks-recorded.ts) for what is StarRocks' own: key models, materialized
 * views, key PROPERTIES, the types without DISTINCT, the session settings.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type mysql from "mysql2/promise";
import { openLiveSource, profileRule } from "../../src/dialects/live-source.js";
import type { Row } from "../../src/dialects/mysql/mysql-sql.js";
import { foreignKeyConstraints, property, showCreateText, uniqueConstraints } from "../../src/dialects/starrocks/starrocks-ddl.js";
import type { RowsQuery } from "../../src/dialects/mysql/mysql-connection.js";
import { COLUMNS_SQL, introspectCatalog, TABLES_SQL } from "../../src/dialects/starrocks/starrocks-introspection.js";
import { sessionStatements } from "../../src/dialects/starrocks/starrocks-source.js";
import { readTableStatistics, statisticsKind } from "../../src/dialects/starrocks/starrocks-statistics.js";
import { splitStatements } from "../../src/ddl/parse-ddl.js";
import { DatusError } from "../../src/errors.js";
import { corpusFile } from "../helpers/corpus.js";
import { readMariaDbCatalog, structureStatements, withMariaDbDatabase } from "../helpers/engines.js";
import * as recorded from "../fixtures/starrocks-recorded.js";

/** A RowsQuery over a mysql2 connection that also records how many statements ran at once. */
function mariaDbQuery(conn: mysql.Connection): { query: RowsQuery; most: () => number } {
  let running = 0;
  let most = 0;
  return {
    query: async (sql, params = []) => {
      running++;
      most = Math.max(most, running);
      try {
        return (await conn.query(sql, [...params]))[0] as Row[];
      } finally {
        running--;
      }
    },
    most: () => most,
  };
}

describe("StarRocks catalog queries on MariaDB (what the two share)", () => {
  test("Chinook: tables, views, columns, comments, keys and foreign keys as information_schema has them; DDL from SHOW CREATE", async () => {
    const sql = corpusFile("chinook/chinook_mysql.sql");
    const inserts = splitStatements(sql, "mariadb").filter((s) => /^\s*INSERT\s+INTO/i.test(s));
    const statements = [
      ...structureStatements(sql, "mariadb").statements,
      "SET FOREIGN_KEY_CHECKS = 0",
      ...inserts,
      "SET FOREIGN_KEY_CHECKS = 1",
      "ALTER TABLE `Genre` COMMENT = '曲风'",
      "ALTER TABLE `Genre` MODIFY `Name` VARCHAR(120) COMMENT 'the genre''s name'",
      "CREATE VIEW `album_titles` AS SELECT a.`Title`, r.`Name` FROM `Album` a JOIN `Artist` r ON r.`ArtistId` = a.`ArtistId`",
    ];
    await withMariaDbDatabase(statements, async (database, conn) => {
      const { query, most } = mariaDbQuery(conn);
      const listed = await introspectCatalog(query, { database, catalog: "", concurrency: 2 });
      assert.ok(most() <= 2, `SHOW CREATE bounded by the concurrency (saw ${most()})`);
      const truth = await readMariaDbCatalog(conn, database);
      assert.deepEqual(listed.map((t) => t.source.tableName).sort(), Object.keys(truth).sort());
      let foreignKeys = 0;
      for (const table of listed) {
        const want = truth[table.source.tableName];
        const got = table.structure;
        assert.equal(table.source.identifier, `${database}.${table.source.tableName}`, "identifier: database.table, no schema");
        assert.equal(table.source.tableType, want.kind);
        const [shown] = (await conn.query(`SHOW CREATE ${want.kind === "view" ? "VIEW" : "TABLE"} \`${database}\`.\`${table.source.tableName}\``))[0] as Row[];
        assert.equal(table.source.definition, showCreateText(shown), "definition is SHOW CREATE's text as it came");
        assert.equal(got.comment, want.comment, `${table.source.tableName}: table comment`);
        assert.deepEqual(got.columns.map((c) => [c.name, c.nullable, c.comment]), want.columns.map((c) => [c.name, c.nullable, c.comment]), `${table.source.tableName}: columns`);
        if (want.kind === "table") {
          assert.deepEqual(got.primaryKey, want.primaryKey, `${table.source.tableName}: primary key`);
          assert.deepEqual(got.foreignKeys.map((f) => [f.fromColumns, f.toTable, f.toColumns]), want.foreignKeys.map((f) => [f.from, f.toTable, f.to]), `${table.source.tableName}: foreign keys`);
          foreignKeys += got.foreignKeys.length;
        }
      }
      assert.ok(foreignKeys >= 11, `foreign keys compared: ${foreignKeys}`);
      const track = listed.find((t) => t.source.tableName === "Track")!;
      const stats = await readTableStatistics(query, track.source, profileRule({ sampleRows: 10_000 }));
      const [counted] = (await conn.query("SELECT count(*) AS n, min(Milliseconds) AS lo, max(Milliseconds) AS hi, count(DISTINCT GenreId) AS g FROM Track"))[0] as Row[];
      assert.equal(stats.rowCount, Number(counted.n), "row count is count(*)");
      assert.equal(stats.columns.Milliseconds.min, Number(counted.lo));
      assert.equal(stats.columns.Milliseconds.max, Number(counted.hi));
      assert.equal(stats.columns.GenreId.distinct, Number(counted.g));
      assert.equal(typeof stats.columns.Name.min, "string");
    }, (s, database) => s.replace(/\bChinook\./g, `\`${database}\`.`));
  });
});

/** A RowsQuery answering from the recorded StarRocks outputs; it records every statement. */
function recordedQuery(): { query: RowsQuery; sent: string[] } {
  const sent: string[] = [];
  const query: RowsQuery = async (sql, params = []) => {
    sent.push(sql);
    if (sql === TABLES_SQL) return params[0] === recorded.DATABASE ? recorded.TABLES : [];
    if (sql === COLUMNS_SQL) return params[0] === recorded.DATABASE ? recorded.COLUMNS : [];
    const row = recorded.SHOW_CREATE[sql];
    if (row === undefined) throw new Error(`not recorded: ${sql}`);
    return [row];
  };
  return { query, sent };
}

describe("StarRocks' own outputs (recorded)", () => {
  test("tables, views and materialized views with their DDL, comments, key models and key PROPERTIES", async () => {
    const { query, sent } = recordedQuery();
    const listed = await introspectCatalog(query, { database: recorded.DATABASE, catalog: "", concurrency: 2 });
    const by = new Map(listed.map((t) => [t.source.tableName, t]));
    assert.deepEqual([...by.keys()], ["customer", "mv_daily_revenue", "nation", "orders_pk", "v_orders_by_day"]);
    assert.deepEqual(listed.map((t) => t.source.tableType), ["table", "mv", "table", "table", "view"]);
    assert.ok(sent.includes("SHOW CREATE MATERIALIZED VIEW `tpch`.`mv_daily_revenue`") && sent.includes("SHOW CREATE VIEW `tpch`.`v_orders_by_day`"), "each kind asked with its own SHOW CREATE");
    for (const t of listed) {
      const shown = Object.values(recorded.SHOW_CREATE).find((r) => Object.values(r)[0] === t.source.tableName)!;
      assert.equal(t.source.definition, showCreateText(shown), `${t.source.tableName}: definition byte for byte`);
      assert.equal(t.source.identifier, `tpch.${t.source.tableName}`);
    }
    const orders = by.get("orders_pk")!.structure;
    assert.deepEqual(orders.primaryKey, ["o_orderkey"], "PRIMARY KEY model");
    assert.equal(orders.comment, "订单表");
    assert.equal(orders.columns.find((c) => c.name === "o_orderstatus")?.comment, "状态: F 完成, O 未结, P 部分");
    assert.deepEqual(orders.foreignKeys.map((f) => [f.fromColumns, f.toTable, f.toColumns]), [[["o_custkey"], "tpch.customer", ["c_custkey"]]], "foreign_key_constraints property");
    assert.deepEqual(by.get("customer")!.structure.uniqueKeys, [["c_custkey"]], "unique_constraints property");
    assert.deepEqual(by.get("nation")!.structure.primaryKey, [], "DUPLICATE KEY is a sort key, not a primary key");
    assert.equal(by.get("mv_daily_revenue")!.structure.comment, "每日收入");
    assert.equal(by.get("v_orders_by_day")!.structure.comment, "");
    const withCatalog = await introspectCatalog(query, { database: recorded.DATABASE, catalog: "default_catalog", concurrency: 1 });
    assert.equal(withCatalog[0].source.identifier, "default_catalog.tpch.customer", "a configured catalog is part of the name");
  });

  test("key PROPERTIES: materialized views name their tables; malformed entries are skipped", () => {
    const mv = `PROPERTIES ("unique_constraints" = "customer.c_custkey; part.p_partkey", "foreign_key_constraints" = "lineorder(lo_custkey) REFERENCES customer(c_custkey); lineorder(lo_partkey) REFERENCES part(p_partkey); oops")`;
    assert.deepEqual(foreignKeyConstraints(mv, "lineorder").map((f) => [f.fromColumns, f.toTable, f.toColumns]), [
      [["lo_custkey"], "customer", ["c_custkey"]],
      [["lo_partkey"], "part", ["p_partkey"]],
    ]);
    assert.deepEqual(foreignKeyConstraints(mv, "other"), []);
    assert.deepEqual(uniqueConstraints(mv, "customer"), [["c_custkey"]]);
    assert.equal(property(`"a.b" = "x \\"y\\""`, "a.b"), 'x "y"');
    assert.equal(property("no properties", "replication_num"), undefined);
  });

  test("statistics leave DISTINCT, min and max out for BITMAP, HLL, JSON and nested types", async () => {
    const sent: string[] = [];
    const query: RowsQuery = async (sql) => {
      sent.push(sql);
      // as StarRocks' information_schema answers: TABLE_ROWS is its estimate
      if (/information_schema\.columns/i.test(sql)) return ["bigint", "bitmap", "array<varchar(10)>", "date"].map((type, i) => ({ name: ["id", "uv", "tags", "day"][i], type, table_type: "BASE TABLE", estimate: 3 }));
      if (/^SELECT count\(\*\) AS n FROM/.test(sql)) return [{ n: "3" }];
      if (/ UNION ALL |GROUP BY/.test(sql)) return [];
      return [{ n: "3", c0_nn: "3", c0_d: "3", c0_min: 1, c0_max: 3, c0_mean: 2, c0_std: 1, c1_nn: "3", c2_nn: "2", c2_d: "2", c3_nn: "3", c3_d: "1", c3_min: "2024-01-01", c3_max: "2024-01-01" }];
    };
    const table = { identifier: "tpch.t", catalogName: "", databaseName: "tpch", schemaName: "", tableName: "t", tableType: "table" as const, definition: "" };
    const stats = await readTableStatistics(query, table, profileRule({ sampleRows: 10 }));
    assert.doesNotMatch(sent[2], /DISTINCT `uv`|min\(`uv`\)/);
    assert.match(sent[2], /count\(DISTINCT `id`\)/);
    assert.doesNotMatch(sent[3] ?? "", /`uv`|`tags`/, "no top values of aggregate-state or nested columns");
    assert.deepEqual(stats.columns.uv, { null_fraction: 0, sampled_rows: 3, method: "exact" });
    assert.equal(stats.provenance?.row_count, "exact");
    assert.equal(stats.columns.id.mean, 2);
    assert.equal(stats.columns.day.min, "2024-01-01");
    assert.equal(statisticsKind("decimal128"), "numeric");
    assert.equal(statisticsKind("largeint"), "numeric");
    assert.equal(statisticsKind("hll"), "opaque");
  });

  test("every session gets query_timeout (StarRocks has no read-only transaction), and the catalog when one is named", () => {
    assert.deepEqual(sessionStatements(120, ""), ["SET query_timeout = 120"]);
    assert.deepEqual(sessionStatements(5, "hive_prod"), ["SET query_timeout = 5", "SET CATALOG `hive_prod`"]);
  });

  test("a StarRocks FE that is not there: a source error naming where, with a hint", async () => {
    await assert.rejects(openLiveSource({ type: "starrocks", host: "127.0.0.1", port: 1, database: "tpch" }), (err: unknown) => {
      assert.ok(err instanceof DatusError);
      assert.equal(err.code, "source");
      assert.match(err.message, /cannot reach StarRocks at 127\.0\.0\.1:1/);
      assert.match(err.hint, /9030/);
      return true;
    });
  });
});
