/**
 * `business_tags`: domain tags from the table's name, comment, column names and column comments
 * (English and Chinese), plus `fact_table` / `dimension_table` decided by the table's structure.
 */
import type { ColumnInfo, TableStructure } from "../model.js";
import { DEFAULT_TAG_DICTIONARY, type TagDictionary, type TermSet } from "./tag-dictionary.js";

export { DEFAULT_TAG_DICTIONARY, loadTagDictionary } from "./tag-dictionary.js";
export type { TagDictionary, TagRule, TermSet } from "./tag-dictionary.js";

export interface TagContext {
  /** Other tables reference this table's key (known to a caller that sees the whole schema). */
  readonly isReferenced?: boolean;
}

/**
 * The words of names split lately. Column names repeat across a catalog (`id`, `name`, `created_at`), and
 * tagging splits each column's name four or five times (its hits, key-likeness, measure, audit).
 */
const wordsOfName = new Map<string, readonly string[]>();
const NAMES_KEPT = 20_000;

/** Lower-case words of an identifier: `InvoiceLine` -> invoice line, `l_extendedprice` -> l extendedprice. */
export function identifierWords(name: string): readonly string[] {
  let words = wordsOfName.get(name);
  if (words === undefined) {
    words = name
      .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
      .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter((w) => w !== "");
    if (wordsOfName.size >= NAMES_KEPT) wordsOfName.clear();
    wordsOfName.set(name, words);
  }
  return words;
}

function commentWords(text: string): string[] {
  return text.toLowerCase().match(/[a-z]+/g) ?? [];
}

function singular(word: string): string {
  if (word.length > 4 && word.endsWith("ies")) return `${word.slice(0, -3)}y`;
  if (word.length > 3 && word.endsWith("s") && !word.endsWith("ss")) return word.slice(0, -1);
  return word;
}

const HAS_WIDE = /[\u0080-\uffff]/;

/** A dictionary compiled for fast lookups (built once per dictionary object). */
interface Matcher {
  readonly exact: ReadonlyMap<string, readonly number[]>;
  /** Terms of 5+ letters also match as the start or end of a compound word (orderkey, extendedprice). */
  readonly long: ReadonlyArray<readonly [string, number]>;
  readonly phrases: ReadonlyArray<readonly [string, number]>;
  readonly temporal: number;
  /** Rule indexes each word hit lately (words repeat as names do); cleared when it holds WORDS_KEPT. */
  readonly hitsOfWord: Map<string, readonly number[]>;
}

const WORDS_KEPT = 20_000;

const compiled = new WeakMap<TagDictionary, Matcher>();

function compile(dictionary: TagDictionary): Matcher {
  let m = compiled.get(dictionary);
  if (m !== undefined) return m;
  const exact = new Map<string, number[]>();
  const long: Array<[string, number]> = [];
  const phrases: Array<[string, number]> = [];
  dictionary.rules.forEach((r, i) => {
    for (const w of r.words) {
      const list = exact.get(w) ?? [];
      if (!list.includes(i)) list.push(i);
      exact.set(w, list);
      if (w.length >= 5) long.push([w, i]);
    }
    for (const p of r.phrases) phrases.push([p, i]);
  });
  m = { exact, long, phrases, temporal: dictionary.rules.findIndex((r) => r.tag === "temporal"), hitsOfWord: new Map() };
  compiled.set(dictionary, m);
  return m;
}

/** Rule indexes hit by one word. */
function wordHits(m: Matcher, word: string, into: Set<number>): void {
  let hits = m.hitsOfWord.get(word);
  if (hits === undefined) {
    const found = new Set(m.exact.get(word) ?? m.exact.get(singular(word)));
    for (const [term, i] of m.long) {
      if (word.length >= term.length + 3 && (word.startsWith(term) || word.endsWith(term))) found.add(i);
    }
    hits = [...found];
    if (m.hitsOfWord.size >= WORDS_KEPT) m.hitsOfWord.clear();
    m.hitsOfWord.set(word, hits);
  }
  for (const i of hits) into.add(i);
}

function textHits(m: Matcher, words: readonly string[], text: string, into: Set<number>): void {
  for (const w of words) wordHits(m, w, into);
  if (HAS_WIDE.test(text)) for (const [p, i] of m.phrases) if (text.includes(p)) into.add(i);
}

function termMatch(terms: TermSet, words: readonly string[], text: string): boolean {
  return words.some((w) => terms.words.includes(w)) || terms.phrases.some((p) => text.includes(p));
}

// ---------------------------------------------------------------------------------------------
// structure

const NUMERIC_TYPE = /^(unsigned\s+)?((tiny|small|medium|big|huge|u)?int(eger|2|4|8|64)?|decimal|numeric|number|double|float(4|8|64)?|real|money|smallmoney|bignumeric|largeint)\b/i;
const TEXT_TYPE = /^(n?varchar2?|n?char|character|varying|text|tinytext|mediumtext|longtext|ntext|string|clob|nclob|enum|set|citext)\b/i;

function isNumeric(c: ColumnInfo): boolean {
  return NUMERIC_TYPE.test(c.type.trim());
}

/** Text that describes (names, titles, comments); CHAR(1)/CHAR(2) are flags, not descriptions. */
function isDescriptive(c: ColumnInfo): boolean {
  const type = c.type.trim();
  if (!TEXT_TYPE.test(type)) return false;
  const len = /char[^(]*\(\s*(\d+)/i.exec(type);
  return len === null || Number(len[1]) > 2;
}

/** `customer_id`, `CustomerId`, `o_custkey`, `emp_no`, `user_sk`, `id`. */
function isKeyLike(name: string): boolean {
  const words = identifierWords(name);
  const last = words[words.length - 1] ?? "";
  if (last === "id" || last === "key") return true;
  if (last === "no" || last === "sk") return words.length > 1;
  return last.length > 3 && last.endsWith("key");
}

function isMeasure(c: ColumnInfo, dictionary: TagDictionary): boolean {
  if (!isNumeric(c) || isKeyLike(c.name)) return false;
  const words = identifierWords(c.name);
  const { measures } = dictionary;
  if (words.some((w) => measures.words.includes(w) || measures.words.includes(singular(w)))) return true;
  if (words.some((w) => measures.suffixes.some((s) => w.length > s.length && w.endsWith(s)))) return true;
  const text = `${c.name} ${c.comment}`;
  return HAS_WIDE.test(text) && measures.phrases.some((p) => text.includes(p));
}

/** The column that is the table's own key: the single-column PK, else a leading key-like column. */
function ownKey(structure: TableStructure): string | undefined {
  if (structure.primaryKey.length === 1) return structure.primaryKey[0].toLowerCase();
  if (structure.primaryKey.length > 1) return undefined;
  const first = structure.columns[0];
  return first !== undefined && isKeyLike(first.name) ? first.name.toLowerCase() : undefined;
}

interface Shape {
  readonly refs: number;
  readonly measures: number;
  readonly descriptive: number;
  readonly hasOwnKey: boolean;
  /** A date/time column that is not an audit timestamp: the table records events. */
  readonly hasEventTime: boolean;
}

const TIME_TYPE = /^(date|datetime|datetime2|timestamp|timestamptz|smalldatetime|datetimeoffset|time)\b/i;

function shapeOf(structure: TableStructure, dictionary: TagDictionary): Shape {
  const own = ownKey(structure);
  const refs = new Set<string>();
  for (const fk of structure.foreignKeys) for (const c of fk.fromColumns) refs.add(c.toLowerCase());
  for (const c of structure.columns) {
    const name = c.name.toLowerCase();
    if (name !== own && isKeyLike(c.name)) refs.add(name);
  }
  if (own !== undefined) refs.delete(own);
  let measures = 0;
  let descriptive = 0;
  let hasEventTime = false;
  for (const c of structure.columns) {
    if (refs.has(c.name.toLowerCase())) continue;
    if (isMeasure(c, dictionary)) measures++;
    else if (isDescriptive(c)) descriptive++;
    else if (TIME_TYPE.test(c.type.trim()) && !isAudit(c, dictionary)) hasEventTime = true;
  }
  return { refs: refs.size, measures, descriptive, hasOwnKey: own !== undefined, hasEventTime };
}

/**
 * fact: named so (fact_, fct_, _fact, 事实表) or shaped so: references to other tables plus numeric
 * measures (two or more references with several measures, or one measure and no descriptive text),
 * or a reference, a measure and an event date (an invoice, an order).
 * dimension: named so (dim_, _dim, 维度表/维表), referenced by others, or shaped so: its own key,
 * descriptive text, few references and few measures. "Has an _id column" alone is neither.
 */
function structureTag(structure: TableStructure, dictionary: TagDictionary, context: TagContext): string | undefined {
  const words = identifierWords(structure.tableName);
  if (words.includes("fact") || words.includes("fct") || structure.comment.includes("事实表")) return "fact_table";
  if (words.includes("dim") || words.includes("dimension") || /维度表|维表/.test(structure.comment)) return "dimension_table";
  if (structure.tableType !== "table" || structure.columns.length === 0) return undefined;
  const shape = shapeOf(structure, dictionary);
  if (shape.refs >= 2 && (shape.measures >= 2 || (shape.measures === 1 && shape.descriptive === 0))) return "fact_table";
  if (shape.refs >= 1 && shape.measures >= 1 && shape.hasEventTime) return "fact_table";
  if (context.isReferenced === true) return "dimension_table";
  if (
    shape.hasOwnKey &&
    shape.descriptive >= 1 &&
    shape.refs <= 2 &&
    (shape.measures === 0 || (shape.descriptive >= 2 * shape.measures && shape.refs <= 1))
  ) {
    return "dimension_table";
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------

function isAudit(c: ColumnInfo, dictionary: TagDictionary): boolean {
  const words = identifierWords(c.name);
  if (words.includes("last") && (words.includes("update") || words.includes("updated") || words.includes("modified"))) return true;
  return termMatch(dictionary.audit, words, c.comment);
}

/**
 * The business tags of a table: domain tags in dictionary order, then `fact_table` or
 * `dimension_table`. A tag is given when the table's name or comment says it, or when two or more
 * columns (by name or comment) do. Audit timestamps do not count toward `temporal`.
 */
export function inferBusinessTags(
  structure: TableStructure,
  dictionary: TagDictionary = DEFAULT_TAG_DICTIONARY,
  context: TagContext = {},
): string[] {
  const m = compile(dictionary);
  const scores = new Array<number>(dictionary.rules.length).fill(0);
  const tableHits = new Set<number>();
  textHits(m, identifierWords(structure.tableName), structure.tableName, tableHits);
  textHits(m, commentWords(structure.comment), structure.comment, tableHits);
  for (const i of tableHits) scores[i] += 2;
  const hits = new Set<number>();
  for (const c of structure.columns) {
    hits.clear();
    textHits(m, identifierWords(c.name), c.name, hits);
    if (c.comment !== "") textHits(m, commentWords(c.comment), c.comment, hits);
    if (m.temporal >= 0 && hits.has(m.temporal) && isAudit(c, dictionary)) hits.delete(m.temporal);
    for (const i of hits) scores[i] += 1;
  }
  const tags = dictionary.rules.filter((_, i) => scores[i] >= 2).map((r) => r.tag);
  const shape = structureTag(structure, dictionary, context);
  if (shape !== undefined) tags.push(shape);
  return tags;
}
