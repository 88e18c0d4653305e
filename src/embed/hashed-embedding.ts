/**
 * A deterministic, offline text embedding: signed feature hashing of word unigrams, word bigrams and
 * CJK character bigrams, L2-normalised. It is NOT a semantic model; it stands in until the embeddings
 * issue brings MiniLM/OpenAI vectors, and it keeps the store's vector dimension so the table stays valid.
 */

const TOKEN = /[\p{L}\p{N}_]+/gu;
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const SPACE = 0x20;
const UNDERSCORE = 0x5f;

/** 32-bit FNV-1a over UTF-16 code units (`text[from..to)`), continued from `h`: fast, stable across platforms and releases. */
function fnvFold(h: number, text: string, from: number, to: number): number {
  for (let i = from; i < to; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h;
}

/** The CJK ideographs the word test looks for (all in the BMP, so a code unit test is a code point test). */
function isCjk(unit: number): boolean {
  return (unit >= 0x3400 && unit <= 0x9fff) || (unit >= 0xf900 && unit <= 0xfaff);
}

/** The end of the code point that starts at `i`. */
function codePointEnd(text: string, i: number, end: number): number {
  const unit = text.charCodeAt(i);
  return unit >= 0xd800 && unit <= 0xdbff && i + 1 < end && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? i + 2 : i + 1;
}

/**
 * Adds each feature's signed hash to `v`. The features: each lower-case word (letters, digits, `_`); the parts
 * of a snake_case word (`customer_id` also says `customer`); each pair of neighbouring words, joined by a space;
 * in a word with CJK characters (no spaces: characters carry the meaning), each character and each pair of
 * neighbouring characters instead of the word. Hashed over the text's own code units: no feature is built as a
 * string (the sums are of +-1, so the order of features does not change a vector).
 */
function addFeatures(text: string, v: Float32Array, dim: number): void {
  const add = (h: number): void => {
    const u = h >>> 0;
    v[u % dim] += (u & 0x80000000) !== 0 ? -1 : 1;
  };
  const lower = text.toLowerCase();
  TOKEN.lastIndex = 0;
  // the previous word's hash, which a word pair's hash continues (undefined before the first word)
  let prevHash: number | undefined;
  for (let m = TOKEN.exec(lower); m !== null; m = TOKEN.exec(lower)) {
    const start = m.index;
    const end = start + m[0].length;
    const wordHash = fnvFold(FNV_OFFSET, lower, start, end);
    let cjk = false;
    for (let i = start; i < end && !cjk; i++) cjk = isCjk(lower.charCodeAt(i));
    if (cjk) {
      for (let i = start; i < end; ) {
        const next = codePointEnd(lower, i, end);
        add(fnvFold(FNV_OFFSET, lower, i, next));
        if (next < end) add(fnvFold(FNV_OFFSET, lower, i, codePointEnd(lower, next, end)));
        i = next;
      }
    } else {
      add(wordHash);
      let part = start;
      let underscore = false;
      for (let i = start; i <= end; i++) {
        if (i < end && lower.charCodeAt(i) !== UNDERSCORE) continue;
        if (i < end) underscore = true;
        if (underscore && i > part) add(fnvFold(FNV_OFFSET, lower, part, i));
        part = i + 1;
      }
    }
    if (prevHash !== undefined) add(fnvFold(Math.imul(prevHash ^ SPACE, FNV_PRIME), lower, start, end));
    prevHash = wordHash;
  }
}

/** The hashed embedding of `text` into `dim` floats, unit length (all zeros only for text without tokens). */
export function hashedTextEmbedding(text: string, dim: number, into?: Float32Array): Float32Array {
  const v = into ?? new Float32Array(dim);
  v.fill(0);
  addFeatures(text, v, dim);
  let norm = 0;
  for (let i = 0; i < dim; i++) norm += v[i] * v[i];
  if (norm > 0) {
    const inv = 1 / Math.sqrt(norm);
    for (let i = 0; i < dim; i++) v[i] *= inv;
  }
  return v;
}
