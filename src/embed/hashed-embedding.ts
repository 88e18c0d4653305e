/**
 * A deterministic, offline text embedding: signed feature hashing of word unigrams, word bigrams and
 * CJK character bigrams, L2-normalised. It is NOT a semantic model; it stands in until the embeddings
 * issue brings MiniLM/OpenAI vectors, and it keeps the store's vector dimension so the table stays valid.
 */

const TOKEN = /[\p{L}\p{N}_]+/gu;
const CJK = /[\u3400-\u9fff\uf900-\ufaff]/u;

/** 32-bit FNV-1a over UTF-16 code units: fast, stable across platforms and releases. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function features(text: string): string[] {
  const out: string[] = [];
  const words = text.toLowerCase().match(TOKEN) ?? [];
  let prev = "";
  for (const word of words) {
    if (CJK.test(word)) {
      // CJK text has no spaces: characters and character bigrams carry the meaning.
      const chars = Array.from(word);
      for (let i = 0; i < chars.length; i++) {
        out.push(chars[i]);
        if (i + 1 < chars.length) out.push(chars[i] + chars[i + 1]);
      }
    } else {
      out.push(word);
      // split snake_case so `customer_id` also says `customer`
      if (word.includes("_")) for (const part of word.split("_")) if (part) out.push(part);
    }
    if (prev) out.push(`${prev} ${word}`);
    prev = word;
  }
  return out;
}

/** The hashed embedding of `text` into `dim` floats, unit length (all zeros only for text without tokens). */
export function hashedTextEmbedding(text: string, dim: number, into?: Float32Array): Float32Array {
  const v = into ?? new Float32Array(dim);
  v.fill(0);
  for (const f of features(text)) {
    const h = fnv1a(f);
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

