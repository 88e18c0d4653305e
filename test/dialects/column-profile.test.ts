/** The sampling rule's decisions and the personal-data screen shared by every engine's statistics. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { countExactly, DEFAULT_SAMPLING, looksPersonalByName, looksPersonalByValues, readPlan, topValueCandidates, withTopValues } from "../../src/dialects/column-profile.js";

test("column names of personal data are recognised in any naming style; ordinary names are not", () => {
  for (const name of ["email", "customer_email", "EmailAddress", "phone", "phoneNumber", "mobile", "first_name", "LastName", "surname", "address", "street", "zip_code", "postal_code", "date_of_birth", "dob", "ssn", "passport_no", "national_id", "id_card", "tax_id", "iban", "credit_card", "ip_address", "password", "username"]) {
    assert.ok(looksPersonalByName(name), name);
  }
  for (const name of ["name", "status", "rating", "store_id", "category", "country", "last_update", "active", "gender_code", "type"]) {
    assert.ok(!looksPersonalByName(name), name);
  }
});

test("values shaped like e-mails, phone numbers, SSNs, IBANs, card numbers and IP addresses are personal; codes are not", () => {
  const of = (...values: string[]) => values.map((value) => ({ value, count: 1, fraction: 0 }));
  assert.ok(looksPersonalByValues(of("a@b.io", "c@d.com")));
  assert.ok(looksPersonalByValues(of("+1 555 0101 77", "(030) 1234567")));
  assert.ok(looksPersonalByValues(of("123-45-6789")));
  assert.ok(looksPersonalByValues(of("DE89370400440532013000")));
  assert.ok(looksPersonalByValues(of("4111 1111 1111 1111")));
  assert.ok(looksPersonalByValues(of("10.0.0.1")));
  assert.ok(!looksPersonalByValues(of("G", "PG", "PG-13", "R", "NC-17")));
  assert.ok(!looksPersonalByValues(of("0", "1", "2", "2024-01-01", "12.50")));
});

test("the sampling rule: count when the estimate allows, read whole or sample, top values only for few distinct values", () => {
  const rule = { ...DEFAULT_SAMPLING, sampleRows: 100, exactCountMaxRows: 1000 };
  assert.equal(countExactly(null, rule), true, "no estimate: count");
  assert.equal(countExactly(1000, rule), true);
  assert.equal(countExactly(1001, rule), false);
  assert.equal(countExactly(10 ** 12, { ...rule, exactCountMaxRows: 0 }), true, "0: always count");
  assert.deepEqual(readPlan(0, rule), { read: "none" });
  assert.deepEqual(readPlan(100, rule), { read: "all" });
  assert.deepEqual(readPlan(400, rule), { read: "sample", rows: 100, fraction: 0.25 });
  assert.deepEqual(readPlan(400, { ...rule, sampleRows: 0 }), { read: "none" });
  const cols = [
    { name: "status", distinct: 3, eligible: true },
    { name: "id", distinct: 400, eligible: true },
    { name: "email", distinct: 2, eligible: true },
    { name: "blob", distinct: 2, eligible: false },
    { name: "empty", distinct: 0, eligible: true },
  ];
  assert.deepEqual(topValueCandidates(cols, DEFAULT_SAMPLING), [0]);
  assert.deepEqual(topValueCandidates(cols, { ...DEFAULT_SAMPLING, allowPiiValues: true }), [0, 2]);
  assert.deepEqual(topValueCandidates(cols, { ...DEFAULT_SAMPLING, topValues: 0 }), []);
});

test("top values are ordered by count, carry their fraction, and are withheld when they look personal", () => {
  const columns = { status: { distinct: 2 }, contact: { distinct: 2 } };
  const out = withTopValues(
    columns,
    ["status", "contact"],
    [
      { column: 0, value: "b", count: 1 },
      { column: 0, value: "a", count: 3 },
      { column: 1, value: "x@y.org", count: 2 },
      { column: 1, value: "z@y.org", count: 2 },
    ],
    () => 4,
    DEFAULT_SAMPLING,
  );
  assert.deepEqual(out.status.top_values, [
    { value: "a", count: 3, fraction: 0.75 },
    { value: "b", count: 1, fraction: 0.25 },
  ]);
  assert.equal(out.contact.top_values, undefined);
  assert.equal(out.contact.top_values_withheld, "personal_data");
  const allowed = withTopValues(columns, ["status", "contact"], [{ column: 1, value: "x@y.org", count: 2 }], () => 2, { ...DEFAULT_SAMPLING, allowPiiValues: true });
  assert.deepEqual(allowed.contact.top_values, [{ value: "x@y.org", count: 2, fraction: 1 }]);
});
