/**
 * What values a column can hold, coarsely, from its type as written: enough to tell that a varchar code
 * cannot reference an integer id. A type nobody can judge (a domain, an enum type, no type at all: a view's
 * column) is `unknown` and matches anything.
 */

/** Type classes, small integers so the catalog index keeps one byte per column. */
export const TYPE_CLASS = {
  unknown: 0,
  integer: 1,
  /** Exact numbers that may have a scale (DECIMAL, NUMERIC, Oracle NUMBER): they often hold integer keys. */
  decimal: 2,
  float: 3,
  text: 4,
  uuid: 5,
  time: 6,
  boolean: 7,
  binary: 8,
} as const;

export type TypeClass = (typeof TYPE_CLASS)[keyof typeof TYPE_CLASS];

const RULES: readonly (readonly [RegExp, TypeClass])[] = [
  [/^(?:unsigned\s+)?(?:tiny|small|medium|big|huge)?int(?:eger)?(?:[1248]|16|32|64|128)?\b|^u?int(?:8|16|32|64|128)\b|^(?:small|big)?serial[248]?\b|^largeint\b|^byteint\b/, TYPE_CLASS.integer],
  [/^(?:decimal|numeric|number|dec|money|smallmoney|bignumeric|bigdecimal)\b/, TYPE_CLASS.decimal],
  [/^(?:float(?:4|8|32|64)?|double|real|binary_(?:float|double))\b/, TYPE_CLASS.float],
  [/^(?:uuid|uniqueidentifier)\b/, TYPE_CLASS.uuid],
  [/^(?:n?varchar2?|n?char|character|varying|text|tinytext|mediumtext|longtext|ntext|string|clob|nclob|citext|enum|set)\b/, TYPE_CLASS.text],
  [/^(?:date|datetime2?|timestamp(?:tz|_ntz|_ltz|_tz)?|smalldatetime|datetimeoffset|time(?:tz)?|interval)\b/, TYPE_CLASS.time],
  [/^(?:bool|boolean|bit)\b/, TYPE_CLASS.boolean],
  [/^(?:bytea|blob|tinyblob|mediumblob|longblob|binary|varbinary|bytes|image|raw)\b/, TYPE_CLASS.binary],
];

/** Types repeat across a catalog (`bigint(20)`, `varchar(255)`): each is classified once, up to this many. */
const MEMO_LIMIT = 4096;
const memo = new Map<string, TypeClass>();

/** The class of a type as written (`character varying(45)`, `INT UNSIGNED`, `Nullable(UInt64)`). */
export function typeClass(type: string): TypeClass {
  let cls = memo.get(type);
  if (cls === undefined) {
    cls = classify(type);
    if (memo.size < MEMO_LIMIT) memo.set(type, cls);
  }
  return cls;
}

function classify(type: string): TypeClass {
  let t = type.trim().toLowerCase().replace(/^[`"[]|[`"\]]$/g, "");
  // ClickHouse wrappers
  const wrapped = /^(?:nullable|lowcardinality)\((.*)\)$/.exec(t);
  if (wrapped !== null) t = wrapped[1].trim();
  if (t === "") return TYPE_CLASS.unknown;
  for (const [re, cls] of RULES) if (re.test(t)) return cls;
  return TYPE_CLASS.unknown;
}

/** Whether a column of class `from` can hold the values of a key of class `to`. */
export function typesMatch(from: TypeClass, to: TypeClass): boolean {
  if (from === TYPE_CLASS.unknown || to === TYPE_CLASS.unknown || from === to) return true;
  const pair = (a: TypeClass, b: TypeClass): boolean => (from === a && to === b) || (from === b && to === a);
  // integer keys in exact numbers; uuids kept as text or bytes
  return pair(TYPE_CLASS.integer, TYPE_CLASS.decimal) || pair(TYPE_CLASS.uuid, TYPE_CLASS.text) || pair(TYPE_CLASS.uuid, TYPE_CLASS.binary);
}
