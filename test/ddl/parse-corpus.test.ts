/**
 * Every CREATE TABLE / CREATE VIEW of the shared corpus, read as it is: names, columns, types,
 * keys, comments. Chinook (PostgreSQL) is also checked against DuckDB's own catalog.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DuckDBInstance } from "@duckdb/node-api";
import { parseDdl, parseDdlScript } from "../../src/ddl/parse-ddl.js";
import type { Dialect, TableStructure } from "../../src/model.js";
import { createTables, createViews, readCorpus, STARROCKS_TPCH } from "../helpers/ddl-corpus.js";

function parseAll(file: string, dialect: Dialect): TableStructure[] {
  return createTables(file, dialect).map((s) => parseDdl(s, dialect));
}

function table(structures: readonly TableStructure[], name: string): TableStructure {
  const found = structures.find((s) => s.tableName === name);
  assert.ok(found, `table ${name} was read`);
  return found;
}

function columnCounts(structures: readonly TableStructure[]): Record<string, number> {
  return Object.fromEntries(structures.map((s) => [s.tableName, s.columns.length]));
}

const CHINOOK_COUNTS = [3, 2, 13, 15, 2, 9, 5, 2, 2, 2, 9];

describe("parseDdl on the Chinook scripts", () => {
  for (const [file, dialect, names] of [
    ["chinook/chinook_mysql.sql", "mysql", ["Album", "Artist", "Customer", "Employee", "Genre", "Invoice", "InvoiceLine", "MediaType", "Playlist", "PlaylistTrack", "Track"]],
    ["chinook/chinook_sqlite.sql", "sqlite", ["Album", "Artist", "Customer", "Employee", "Genre", "Invoice", "InvoiceLine", "MediaType", "Playlist", "PlaylistTrack", "Track"]],
    ["chinook/chinook_postgresql.sql", "postgresql", ["album", "artist", "customer", "employee", "genre", "invoice", "invoice_line", "media_type", "playlist", "playlist_track", "track"]],
  ] as const) {
    it(`${file}: 11 tables with their columns, by the scanner, without errors`, () => {
      const structures = parseAll(file, dialect);
      assert.deepEqual(
        structures.map((s) => s.tableName),
        [...names],
      );
      assert.deepEqual(
        structures.map((s) => s.columns.length),
        CHINOOK_COUNTS,
      );
      for (const s of structures) {
        assert.equal(s.parseError, undefined, s.tableName);
        assert.equal(s.source, "scanner");
        assert.equal(s.tableType, "table");
        assert.equal(s.dialect, dialect);
      }
    });
  }

  it("mysql: Invoice columns, types and primary key as written", () => {
    const invoice = table(parseAll("chinook/chinook_mysql.sql", "mysql"), "Invoice");
    assert.deepEqual(
      invoice.columns.map((c) => c.name),
      ["InvoiceId", "CustomerId", "InvoiceDate", "BillingAddress", "BillingCity", "BillingState", "BillingCountry", "BillingPostalCode", "Total"],
    );
    assert.deepEqual(
      invoice.columns.map((c) => c.type),
      ["INT", "INT", "DATETIME", "NVARCHAR(70)", "NVARCHAR(40)", "NVARCHAR(40)", "NVARCHAR(40)", "NVARCHAR(10)", "NUMERIC(10,2)"],
    );
    assert.deepEqual(invoice.primaryKey, ["InvoiceId"]);
    assert.equal(invoice.columns[3].nullable, true);
    assert.equal(invoice.columns[2].nullable, false);
  });

  it("mysql: the script's ALTER TABLE … ADD FOREIGN KEY statements land on their tables", () => {
    const structures = parseDdlScript(readCorpus("chinook/chinook_mysql.sql"), "mysql");
    assert.equal(structures.length, 11);
    assert.deepEqual(table(structures, "Invoice").foreignKeys, [
      { name: "FK_InvoiceCustomerId", fromColumns: ["CustomerId"], toTable: "Customer", toColumns: ["CustomerId"] },
    ]);
    assert.deepEqual(
      table(structures, "Track").foreignKeys.map((fk) => `${fk.fromColumns.join()}->${fk.toTable}.${fk.toColumns.join()}`),
      ["AlbumId->Album.AlbumId", "GenreId->Genre.GenreId", "MediaTypeId->MediaType.MediaTypeId"],
    );
    assert.deepEqual(table(structures, "Employee").foreignKeys[0].toTable, "Employee"); // ReportsTo: self reference
  });

  it("sqlite: [bracketed] names and inline FOREIGN KEY clauses", () => {
    const invoiceLine = table(parseAll("chinook/chinook_sqlite.sql", "sqlite"), "InvoiceLine");
    assert.deepEqual(
      invoiceLine.columns.map((c) => `${c.name} ${c.type}`),
      ["InvoiceLineId INTEGER", "InvoiceId INTEGER", "TrackId INTEGER", "UnitPrice NUMERIC(10,2)", "Quantity INTEGER"],
    );
    assert.deepEqual(
      invoiceLine.foreignKeys.map((fk) => `${fk.fromColumns.join()}->${fk.toTable}.${fk.toColumns.join()}`),
      ["InvoiceId->Invoice.InvoiceId", "TrackId->Track.TrackId"],
    );
    assert.deepEqual(table(parseAll("chinook/chinook_sqlite.sql", "sqlite"), "PlaylistTrack").primaryKey, ["PlaylistId", "TrackId"]);
  });

  it("postgresql: columns, nullability and primary keys agree with DuckDB's catalog of the same DDL", async () => {
    const statements = createTables("chinook/chinook_postgresql.sql", "postgresql");
    const instance = await DuckDBInstance.create(":memory:");
    const conn = await instance.connect();
    try {
      await conn.run(`${statements.join(";\n")};`);
      const columns = (
        await conn.runAndReadAll(
          "SELECT table_name, column_name, is_nullable FROM information_schema.columns ORDER BY table_name, ordinal_position",
        )
      ).getRowObjectsJS();
      const pks = (
        await conn.runAndReadAll(
          "SELECT table_name, constraint_column_names AS cols FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY'",
        )
      ).getRowObjectsJS();
      for (const s of statements.map((sql) => parseDdl(sql, "postgresql"))) {
        const catalog = columns.filter((r) => r.table_name === s.tableName);
        assert.deepEqual(
          s.columns.map((c) => [c.name, c.nullable ? "YES" : "NO"]),
          catalog.map((r) => [r.column_name, r.is_nullable]),
          s.tableName,
        );
        assert.deepEqual(s.primaryKey, pks.find((r) => r.table_name === s.tableName)?.cols, `${s.tableName} primary key`);
      }
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
  });
});

describe("parseDdl on the Sakila scripts", () => {
  const mysql = parseAll("sakila/mysql-schema.sql", "mysql");

  it("mysql: 16 tables with their column counts", () => {
    assert.deepEqual(columnCounts(mysql), {
      actor: 4,
      address: 8,
      category: 3,
      city: 4,
      country: 3,
      customer: 9,
      film: 13,
      film_actor: 3,
      film_category: 3,
      film_text: 3,
      inventory: 4,
      language: 3,
      payment: 7,
      rental: 7,
      staff: 11,
      store: 4,
    });
    assert.ok(mysql.every((s) => s.parseError === undefined && s.source === "scanner"));
  });

  it("mysql: film types and defaults as written (ENUM, SET, DECIMAL, TINYINT UNSIGNED)", () => {
    const film = table(mysql, "film");
    const col = (name: string) => film.columns.find((c) => c.name === name);
    assert.equal(col("rating")?.type, "ENUM('G','PG','PG-13','R','NC-17')");
    assert.equal(col("rating")?.defaultValue, "'G'");
    assert.equal(col("special_features")?.type, "SET('Trailers','Commentaries','Deleted Scenes','Behind the Scenes')");
    assert.equal(col("rental_rate")?.type, "DECIMAL(4,2)");
    assert.equal(col("rental_rate")?.defaultValue, "4.99");
    assert.equal(col("rental_duration")?.type, "TINYINT UNSIGNED");
    assert.equal(col("last_update")?.defaultValue, "CURRENT_TIMESTAMP");
    assert.equal(col("description")?.nullable, true);
    assert.equal(col("title")?.nullable, false);
    assert.deepEqual(film.primaryKey, ["film_id"]);
    assert.deepEqual(
      film.foreignKeys.map((fk) => [fk.name, fk.fromColumns, fk.toTable, fk.toColumns]),
      [
        ["fk_film_language", ["language_id"], "language", ["language_id"]],
        ["fk_film_language_original", ["original_language_id"], "language", ["language_id"]],
      ],
    );
  });

  it("mysql: composite primary key, UNIQUE KEY without a name, and KEY indexes that are not columns", () => {
    assert.deepEqual(table(mysql, "film_actor").primaryKey, ["actor_id", "film_id"]);
    const rental = table(mysql, "rental");
    assert.deepEqual(rental.uniqueKeys, [["rental_date", "inventory_id", "customer_id"]]);
    assert.deepEqual(
      rental.columns.map((c) => c.name),
      ["rental_id", "rental_date", "inventory_id", "customer_id", "return_date", "staff_id", "last_update"],
    );
    assert.equal(table(mysql, "staff").columns.find((c) => c.name === "password")?.type, "VARCHAR(40) BINARY");
  });

  it("mysql: views are read as views, with the names of their select lists", () => {
    const views = createViews("sakila/mysql-schema.sql", "mysql").map((s) => parseDdl(s, "mysql"));
    assert.deepEqual(
      views.map((v) => [v.tableName, v.tableType]),
      [
        ["customer_list", "view"],
        ["film_list", "view"],
        ["nicer_but_slower_film_list", "view"],
        ["staff_list", "view"],
        ["sales_by_store", "view"],
        ["sales_by_film_category", "view"],
        ["actor_info", "view"],
      ],
    );
    assert.deepEqual(
      views[0].columns.map((c) => c.name),
      ["ID", "name", "address", "zip code", "phone", "city", "country", "notes", "SID"],
    );
    assert.ok(views.every((v) => v.parseError === undefined));
  });

  it("postgresql: types with spaces, casts in defaults, arrays; INHERITS partitions have no columns of their own", () => {
    const pg = parseAll("sakila/postgres-schema.sql", "postgresql");
    const film = table(pg, "film");
    assert.equal(film.columns.length, 14); // … special_features text[], fulltext tsvector NOT NULL
    const col = (name: string) => film.columns.find((c) => c.name === name);
    assert.equal(col("film_id")?.defaultValue, "nextval('film_film_id_seq'::regclass)");
    assert.equal(col("last_update")?.type, "timestamp without time zone");
    assert.equal(col("last_update")?.defaultValue, "now()");
    assert.equal(col("rating")?.defaultValue, "'G'::mpaa_rating");
    assert.equal(col("special_features")?.type, "text[]");
    assert.equal(col("title")?.type, "character varying(255)");
    assert.equal(table(pg, "customer").columns.length, 10);
    const partition = table(pg, "payment_p2007_01");
    assert.equal(partition.columns.length, 0);
    assert.equal(partition.parseError, "no columns found");
  });

  it("postgresql: ALTER TABLE ONLY … ADD CONSTRAINT gives the primary and foreign keys", () => {
    const pg = parseDdlScript(readCorpus("sakila/postgres-schema.sql"), "postgresql");
    assert.deepEqual(table(pg, "film_actor").primaryKey, ["actor_id", "film_id"]);
    assert.deepEqual(
      table(pg, "address").foreignKeys,
      [{ name: "address_city_id_fkey", fromColumns: ["city_id"], toTable: "city", toColumns: ["city_id"] }],
    );
    assert.equal(table(pg, "actor").columns.find((c) => c.name === "actor_id")?.nullable, false);
  });

  it("sqlite: 16 tables with their column counts and foreign keys", () => {
    const sqlite = parseAll("sakila/sqlite-schema.sql", "sqlite");
    assert.deepEqual(columnCounts(sqlite), {
      actor: 4,
      country: 3,
      city: 4,
      address: 8,
      language: 3,
      category: 3,
      customer: 9,
      film: 13,
      film_actor: 3,
      film_category: 3,
      film_text: 3,
      inventory: 4,
      staff: 11,
      store: 4,
      payment: 7,
      rental: 7,
    });
    assert.deepEqual(
      table(sqlite, "customer").foreignKeys.map((fk) => `${fk.fromColumns.join()}->${fk.toTable}.${fk.toColumns.join()}`),
      ["store_id->store.store_id", "address_id->address.address_id"],
    );
  });
});

describe("parseDdl on the Employees script", () => {
  const employees = parseAll("employees/mysql-schema.sql", "mysql");

  it("6 tables, their columns, composite keys and foreign keys without constraint names", () => {
    assert.deepEqual(columnCounts(employees), { employees: 6, departments: 2, dept_manager: 4, dept_emp: 4, titles: 4, salaries: 4 });
    const emp = table(employees, "employees");
    assert.deepEqual(
      emp.columns.map((c) => c.name),
      ["emp_no", "birth_date", "first_name", "last_name", "gender", "hire_date"],
    );
    assert.equal(emp.columns[4].type, "ENUM ('M','F')");
    assert.deepEqual(table(employees, "departments").uniqueKeys, [["dept_name"]]);
    assert.deepEqual(table(employees, "titles").primaryKey, ["emp_no", "title", "from_date"]);
    assert.deepEqual(table(employees, "dept_manager").foreignKeys, [
      { fromColumns: ["emp_no"], toTable: "employees", toColumns: ["emp_no"] },
      { fromColumns: ["dept_no"], toTable: "departments", toColumns: ["dept_no"] },
    ]);
  });

  it("CREATE OR REPLACE VIEW is a view", () => {
    const views = createViews("employees/mysql-schema.sql", "mysql").map((s) => parseDdl(s, "mysql"));
    assert.deepEqual(
      views.map((v) => [v.tableName, v.tableType, v.columns.map((c) => c.name).join()]),
      [
        ["dept_emp_latest_date", "view", "emp_no,from_date,to_date"],
        ["current_dept_emp", "view", "emp_no,dept_no,from_date,to_date"],
      ],
    );
  });
});

describe("parseDdl on the StarRocks TPC-H DDL", () => {
  it("every table, through ENGINE=OLAP, DUPLICATE KEY, PARTITION BY RANGE, DISTRIBUTED BY and PROPERTIES", () => {
    const counts: Record<string, number> = {};
    for (const name of STARROCKS_TPCH) {
      const s = parseDdl(readCorpus(`starrocks-tpch/ddl/${name}.sql`), "starrocks");
      assert.equal(s.tableName, name);
      assert.equal(s.comment, "OLAP", `${name} table comment`);
      assert.equal(s.parseError, undefined);
      counts[name] = s.columns.length;
    }
    assert.deepEqual(counts, { customer: 8, lineitem: 16, nation: 4, orders: 9, part: 9, partsupp: 5, region: 3, supplier: 7 });
  });

  it("lineitem: 16 columns with their types and NOT NULL", () => {
    const s = parseDdl(readCorpus("starrocks-tpch/ddl/lineitem.sql"), "starrocks");
    assert.deepEqual(
      s.columns.map((c) => `${c.name} ${c.type}`),
      [
        "l_orderkey bigint",
        "l_partkey bigint",
        "l_suppkey integer",
        "l_linenumber integer",
        "l_quantity double",
        "l_extendedprice double",
        "l_discount double",
        "l_tax double",
        "l_returnflag CHAR(1)",
        "l_linestatus CHAR(1)",
        "l_shipdate DATE",
        "l_commitdate DATE",
        "l_receiptdate DATE",
        "l_shipinstruct CHAR(25)",
        "l_shipmode CHAR(10)",
        "l_comment VARCHAR(44)",
      ],
    );
    assert.ok(s.columns.every((c) => !c.nullable));
    assert.deepEqual(s.primaryKey, []); // DUPLICATE KEY is a sort key, not a primary key
  });

  it("the table comment is found after PARTITION BY as well as before it (orders)", () => {
    assert.equal(parseDdl(readCorpus("starrocks-tpch/ddl/orders.sql"), "starrocks").comment, "OLAP");
  });
});
