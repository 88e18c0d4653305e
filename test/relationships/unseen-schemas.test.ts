/**
 * Relationships on the kinds of DDL real catalogs hold that no test tuned to: pg_dump with identity
 * columns, CockroachDB dumps (hidden rowid keys, unique_rowid()), phpMyAdmin-style MySQL dumps (keys and
 * AUTO_INCREMENT added by ALTER), warehouse DDL with no keys at all (Snowflake, BigQuery), temporary tables,
 * views, role names and abbreviated compound names. Each table is one v0 row holding its own statements.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseDdl } from "../../src/ddl/parse-ddl.js";
import type { Dialect, SourceTable } from "../../src/model.js";
import { CatalogIndex, summarize, type TableSummary } from "../../src/relationships/catalog-index.js";
import { impliedKeyOf } from "../../src/relationships/implied-key.js";
import { inferFromNames } from "../../src/relationships/infer-from-names.js";
import { viewJoinPaths } from "../../src/relationships/query-log.js";
import { viewJoins } from "../../src/relationships/view-joins.js";

function summaryOf(definition: string, dialect: Dialect, db = "db"): TableSummary {
  const structure = parseDdl(definition, dialect);
  const source: SourceTable = {
    identifier: `${db}.${structure.tableName}`,
    catalogName: "",
    databaseName: db,
    schemaName: "",
    tableName: structure.tableName,
    tableType: structure.tableType,
    definition,
  };
  return summarize(source, structure);
}

/** Every inferred edge of a catalog of one-definition rows, as `table.column -> target.column`. */
function edges(definitions: readonly string[], dialect: Dialect): string[] {
  const summaries = definitions.map((d) => summaryOf(d, dialect));
  const index = new CatalogIndex();
  for (const s of summaries) index.add(s);
  return summaries.flatMap((s) => inferFromNames(s, index).map((e) => `${s.tableName}.${e.from_column} -> ${e.to_table}.${e.to_column}`));
}

describe("implied keys: tables that declare none", () => {
  it("pg_dump: the serial/identity column that names its table, with the DDL's own evidence in the confidence", () => {
    const actor = parseDdl("CREATE TABLE public.actor (\n    actor_id integer DEFAULT nextval('public.actor_actor_id_seq'::regclass) NOT NULL,\n    first_name text NOT NULL\n);", "postgresql");
    assert.deepEqual(impliedKeyOf(actor), { column: "actor_id", confidence: 0.95 });
    const identity = parseDdl("CREATE TABLE public.author (author_id integer NOT NULL, name text);\nALTER TABLE public.author ALTER COLUMN author_id ADD GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME public.author_author_id_seq);", "postgresql");
    assert.deepEqual(identity.identityColumns, ["author_id"]);
    assert.equal(impliedKeyOf(identity)?.column, "author_id");
    const owned = parseDdl("CREATE TABLE t (n integer NOT NULL, v text);\nALTER SEQUENCE public.t_n_seq OWNED BY public.t.n;", "postgresql");
    assert.deepEqual(impliedKeyOf(owned), { column: "n", confidence: 0.85 }, "numbered by the database, though its name says nothing");
  });

  it("first column and NOT NULL alone make no key: film_actor's actor_id is a reference", () => {
    assert.equal(impliedKeyOf(parseDdl("CREATE TABLE film_actor (actor_id smallint NOT NULL, film_id smallint NOT NULL)", "postgresql")), undefined);
    assert.equal(impliedKeyOf(parseDdl("CREATE TABLE t (id int PRIMARY KEY, t_id int)", "postgresql")), undefined, "a declared key wins");
    assert.equal(impliedKeyOf(parseDdl("CREATE TABLE t (a int, b int, PRIMARY KEY (a, b))", "postgresql")), undefined, "a composite declared key too");
    assert.equal(impliedKeyOf(parseDdl("CREATE VIEW v AS SELECT 1 AS id", "postgresql")), undefined, "views have none");
  });

  it("MySQL dumps that add keys and AUTO_INCREMENT by ALTER: read in the same definition", () => {
    const sql = "CREATE TABLE `orders` (`id` int(11) NOT NULL, `customer_id` int(11) NOT NULL);\nALTER TABLE `orders` ADD PRIMARY KEY (`id`), ADD KEY `customer_id` (`customer_id`);\nALTER TABLE `orders` MODIFY `id` int(11) NOT NULL AUTO_INCREMENT, AUTO_INCREMENT=42;";
    const s = parseDdl(sql, "mysql");
    assert.deepEqual(s.primaryKey, ["id"]);
    assert.deepEqual(s.identityColumns, ["id"]);
    assert.deepEqual(s.uniqueKeys, []);
  });

  it("CockroachDB: a hidden rowid key, unique_rowid() defaults and ALTER ... ADD CONSTRAINT / VALIDATE", () => {
    const sql = [
      "CREATE TABLE public.accounts (\n\tid INT8 NOT NULL DEFAULT unique_rowid(),\n\towner_name STRING NOT NULL,\n\tCONSTRAINT accounts_pkey PRIMARY KEY (id ASC)\n);",
      "CREATE TABLE public.transfers (\n\tfrom_account_id INT8 NOT NULL,\n\tto_account_id INT8 NOT NULL,\n\tamount DECIMAL NOT NULL,\n\trowid INT8 NOT VISIBLE NOT NULL DEFAULT unique_rowid(),\n\tCONSTRAINT transfers_pkey PRIMARY KEY (rowid ASC)\n);",
    ];
    assert.deepEqual(edges(sql, "postgresql"), ["transfers.from_account_id -> accounts.id", "transfers.to_account_id -> accounts.id"]);
    // the hidden rowid is nobody's target: a table keyed by it is keyed, for references, by what its names imply
    const keyedByRowId = "CREATE TABLE public.transfers (\n\ttransfer_id INT8 NOT NULL,\n\tamount DECIMAL NOT NULL,\n\trowid INT8 NOT VISIBLE NOT NULL DEFAULT unique_rowid(),\n\tCONSTRAINT transfers_pkey PRIMARY KEY (rowid ASC)\n);";
    assert.deepEqual(edges([keyedByRowId, "CREATE TABLE public.refunds (refund_id INT8 NOT NULL DEFAULT unique_rowid(), transfer_id INT8 NOT NULL)"], "postgresql"), ["refunds.transfer_id -> transfers.transfer_id"]);
    const altered = parseDdl(`${sql[1]}\nALTER TABLE public.transfers ADD CONSTRAINT transfers_from_fk FOREIGN KEY (from_account_id) REFERENCES public.accounts(id);\nALTER TABLE public.transfers VALIDATE CONSTRAINT transfers_from_fk;`, "postgresql");
    assert.deepEqual(altered.foreignKeys, [{ name: "transfers_from_fk", fromColumns: ["from_account_id"], toTable: "public.accounts", toColumns: ["id"] }]);
  });

  it("warehouse DDL without any keys (Snowflake, BigQuery): keys by name, references by name", () => {
    assert.deepEqual(
      edges(
        [
          "CREATE OR REPLACE TABLE analytics.dim_customer (customer_key NUMBER(38,0), customer_name VARCHAR, region_code VARCHAR(8))",
          "CREATE OR REPLACE TABLE analytics.dim_region (region_code VARCHAR(8), region_name VARCHAR)",
          "CREATE OR REPLACE TABLE analytics.fct_orders (order_key NUMBER(38,0), customer_key NUMBER(38,0), order_date DATE, amount NUMBER(12,2))",
        ],
        "snowflake",
      ),
      ["dim_customer.region_code -> dim_region.region_code", "fct_orders.customer_key -> dim_customer.customer_key"],
    );
    assert.deepEqual(
      edges(["CREATE TABLE `shop.users` (user_id INT64 NOT NULL, email STRING)", "CREATE TABLE `shop.events` (event_id STRING NOT NULL, user_id INT64, kind STRING)"], "bigquery"),
      ["events.user_id -> users.user_id"],
    );
  });
});

describe("keys declared in another row's definition", () => {
  it("a dump's ALTER statements kept in one row give the other tables their primary and foreign keys", () => {
    const first = "CREATE TABLE public.region (code character varying(8) NOT NULL, name text);\nALTER TABLE ONLY public.region ADD CONSTRAINT region_pkey PRIMARY KEY (code);\nALTER TABLE ONLY public.store ADD CONSTRAINT store_pkey PRIMARY KEY (store_no);\nALTER TABLE ONLY public.store ADD CONSTRAINT store_region_fk FOREIGN KEY (region) REFERENCES public.region(code);";
    const summaries = [summaryOf(first, "postgresql"), summaryOf("CREATE TABLE public.store (store_no integer NOT NULL, region character varying(8), manager text)", "postgresql"), summaryOf("CREATE TABLE public.sale (sale_id integer NOT NULL, store_no integer)", "postgresql")];
    assert.deepEqual(summaries[0].keysOfOthers?.map((k) => k.table), ["public.store"]);
    const index = new CatalogIndex();
    for (const s of summaries) index.add(s);
    const store = index.locate("db", "public", "store");
    assert.deepEqual(index.foreignKeysDeclaredFor(store), [{ name: "store_region_fk", fromColumns: ["region"], toTable: "public.region", toColumns: ["code"] }]);
    assert.deepEqual(index.primaryKeyColumns(store), ["store_no"]);
    assert.deepEqual(inferFromNames(summaries[2], index).map((e) => `${e.from_column} -> ${e.to_table}.${e.to_column}`), ["store_no -> store.store_no"]);
  });

  it("an ALTER naming public.t reaches t of the same row's scope when the store keeps no schema names", () => {
    const index = new CatalogIndex();
    index.add(summaryOf("CREATE TABLE region (code varchar(8));\nALTER TABLE ONLY public.store ADD CONSTRAINT store_pkey PRIMARY KEY (store_no);", "postgresql"));
    index.add(summaryOf("CREATE TABLE store (store_no integer, region varchar(8))", "postgresql"));
    assert.deepEqual(index.primaryKeyColumns(index.locate("db", "", "store")), ["store_no"]);
  });
});

describe("precision rules", () => {
  const customer = "CREATE TABLE customer (customer_id serial, name text)";

  it("a column whose type cannot hold the key's values is no reference: a varchar code or name to an integer id", () => {
    assert.deepEqual(edges([customer, "CREATE TABLE orders (order_id serial, customer_id varchar(20), category_id int)", "CREATE TABLE category (category_id char(4))"], "postgresql"), []);
    assert.deepEqual(edges([customer, "CREATE TABLE orders (order_id serial, customer_id bigint)"], "postgresql"), ["orders.customer_id -> customer.customer_id"], "integers of any width match");
  });

  it("a temporary table is never a target, and its own key references nothing", () => {
    const tmp = "CREATE TEMPORARY TABLE tmp_customer (customer_id integer NOT NULL PRIMARY KEY)";
    assert.deepEqual(edges([tmp, "CREATE TABLE payment (payment_id serial, customer_id integer)"], "postgresql"), []);
    assert.deepEqual(edges([tmp, customer, "CREATE TABLE payment (payment_id serial, customer_id integer)"], "postgresql"), ["payment.customer_id -> customer.customer_id"]);
  });

  it("a view gets no foreign keys and is no target", () => {
    const view = "CREATE VIEW customer_list AS SELECT c.customer_id, c.name, a.city_id FROM customer c JOIN address a ON a.address_id = c.address_id";
    assert.deepEqual(edges([customer, "CREATE TABLE city (city_id serial)", view], "postgresql"), []);
    assert.deepEqual(edges(["CREATE VIEW customer AS SELECT 1 AS customer_id", "CREATE TABLE orders (order_id serial, customer_id int)"], "postgresql"), []);
  });
});

describe("views: join paths from their own query, never foreign keys", () => {
  it("pg_dump's nested join groups, same-named tables of other databases ignored, written toward the key", () => {
    const view = "CREATE VIEW customer_list AS\n    SELECT cu.customer_id AS id, a.phone, city.city FROM ((customer cu JOIN address a ON ((cu.address_id = a.address_id))) JOIN city ON ((a.city_id = city.city_id)));";
    const here = [
      view,
      "CREATE TABLE customer (customer_id serial, address_id integer)",
      "CREATE TABLE address (address_id serial, city_id integer, phone text)",
      "CREATE TABLE city (city_id serial, city text)",
    ].map((d) => summaryOf(d, "postgresql"));
    const elsewhere = ["CREATE TABLE address (address_id serial, city_id integer)", "CREATE TABLE city (city_id serial)"].map((d) => summaryOf(d, "postgresql", "other"));
    const index = new CatalogIndex();
    for (const s of [...here, ...elsewhere]) index.add(s);
    assert.equal(here[0].tableType, "view");
    assert.deepEqual(inferFromNames(here[0], index), []);
    assert.deepEqual(viewJoinPaths(here[0], viewJoins(view, "postgresql"), index), ["customer.address_id -> address.address_id", "address.city_id -> city.city_id"]);
    const deep = `CREATE VIEW v AS SELECT 1 FROM ${"(".repeat(12)}customer c JOIN address a ON c.address_id = a.address_id${")".repeat(12)}`;
    assert.deepEqual(viewJoins(deep, "postgresql"), [], "nested past what node-sql-parser is given: not read (its backtracking is exponential)");
  });
});

describe("role names and abbreviated compound names", () => {
  it("support_rep_id, created_by and owner_id go to the catalog's one person table, when their type fits", () => {
    const employee = "CREATE TABLE employee (employee_id int NOT NULL, name text)";
    assert.deepEqual(edges([employee, "CREATE TABLE customer (customer_id int NOT NULL, support_rep_id int)"], "mysql"), ["customer.support_rep_id -> employee.employee_id"]);
    assert.deepEqual(edges([employee, "CREATE TABLE ticket (ticket_id int NOT NULL, created_by int, owner_id int)"], "mysql"), ["ticket.created_by -> employee.employee_id", "ticket.owner_id -> employee.employee_id"]);
    assert.deepEqual(edges([employee, "CREATE TABLE ticket (ticket_id int NOT NULL, created_by varchar(64))"], "mysql"), [], "a user name is not an employee id");
    const report = "CREATE TABLE report (report_id int NOT NULL, title text)";
    assert.deepEqual(edges([employee, report, "CREATE TABLE customer (customer_id int NOT NULL, support_rep_id int)"], "mysql"), ["customer.support_rep_id -> employee.employee_id"], "rep abbreviates no table");
  });

  it("with two person tables the role is ambiguous: left out", () => {
    const two = ["CREATE TABLE employee (employee_id int NOT NULL)", "CREATE TABLE users (user_id int NOT NULL)", "CREATE TABLE ticket (ticket_id int NOT NULL, created_by int)"];
    assert.deepEqual(edges(two, "mysql"), []);
  });

  it("cust_addr_id -> customer_address, emp_dept_no -> department", () => {
    assert.deepEqual(
      edges(["CREATE TABLE customer_address (cust_addr_id int NOT NULL, street text)", "CREATE TABLE shipment (shipment_id int NOT NULL, cust_addr_id int)"], "mysql"),
      ["shipment.cust_addr_id -> customer_address.cust_addr_id"],
    );
    assert.deepEqual(
      edges(["CREATE TABLE departments (dept_no char(4) NOT NULL, dept_name varchar(40))", "CREATE TABLE budget (budget_id int NOT NULL, emp_dept_no char(4))"], "mysql"),
      ["budget.emp_dept_no -> departments.dept_no"],
    );
    assert.deepEqual(
      edges(["CREATE TABLE customer_address (id int NOT NULL, street text)", "CREATE TABLE customer (id int NOT NULL)", "CREATE TABLE shipment (id int NOT NULL, cust_addr_id int)"], "mysql"),
      ["shipment.cust_addr_id -> customer_address.id"],
    );
  });
});
