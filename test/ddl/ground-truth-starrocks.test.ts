/**
 * The StarRocks TPC-H DDL has no engine on this machine: its ground truth is written here, column by
 * column, from the eight files (and the TPC-H specification they follow). Every file is read with
 * parseDdlScript as the whole file it is, and must give exactly its one table with these columns
 * (names, types as written, NOT NULL), comments, keys and no foreign keys.
 *
 * - `DUPLICATE KEY(…)` is StarRocks' sort key of the duplicate model, not a primary key: the reader
 *   reports no primary key; the key columns (and the DISTRIBUTED BY HASH columns) must be columns of
 *   the table — StarRocks compares column names case-insensitively (`N_NATIONKEY` names `n_nationkey`).
 * - TPC-H declares no foreign keys (the relationships are recovered from the queries elsewhere).
 * - `COMMENT "OLAP"` is each table's comment; nation's columns carry explicit empty comments.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseDdlScript } from "../../src/ddl/parse-ddl.js";
import { readCorpus, STARROCKS_TPCH } from "../helpers/ddl-corpus.js";

type Column = readonly [name: string, type: string, notNull: boolean];

const nn = (name: string, type: string): Column => [name, type, true];

const EXPECTED: Readonly<Record<(typeof STARROCKS_TPCH)[number], readonly Column[]>> = {
  customer: [
    nn("C_CUSTKEY", "bigint"),
    nn("C_NAME", "VARCHAR(25)"),
    nn("C_ADDRESS", "VARCHAR(40)"),
    nn("C_NATIONKEY", "INTEGER"),
    nn("C_PHONE", "CHAR(15)"),
    nn("C_ACCTBAL", "double"),
    nn("C_MKTSEGMENT", "CHAR(10)"),
    nn("C_COMMENT", "VARCHAR(117)"),
  ],
  lineitem: [
    nn("l_orderkey", "bigint"),
    nn("l_partkey", "bigint"),
    nn("l_suppkey", "integer"),
    nn("l_linenumber", "integer"),
    nn("l_quantity", "double"),
    nn("l_extendedprice", "double"),
    nn("l_discount", "double"),
    nn("l_tax", "double"),
    nn("l_returnflag", "CHAR(1)"),
    nn("l_linestatus", "CHAR(1)"),
    nn("l_shipdate", "DATE"),
    nn("l_commitdate", "DATE"),
    nn("l_receiptdate", "DATE"),
    nn("l_shipinstruct", "CHAR(25)"),
    nn("l_shipmode", "CHAR(10)"),
    nn("l_comment", "VARCHAR(44)"),
  ],
  nation: [nn("n_nationkey", "int(11)"), nn("n_name", "char(25)"), nn("n_regionkey", "int(11)"), ["n_comment", "varchar(152)", false]],
  orders: [
    nn("o_orderkey", "bigint"),
    nn("o_custkey", "bigint"),
    nn("o_orderstatus", "CHAR(1)"),
    nn("o_totalprice", "double"),
    nn("o_orderdate", "DATE"),
    nn("o_orderpriority", "CHAR(15)"),
    nn("o_clerk", "CHAR(15)"),
    nn("o_shippriority", "INTEGER"),
    nn("o_comment", "VARCHAR(79)"),
  ],
  part: [
    nn("p_partkey", "bigint"),
    nn("p_name", "VARCHAR(55)"),
    nn("p_mfgr", "CHAR(25)"),
    nn("p_brand", "CHAR(10)"),
    nn("p_type", "VARCHAR(25)"),
    nn("p_size", "INTEGER"),
    nn("p_container", "CHAR(10)"),
    nn("p_retailprice", "double"),
    nn("p_comment", "VARCHAR(23)"),
  ],
  partsupp: [nn("ps_partkey", "bigint"), nn("ps_suppkey", "bigint"), nn("ps_availqty", "INTEGER"), nn("ps_supplycost", "double"), nn("ps_comment", "VARCHAR(199)")],
  region: [nn("r_regionkey", "INTEGER"), nn("r_name", "CHAR(25)"), ["r_comment", "VARCHAR(152)", false]],
  supplier: [
    nn("S_SUPPKEY", "INTEGER"),
    nn("S_NAME", "CHAR(25)"),
    nn("S_ADDRESS", "VARCHAR(40)"),
    nn("S_NATIONKEY", "INTEGER"),
    nn("S_PHONE", "CHAR(15)"),
    nn("S_ACCTBAL", "double"),
    nn("S_COMMENT", "VARCHAR(101)"),
  ],
};

/** The sort key and the distribution key of each table, as the files write them. */
const KEYS: Readonly<Record<(typeof STARROCKS_TPCH)[number], readonly [duplicate: string, hash: string]>> = {
  customer: ["c_custkey", "c_custkey"],
  lineitem: ["l_orderkey", "l_orderkey"],
  nation: ["N_NATIONKEY", "N_NATIONKEY"],
  orders: ["o_orderkey", "o_orderkey"],
  part: ["p_partkey", "p_partkey"],
  partsupp: ["ps_partkey", "ps_partkey"],
  region: ["r_regionkey", "r_regionkey"],
  supplier: ["s_suppkey", "s_suppkey"],
};

describe("StarRocks TPC-H DDL against expectations written from the files", () => {
  it("8 files, one table each, every column with its type, NOT NULL, comments and keys", (t) => {
    let columns = 0;
    for (const name of STARROCKS_TPCH) {
      const file = `starrocks-tpch/ddl/${name}.sql`;
      const sql = readCorpus(file);
      const structures = parseDdlScript(sql, "starrocks");
      assert.equal(structures.length, 1, file);
      const s = structures[0];
      assert.equal(s.tableName, name);
      assert.equal(s.tableType, "table");
      assert.equal(s.parseError, undefined, file);
      assert.deepEqual(
        s.columns.map((c): Column => [c.name, c.type, !c.nullable]),
        EXPECTED[name],
        `${file}: columns`,
      );
      assert.ok(s.columns.every((c) => c.comment === ""), `${file}: no column comments (nation's are empty)`);
      assert.equal(s.comment, "OLAP", `${file}: table comment`);
      assert.deepEqual(s.primaryKey, [], `${file}: DUPLICATE KEY is a sort key, not a primary key`);
      assert.deepEqual(s.uniqueKeys, [], file);
      assert.deepEqual(s.foreignKeys, [], `${file}: TPC-H declares no foreign keys`);

      // the key columns, as written in the file, are columns of the table (case-insensitively)
      const [duplicate, hash] = KEYS[name];
      assert.match(sql, new RegExp(`DUPLICATE KEY\\(\`${duplicate}\`\\)`), file);
      assert.match(sql, new RegExp(`DISTRIBUTED BY HASH\\(\`${hash}\`\\)`), file);
      for (const key of [duplicate, hash]) {
        assert.ok(
          s.columns.some((c) => c.name.toLowerCase() === key.toLowerCase()),
          `${file}: key column ${key} is a column`,
        );
      }
      columns += s.columns.length;
    }
    assert.equal(columns, 61);
    t.diagnostic(`starrocks-tpch/ddl/*.sql vs expectations: 8 tables, ${columns} columns, 8 table comments, 16 key columns, 0 foreign keys compared`);
  });
});
