import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { buildDemoDatabase, DEMO_TABLE_NAMES, demoV0Definitions } from "../../src/demo/demo-database.js";
import { openLiveSource, type LiveTable } from "../../src/dialects/live-source.js";

let dir: string;
let file: string;
let tables: LiveTable[];

function tableNamed(name: string): LiveTable {
  const t = tables.find((x) => x.source.tableName === name);
  assert.ok(t, `demo table ${name}`);
  return t;
}

function structureOf(name: string): LiveTable["structure"] {
  return tableNamed(name).structure;
}

function columnComment(table: string, column: string): string {
  const col = structureOf(table).columns.find((c) => c.name === column);
  assert.ok(col, `${table}.${column}`);
  return col.comment;
}

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "datus-demo-"));
  file = path.join(dir, "nested", "demo.duckdb");
  await buildDemoDatabase(file);
  const source = await openLiveSource({ type: "duckdb", uri: file });
  try {
    tables = await source.listTables({});
  } finally {
    await source.close();
  }
});

after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe("buildDemoDatabase", () => {
  it("builds a shop/warehouse database of 14 tables and 2 views in demo.main", () => {
    assert.deepEqual(
      tables.map((t) => t.source.tableName),
      [...DEMO_TABLE_NAMES],
    );
    assert.equal(tables.filter((t) => t.source.tableType === "table").length, 14);
    assert.deepEqual(
      tables.filter((t) => t.source.tableType === "view").map((t) => t.source.tableName),
      ["v_low_stock", "v_order_summary"],
    );
    assert.ok(tables.every((t) => t.source.identifier === `demo.main.${t.source.tableName}`));
  });

  it("has bilingual comments, enum comments in several forms, and tables without comments", () => {
    assert.equal(structureOf("orders").comment, "订单主表 Sales orders");
    assert.match(columnComment("orders", "order_status"), /^订单状态：0->待付款；1->待发货；2->已发货/);
    assert.equal(columnComment("payments", "pay_status"), "status: 0=new, 1=paid, 2=refunded");
    assert.match(columnComment("shipments", "ship_status"), /^状态（0:录入、1:生产、2:配车/);
    assert.equal(columnComment("customers", "status"), "账号状态（0正常 1停用）");
    assert.equal(columnComment("employees", "is_active"), "是否在职 Y:是 N:否");
    for (const bare of ["suppliers", "stock_movements"]) {
      assert.equal(structureOf(bare).comment, "");
      assert.ok(structureOf(bare).columns.every((c) => c.comment === ""), `${bare} has no column comments`);
    }
  });

  it("declares some foreign keys (one composite) and leaves others undeclared", () => {
    assert.deepEqual(
      structureOf("orders").foreignKeys.map((fk) => [fk.fromColumns, fk.toTable, fk.toColumns]),
      [[["customer_id"], "customers", ["customer_id"]]],
      "orders.warehouse_id has no REFERENCES",
    );
    assert.deepEqual(
      structureOf("returns").foreignKeys.map((fk) => [fk.fromColumns, fk.toTable, fk.toColumns]),
      [[["order_id", "line_no"], "order_items", ["order_id", "line_no"]]],
    );
    assert.deepEqual(structureOf("inventory").primaryKey, ["warehouse_id", "product_id"]);
    assert.ok(!structureOf("inventory").foreignKeys.some((fk) => fk.fromColumns.includes("warehouse_id")));
  });

  it("holds deterministic rows that give meaningful statistics", async () => {
    const source = await openLiveSource({ type: "duckdb", uri: file });
    try {
      const orders = await source.tableStatistics(tableNamed("orders").source, { sampleRows: 5000 });
      assert.equal(orders.rowCount, 2000);
      assert.deepEqual([orders.columns["order_status"].min, orders.columns["order_status"].max], [0, 4]);
      assert.equal(orders.columns["order_status"].distinct, 5);
      assert.ok((orders.columns["paid_at"].null_fraction ?? 0) > 0);
      const items = await source.tableStatistics(tableNamed("order_items").source, { sampleRows: 1000 });
      assert.equal(items.rowCount, 5000);
      assert.equal(items.columns["line_no"].sampled_rows, 1000);
    } finally {
      await source.close();
    }
  });

  it("leaves a complete demo database untouched when called again", async () => {
    const before = await fs.stat(file);
    await buildDemoDatabase(file);
    const again = await fs.stat(file);
    assert.equal(again.mtimeMs, before.mtimeMs);
    assert.equal(again.size, before.size);
    assert.deepEqual(await fs.readdir(path.dirname(file)), ["demo.duckdb"]);
  });

  it("rebuilds from scratch whatever incomplete file is in the way", async () => {
    const other = path.join(dir, "broken", "demo.duckdb");
    await fs.mkdir(path.dirname(other), { recursive: true });
    await fs.writeFile(other, "not a database");
    await buildDemoDatabase(other);
    const source = await openLiveSource({ type: "duckdb", uri: other });
    try {
      assert.deepEqual(
        (await source.listTables({})).map((t) => t.source.tableName),
        [...DEMO_TABLE_NAMES],
      );
    } finally {
      await source.close();
    }
    assert.deepEqual(await fs.readdir(path.dirname(other)), ["demo.duckdb"]);
  });
});

describe("demoV0Definitions", () => {
  it("returns every relation by name, its DDL followed by its COMMENT statements", async () => {
    const defs = await demoV0Definitions(file);
    assert.deepEqual(
      defs.map((d) => d.tableName),
      [...DEMO_TABLE_NAMES],
    );
    const orders = defs.find((d) => d.tableName === "orders");
    assert.ok(orders);
    assert.equal(orders.identifier, "demo.main.orders");
    assert.equal(orders.tableType, "table");
    assert.match(orders.definition, /^CREATE TABLE orders\(order_id INTEGER PRIMARY KEY, /);
    assert.ok(orders.definition.includes("\nCOMMENT ON TABLE orders IS '订单主表 Sales orders';"));
    assert.ok(
      orders.definition.includes(
        "\nCOMMENT ON COLUMN orders.order_status IS '订单状态：0->待付款；1->待发货；2->已发货；3->已完成；4->已取消';",
      ),
    );
    const view = defs.find((d) => d.tableName === "v_order_summary");
    assert.ok(view);
    assert.equal(view.tableType, "view");
    assert.match(view.definition, /^CREATE VIEW v_order_summary AS SELECT/);
    assert.ok(view.definition.includes("\nCOMMENT ON VIEW v_order_summary IS "));
    const suppliers = defs.find((d) => d.tableName === "suppliers");
    assert.ok(suppliers);
    assert.ok(!suppliers.definition.includes("COMMENT ON"), "a table without comments is its DDL alone");
    const customers = defs.find((d) => d.tableName === "customers");
    assert.ok(customers?.definition.includes("COMMENT ON COLUMN customers.is_vip IS '是否VIP客户 Y:是 N:否';"));
  });
});
