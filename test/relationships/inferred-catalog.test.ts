/**
 * Inference runs once over the whole catalog after the catalog pass: the stage's edges are exactly what
 * inferring each table on its own gives, and `referenced` names the tables others point at.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Dialect } from "../../src/model.js";
import { inferFromNames } from "../../src/relationships/infer-from-names.js";
import { InferredCatalog } from "../../src/relationships/inferred-catalog.js";
import { corpusSchema } from "../helpers/relationships-corpus.js";
import { indexOf, table } from "../helpers/relationships-synthetic.js";

const FILES: readonly (readonly [string, Dialect])[] = [
  ["sakila/postgres-schema.sql", "postgresql"],
  ["chinook/chinook_mysql.sql", "mysql"],
  ["employees/mysql-schema.sql", "mysql"],
];

describe("InferredCatalog", () => {
  for (const [file, dialect] of FILES) {
    it(`${file}: every table's edges as inferFromNames gives them`, () => {
      const schema = corpusSchema(file, dialect);
      const inferred = InferredCatalog.build(schema.index);
      for (const s of schema.summaries) assert.deepEqual(inferred.edgesFor(s), inferFromNames(s, schema.index), s.tableName);
    });
  }

  it("referenced: the targets of declared and inferred foreign keys, not of a table's own hierarchy", () => {
    const customer = table({ name: "customer", columns: ["id", "name"], pk: ["id"] });
    const orders = { ...table({ name: "orders", columns: ["id", "customer_id", "shop_code"], pk: ["id"] }), foreignKeys: [{ fromColumns: ["shop_code"], toTable: "shop", toColumns: ["code"] }] };
    const shop = table({ name: "shop", columns: ["code"], pk: ["code"] });
    const category = table({ name: "category", columns: ["id", "parent_id"], pk: ["id"] });
    const index = indexOf([customer, orders, shop, category]);
    const inferred = InferredCatalog.build(index);
    const referenced = (name: string): boolean => inferred.referenced(index.locate("db", "", name));
    assert.deepEqual(["customer", "orders", "shop", "category"].map(referenced), [true, false, true, false]);
  });

  it("a summary that is not the one indexed (recovered later) is inferred on the spot", () => {
    const customer = table({ name: "customer", columns: ["id"], pk: ["id"] });
    const unread = table({ name: "orders", columns: [] });
    const index = indexOf([customer, unread]);
    const inferred = InferredCatalog.build(index);
    const recovered = table({ name: "orders", columns: ["id", "customer_id"], pk: ["id"] });
    assert.deepEqual(inferred.edgesFor(recovered).map((e) => `${e.from_column} -> ${e.to_table}.${e.to_column}`), ["customer_id -> customer.id"]);
  });
});
