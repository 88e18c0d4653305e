/**
 * The catalog index keeps its strings as UTF-16 code units in typed arrays, built in one thread and read from
 * shared memory in others: they must give back the strings, find them, and order them exactly as JS strings do.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { GrowingStrings, SharedStringList } from "../../src/relationships/string-list.js";

/** Names as catalogs hold them: ASCII, accents, CJK, astral characters, empty, long, prefixes of each other. */
function words(n: number): string[] {
  const pieces = ["order", "Order", "orders", "order_id", "kunde", "Straße", "客户", "𝔘𝔫𝔦", "", "x".repeat(5000), "a", "ab", "abc", "é", "e\u0301"];
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(pieces[i % pieces.length] + (i % 7 === 0 ? "" : String(i % 97)) + (i % 11 === 0 ? pieces[(i * 3) % pieces.length] : ""));
  return out;
}

const sign = (x: number): number => (x < 0 ? -1 : x > 0 ? 1 : 0);
const jsOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

test("interned strings come back, are found once each, and share into memory another thread reads", () => {
  const all = words(3000);
  const list = new GrowingStrings({ interned: true });
  const ids = all.map((w) => list.intern(w));
  const distinct = [...new Set(all)];
  assert.equal(list.length, distinct.length);
  all.forEach((w, i) => {
    assert.equal(list.at(ids[i]), w);
    assert.equal(list.indexOf(w), ids[i]);
  });
  assert.equal(list.indexOf("not there"), -1);
  const shared = new SharedStringList(list.share());
  assert.ok(shared.length === list.length && distinct.every((w) => shared.at(shared.indexOf(w)) === w));
  assert.equal(shared.indexOf("not there"), -1);
});

test("strings order as JS strings order them, in the list being built and in shared memory", () => {
  const all = words(400);
  const names = new GrowingStrings();
  const entities = new GrowingStrings({ fallback: names });
  all.forEach((w, i) => {
    names.push(w);
    // every third entity is the name itself, stored once
    if (i % 3 === 0) entities.pushSame();
    else entities.push(w.toLowerCase());
  });
  const expected = all.map((w, i) => (i % 3 === 0 ? w : w.toLowerCase()));
  const sharedNames = new SharedStringList(names.share());
  const sharedEntities = new SharedStringList(entities.share(), sharedNames);
  for (const list of [entities, sharedEntities]) {
    for (let i = 0; i < all.length; i++) {
      assert.equal(list.at(i), expected[i]);
      for (let j = 0; j < all.length; j += 7) assert.equal(sign(list.compare(i, j)), jsOrder(expected[i], expected[j]), `${i} vs ${j}`);
      for (const probe of ["", "order", "orders1", "客", "𝔘", "zzz"]) assert.equal(sign(list.compareTo(i, probe)), jsOrder(expected[i], probe));
    }
  }
});
