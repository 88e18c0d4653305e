import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { DuckDBInstance } from "@duckdb/node-api";
import { DuckDbSource, resolveDuckDbPath } from "../../src/dialects/duckdb/duckdb-source.js";
import { statisticsKind } from "../../src/dialects/duckdb/duckdb-statistics.js";
import { openLiveSource, type LiveSource, type LiveTable } from "../../src/dialects/live-source.js";
import { DatusError } from "../../src/errors.js";
import type { SourceTable } from "../../src/model.js";

const FIXTURE_SQL = `
CREATE TABLE customers (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL, status SMALLINT DEFAULT 0, email VARCHAR UNIQUE);
COMMENT ON TABLE customers IS '客户 customers';
COMMENT ON COLUMN customers.status IS 'status: 0=new, 1=paid, 2=shipped';
CREATE TABLE parts (p1 INTEGER, p2 VARCHAR, label VARCHAR, PRIMARY KEY (p1, p2));
CREATE TABLE orders (
  id INTEGER PRIMARY KEY,
  customer_id INTEGER REFERENCES customers (id),
  p1 INTEGER,
  p2 VARCHAR,
  amount DECIMAL(10,2) NOT NULL,
  warehouse_id INTEGER,
  UNIQUE (p1, p2),
  FOREIGN KEY (p1, p2) REFERENCES parts (p1, p2)
);
COMMENT ON COLUMN orders.amount IS '金额（元）';
CREATE VIEW big_orders AS SELECT id, amount FROM orders WHERE amount > 100;
COMMENT ON VIEW big_orders IS 'orders over 100';
CREATE TABLE measures (id INTEGER, x DOUBLE, d DECIMAL(10,2), z INTEGER, n INTEGER, dt DATE, s VARCHAR, b BOOLEAN);
INSERT INTO measures
SELECT i, i * 1.5, CAST(i * 10.25 AS DECIMAL(10,2)), 0, CASE WHEN i % 3 = 0 THEN NULL ELSE i END,
       DATE '2024-01-01' + CAST(i - 1 AS INTEGER), 'fruit-' || (10 + i), i % 2 = 0
  FROM range(1, 11) AS t(i);
CREATE TABLE big AS SELECT range AS i FROM range(10000);
CREATE SCHEMA sales;
CREATE TABLE sales."Odd ""Name"" t" ("select" INTEGER, "Mixed Case" VARCHAR);
INSERT INTO sales."Odd ""Name"" t" VALUES (1, 'a'), (2, NULL);
`;

let dir: string;
let file: string;
let source: LiveSource;
let tables: LiveTable[];

async function sha256(p: string): Promise<string> {
  return createHash("sha256")
    .update(await fs.readFile(p))
    .digest("hex");
}

function tableNamed(name: string): LiveTable {
  const t = tables.find((x) => x.source.tableName === name);
  assert.ok(t, `table ${name} listed`);
  return t;
}

/** Sample standard deviation, as stddev_samp computes it. */
function sampleStd(values: readonly number[]): number {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1));
}

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "datus-duckdb-"));
  file = path.join(dir, "fixture.duckdb");
  const db = await DuckDBInstance.create(file);
  const conn = await db.connect();
  await conn.run(FIXTURE_SQL);
  await conn.run("CHECKPOINT");
  conn.closeSync();
  db.closeSync();
  source = await openLiveSource({ type: "duckdb", uri: file });
  tables = await source.listTables({});
});

after(async () => {
  await source.close();
  await fs.rm(dir, { recursive: true, force: true });
});

describe("DuckDB listTables", () => {
  it("lists every table and view, ordered by schema then name, with canonical identifiers", () => {
    assert.deepEqual(
      tables.map((t) => [t.source.identifier, t.source.tableType]),
      [
        ["fixture.main.big", "table"],
        ["fixture.main.big_orders", "view"],
        ["fixture.main.customers", "table"],
        ["fixture.main.measures", "table"],
        ["fixture.main.orders", "table"],
        ["fixture.main.parts", "table"],
        ['fixture.sales.Odd "Name" t', "table"],
      ],
    );
    const orders = tableNamed("orders").source;
    assert.equal(orders.catalogName, "");
    assert.equal(orders.databaseName, "fixture");
    assert.equal(orders.schemaName, "main");
    assert.match(orders.definition, /^CREATE TABLE orders\(/);
  });

  it("reads columns with types, nullability, defaults and comments from the catalog", () => {
    const customers = tableNamed("customers").structure;
    assert.equal(customers.source, "catalog");
    assert.equal(customers.dialect, "duckdb");
    assert.equal(customers.comment, "客户 customers");
    assert.deepEqual(customers.columns, [
      { name: "id", type: "INTEGER", nullable: false, comment: "" },
      { name: "name", type: "VARCHAR", nullable: false, comment: "" },
      { name: "status", type: "SMALLINT", nullable: true, defaultValue: "0", comment: "status: 0=new, 1=paid, 2=shipped" },
      { name: "email", type: "VARCHAR", nullable: true, comment: "" },
    ]);
    assert.deepEqual(customers.primaryKey, ["id"]);
    assert.deepEqual(customers.uniqueKeys, [["email"]]);
    assert.deepEqual(customers.foreignKeys, []);
  });

  it("reads single and composite foreign keys, composite primary and unique keys", () => {
    const orders = tableNamed("orders").structure;
    assert.equal(orders.comment, "");
    assert.deepEqual(
      orders.columns.map((c) => [c.name, c.type, c.comment]),
      [
        ["id", "INTEGER", ""],
        ["customer_id", "INTEGER", ""],
        ["p1", "INTEGER", ""],
        ["p2", "VARCHAR", ""],
        ["amount", "DECIMAL(10,2)", "金额（元）"],
        ["warehouse_id", "INTEGER", ""],
      ],
    );
    assert.deepEqual(orders.primaryKey, ["id"]);
    assert.deepEqual(orders.uniqueKeys, [["p1", "p2"]]);
    assert.deepEqual(
      orders.foreignKeys.map((fk) => ({ from: fk.fromColumns, to: fk.toTable, cols: fk.toColumns })),
      [
        { from: ["customer_id"], to: "customers", cols: ["id"] },
        { from: ["p1", "p2"], to: "parts", cols: ["p1", "p2"] },
      ],
    );
    assert.ok(orders.foreignKeys.every((fk) => typeof fk.name === "string" && fk.name !== ""));
    assert.deepEqual(tableNamed("parts").structure.primaryKey, ["p1", "p2"]);
  });

  it("describes views with their comment, columns and DDL", () => {
    const view = tableNamed("big_orders");
    assert.equal(view.source.tableType, "view");
    assert.match(view.source.definition, /^CREATE VIEW big_orders AS SELECT/);
    assert.equal(view.structure.comment, "orders over 100");
    assert.deepEqual(
      view.structure.columns.map((c) => [c.name, c.type]),
      [
        ["id", "INTEGER"],
        ["amount", "DECIMAL(10,2)"],
      ],
    );
  });

  it("filters by schema and by database, and names a wrong database with a hint", async () => {
    const sales = await source.listTables({ schema: "sales" });
    assert.deepEqual(
      sales.map((t) => t.structure.columns.map((c) => c.name)),
      [["select", "Mixed Case"]],
    );
    assert.equal((await source.listTables({ database: "fixture", schema: "main" })).length, 6);
    await assert.rejects(source.listTables({ database: "elsewhere" }), (err: unknown) => {
      assert.ok(err instanceof DatusError);
      assert.equal(err.code, "source");
      assert.match(err.message, /database elsewhere is not in DuckDB file .*fixture\.duckdb \(it holds: fixture\)/);
      assert.match(err.hint, /file stem/);
      return true;
    });
  });
});

describe("DuckDB tableStatistics", () => {
  it("gives the exact row count and min/max/mean/std/null_fraction/distinct per column", async () => {
    const stats = await source.tableStatistics(tableNamed("measures").source, { sampleRows: 1000 });
    const ids = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    assert.equal(stats.rowCount, 10);
    const x = stats.columns["x"];
    assert.equal(x.min, 1.5);
    assert.equal(x.max, 15);
    assert.equal(x.mean, 8.25);
    assert.ok(Math.abs((x.std ?? NaN) - sampleStd(ids.map((i) => i * 1.5))) < 1e-9);
    assert.equal(x.null_fraction, 0);
    assert.equal(x.distinct, 10);
    assert.equal(x.sampled_rows, 10);

    const d = stats.columns["d"];
    assert.deepEqual([d.min, d.max, d.mean], [10.25, 102.5, 56.375], "DECIMAL columns are numeric");
    assert.ok(Math.abs((d.std ?? NaN) - sampleStd(ids.map((i) => i * 10.25))) < 1e-9);

    assert.deepEqual(
      { min: stats.columns["z"].min, max: stats.columns["z"].max, mean: stats.columns["z"].mean, std: stats.columns["z"].std },
      { min: 0, max: 0, mean: 0, std: 0 },
      "a mean and std of 0 stay 0",
    );

    const n = stats.columns["n"];
    assert.ok(Math.abs((n.null_fraction ?? NaN) - 0.3) < 1e-12);
    assert.equal(n.distinct, 7);
    assert.ok(Math.abs((n.mean ?? NaN) - 37 / 7) < 1e-9);

    assert.deepEqual([stats.columns["dt"].min, stats.columns["dt"].max], ["2024-01-01", "2024-01-10"]);
    assert.deepEqual([stats.columns["s"].min, stats.columns["s"].max], ["fruit-11", "fruit-20"]);
    assert.equal(stats.columns["s"].mean, undefined);
    assert.deepEqual(stats.columns["b"], { null_fraction: 0, distinct: 2, sampled_rows: 10, method: "exact" });
    assert.deepEqual(stats.provenance, { row_count: "exact", row_count_estimate: 10, columns: "exact", sample_rows: 1000 }, "how the figures were obtained");
  });

  it("computes column statistics over a sample of at most sampleRows rows, and counts every row", async () => {
    const stats = await source.tableStatistics(tableNamed("big").source, { sampleRows: 100 });
    assert.equal(stats.rowCount, 10000);
    const i = stats.columns["i"];
    assert.equal(i.sampled_rows, 100);
    assert.ok(typeof i.min === "number" && i.min >= 0);
    assert.ok(typeof i.max === "number" && i.max <= 9999 && i.max > i.min);
    assert.ok(i.distinct !== null && i.distinct !== undefined && i.distinct <= 100);

    const none = await source.tableStatistics(tableNamed("big").source, { sampleRows: 0 });
    assert.deepEqual([none.rowCount, none.columns], [10000, {}]);
    assert.deepEqual(i.method, "sampled");
    assert.deepEqual(i.sampling, "reservoir");
    assert.deepEqual(stats.provenance, { row_count: "exact", row_count_estimate: 10000, columns: "sampled", sampling: "reservoir", sample_rows: 100 });
  });

  it("works on views and on names that need quoting", async () => {
    const view = await source.tableStatistics(tableNamed("big_orders").source, { sampleRows: 10 });
    assert.deepEqual([view.rowCount, view.columns], [0, {}]);
    const odd = await source.tableStatistics(tableNamed('Odd "Name" t').source, { sampleRows: 10 });
    assert.equal(odd.rowCount, 2);
    assert.deepEqual([odd.columns["select"].min, odd.columns["select"].max], [1, 2]);
    assert.equal(odd.columns["Mixed Case"].null_fraction, 0.5);
  });

  it("serves 8 concurrent calls", async () => {
    const names = ["measures", "big", "customers", "orders", "parts", "measures", "big", "big_orders"];
    const results = await Promise.all(
      names.map((n) => source.tableStatistics(tableNamed(n).source, { sampleRows: 10000 })),
    );
    assert.equal(results.length, 8);
    assert.deepEqual(results[0], results[5]);
    assert.equal(results[1].rowCount, 10000);
    assert.equal(results[6].rowCount, 10000);
  });

  it("reports a table that no longer exists as a source error", async () => {
    const gone: SourceTable = { ...tableNamed("parts").source, tableName: "gone", identifier: "fixture.main.gone" };
    await assert.rejects(source.tableStatistics(gone, { sampleRows: 10 }), (err: unknown) => {
      assert.ok(err instanceof DatusError);
      assert.equal(err.code, "source");
      assert.match(err.message, /fixture\.main\.gone not found/);
      return true;
    });
  });

  it("classifies DuckDB types, DECIMAL(p,s) included", () => {
    assert.equal(statisticsKind("DECIMAL(15,2)"), "numeric");
    assert.equal(statisticsKind("HUGEINT"), "numeric");
    assert.equal(statisticsKind("TIMESTAMP WITH TIME ZONE"), "temporal");
    assert.equal(statisticsKind("ENUM('a', 'b')"), "text");
    assert.equal(statisticsKind("INTEGER[]"), "other");
    assert.equal(statisticsKind("BOOLEAN"), "other");
  });
});

describe("DuckDB source safety", () => {
  it("opens the file read-only: writes fail and the file is unchanged", async () => {
    const before = await sha256(file);
    const duck = source as DuckDbSource;
    const mode = await duck.withConnection(async (conn) => {
      const reader = await conn.runAndReadAll("SELECT current_setting('access_mode') AS m");
      return reader.getRowObjectsJS()[0]["m"];
    });
    assert.equal(mode, "read_only");
    await assert.rejects(
      duck.withConnection((conn) => conn.run("CREATE TABLE intruder (i INTEGER)")),
      (err: unknown) => err instanceof DatusError && err.code === "source" && /read-only/.test(err.message),
    );
    await assert.rejects(duck.withConnection((conn) => conn.run("COMMENT ON TABLE customers IS 'changed'")));
    await source.listTables({});
    await source.tableStatistics(tableNamed("measures").source, { sampleRows: 5 });
    assert.equal(await sha256(file), before);
    assert.equal((await fs.readdir(dir)).join(","), "fixture.duckdb");
  });

  it("refuses calls after close, and close is idempotent", async () => {
    const other = await DuckDbSource.open(file);
    await other.close();
    await other.close();
    await assert.rejects(other.listTables({}), (err: unknown) => err instanceof DatusError && err.code === "source");
  });
});

describe("openLiveSource", () => {
  it("says which types are not supported yet, with a hint", async () => {
    // oracle: a dialect the DDL reader knows, with no live source
    await assert.rejects(openLiveSource({ type: "oracle", host: "localhost" }), (err: unknown) => {
      assert.ok(err instanceof DatusError);
      assert.equal(err.code, "config", "a type the tool cannot read is a config problem: exit 2, nothing touched");
      assert.equal(err.message, "live database type oracle is not supported yet");
      assert.notEqual(err.hint, "");
      return true;
    });
  });

  it("needs a uri for duckdb and an existing file", async () => {
    await assert.rejects(openLiveSource({ type: "duckdb" }), (err: unknown) => err instanceof DatusError && err.code === "config");
    await assert.rejects(
      openLiveSource({ type: "DuckDB", uri: path.join(dir, "missing.duckdb") }),
      (err: unknown) => err instanceof DatusError && err.code === "source" && /not found/.test(err.message),
    );
    assert.deepEqual(await fs.readdir(dir), ["fixture.duckdb"], "a missing file is not created");
  });

  it("accepts plain paths and duckdb:/// URIs", async () => {
    assert.equal(await resolveDuckDbPath(`duckdb:///${file}`), file, "SQLAlchemy style: four slashes for an absolute path");
    assert.equal(await resolveDuckDbPath(file), file);
    assert.equal(await resolveDuckDbPath(`duckdb:///${file.slice(1)}`), file, "an absolute path written with three slashes");
    assert.equal(await resolveDuckDbPath("duckdb:///data/x.duckdb"), path.resolve("data/x.duckdb"));
    assert.equal(await resolveDuckDbPath("~/x.duckdb"), path.join(os.homedir(), "x.duckdb"));
    const viaUri = await openLiveSource({ type: "duckdb", uri: `duckdb:///${file.slice(1)}` });
    assert.equal((await viaUri.listTables({ schema: "sales" })).length, 1);
    await viaUri.close();
  });
});
