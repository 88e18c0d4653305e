/**
 * The hashing embedding's vectors are stored: a store migrated by an earlier release must get the same vector
 * for the same search_text from this one. The reference below is the algorithm as it was first written
 * (features built as strings, then hashed); the tool's version hashes the text's code units in place.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { hashedTextEmbedding } from "../../src/embed/hashed-embedding.js";

function referenceFnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function referenceFeatures(text: string): string[] {
  const out: string[] = [];
  const words = text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [];
  let prev = "";
  for (const word of words) {
    if (/[\u3400-\u9fff\uf900-\ufaff]/u.test(word)) {
      const chars = Array.from(word);
      for (let i = 0; i < chars.length; i++) {
        out.push(chars[i]);
        if (i + 1 < chars.length) out.push(chars[i] + chars[i + 1]);
      }
    } else {
      out.push(word);
      if (word.includes("_")) for (const part of word.split("_")) if (part) out.push(part);
    }
    if (prev) out.push(`${prev} ${word}`);
    prev = word;
  }
  return out;
}

function reference(text: string, dim: number): Float32Array {
  const v = new Float32Array(dim);
  for (const f of referenceFeatures(text)) {
    const h = referenceFnv1a(f);
    v[h % dim] += (h & 0x80000000) !== 0 ? -1 : 1;
  }
  let norm = 0;
  for (let i = 0; i < dim; i++) norm += v[i] * v[i];
  if (norm > 0) {
    const inv = 1 / Math.sqrt(norm);
    for (let i = 0; i < dim; i++) v[i] *= inv;
  }
  return v;
}

const TEXTS = [
  "",
  "   ;;; ",
  "customer",
  "Table customer_address: columns address_id, customer_id, _private, trailing_, a__b, ___",
  "InvoiceLine (InvoiceLineId INTEGER, UnitPrice NUMERIC(10,2)) -- line items of an invoice",
  "客户表 customer 客户编号 id 订单金额 amount",
  "订单id 用户_名称 ab客c",
  "emoji 😀 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 letters, 𠀀𠀁 (CJK extension B) and a lone surrogate \ud800 here",
  "İstanbul ΣΊΣΥΦΟΣ straße ǅemal",
  "x".repeat(5000),
  "l_orderkey l_partkey l_suppkey l_linenumber l_quantity l_extendedprice l_discount l_tax l_returnflag",
];

test("the hashing embedding gives, bit for bit, the vectors its reference algorithm gives", () => {
  // and texts made of random pieces of all the above: word boundaries, underscores, CJK runs in every position
  const pieces = TEXTS.join(" ").split(/(?<=[\s_,;客订😀𝔘])/u);
  let seed = 7;
  const random = (n: number): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
  const texts = [...TEXTS];
  for (let k = 0; k < 400; k++) texts.push(Array.from({ length: 1 + random(12) }, () => pieces[random(pieces.length)]).join(""));
  for (const dim of [384, 768, 1024, 7]) {
    for (const text of texts) {
      const got = hashedTextEmbedding(text, dim);
      assert.deepEqual(Array.from(got), Array.from(reference(text, dim)), `dim ${dim}: ${JSON.stringify(text.slice(0, 80))}`);
    }
  }
});

test("a text without a single word embeds as zeros; any word makes a unit vector", () => {
  assert.ok(hashedTextEmbedding(" ,;- ", 16).every((x) => x === 0));
  const v = hashedTextEmbedding("orders", 16);
  assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-6);
});
