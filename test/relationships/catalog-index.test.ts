/**
 * The index is built for the whole catalog (10^6 tables): its size per table and the speed of inference
 * against it are measured here on 100k synthetic tables and printed (no timing asserts: CI machines vary).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseDdl } from "../../src/ddl/parse-ddl.js";
import type { Dialect, SourceTable } from "../../src/model.js";
import { CatalogIndex, summarize } from "../../src/relationships/catalog-index.js";
import { inferFromNames } from "../../src/relationships/infer-from-names.js";
import { heapAfterGc, indexOf, syntheticCatalog, table } from "../helpers/relationships-synthetic.js";

const TABLES = 100_000;

function summaryOf(definition: string, dialect: Dialect, tableName: string): ReturnType<typeof summarize> {
  const source: SourceTable = { identifier: `db.${tableName}`, catalogName: "", databaseName: "db", schemaName: "", tableName, tableType: "table", definition };
  return summarize(source, parseDdl(definition, dialect));
}

describe("summarize", () => {
  it("names from the v0 row, columns and keys from the parsed structure", () => {
    const s = summaryOf("CREATE TABLE film (film_id int PRIMARY KEY, title text UNIQUE, language_id int)", "postgresql", "film");
    assert.deepEqual(s, {
      identifier: "db.film",
      databaseName: "db",
      schemaName: "",
      tableName: "film",
      columns: ["film_id", "title", "language_id"],
      primaryKey: ["film_id"],
      uniqueKeys: [["title"]],
      columnTypes: ["int", "text", "int"],
    });
  });

  it("StarRocks DUPLICATE KEY: the implied key when the sort-key column names the table, else none", () => {
    const ddl = (table: string, key: string): string => `CREATE TABLE ${table} (\`${key}\` bigint, x int) ENGINE=OLAP DUPLICATE KEY(\`${key}\`, x) DISTRIBUTED BY HASH(\`${key}\`)`;
    assert.equal(summaryOf(ddl("customer", "c_custkey"), "starrocks", "customer").impliedKey, "c_custkey");
    assert.equal(summaryOf(ddl("lineitem", "l_orderkey"), "starrocks", "lineitem").impliedKey, undefined);
    assert.equal(summaryOf("CREATE TABLE t (id bigint) ENGINE=OLAP PRIMARY KEY(id) DISTRIBUTED BY HASH(id)", "starrocks", "t").impliedKey, undefined);
  });

  it("PostgreSQL INHERITS and PARTITION OF name the parent", () => {
    assert.equal(summaryOf("CREATE TABLE payment_p2007_01 (CONSTRAINT c CHECK (amount > 0)) INHERITS (payment);", "postgresql", "payment_p2007_01").inherits, "payment");
    assert.equal(summaryOf("CREATE TABLE m_2024 PARTITION OF public.measurements FOR VALUES FROM (1) TO (2);", "postgresql", "m_2024").inherits, "public.measurements");
  });
});

describe("CatalogIndex", () => {
  it("locates tables by database, schema and name, case-insensitively, and keeps same-named tables of other schemas apart", () => {
    const index = indexOf([
      table({ name: "Customer", columns: ["CustomerId"], pk: ["CustomerId"], schema: "sales" }),
      table({ name: "customer", columns: ["id"], pk: ["id"], schema: "crm" }),
    ]);
    assert.equal(index.size, 2);
    const sales = index.locate("DB", "SALES", "customer");
    const crm = index.locate("db", "crm", "CUSTOMER");
    assert.ok(sales >= 0 && crm >= 0 && sales !== crm);
    assert.equal(index.columnNameAt(index.soleKey(sales)), "CustomerId");
    assert.deepEqual(index.tablesNamed("customer").sort(), [sales, crm].sort());
    assert.deepEqual(index.tablesNamed("crm.customer"), [crm]);
    assert.equal(index.displayName(crm, "db", "sales"), "crm.customer");
    assert.equal(index.displayName(crm, "other", "sales"), "db.crm.customer");
    assert.equal(index.displayName(sales, "db", "sales"), "Customer");
  });

  it("soleKey: single-column primary key, else the implied key, else the only single-column unique key", () => {
    const index = indexOf([
      table({ name: "a", columns: ["x", "y"], pk: ["x", "y"], unique: [["y"]] }),
      table({ name: "b", columns: ["x", "y"], unique: [["x"], ["y"]] }),
      table({ name: "c", columns: ["c_key", "y"], impliedKey: "c_key" }),
    ]);
    const key = (name: string): string | undefined => {
      const slot = index.soleKey(index.locate("db", "", name));
      return slot < 0 ? undefined : index.columnNameAt(slot);
    };
    assert.equal(key("a"), "y");
    assert.equal(key("b"), undefined);
    assert.equal(key("c"), "c_key");
  });

  it(`stays compact: bytes per table of a ${TABLES / 1000}k-table index (printed), and inference throughput`, () => {
    const before = heapAfterGc();
    const index = new CatalogIndex();
    for (const t of syntheticCatalog(TABLES)) index.add(t);
    index.tablesByAbbreviation("cus", 0, 8); // builds the sorted orders too
    const after = heapAfterGc();
    const perTable = (after - before) / TABLES;
    const start = process.hrtime.bigint();
    let edges = 0;
    let refs = 0;
    for (const t of syntheticCatalog(TABLES)) {
      edges += inferFromNames(t, index).length;
      refs += 3;
    }
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    console.log(
      `index of ${TABLES} tables x 10 columns: ${perTable.toFixed(0)} bytes/table measured (heap + array buffers after GC), ` +
        `${(index.bytes / TABLES).toFixed(0)} bytes/table by the index's own estimate; ` +
        `inferFromNames: ${Math.round(TABLES / seconds)} tables/s, ${edges}/${refs} references resolved`,
    );
    assert.equal(index.size, TABLES);
    // generous bound: a Map<string, object> per table alone would be ~300 bytes
    assert.ok(perTable < 600, `${perTable} bytes per table`);
    // every reference names an entity of its own schema
    assert.ok(edges >= refs * 0.95, `${edges} of ${refs}`);
  });
});
