import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { validateAnswer } from "../../src/llm/validate-answer.js";

const DDL = `CREATE TABLE \`dw\`.\`Orders\` (
  \`order_id\` BIGINT NOT NULL COMMENT '订单ID',
  \`customer_id\` BIGINT COMMENT 'buyer',
  \`amount\` DECIMAL(15, 2) DEFAULT '0.00' COMMENT '金额<元>',
  \`status\` VARCHAR(20) COMMENT 'it''s the status',
  PRIMARY KEY (\`order_id\`),
  UNIQUE KEY uk_cust (\`customer_id\`, \`status\`),
  CONSTRAINT fk_c FOREIGN KEY (\`customer_id\`) REFERENCES \`dw\`.\`customers\` (\`id\`)
) ENGINE=InnoDB COMMENT='订单表' %%% trailing garbage`;

const GOOD = {
  table: { name: "dw.orders", comment: "订单表" },
  columns: [
    { name: "order_id", type: "BIGINT", nullable: true, default: null, comment: "订单ID" },
    { name: "customer_id", type: "BIGINT", nullable: true, default: null, comment: "buyer" },
    { name: "amount", type: "DECIMAL(15,2)", nullable: true, default: "'0.00'", comment: "金额<元>" },
    { name: "status", type: "VARCHAR(20)", nullable: true, default: null, comment: "it's the status" },
  ],
  primary_key: ["order_id"],
  unique_keys: [["customer_id", "status"]],
  foreign_keys: [{ columns: ["customer_id"], ref_table: "dw.customers", ref_columns: ["id"] }],
};

function verdict(answer: unknown, ddl = DDL): ReturnType<typeof validateAnswer> {
  return validateAnswer(typeof answer === "string" ? answer : JSON.stringify(answer), ddl, "mysql");
}

describe("validateAnswer", () => {
  it("accepts a faithful answer: names as the DDL spells them, comments kept, PK not nullable", () => {
    const v = verdict(GOOD);
    assert.ok(v.ok, v.ok ? "" : v.reason);
    const s = v.structure;
    assert.equal(s.tableName, "Orders");
    assert.equal(s.databaseName, "dw");
    assert.equal(s.schemaName, "");
    assert.equal(s.tableType, "table");
    assert.equal(s.comment, "订单表");
    assert.equal(s.source, "llm");
    assert.equal(s.dialect, "mysql");
    assert.deepEqual(s.columns, [
      { name: "order_id", type: "BIGINT", nullable: false, comment: "订单ID" },
      { name: "customer_id", type: "BIGINT", nullable: true, comment: "buyer" },
      { name: "amount", type: "DECIMAL(15,2)", nullable: true, defaultValue: "'0.00'", comment: "金额<元>" },
      { name: "status", type: "VARCHAR(20)", nullable: true, comment: "it's the status" },
    ]);
    assert.deepEqual(s.primaryKey, ["order_id"]);
    assert.deepEqual(s.uniqueKeys, [["customer_id", "status"]]);
    assert.deepEqual(s.foreignKeys, [{ fromColumns: ["customer_id"], toTable: "dw.customers", toColumns: ["id"] }]);
  });

  it("reads JSON inside ```json fences and with text around it", () => {
    assert.ok(verdict("```json\n" + JSON.stringify(GOOD) + "\n```").ok);
    assert.ok(verdict("Here it is:\n" + JSON.stringify(GOOD) + "\nDone.").ok);
  });

  it("rejects an answer that is not JSON, not an object, or has no table name or columns", () => {
    assert.deepEqual(verdict("sorry, I cannot"), { ok: false, reason: "the answer is not JSON" });
    assert.equal(verdict("[1,2]").ok, false);
    assert.equal(verdict({ ...GOOD, table: { name: "" } }).ok, false);
    assert.equal(verdict({ ...GOOD, columns: [] }).ok, false);
    assert.equal(verdict({ ...GOOD, columns: "order_id" }).ok, false);
    assert.equal(verdict({ ...GOOD, columns: [{ type: "int" }] }).ok, false);
  });

  it("rejects invented names: a column, a key column, a referenced table, a name that is only part of a longer one", () => {
    const invented = verdict({ ...GOOD, columns: [...GOOD.columns, { name: "discount", type: "int" }] });
    assert.deepEqual(invented, { ok: false, reason: 'column "discount" does not occur in the DDL' });
    assert.equal(verdict({ ...GOOD, primary_key: ["id_order"] }).ok, false);
    assert.equal(verdict({ ...GOOD, foreign_keys: [{ columns: ["customer_id"], ref_table: "clients", ref_columns: ["id"] }] }).ok, false);
    // `order` occurs only inside `order_id`
    assert.equal(verdict({ ...GOOD, columns: [{ name: "order", type: "int" }] }).ok, false);
    assert.equal(verdict({ ...GOOD, table: { name: "sales.orders" } }).ok, false);
  });

  it("is case- and quote-insensitive for names", () => {
    const v = verdict({ ...GOOD, table: { name: "`DW`.`ORDERS`" }, columns: [{ name: '"ORDER_ID"', type: "bigint" }] });
    assert.ok(v.ok);
    assert.equal(v.structure.tableName, "Orders");
    assert.equal(v.structure.columns[0].name, "order_id");
  });

  it("drops comments, types and defaults that are not in the DDL, and keeps the answer", () => {
    const v = verdict({
      ...GOOD,
      table: { name: "orders", comment: "all orders of the shop" },
      columns: [
        { name: "order_id", type: "BIGINT(20)", nullable: false, default: "42", comment: "the order" },
        { name: "status", type: 7, nullable: "no", comment: ["x"] },
      ],
    });
    assert.ok(v.ok);
    assert.equal(v.structure.comment, "");
    assert.deepEqual(v.structure.columns, [
      { name: "order_id", type: "BIGINT", nullable: false, comment: "" },
      { name: "status", type: "", nullable: true, comment: "" },
    ]);
  });

  it("rejects wrong shapes of keys, and reads a single name as a list", () => {
    assert.equal(verdict({ ...GOOD, unique_keys: ["customer_id"] }).ok, false);
    assert.equal(verdict({ ...GOOD, foreign_keys: { columns: ["customer_id"] } }).ok, false);
    assert.equal(verdict({ ...GOOD, foreign_keys: [{ columns: ["customer_id"] }] }).ok, false);
    const v = verdict({ ...GOOD, primary_key: "order_id", unique_keys: [[], ["status"], ["STATUS"]] });
    assert.ok(v.ok);
    assert.deepEqual(v.structure.primaryKey, ["order_id"]);
    assert.deepEqual(v.structure.uniqueKeys, [["status"]]);
  });

  it("keeps duplicated columns once, and reads schema-qualified names for PostgreSQL-like dialects and views", () => {
    const ddl = 'CREATE MATERIALIZED VIEW "sales"."daily" AS SELECT day, total FROM x';
    const v = validateAnswer(
      JSON.stringify({ table: { name: "sales.daily" }, columns: [{ name: "day" }, { name: "total" }, { name: "Day" }] }),
      ddl,
      "postgresql",
    );
    assert.ok(v.ok);
    assert.equal(v.structure.schemaName, "sales");
    assert.equal(v.structure.databaseName, "");
    assert.equal(v.structure.tableType, "mv");
    assert.deepEqual(
      v.structure.columns.map((c) => c.name),
      ["day", "total"],
    );
  });
});
