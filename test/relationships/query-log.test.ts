import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import type { TableSummary } from "../../src/relationships/catalog-index.js";
import { JoinEvidence, joinConfidence, joinEdges, readQueryLog } from "../../src/relationships/query-log.js";
import { tempDir } from "../helpers/env.js";
import { indexOf, table } from "../helpers/relationships-synthetic.js";

async function collect(log: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const q of log) out.push(q);
  return out;
}

describe("readQueryLog", () => {
  it("a .sql file: its statements", async (t) => {
    const dir = tempDir(t);
    const file = path.join(dir, "log.sql");
    fs.writeFileSync(file, "-- nightly\nSELECT 1;\nSELECT a FROM t WHERE s = 'x;y';\n\nselect 2");
    assert.deepEqual(await collect(readQueryLog(file)), ["SELECT 1", "SELECT a FROM t WHERE s = 'x;y'", "select 2"]);
  });

  it("a directory: every .sql (and .jsonl) file below it, recursively, in name order; other files ignored", async (t) => {
    const dir = tempDir(t);
    fs.mkdirSync(path.join(dir, "b", "deep"), { recursive: true });
    fs.writeFileSync(path.join(dir, "a.sql"), "select 1; select 2;");
    fs.writeFileSync(path.join(dir, "b", "deep", "c.SQL"), "select 3");
    fs.writeFileSync(path.join(dir, "b", "more.jsonl"), '{"sql": "select 4"}\n');
    fs.writeFileSync(path.join(dir, "notes.txt"), "select 99");
    assert.deepEqual(await collect(readQueryLog(dir)), ["select 1", "select 2", "select 3", "select 4"]);
  });

  it("JSONL: the `sql` field of each line; bad lines are skipped and counted, blank lines ignored", async (t) => {
    const dir = tempDir(t);
    const file = path.join(dir, "queries.jsonl");
    const lines = [
      JSON.stringify({ sql: "select * from a join b on a.id = b.a_id", user: "x" }),
      "{not json",
      JSON.stringify({ query: "select 1" }),
      "",
      JSON.stringify({ sql: 42 }),
      "[1, 2]",
      JSON.stringify({ sql: "select 2", ts: 1 }),
    ];
    fs.writeFileSync(file, lines.join("\n"));
    const log = readQueryLog(file);
    assert.deepEqual(await collect(log), ["select * from a join b on a.id = b.a_id", "select 2"]);
    assert.equal(log.skipped, 4);
  });

  it("a file of JSON lines is read as JSONL whatever its extension", async (t) => {
    const file = path.join(tempDir(t), "log.txt");
    fs.writeFileSync(file, '{"sql": "select 1"}\n{"sql": "select 2"}\n');
    assert.deepEqual(await collect(readQueryLog(file)), ["select 1", "select 2"]);
  });

  it("a missing path fails with a usage error that says what --query-log takes", async () => {
    await assert.rejects(collect(readQueryLog("/nonexistent/query.log")), (err: Error & { code?: string; hint?: string }) => {
      assert.equal(err.code, "usage");
      assert.match(err.hint ?? "", /JSONL/);
      return true;
    });
  });
});

const customers = table({ name: "customers", columns: ["id", "name", "city"], pk: ["id"] });
const orders = table({ name: "orders", columns: ["id", "customer_id", "city", "total"], pk: ["id"] });
const employees = table({ name: "employees", columns: ["id", "boss", "city"], pk: ["id"] });
const CATALOG = [customers, orders, employees];

function mine(queries: readonly string[], tables: readonly TableSummary[] = CATALOG): { evidence: JoinEvidence; edges: (t: TableSummary) => string[]; paths: (t: TableSummary) => string[] } {
  const evidence = new JoinEvidence();
  for (const q of queries) evidence.addQuery(q, "postgresql");
  const index = indexOf(tables);
  return {
    evidence,
    edges: (t) => joinEdges(t, evidence, index).foreignKeys.map((e) => `${e.from_column} -> ${e.to_table}.${e.to_column}`),
    paths: (t) => joinEdges(t, evidence, index).joinPaths,
  };
}

describe("JoinEvidence and joinEdges", () => {
  it("JOIN ... ON with aliases: the non-key side references the key side", () => {
    const m = mine(["SELECT c.name FROM orders o JOIN customers c ON o.customer_id = c.id"]);
    assert.deepEqual(m.edges(orders), ["customer_id -> customers.id"]);
    assert.deepEqual(m.paths(orders), ["orders.customer_id -> customers.id"]);
    assert.deepEqual(m.edges(customers), [], "the key side holds no foreign key");
  });

  it("WHERE of a multi-table FROM, unqualified columns resolved through the catalog", () => {
    const m = mine(["select name from orders, customers where customer_id = customers.id and total > 10"]);
    assert.deepEqual(m.edges(orders), ["customer_id -> customers.id"]);
  });

  it("a join between two non-key columns is only a join path, on both tables", () => {
    const m = mine(["select 1 from orders o join customers c on o.city = c.city"]);
    assert.deepEqual(m.edges(orders), []);
    assert.deepEqual(m.paths(orders), ["orders.city -> customers.city"]);
    assert.deepEqual(m.paths(customers), ["customers.city -> orders.city"]);
  });

  it("CTEs, derived tables, correlated and IN subqueries, UNION branches", () => {
    const m = mine([
      "with big as (select * from orders where total > 100) select * from big join customers c on big.customer_id = c.id",
      "select * from (select o.customer_id from orders o) x join customers c on x.customer_id = c.id",
      "select * from customers c where exists (select 1 from orders o where o.customer_id = c.id)",
      "select * from customers where id in (select customer_id from orders)",
      "select 1 from employees union all select 2 from employees e join employees m on e.boss = m.id",
    ]);
    // the CTE and the derived table are not catalog tables: their joins say nothing about orders
    const evidence = m.evidence;
    assert.equal(evidence.queries, 5);
    assert.equal(evidence.failed, 0);
    const index = indexOf(CATALOG);
    const fk = joinEdges(orders, evidence, index).foreignKeys;
    assert.deepEqual(fk.map((e) => `${e.from_column} -> ${e.to_table}.${e.to_column}`), ["customer_id -> customers.id"]);
    assert.equal(fk[0].confidence, joinConfidence(2), "two queries (EXISTS and IN) join orders to customers");
    // a self-join on different columns is a hierarchy
    assert.deepEqual(m.edges(employees), ["boss -> employees.id"]);
  });

  it("JOIN ... USING (col)", () => {
    const a = table({ name: "a", columns: ["a_id", "x"], pk: ["a_id"] });
    const b = table({ name: "b", columns: ["b_id", "a_id"], pk: ["b_id"] });
    const m = mine(["select * from b join a using (a_id)"], [a, b]);
    assert.deepEqual(m.edges(b), ["a_id -> a.a_id"]);
  });

  it("a composite join onto a composite key gives one edge per column pair", () => {
    const line = table({ name: "order_line", columns: ["order_id", "line_no", "qty"], pk: ["order_id", "line_no"] });
    const shipment = table({ name: "shipment", columns: ["id", "order_id", "line_no"], pk: ["id"] });
    const m = mine(["select * from shipment s join order_line l on s.order_id = l.order_id and s.line_no = l.line_no"], [line, shipment]);
    assert.deepEqual(m.edges(shipment), ["order_id -> order_line.order_id", "line_no -> order_line.line_no"]);
    assert.deepEqual(m.edges(line), []);
  });

  it("counts each query once, and confidence grows with the number of queries", () => {
    const q = "select * from orders o join customers c on o.customer_id = c.id where c.id in (select o2.customer_id from orders o2 join customers c2 on o2.customer_id = c2.id)";
    const once = joinEdges(orders, mine([q]).evidence, indexOf(CATALOG)).foreignKeys[0].confidence;
    const thrice = joinEdges(orders, mine([q, q, q]).evidence, indexOf(CATALOG)).foreignKeys[0].confidence;
    assert.equal(once, joinConfidence(1));
    assert.equal(thrice, joinConfidence(3));
    assert.ok(thrice > once && thrice <= 0.95);
  });

  it("unreadable queries are counted, not fatal; tables the catalog does not know are ignored", () => {
    const m = mine(["this is not sql", "select * from orders o join invoices i on o.id = i.order_id", "select 1"]);
    assert.equal(m.evidence.queries, 3);
    assert.equal(m.evidence.failed, 1);
    assert.deepEqual(m.paths(orders), []);
  });

  it("a column two FROM tables both have, left unqualified, is ambiguous and skipped", () => {
    const m = mine(["select * from orders, customers where city = city"]);
    assert.deepEqual(m.paths(orders), []);
  });
});
