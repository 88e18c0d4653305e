import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseDdl, parseDdlScript } from "../../src/ddl/parse-ddl.js";
import { DEFAULT_TAG_DICTIONARY, inferBusinessTags, loadTagDictionary } from "../../src/enrich/tags.js";
import { DatusError } from "../../src/errors.js";
import type { TableStructure } from "../../src/model.js";
import { readCorpus } from "../helpers/ddl-corpus.js";

const CHINESE_TABLE = `CREATE TABLE \`dwd_trade_detail\` (
  \`id\` bigint(20) NOT NULL COMMENT "明细ID",
  \`buyer\` bigint(20) COMMENT "下单用户",
  \`goods\` bigint(20) COMMENT "商品SKU",
  \`ware\` int COMMENT "发货仓库",
  \`addr\` varchar(200) COMMENT "收货地址",
  \`region\` varchar(32) COMMENT "收货省份",
  \`st\` tinyint(4) COMMENT "订单状态（0:待付款、1:已付款、2:已发货）",
  \`pay\` decimal(15,2) COMMENT "支付金额<元>",
  \`num\` int COMMENT "购买数量",
  \`ct\` datetime COMMENT "创建时间"
) ENGINE=OLAP DUPLICATE KEY(\`id\`) COMMENT "交易订单明细" DISTRIBUTED BY HASH(\`id\`) BUCKETS 16`;

function byName(structures: readonly TableStructure[]): (name: string) => string[] {
  return (name) => {
    const s = structures.find((t) => t.tableName === name);
    assert.ok(s, name);
    return inferBusinessTags(s);
  };
}

describe("inferBusinessTags", () => {
  it("reads Chinese comments even when the names say nothing", () => {
    const tags = inferBusinessTags(parseDdl(CHINESE_TABLE, "starrocks"));
    assert.ok(tags.includes("sales"), `sales from 订单/下单 in ${tags}`);
    assert.ok(tags.includes("finance"), `finance from 支付金额 in ${tags}`);
    assert.ok(tags.includes("location"), `location from 地址/省份 in ${tags}`);
    assert.ok(!tags.includes("temporal"), "创建时间 is an audit column");
  });

  it("tags the English Sakila tables by name, columns and structure", () => {
    const tags = byName(parseDdlScript(readCorpus("sakila/mysql-schema.sql"), "mysql"));
    assert.deepEqual(tags("payment"), ["finance", "user", "fact_table"]);
    assert.deepEqual(tags("customer"), ["user", "dimension_table"]);
    assert.deepEqual(tags("city"), ["location", "dimension_table"]);
    assert.deepEqual(tags("rental"), ["user", "temporal"]);
    assert.deepEqual(tags("film_actor"), [], "a bridge table of two ids is neither fact nor dimension");
  });

  it("decides fact and dimension by structure (Chinook, TPC-H), never by one _id column", () => {
    const chinook = byName(parseDdlScript(readCorpus("chinook/chinook_mysql.sql"), "mysql"));
    assert.ok(chinook("InvoiceLine").includes("fact_table"));
    assert.ok(chinook("Invoice").includes("fact_table"));
    assert.ok(chinook("Genre").includes("dimension_table"));
    assert.ok(!chinook("Track").includes("dimension_table") && !chinook("Track").includes("fact_table"));
    const lineitem = parseDdl(readCorpus("starrocks-tpch/ddl/lineitem.sql"), "starrocks");
    assert.ok(inferBusinessTags(lineitem).includes("fact_table"));
    const nation = parseDdl(readCorpus("starrocks-tpch/ddl/nation.sql"), "starrocks");
    assert.deepEqual(inferBusinessTags(nation), ["location", "dimension_table"]);
  });

  it("honours fact_/dim_ names and a caller that knows the table is referenced", () => {
    const mk = (name: string) => parseDdl(`CREATE TABLE ${name} (k int, v varchar(10))`, "mysql");
    assert.deepEqual(inferBusinessTags(mk("fact_visits")), ["fact_table"]);
    assert.deepEqual(inferBusinessTags(mk("dim_color")), ["dimension_table"]);
    assert.deepEqual(inferBusinessTags(parseDdl("CREATE TABLE t (a int, b int)", "mysql"), DEFAULT_TAG_DICTIONARY, { isReferenced: true }), ["dimension_table"]);
  });

  it("matches words, not substrings: construction is not instruction, ethnicity is not a city", () => {
    const s = parseDdl("CREATE TABLE survey (construction_type int, ethnicity varchar(20), border_len int)", "mysql");
    assert.deepEqual(inferBusinessTags(s), []);
  });
});

describe("loadTagDictionary", () => {
  it("adds terms to existing and new tags from YAML", () => {
    const dict = loadTagDictionary("business_tags:\n  sales: [gmv, 成交额]\n  risk:\n    words: [fraud]\n    phrases: [风控]\nterm_to_table: {x: y}\n");
    const sales = dict.rules.find((r) => r.tag === "sales");
    assert.ok(sales?.words.includes("gmv") && sales.words.includes("order"));
    assert.ok(sales?.phrases.includes("成交额"));
    const s = parseDdl("CREATE TABLE fraud_case (id int COMMENT '风控编号', note varchar(20) COMMENT '风控说明')", "mysql");
    assert.ok(inferBusinessTags(s, dict).includes("risk"));
    assert.ok(!inferBusinessTags(s).includes("risk"), "the default dictionary is unchanged");
  });

  it("an empty file changes nothing; bad YAML is a config error with a hint", () => {
    assert.equal(loadTagDictionary(""), DEFAULT_TAG_DICTIONARY);
    assert.throws(
      () => loadTagDictionary("business_tags: [unclosed"),
      (err: unknown) => err instanceof DatusError && err.code === "config" && err.hint !== "",
    );
    assert.throws(() => loadTagDictionary("business_tags:\n  sales: 3\n"), (err: unknown) => err instanceof DatusError && err.exitCode === 2);
  });
});
