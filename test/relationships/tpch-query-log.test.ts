/**
 * Acceptance: the 22 TPC-H queries, mined as a query log, recover the foreign keys of the TPC-H specification
 * they join on, from the StarRocks DDL that declares none (only DUPLICATE KEY sort keys).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { before, describe, it } from "node:test";
import { parseDdl } from "../../src/ddl/parse-ddl.js";
import { canonicalIdentifier, type RelationshipEdge } from "../../src/model.js";
import { CatalogIndex, summarize, type TableSummary } from "../../src/relationships/catalog-index.js";
import { JoinEvidence, joinEdges, readQueryLog } from "../../src/relationships/query-log.js";
import { STARROCKS_TPCH } from "../helpers/ddl-corpus.js";
import { CORPUS } from "../helpers/env.js";
import { TPCH_SPEC_FOREIGN_KEYS as SPEC } from "../helpers/relationships-corpus.js";

function tpchSummaries(): TableSummary[] {
  return STARROCKS_TPCH.map((name) => {
    const definition = fs.readFileSync(path.join(CORPUS, "starrocks-tpch/ddl", `${name}.sql`), "utf8");
    const parts = { catalogName: "", databaseName: "tpch", schemaName: "", tableName: name };
    return summarize({ identifier: canonicalIdentifier(parts), ...parts, tableType: "table", definition }, parseDdl(definition, "starrocks"));
  });
}

const key = (table: string, e: RelationshipEdge): string => `${table}.${e.from_column} -> ${e.to_table}.${e.to_column}`.toLowerCase();

describe("TPC-H queries as a query log", () => {
  const summaries = tpchSummaries();
  const index = new CatalogIndex();
  for (const s of summaries) index.add(s);
  const evidence = new JoinEvidence();
  const found = new Map<string, { foreignKeys: RelationshipEdge[]; joinPaths: string[] }>();

  before(async () => {
    for await (const sql of readQueryLog(path.join(CORPUS, "starrocks-tpch/queries"))) evidence.addQuery(sql, "starrocks");
    for (const s of summaries) found.set(s.tableName, joinEdges(s, evidence, index));
    const lines = [`queries ${evidence.queries}, unreadable ${evidence.failed}, distinct equalities ${evidence.size}`];
    for (const [table, r] of found) {
      for (const e of r.foreignKeys) lines.push(`FK   ${key(table, e)} (${e.confidence})`);
      for (const p of r.joinPaths) lines.push(`path ${p}`);
    }
    console.log(lines.join("\n"));
  });

  it("reads all 22 queries (each in the dialect's grammar or the fallback one)", () => {
    assert.equal(evidence.queries, 22);
    assert.equal(evidence.failed, 0);
  });

  it("keys: the DUPLICATE KEY column that names its table (c_custkey), not lineitem's l_orderkey or partsupp's ps_partkey", () => {
    const implied = Object.fromEntries(summaries.map((s) => [s.tableName, s.impliedKey]));
    assert.deepEqual(implied, {
      customer: "c_custkey",
      lineitem: undefined,
      nation: "N_NATIONKEY",
      orders: "o_orderkey",
      part: "p_partkey",
      partsupp: undefined,
      region: "r_regionkey",
      supplier: "s_suppkey",
    });
  });

  it("recovers every specification foreign key, pointing at the key column, and nothing else", () => {
    const all = new Set<string>();
    for (const [table, r] of found) for (const e of r.foreignKeys) all.add(key(table, e));
    const missing = SPEC.filter((s) => !all.has(s));
    assert.deepEqual(missing, []);
    const extra = [...all].filter((s) => !SPEC.includes(s));
    assert.deepEqual(extra, []);
    const recovered = SPEC.length - missing.length;
    console.log(`TPC-H: precision ${((100 * recovered) / all.size).toFixed(1)}% (${recovered}/${all.size}), recall ${((100 * recovered) / SPEC.length).toFixed(1)}% (${recovered}/${SPEC.length})`);
  });

  it("q5's c_nationkey = s_nationkey is a join path of both tables, never a foreign key", () => {
    // column names as the DDL spells them (customer and supplier are upper-case there)
    const customer = found.get("customer")!;
    const supplier = found.get("supplier")!;
    assert.ok(customer.joinPaths.includes("customer.C_NATIONKEY -> supplier.S_NATIONKEY"), customer.joinPaths.join("\n"));
    assert.ok(supplier.joinPaths.includes("supplier.S_NATIONKEY -> customer.C_NATIONKEY"), supplier.joinPaths.join("\n"));
    assert.ok(!customer.foreignKeys.some((e) => e.to_table === "supplier"));
    assert.ok(!supplier.foreignKeys.some((e) => e.to_table === "customer"));
  });

  it("confidence grows with the number of queries that join the same way", () => {
    const lineitem = found.get("lineitem")!.foreignKeys;
    const orders = lineitem.find((e) => e.to_table === "orders")!;
    const partsupp = lineitem.find((e) => e.to_table === "partsupp")!;
    assert.equal(orders.source, "query_log");
    assert.ok(orders.confidence > partsupp.confidence, `${orders.confidence} vs ${partsupp.confidence}`);
    assert.ok(orders.confidence <= 0.95 && partsupp.confidence > 0);
  });
});
