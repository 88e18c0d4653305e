import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { enrichTable, type EnrichOptions } from "../../src/enrich/enrich-table.js";
import { buildSearchText, SEARCH_TEXT_MAX } from "../../src/enrich/search-text.js";
import type { SourceTable, TableStructure } from "../../src/model.js";
import { V1_COLUMNS } from "../../src/model.js";
import { readCorpus } from "../helpers/ddl-corpus.js";

const NOW = 1_700_000_000;
const OPTIONS: EnrichOptions = { dialect: "starrocks", extractRelationships: true, now: NOW };

function source(definition: string, over: Partial<SourceTable> = {}): SourceTable {
  return { identifier: "x", catalogName: "", databaseName: "dw", schemaName: "", tableName: "orders", tableType: "table", definition, ...over };
}

const ORDERS = `CREATE TABLE \`orders\` (
  \`id\` bigint(20) NOT NULL COMMENT "订单ID",
  \`user_id\` bigint(20) NULL COMMENT "下单用户",
  \`status\` tinyint(4) NULL COMMENT "订单状态（0:录入、1:生产、2:配车）",
  \`amount\` decimal(15, 2) NULL COMMENT "金额<元>",
  \`memo\` varchar(200) NULL,
  CONSTRAINT fk_user FOREIGN KEY (\`user_id\`) REFERENCES \`dim_user\` (\`id\`)
) ENGINE=OLAP
DUPLICATE KEY(\`id\`)
COMMENT "订单表"
DISTRIBUTED BY HASH(\`id\`) BUCKETS 8;`;

describe("enrichTable", () => {
  it("StarRocks' placeholder COMMENT \"OLAP\" is no table comment: not in the row, its search text or its tags", () => {
    const definition = readCorpus("starrocks-tpch/ddl/customer.sql");
    assert.match(definition, /COMMENT "OLAP"/);
    const { row } = enrichTable(source(definition, { tableName: "customer" }), OPTIONS);
    assert.equal(row.table_comment, "");
    assert.doesNotMatch(row.search_text, /OLAP/);
  });

  it("builds the v1 row a user sees: names, comments, enums, tags, relationships, search text", () => {
    const { row, structure } = enrichTable(source(ORDERS), OPTIONS);
    assert.deepEqual(Object.keys(row), V1_COLUMNS.filter((c) => c !== "vector"));
    assert.equal(row.identifier, "dw.orders");
    assert.deepEqual([row.catalog_name, row.database_name, row.schema_name, row.table_name, row.table_type], ["", "dw", "", "orders", "table"]);
    assert.equal(row.definition, ORDERS);
    assert.equal(row.table_comment, "订单表");
    assert.equal(row.column_comments, '{"id":"订单ID","user_id":"下单用户","status":"订单状态（0:录入、1:生产、2:配车）","amount":"金额<元>"}');
    assert.deepEqual(JSON.parse(row.column_enums), {
      status: [
        { value: "0", label: "录入" },
        { value: "1", label: "生产" },
        { value: "2", label: "配车" },
      ],
    });
    assert.ok(row.business_tags.includes("sales"));
    assert.deepEqual(JSON.parse(row.relationship_metadata), {
      foreign_keys: [{ from_column: "user_id", to_table: "dim_user", to_column: "id", source: "ddl", confidence: 1 }],
      join_paths: ["orders.user_id -> dim_user.id"],
      source: "ddl",
    });
    assert.equal(row.row_count, 0);
    assert.equal(row.sample_statistics, "{}");
    assert.equal(row.metadata_version, 1);
    assert.equal(row.last_updated, NOW);
    assert.match(row.search_text, /^orders - 订单表 \[/);
    assert.match(row.search_text, /status tinyint\(4\) 订单状态（0:录入、1:生产、2:配车） \{0=录入, 1=生产, 2=配车\}/);
    assert.equal(structure.source, "scanner");
    assert.equal(structure.parseError, undefined);
  });

  it("keeps the definition byte for byte (CRLF, BOM, tabs, trailing spaces, a stray error fragment)", () => {
    const ddl = "\ufeffCREATE TABLE t (\r\n\tid int COMMENT 'a',  \r\n  name varchar(10)\r\n) ;  \n-- contains unsupported syntax. Falling back to parsing as a 'Command'\n";
    const { row } = enrichTable(source(ddl, { tableName: "t" }), { ...OPTIONS, dialect: "mysql" });
    assert.equal(row.definition, ddl);
    assert.equal(row.column_comments, '{"id":"a"}');
  });

  it("writes {} for empty JSON columns, and no relationships when they are not asked for", () => {
    const plain = enrichTable(source("CREATE TABLE t (a int, b int)", { tableName: "t" }), OPTIONS).row;
    assert.deepEqual([plain.column_comments, plain.column_enums, plain.relationship_metadata], ["{}", "{}", "{}"]);
    const off = enrichTable(source(ORDERS), { ...OPTIONS, extractRelationships: false }).row;
    assert.equal(off.relationship_metadata, "{}");
  });

  it("a VIEW in the DDL wins over a source row that says table; MySQL ENUM types are column enums", () => {
    const view = enrichTable(source("CREATE VIEW v AS SELECT a, b FROM t", { tableName: "v" }), OPTIONS).row;
    assert.equal(view.table_type, "view");
    const film = readCorpus("sakila/mysql-schema.sql").match(/CREATE TABLE film \([\s\S]*?\)ENGINE=InnoDB DEFAULT CHARSET=utf8;/)?.[0] ?? "";
    const enums = JSON.parse(enrichTable(source(film, { tableName: "film" }), { ...OPTIONS, dialect: "mysql" }).row.column_enums) as Record<string, unknown>;
    assert.deepEqual(enums.rating, ["G", "PG", "PG-13", "R", "NC-17"].map((v) => ({ value: v, label: v })));
  });

  it("an orphan row without a name takes it from the DDL", () => {
    const { row } = enrichTable(source("CREATE TABLE sales.t_order (id int)", { databaseName: "", tableName: "", identifier: "" }), { ...OPTIONS, dialect: "mysql" });
    assert.deepEqual([row.identifier, row.database_name, row.table_name], ["sales.t_order", "sales", "t_order"]);
  });

  it("never throws: unreadable DDL still gives a row, and the structure says why", () => {
    const { row, structure } = enrichTable(source("ERROR 1146 (42S02): Table 'dw.orders' doesn't exist", {}), OPTIONS);
    assert.equal(row.identifier, "dw.orders");
    assert.equal(row.table_name, "orders");
    assert.equal(row.search_text, "orders [sales]", "the name alone still gives a search text and tags");
    assert.equal(structure.parseError, "no CREATE TABLE or CREATE VIEW statement found");
  });

  it("a live catalog wins for comments and keys; the DDL fills what the catalog lacks", () => {
    const catalog: TableStructure = {
      tableName: "orders",
      schemaName: "",
      databaseName: "dw",
      tableType: "table",
      comment: "",
      columns: [
        { name: "id", type: "BIGINT", nullable: false, comment: "主键" },
        { name: "status", type: "TINYINT", nullable: true, comment: "" },
        { name: "created", type: "DATETIME", nullable: true, comment: "建单时间" },
      ],
      primaryKey: ["id"],
      uniqueKeys: [],
      foreignKeys: [],
      source: "catalog",
      dialect: "starrocks",
    };
    const { row, structure } = enrichTable(source(ORDERS), { ...OPTIONS, catalog });
    assert.equal(structure.source, "catalog");
    assert.equal(row.table_comment, "订单表", "the DDL fills the table comment");
    assert.deepEqual(JSON.parse(row.column_comments), { id: "主键", status: "订单状态（0:录入、1:生产、2:配车）", created: "建单时间" });
    assert.deepEqual(structure.primaryKey, ["id"]);
    assert.equal(JSON.parse(row.relationship_metadata).source, "ddl", "FKs came from the DDL");
  });
});

describe("buildSearchText", () => {
  it("is deterministic and bounded, cut at a column boundary", () => {
    const columns = Array.from({ length: 300 }, (_, i) => ({ name: `col_${i}`, type: "varchar(20)", nullable: true, comment: `第${i}列的说明` }));
    const input = { tableName: "WideTable", tableComment: "很宽的表", tags: ["analytics"], columns, enums: {} };
    const text = buildSearchText(input);
    assert.ok(text.length <= SEARCH_TEXT_MAX);
    assert.equal(text, buildSearchText(input));
    assert.match(text, /^WideTable \(wide table\) - 很宽的表 \[analytics\]\ncolumns: col_0 varchar\(20\) 第0列的说明; /);
    assert.match(text, /列的说明$/);
  });
});
