import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { RelationshipEdge } from "../../src/model.js";
import type { TableSummary } from "../../src/relationships/catalog-index.js";
import { inferFromNames } from "../../src/relationships/infer-from-names.js";
import { indexOf, table } from "../helpers/relationships-synthetic.js";

/** Edges of `from` as `column -> table.column`, inferred against a catalog of `from` plus `others`. */
function edges(from: TableSummary, ...others: TableSummary[]): string[] {
  return inferFromNames(from, indexOf([from, ...others])).map((e) => `${e.from_column} -> ${e.to_table}.${e.to_column}`);
}

function only(from: TableSummary, ...others: TableSummary[]): RelationshipEdge {
  const all = inferFromNames(from, indexOf([from, ...others]));
  assert.equal(all.length, 1, JSON.stringify(all));
  return all[0];
}

const customers = table({ name: "customers", columns: ["id", "name"], pk: ["id"] });
const orders = table({ name: "orders", columns: ["id", "customer_id", "total"], pk: ["id"] });

describe("inferFromNames: the naming rules", () => {
  it("customer_id -> customers.id (plural table, the key is not named after the column)", () => {
    assert.deepEqual(edges(orders, customers), ["customer_id -> customers.id"]);
    const e = only(orders, customers);
    assert.equal(e.source, "name_inference");
    assert.ok(e.confidence > 0 && e.confidence <= 1);
  });

  it("the same key name in another table: emp_no -> employees.emp_no, CustomerId -> Customer.CustomerId", () => {
    const employees = table({ name: "employees", columns: ["emp_no", "first_name"], pk: ["emp_no"] });
    const titles = table({ name: "titles", columns: ["emp_no", "title", "from_date"], pk: ["emp_no", "title", "from_date"] });
    assert.deepEqual(edges(titles, employees), ["emp_no -> employees.emp_no"]);
    const customer = table({ name: "Customer", columns: ["CustomerId", "Name"], pk: ["CustomerId"] });
    const invoice = table({ name: "Invoice", columns: ["InvoiceId", "CustomerId"], pk: ["InvoiceId"] });
    assert.deepEqual(edges(invoice, customer), ["CustomerId -> Customer.CustomerId"]);
  });

  it("abbreviations by prefix of the target's name: cust_id -> customer, dept_no -> departments", () => {
    const customer = table({ name: "customer", columns: ["id"], pk: ["id"] });
    const sale = table({ name: "sale", columns: ["id", "cust_id"], pk: ["id"] });
    assert.deepEqual(edges(sale, customer), ["cust_id -> customer.id"]);
    const departments = table({ name: "departments", columns: ["id", "dept_name"], pk: ["id"] });
    const budget = table({ name: "budget", columns: ["dept_no", "amount"] });
    assert.deepEqual(edges(budget, departments), ["dept_no -> departments.id"]);
  });

  it("TPC-H: o_custkey -> customer.c_custkey (prefix dropped, abbreviation, shared key stem)", () => {
    const customer = table({ name: "customer", columns: ["c_custkey", "c_name"], impliedKey: "c_custkey" });
    const ordersH = table({ name: "orders", columns: ["o_orderkey", "o_custkey"], impliedKey: "o_orderkey" });
    assert.deepEqual(edges(ordersH, customer), ["o_custkey -> customer.c_custkey"]);
  });

  it("TPC-DS: ss_item_sk -> item.i_item_sk, ss_sold_date_sk -> date_dim.d_date_sk", () => {
    const item = table({ name: "item", columns: ["i_item_sk", "i_item_id"], pk: ["i_item_sk"] });
    const dateDim = table({ name: "date_dim", columns: ["d_date_sk", "d_date"], pk: ["d_date_sk"] });
    const storeSales = table({ name: "store_sales", columns: ["ss_sold_date_sk", "ss_item_sk", "ss_quantity"], pk: ["ss_item_sk", "ss_ticket_number"] });
    assert.deepEqual(edges(storeSales, item, dateDim), ["ss_sold_date_sk -> date_dim.d_date_sk", "ss_item_sk -> item.i_item_sk"]);
  });

  it("warehouse and naming prefixes on the target: dim_, ods_, dwd_, t_, tb_", () => {
    for (const name of ["dim_customer", "ods_customers", "dwd_customer", "t_customer", "tb_customer"]) {
      assert.deepEqual(edges(orders, table({ name, columns: ["id"], pk: ["id"] })), [`customer_id -> ${name}.id`], name);
    }
  });

  it("module prefixes: oms_order_item.order_id -> oms_order.id, member_id -> ums_member.id", () => {
    const omsOrder = table({ name: "oms_order", columns: ["id", "member_id"], pk: ["id"] });
    const item = table({ name: "oms_order_item", columns: ["id", "order_id"], pk: ["id"] });
    const member = table({ name: "ums_member", columns: ["id", "username"], pk: ["id"] });
    assert.deepEqual(edges(item, omsOrder, member), ["order_id -> oms_order.id"]);
    assert.deepEqual(edges(omsOrder, item, member), ["member_id -> ums_member.id"]);
  });

  it("plural and singular both ways: category_id -> categories, address_id -> addresses, customers_id -> customer", () => {
    const categories = table({ name: "categories", columns: ["id"], pk: ["id"] });
    const addresses = table({ name: "addresses", columns: ["id"], pk: ["id"] });
    const customer = table({ name: "customer", columns: ["id"], pk: ["id"] });
    const product = table({ name: "product", columns: ["id", "category_id", "address_id", "customers_id"], pk: ["id"] });
    assert.deepEqual(edges(product, categories, addresses, customer), ["category_id -> categories.id", "address_id -> addresses.id", "customers_id -> customer.id"]);
  });

  it("a role in front of the entity is dropped: manager_staff_id -> staff, original_language_id -> language", () => {
    const staff = table({ name: "staff", columns: ["staff_id"], pk: ["staff_id"] });
    const language = table({ name: "language", columns: ["language_id"], pk: ["language_id"] });
    const store = table({ name: "store", columns: ["store_id", "manager_staff_id"], pk: ["store_id"], unique: [["manager_staff_id"]] });
    const film = table({ name: "film", columns: ["film_id", "language_id", "original_language_id"], pk: ["film_id"] });
    assert.deepEqual(edges(store, staff, language, film), ["manager_staff_id -> staff.staff_id"]);
    assert.deepEqual(edges(film, staff, language, store), ["language_id -> language.language_id", "original_language_id -> language.language_id"]);
  });

  it("the target column must exist and be a single-column key: no key, or a composite one, gives no edge", () => {
    const noKey = table({ name: "customers", columns: ["id", "name"] });
    assert.deepEqual(edges(orders, noKey), []);
    const composite = table({ name: "customers", columns: ["id", "region"], pk: ["id", "region"] });
    assert.deepEqual(edges(orders, composite), []);
    const unique = table({ name: "customers", columns: ["id", "code"], unique: [["id"]] });
    assert.deepEqual(edges(orders, unique), ["customer_id -> customers.id"]);
  });

  it("a unique column without a key suffix is not a reference target (email), a primary key is (sku)", () => {
    const users = table({ name: "users", columns: ["id", "email"], pk: ["id"], unique: [["email"]] });
    const products = table({ name: "products", columns: ["sku", "name"], pk: ["sku"] });
    const signup = table({ name: "signup", columns: ["email", "sku"] });
    assert.deepEqual(edges(signup, users, products), ["sku -> products.sku"]);
  });

  it("columns without a key suffix or with a generic name are left alone", () => {
    const t = table({ name: "t1", columns: ["id", "name", "customer", "type", "code"], pk: ["id"] });
    assert.deepEqual(edges(t, customers, table({ name: "type", columns: ["id"], pk: ["id"] })), []);
  });
});

describe("inferFromNames: ambiguity, self-edges, hierarchies, scopes", () => {
  it("two equally good targets: the column gets no edge (never the alphabetically first)", () => {
    const a = table({ name: "dim_customer", columns: ["id"], pk: ["id"] });
    const b = table({ name: "ods_customer", columns: ["id"], pk: ["id"] });
    assert.deepEqual(edges(orders, a, b), []);
    const custodian = table({ name: "custodian", columns: ["id"], pk: ["id"] });
    const customer = table({ name: "customer", columns: ["id"], pk: ["id"] });
    const sale = table({ name: "sale", columns: ["id", "cust_id"], pk: ["id"] });
    assert.deepEqual(edges(sale, custodian, customer), []);
  });

  it("a clearly better candidate wins over a weaker one: the exact name over an abbreviation or a shared key name", () => {
    const film = table({ name: "film", columns: ["film_id", "title"], pk: ["film_id"] });
    const filmText = table({ name: "film_text", columns: ["film_id", "title"], pk: ["film_id"] });
    const inventory = table({ name: "inventory", columns: ["inventory_id", "film_id"], pk: ["inventory_id"] });
    const e = only(inventory, film, filmText);
    assert.equal(e.to_table, "film");
    assert.ok(e.confidence >= 0.9);
  });

  it("no self-edges: a table's own key, or a column naming the table itself, points nowhere", () => {
    const customer = table({ name: "customer", columns: ["customer_id", "legacy_customer_id"], pk: ["customer_id"] });
    assert.deepEqual(edges(customer), []);
    const odd = table({ name: "customer", columns: ["id", "customer_id"], pk: ["id"] });
    assert.deepEqual(edges(odd), []);
  });

  it("a table's own key, declared or implied, is never a foreign key to another table (issue 9: a key is not a reference)", () => {
    const film = table({ name: "film", columns: ["film_id"], pk: ["film_id"] });
    const filmText = table({ name: "film_text", columns: ["film_id", "title"], pk: ["film_id"] });
    assert.deepEqual(edges(filmText, film), []);
    assert.deepEqual(edges(film, filmText), []);
    const tmp = table({ name: "customer_copy", columns: ["customer_id", "note"], impliedKey: "customer_id" });
    assert.deepEqual(edges(tmp, table({ name: "customer", columns: ["customer_id"], pk: ["customer_id"] })), []);
  });

  it("hierarchies point at the table's own key: parent_id, manager_id, reports_to, ReportsTo", () => {
    const category = table({ name: "category", columns: ["id", "parent_id"], pk: ["id"] });
    assert.deepEqual(edges(category), ["parent_id -> category.id"]);
    const employee = table({ name: "employee", columns: ["employee_id", "manager_id", "reports_to"], pk: ["employee_id"] });
    assert.deepEqual(edges(employee), ["manager_id -> employee.employee_id", "reports_to -> employee.employee_id"]);
    const chinook = table({ name: "Employee", columns: ["EmployeeId", "ReportsTo"], pk: ["EmployeeId"] });
    assert.deepEqual(edges(chinook), ["ReportsTo -> Employee.EmployeeId"]);
  });

  it("manager_id outside a person table points at the person table, not at itself", () => {
    const employee = table({ name: "employees", columns: ["id", "name"], pk: ["id"] });
    const department = table({ name: "department", columns: ["id", "manager_id"], pk: ["id"] });
    assert.deepEqual(edges(department, employee), ["manager_id -> employees.id"]);
    assert.deepEqual(edges(department), []);
  });

  it("prefers the table's own database and schema; elsewhere only when the own scope has none, named qualified, scored lower", () => {
    const here = table({ name: "orders", columns: ["id", "customer_id"], pk: ["id"], schema: "sales" });
    const sameSchema = table({ name: "customer", columns: ["id"], pk: ["id"], schema: "sales" });
    const otherSchema = table({ name: "customer", columns: ["id"], pk: ["id"], schema: "crm" });
    assert.deepEqual(edges(here, otherSchema, sameSchema), ["customer_id -> customer.id"]);
    const local = only(here, sameSchema);
    const remote = only(here, otherSchema);
    assert.equal(remote.to_table, "crm.customer");
    assert.ok(remote.confidence < local.confidence);
  });

  it("sees the whole catalog: the target may be added after the table (no batches)", () => {
    const index = indexOf([orders, ...Array.from({ length: 500 }, (_, i) => table({ name: `t${i}`, columns: ["id"], pk: ["id"] })), customers]);
    assert.deepEqual(
      inferFromNames(orders, index).map((e) => e.to_table),
      ["customers"],
    );
  });

  it("an inheriting table (PostgreSQL INHERITS / PARTITION OF) uses its parent's columns; the parent is not a target", () => {
    const payment = table({ name: "payment", columns: ["payment_id", "customer_id"], pk: ["payment_id"] });
    const child = table({ name: "payment_p2007_01", columns: [], inherits: "payment" });
    assert.deepEqual(edges(child, payment, table({ name: "customer", columns: ["customer_id"], pk: ["customer_id"] })), ["customer_id -> customer.customer_id"]);
  });
});
