/**
 * `datus-schema demo` as a new user runs it: builds the sample database and v0 store, migrates with live
 * statistics, prints the report; a second run changes nothing. Pins the exact v1 rows of a few tables.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { demoV0Definitions } from "../../src/demo/demo-database.js";
import { readRows, type StoredRow } from "../helpers/store-rows.js";
import { reportLine, runCli, tempDir } from "../helpers/env.js";

function pick(row: StoredRow, keys: string[]): StoredRow {
  return Object.fromEntries(keys.map((k) => [k, k.endsWith("_comments") || k.endsWith("_enums") || k === "relationship_metadata" ? JSON.parse(String(row[k])) : row[k]]));
}

const FIELDS = ["identifier", "catalog_name", "database_name", "schema_name", "table_name", "table_type", "table_comment", "column_comments", "column_enums", "business_tags", "row_count", "relationship_metadata", "metadata_version"];

test("demo builds, migrates and reports the sample shop; a second run changes nothing", async (t) => {
  const dir = tempDir(t);
  const first = await runCli(["demo", "--dir", path.join(dir, "demo")], { cwd: dir });
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(reportLine(first.stdout, "v1 records"), [16, 16]);
  // what the demo schema has, the report shows: 14 of 16 have a table comment (suppliers and stock_movements have none)
  assert.deepEqual(reportLine(first.stdout, "table_comment"), [14, 16]);
  assert.deepEqual(reportLine(first.stdout, "column_comments"), [13, 16]);
  assert.deepEqual(reportLine(first.stdout, "column_enums"), [9, 16]);
  assert.deepEqual(reportLine(first.stdout, "business_tags"), [16, 16]);
  // 10 tables declare foreign keys; names add the undeclared warehouse_id/product_id and the parent_id/manager_id hierarchies;
  // the two views get no foreign keys (issue 9), but the join paths of their own queries
  assert.deepEqual(reportLine(first.stdout, "relationship_metadata"), [15, 16]);
  assert.match(first.stdout, /^Relationship sources:\n {2}ddl: 10\n {2}name_inference: 7\n {2}view_query: 2$/m);
  assert.deepEqual(reportLine(first.stdout, "row_count"), [16, 16]);
  assert.deepEqual(reportLine(first.stdout, "sample_statistics"), [16, 16]);

  const store = path.join(dir, "demo", "datus_db_demo");
  const rows = new Map((await readRows(store)).map((r) => [String(r.table_name), r]));
  assert.deepEqual(pick(rows.get("orders")!, FIELDS), {
    identifier: "demo.main.orders",
    catalog_name: "",
    database_name: "demo",
    schema_name: "main",
    table_name: "orders",
    table_type: "table",
    table_comment: "订单主表 Sales orders",
    column_comments: {
      order_no: "订单编号 order number",
      customer_id: "下单客户 ordering customer",
      warehouse_id: "发货仓库 fulfilment warehouse",
      order_status: "订单状态：0->待付款；1->待发货；2->已发货；3->已完成；4->已取消",
      payment_method: "payment method: 1=alipay, 2=wechat pay, 3=credit card",
      total_amount: "实付金额 amount paid after discount",
      discount_amount: "优惠金额 discount",
      created_at: "下单时间 order time",
      paid_at: "payment time, NULL while unpaid",
    },
    column_enums: {
      order_status: [
        { value: "0", label: "待付款", observed: true },
        { value: "1", label: "待发货", observed: true },
        { value: "2", label: "已发货", observed: true },
        { value: "3", label: "已完成", observed: true },
        { value: "4", label: "已取消", observed: true },
      ],
      payment_method: [
        { value: "1", label: "alipay", observed: true },
        { value: "2", label: "wechat pay", observed: true },
        { value: "3", label: "credit card", observed: true },
      ],
    },
    business_tags: ["sales", "finance", "logistics", "fact_table"],
    row_count: 2000,
    relationship_metadata: {
      foreign_keys: [
        { from_column: "customer_id", to_table: "customers", to_column: "customer_id", source: "ddl", confidence: 1 },
        // not declared in the DDL: recovered from the column's name, pointing at warehouses' key
        { from_column: "warehouse_id", to_table: "warehouses", to_column: "warehouse_id", source: "name_inference", confidence: 0.95 },
      ],
      join_paths: ["orders.customer_id -> customers.customer_id", "orders.warehouse_id -> warehouses.warehouse_id"],
      source: "ddl+name_inference",
    },
    metadata_version: 1,
  });
  assert.deepEqual(pick(rows.get("returns")!, FIELDS), {
    identifier: "demo.main.returns",
    catalog_name: "",
    database_name: "demo",
    schema_name: "main",
    table_name: "returns",
    table_type: "table",
    table_comment: "退货记录 Returned order lines",
    column_comments: { reason: "customer's reason", return_status: "退货状态：1-申请中，2-已同意，3-已拒绝", requested_at: "申请时间" },
    column_enums: {
      return_status: [
        { value: "1", label: "申请中", observed: true },
        { value: "2", label: "已同意", observed: true },
        { value: "3", label: "已拒绝", observed: true },
      ],
    },
    business_tags: ["sales", "fact_table"],
    row_count: 89,
    relationship_metadata: {
      foreign_keys: [
        { from_column: "order_id", to_table: "order_items", to_column: "order_id", source: "ddl", confidence: 1 },
        { from_column: "line_no", to_table: "order_items", to_column: "line_no", source: "ddl", confidence: 1 },
      ],
      join_paths: ["returns.order_id -> order_items.order_id", "returns.line_no -> order_items.line_no"],
      source: "ddl",
    },
    metadata_version: 1,
  });
  const suppliers = rows.get("suppliers")!;
  assert.deepEqual(pick(suppliers, ["table_comment", "column_comments", "column_enums", "relationship_metadata", "row_count"]), {
    table_comment: "",
    column_comments: {},
    column_enums: {},
    relationship_metadata: {},
    row_count: 20,
  });
  const stats = JSON.parse(String(suppliers.sample_statistics));
  assert.deepEqual([stats.supplier_id.min, stats.supplier_id.max, stats.supplier_id.mean], [1, 20, 10.5]);
  assert.equal(stats.active_flag.distinct, 2);
  assert.equal(rows.get("v_order_summary")!.table_type, "view");
  const v0 = await demoV0Definitions(path.join(dir, "demo", "demo.duckdb"));
  assert.equal(v0.length, rows.size);
  for (const table of v0) assert.equal(rows.get(table.tableName)!.definition, table.definition, `${table.tableName}: definition is the v0 DDL byte for byte`);

  const again = await runCli(["demo", "--dir", path.join(dir, "demo")], { cwd: dir });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /nothing to do: all 16 tables are already v1/);
  assert.ok(fs.readdirSync(path.join(dir, "demo")).filter((n) => n.includes(".backup_v0_")).length === 1, "one backup, from the first run");
});
