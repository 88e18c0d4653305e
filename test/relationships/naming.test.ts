import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { abbreviates, columnShape, contracts, entityReadings, hierarchyOf, isPersonRole, moduleStrippedEntity, namesOwnKey, prefixedStem, singular, tableEntity, words } from "../../src/relationships/naming.js";

describe("reading names", () => {
  it("splits snake_case, CamelCase and upper case into lower-case words", () => {
    assert.deepEqual(words("MediaTypeId"), ["media", "type", "id"]);
    assert.deepEqual(words("media_type_id"), ["media", "type", "id"]);
    assert.deepEqual(words("C_CUSTKEY"), ["c", "custkey"]);
    assert.deepEqual(words("URLId"), ["url", "id"]);
  });

  it("singular forms: customers, categories, addresses, boxes, people; status and address stay", () => {
    assert.deepEqual(
      ["customers", "categories", "addresses", "boxes", "people", "status", "address", "orders"].map(singular),
      ["customer", "category", "address", "box", "person", "status", "address", "order"],
    );
  });

  it("a table's entity drops warehouse layer prefixes (ods_, dwd_, dim_, t_, tb_) and dimension suffixes", () => {
    assert.deepEqual(
      ["ods_customers", "dwd_order", "dim_customer", "t_user", "tb_users", "date_dim", "InvoiceLine", "categories"].map(tableEntity),
      ["customer", "order", "customer", "user", "user", "date", "invoice_line", "category"],
    );
  });

  it("module prefixes (oms_, ums_) give a second, weaker entity", () => {
    assert.equal(moduleStrippedEntity("oms_order_item"), "order_item");
    assert.equal(moduleStrippedEntity("ums_members"), "member");
    assert.equal(moduleStrippedEntity("customer"), undefined);
  });

  it("column shapes: entity words and key suffix, TPC-H's glued key, lower-case glued id", () => {
    assert.deepEqual(columnShape("customer_id").stem, ["customer"]);
    assert.deepEqual(columnShape("o_custkey"), { words: ["o", "custkey"], suffix: "key", stem: ["o", "cust"], glued: false });
    assert.deepEqual(columnShape("ss_item_sk").stem, ["ss", "item"]);
    assert.equal(columnShape("customerid").glued, true);
    assert.equal(columnShape("ReportsTo").suffix, undefined);
    assert.deepEqual(
      entityReadings(columnShape("manager_staff_id")).map((r) => r.entity),
      ["manager_staff", "staff"],
    );
  });

  it("abbreviations: cust abbreviates customer, not the compound dept_emp for dept", () => {
    assert.ok(abbreviates("cust", "customer"));
    assert.ok(abbreviates("emp", "employee"));
    assert.ok(!abbreviates("dept", "dept_emp"));
    assert.ok(!abbreviates("cu", "customer"));
  });

  it("contractions: dept -> department, mgr -> manager, acct -> account; not across words or from another start", () => {
    assert.ok(contracts("dept", "department"));
    assert.ok(contracts("acct", "account"));
    assert.ok(!contracts("mgr", "manager"), "the first two letters must match");
    assert.ok(!contracts("dept", "dept_emp"));
    assert.ok(!contracts("dpt", "department"));
  });

  it("prefixed stems: c_custkey and o_custkey share custkey; plain names have none", () => {
    assert.equal(prefixedStem("c_custkey"), "custkey");
    assert.equal(prefixedStem("ss_item_sk"), "item_sk");
    assert.equal(prefixedStem("customer_id"), undefined);
    assert.equal(prefixedStem("t_id"), undefined);
  });

  it("hierarchy columns: parent_*, manager_id in a person table, reports_to; a role prefix in front of an entity is not one", () => {
    assert.equal(hierarchyOf("parent_id", "category"), "self");
    assert.equal(hierarchyOf("parent_category_id", "categories"), "self");
    assert.equal(hierarchyOf("manager_id", "employees"), "self");
    assert.equal(hierarchyOf("ReportsTo", "Employee"), "self");
    assert.equal(hierarchyOf("manager_id", "department"), "person");
    assert.equal(hierarchyOf("manager_staff_id", "store"), undefined);
    assert.equal(hierarchyOf("parent_company_id", "orders"), undefined);
  });

  it("StarRocks implied keys: the sort-key column that names its own table", () => {
    assert.ok(namesOwnKey("customer", "c_custkey"));
    assert.ok(namesOwnKey("nation", "N_NATIONKEY"));
    assert.ok(namesOwnKey("date_dim", "d_date_sk"));
    assert.ok(namesOwnKey("orders", "order_id"));
    assert.ok(namesOwnKey("events", "id"));
    assert.ok(!namesOwnKey("lineitem", "l_orderkey"));
    assert.ok(!namesOwnKey("partsupp", "ps_partkey"));
    assert.ok(!namesOwnKey("orders", "o_orderdate"));
    assert.ok(!namesOwnKey("orders", ""));
  });

  it("a table's own key by name, on any table: <table>_id, <table>Id, abbreviations, compound abbreviations, TPC-DS prefixes", () => {
    for (const [table, column] of [
      ["actor", "actor_id"],
      ["MediaType", "MediaTypeId"],
      ["media_type", "mediatypeid"],
      ["employees", "emp_no"],
      ["departments", "dept_no"],
      ["customer_address", "cust_addr_id"],
      ["customer_address", "ca_address_sk"],
      ["dim_customer", "customer_key"],
      ["fct_orders", "order_key"],
      ["t_order_8", "order_key"],
      ["payment_p2007_01", "payment_id"],
    ]) {
      assert.ok(namesOwnKey(table, column), `${table}.${column}`);
    }
    for (const [table, column] of [
      ["film_actor", "actor_id"],
      ["film_actor", "film_id"],
      ["payment", "customer_id"],
      ["orders", "customer_fk"],
      ["orders", "created_at"],
    ]) {
      assert.ok(!namesOwnKey(table, column), `${table}.${column}`);
    }
  });

  it("person roles: support_rep_id, SupportRepId, owner_id, created_by, modified_by_user_id; not customer_id or by_id", () => {
    for (const c of ["support_rep_id", "SupportRepId", "owner_id", "assignee_id", "created_by", "modified_by_user_id", "approvedBy"]) assert.ok(isPersonRole(c), c);
    for (const c of ["customer_id", "by_id", "reporting_period", "owner"]) assert.ok(!isPersonRole(c), c);
  });
});
