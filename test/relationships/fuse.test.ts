import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { RelationshipEdge } from "../../src/model.js";
import { fuseRelationships, MAX_FUSED_CONFIDENCE } from "../../src/relationships/fuse.js";
import { table } from "../helpers/relationships-synthetic.js";

const invoice = table({ name: "Invoice", columns: ["InvoiceId", "CustomerId", "SupportId", "city"], pk: ["InvoiceId"] });

function edge(from: string, toTable: string, to: string, source: string, confidence: number): RelationshipEdge {
  return { from_column: from, to_table: toTable, to_column: to, source, confidence };
}

const none = { foreignKeys: [], joinPaths: [] };

describe("fuseRelationships", () => {
  it("is null when no signal gives anything", () => {
    assert.equal(fuseRelationships(invoice, { declared: [], inferred: [], joined: none }), null);
  });

  it("a single signal: its edges, its join paths naming both ends, its source", () => {
    const fused = fuseRelationships(invoice, { declared: [], inferred: [edge("CustomerId", "Customer", "CustomerId", "name_inference", 0.85)], joined: none });
    assert.deepEqual(fused, {
      foreign_keys: [edge("CustomerId", "Customer", "CustomerId", "name_inference", 0.85)],
      join_paths: ["Invoice.CustomerId -> Customer.CustomerId"],
      source: "name_inference",
    });
  });

  it("one edge per (from_column, to_table, to_column): declared wins and keeps its source; signals that only agree are not listed", () => {
    const fused = fuseRelationships(invoice, {
      declared: [edge("CustomerId", "Customer", "CustomerId", "ddl", 1)],
      inferred: [edge("customerid", "sales.customer", "CUSTOMERID", "name_inference", 0.9)],
      joined: { foreignKeys: [edge("CustomerId", "Customer", "CustomerId", "query_log", 0.75)], joinPaths: ["Invoice.CustomerId -> Customer.CustomerId"] },
    });
    assert.deepEqual(fused?.foreign_keys, [edge("CustomerId", "Customer", "CustomerId", "ddl", 1)]);
    assert.deepEqual(fused?.join_paths, ["Invoice.CustomerId -> Customer.CustomerId"]);
    assert.equal(fused?.source, "ddl");
  });

  it("agreeing undeclared signals raise the confidence; the edge's source is the strongest signal", () => {
    const fused = fuseRelationships(invoice, {
      declared: [],
      inferred: [edge("SupportId", "Employee", "EmployeeId", "name_inference", 0.6)],
      joined: { foreignKeys: [edge("SupportId", "Employee", "EmployeeId", "query_log", 0.75)], joinPaths: [] },
    });
    const e = fused?.foreign_keys[0];
    assert.equal(e?.source, "query_log");
    assert.equal(e?.confidence, 0.9); // 1 - 0.4 * 0.25
    assert.ok((e?.confidence ?? 1) <= MAX_FUSED_CONFIDENCE);
    assert.equal(fused?.source, "query_log");
  });

  it("a declared column keeps no name-inferred edge to another target; query-log edges stay", () => {
    const fused = fuseRelationships(invoice, {
      declared: [edge("CustomerId", "Customer", "CustomerId", "ddl", 1)],
      inferred: [edge("CustomerId", "dim_customer", "id", "name_inference", 0.7)],
      joined: { foreignKeys: [edge("CustomerId", "crm_customer", "id", "query_log", 0.65)], joinPaths: [] },
    });
    assert.deepEqual(
      fused?.foreign_keys.map((e) => `${e.to_table}:${e.source}`),
      ["Customer:ddl", "crm_customer:query_log"],
    );
    assert.equal(fused?.source, "ddl+query_log");
  });

  it("declared edges first in their order, then the rest by confidence; query-log join paths after the edges' own, once each", () => {
    const fused = fuseRelationships(invoice, {
      declared: [edge("InvoiceId", "Batch", "InvoiceId", "catalog", 1)],
      inferred: [edge("SupportId", "Employee", "EmployeeId", "name_inference", 0.55), edge("CustomerId", "Customer", "CustomerId", "name_inference", 0.85)],
      joined: { foreignKeys: [], joinPaths: ["Invoice.city -> Customer.city", "Invoice.city -> Customer.city"] },
    });
    assert.deepEqual(fused?.foreign_keys.map((e) => e.from_column), ["InvoiceId", "CustomerId", "SupportId"]);
    assert.deepEqual(fused?.join_paths, [
      "Invoice.InvoiceId -> Batch.InvoiceId",
      "Invoice.CustomerId -> Customer.CustomerId",
      "Invoice.SupportId -> Employee.EmployeeId",
      "Invoice.city -> Customer.city",
    ]);
    assert.equal(fused?.source, "catalog+query_log+name_inference", "query_log added a join path of its own");
  });

  it("join paths alone (non-key joins from the query log) still make metadata, with source query_log", () => {
    const fused = fuseRelationships(invoice, { declared: [], inferred: [], joined: { foreignKeys: [], joinPaths: ["Invoice.city -> Customer.city"] } });
    assert.deepEqual(fused, { foreign_keys: [], join_paths: ["Invoice.city -> Customer.city"], source: "query_log" });
  });
});
