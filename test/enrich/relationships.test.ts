import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseDdl, parseDdlScript } from "../../src/ddl/parse-ddl.js";
import { declaredRelationships, GUESSED_TARGET_CONFIDENCE } from "../../src/enrich/relationships.js";
import { readCorpus } from "../helpers/ddl-corpus.js";

describe("declaredRelationships", () => {
  it("Chinook: Invoice.CustomerId -> Customer.CustomerId, from the DDL, with confidence 1", () => {
    const invoice = parseDdlScript(readCorpus("chinook/chinook_mysql.sql"), "mysql").find((s) => s.tableName === "Invoice");
    assert.ok(invoice);
    assert.deepEqual(declaredRelationships(invoice), {
      foreign_keys: [{ from_column: "CustomerId", to_table: "Customer", to_column: "CustomerId", source: "ddl", confidence: 1 }],
      join_paths: ["Invoice.CustomerId -> Customer.CustomerId"],
      source: "ddl",
    });
  });

  it("a composite foreign key gives one edge per column pair", () => {
    const s = parseDdl("CREATE TABLE line (order_id int, line_no int, CONSTRAINT fk FOREIGN KEY (order_id, line_no) REFERENCES sales.order_lines (oid, lno))", "postgresql");
    const rel = declaredRelationships(s);
    assert.deepEqual(rel?.join_paths, ["line.order_id -> sales.order_lines.oid", "line.line_no -> sales.order_lines.lno"]);
  });

  it("REFERENCES without columns: a self reference targets the own primary key; else the caller's lookup; else a guess", () => {
    const self = parseDdl("CREATE TABLE emp (id int PRIMARY KEY, boss int REFERENCES emp)", "postgresql");
    assert.deepEqual(declaredRelationships(self)?.foreign_keys, [{ from_column: "boss", to_table: "emp", to_column: "id", source: "ddl", confidence: 1 }]);
    const other = parseDdl("CREATE TABLE t (org_id int REFERENCES orgs)", "postgresql");
    assert.deepEqual(declaredRelationships(other, { primaryKeyOf: (t) => (t === "orgs" ? ["oid"] : undefined) })?.join_paths, ["t.org_id -> orgs.oid"]);
    const guessed = declaredRelationships(other)?.foreign_keys[0];
    assert.equal(guessed?.to_column, "org_id");
    assert.equal(guessed?.confidence, GUESSED_TARGET_CONFIDENCE);
  });

  it("is null for a table without foreign keys", () => {
    assert.equal(declaredRelationships(parseDdl(readCorpus("starrocks-tpch/ddl/orders.sql"), "starrocks")), null);
  });
});
