/** column_enums checked against the values the statistics saw. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { mergeObservedEnums } from "../../src/enrich/observed-enums.js";

test("documented codes seen in the data are marked observed; codes only in the data are appended as undocumented", () => {
  const enums = JSON.stringify({ status: [{ value: "0", label: "new" }, { value: "1", label: "paid" }, { value: "9", label: "void" }] });
  const stats = { status: { top_values: [{ value: "1", count: 5, fraction: 0.5 }, { value: "0", count: 3, fraction: 0.3 }, { value: "2", count: 2, fraction: 0.2 }] } };
  assert.deepEqual(JSON.parse(mergeObservedEnums(enums, stats)), {
    status: [
      { value: "0", label: "new", observed: true },
      { value: "1", label: "paid", observed: true },
      { value: "9", label: "void" },
      { value: "2", label: "", observed: true, undocumented: true },
    ],
  });
});

test("numeric codes compare as numbers; columns without documented codes or without top values are left alone", () => {
  const enums = JSON.stringify({ flag: [{ value: "1", label: "on" }], other: [{ value: "A", label: "a" }] });
  const merged = JSON.parse(mergeObservedEnums(enums, { flag: { top_values: [{ value: "1.0", count: 1, fraction: 1 }] }, other: { distinct: 40 }, level: { top_values: [{ value: "x", count: 1, fraction: 1 }] } }));
  assert.deepEqual(merged, { flag: [{ value: "1", label: "on", observed: true }], other: [{ value: "A", label: "a" }] });
  assert.equal(mergeObservedEnums("{}", { a: { top_values: [] } }), "{}");
  assert.equal(mergeObservedEnums("not json", {}), "not json");
});
