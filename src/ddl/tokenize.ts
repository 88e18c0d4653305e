/**
 * A small, quote-aware SQL tokenizer and statement splitter: the ground floor of the DDL scanner.
 *
 * It understands '..' strings, ".." and `..` and [..] quoting, dollar-quoted bodies ($tag$..$tag$),
 * -- and /* *\/ comments (and # for the MySQL family), and the mysql client's `DELIMITER` directive.
 * It never looks at lines: a statement ends at a delimiter outside quotes, comments and routine bodies.
 */
import { profileOf } from "../dialects/registry.js";
import type { Dialect } from "../model.js";

export type TokenKind =
  /** an unquoted identifier, keyword or number-led name */
  | "word"
  /** a `backtick` or [bracket] quoted identifier */
  | "qident"
  /** a '...' string (also E'..', N'..', $$..$$) */
  | "string"
  /** a "..." text: an identifier in most dialects, a string in the MySQL family; the reader decides by position */
  | "dq"
  | "number"
  | "punct"
  /** the end of a statement (`;` or the current DELIMITER) */
  | "end";

export interface Token {
  readonly kind: TokenKind;
  /** Offset of the first character in the source text. */
  readonly start: number;
  /** Offset just past the last character. */
  readonly end: number;
  /** word/number/punct: as written; qident/dq/string: without quotes, unescaped; end: the delimiter. */
  readonly value: string;
  /** word: the value upper-cased (for keyword tests); otherwise "". */
  readonly upper: string;
}

/** How a dialect writes strings, identifiers and comments. */
export interface LexRules {
  /** `\'` and friends are escapes inside '..' and ".." (MySQL family, Hive, BigQuery, Snowflake). */
  readonly backslashEscapes: boolean;
  /** `#` starts a line comment (MySQL family). */
  readonly hashComments: boolean;
  /** `[name]` is a quoted identifier (SQL Server, SQLite). */
  readonly bracketIdentifiers: boolean;
  /** `$tag$ .. $tag$` is a string (PostgreSQL family, Snowflake). */
  readonly dollarQuotes: boolean;
}

/** The lexical rules of a dialect (its profile's); `unknown` reads like MySQL and also accepts dollar quotes. */
export function lexRules(dialect: Dialect): LexRules {
  return profileOf(dialect).lex;
}

// Character classes by code unit.
const SPACE = 1;
const IDENT_START = 2;
const IDENT_PART = 4;
const DIGIT = 8;
const ASCII_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  let k = 0;
  if (c === 32 || (c >= 9 && c <= 13)) k |= SPACE;
  if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95) k |= IDENT_START | IDENT_PART;
  if (c >= 48 && c <= 57) k |= DIGIT | IDENT_PART;
  if (c === 36) k |= IDENT_PART; // $ inside names (Oracle, Postgres)
  ASCII_CLASS[c] = k;
}

function isSpace(c: number): boolean {
  if (c < 128) return (ASCII_CLASS[c] & SPACE) !== 0;
  return c === 0xa0 || c === 0x3000 || c === 0xfeff || c === 0x2028 || c === 0x2029 || (c >= 0x2000 && c <= 0x200b);
}

/** Non-ASCII code units count as name characters, except spaces and CJK / general punctuation. */
function isWideIdent(c: number): boolean {
  if (isSpace(c)) return false;
  if (c >= 0x2000 && c <= 0x206f) return false; // general punctuation, smart quotes
  if (c >= 0x3000 && c <= 0x303f) return false; // CJK punctuation
  if (c >= 0xff00 && c <= 0xff0f) return false; // full-width ！＂＃＄％＆＇（）＊＋，－．／
  if (c >= 0xff1a && c <= 0xff20) return false; // full-width ：；＜＝＞？＠
  return true;
}

function isIdentStart(c: number): boolean {
  return c < 128 ? (ASCII_CLASS[c] & IDENT_START) !== 0 : isWideIdent(c);
}

function isIdentPart(c: number): boolean {
  return c < 128 ? (ASCII_CLASS[c] & IDENT_PART) !== 0 : isWideIdent(c);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

const BACKSLASH_ESCAPES: Readonly<Record<string, string>> = {
  "0": "\0",
  b: "\b",
  n: "\n",
  r: "\r",
  t: "\t",
  Z: "\x1a",
  "%": "\\%",
  _: "\\_",
};

interface Quoted {
  readonly end: number;
  readonly value: string;
}

/**
 * Reads a quoted run starting at `start` (the opening quote) up to its closing `close` character.
 * A doubled closing character stands for itself; with `backslash`, `\x` escapes too.
 * An unclosed run extends to the end of the text (truncated DDL).
 */
function readQuoted(src: string, start: number, close: number, backslash: boolean): Quoted {
  const n = src.length;
  let i = start + 1;
  let plainFrom = i;
  let value = "";
  while (i < n) {
    const c = src.charCodeAt(i);
    if (c === close) {
      if (i + 1 < n && src.charCodeAt(i + 1) === close) {
        value += src.slice(plainFrom, i + 1);
        i += 2;
        plainFrom = i;
        continue;
      }
      return { end: i + 1, value: value + src.slice(plainFrom, i) };
    }
    if (backslash && c === 92 && i + 1 < n) {
      const next = src[i + 1];
      value += src.slice(plainFrom, i) + (BACKSLASH_ESCAPES[next] ?? next);
      i += 2;
      plainFrom = i;
      continue;
    }
    i++;
  }
  return { end: n, value: value + src.slice(plainFrom, n) };
}

/** `$tag$` at `i` (tag may be empty), or "" when `i` does not open a dollar quote. */
function dollarTag(src: string, i: number): string {
  let j = i + 1;
  const n = src.length;
  while (j < n) {
    const c = src.charCodeAt(j);
    if (c === 36) return src.slice(i, j + 1);
    if (!(c < 128 && (ASCII_CLASS[c] & IDENT_START) !== 0) && !(j > i + 1 && isDigit(c))) return "";
    j++;
  }
  return "";
}

const STRING_PREFIXES: ReadonlySet<string> = new Set(["N", "E", "X", "B", "U", "R"]);

/** SQL Server's `GO` batch separator: alone on its line (an optional count may follow), it ends a statement. */
function isBatchSeparator(src: string, t: Token): boolean {
  let a = t.start - 1;
  while (a >= 0 && (src[a] === " " || src[a] === "\t")) a--;
  if (a >= 0 && src[a] !== "\n" && src[a] !== "\r") return false;
  return /^[ \t]*\d*[ \t]*(\r?\n|$)/.test(src.slice(t.end, t.end + 32));
}

/** Splits SQL text into tokens; comments and whitespace are dropped. Never throws. */
export function tokenize(src: string, rules: LexRules): Token[] {
  const tokens: Token[] = [];
  const n = src.length;
  let delimiter = ";";
  let atStatementStart = true;
  let i = 0;
  const push = (kind: TokenKind, start: number, end: number, value: string, upper = ""): void => {
    tokens.push({ kind, start, end, value, upper });
    atStatementStart = kind === "end";
  };

  while (i < n) {
    const c = src.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    // mysql client directive: DELIMITER xx (only where a statement may start)
    if (atStatementStart && (c === 68 || c === 100) && src.slice(i, i + 9).toUpperCase() === "DELIMITER") {
      const after = src.charCodeAt(i + 9);
      if (after === 32 || after === 9) {
        let eol = src.indexOf("\n", i);
        if (eol < 0) eol = n;
        const next = src.slice(i + 10, eol).trim().split(/\s+/)[0] ?? "";
        if (next !== "") delimiter = next;
        i = eol;
        continue;
      }
    }
    if (delimiter !== ";" && c === delimiter.charCodeAt(0) && src.startsWith(delimiter, i)) {
      push("end", i, i + delimiter.length, delimiter);
      i += delimiter.length;
      continue;
    }
    // comments
    if (c === 45 && src.charCodeAt(i + 1) === 45) {
      const eol = src.indexOf("\n", i);
      i = eol < 0 ? n : eol + 1;
      continue;
    }
    if (c === 47 && src.charCodeAt(i + 1) === 42) {
      const close = src.indexOf("*/", i + 2);
      i = close < 0 ? n : close + 2;
      continue;
    }
    if (c === 35 && rules.hashComments) {
      const eol = src.indexOf("\n", i);
      i = eol < 0 ? n : eol + 1;
      continue;
    }
    // quoted things
    if (c === 39) {
      const q = readQuoted(src, i, 39, rules.backslashEscapes);
      push("string", i, q.end, q.value);
      i = q.end;
      continue;
    }
    if (c === 34) {
      const q = readQuoted(src, i, 34, rules.backslashEscapes);
      push("dq", i, q.end, q.value);
      i = q.end;
      continue;
    }
    if (c === 96) {
      const q = readQuoted(src, i, 96, false);
      push("qident", i, q.end, q.value);
      i = q.end;
      continue;
    }
    if (c === 91 && rules.bracketIdentifiers) {
      const q = readQuoted(src, i, 93, false);
      push("qident", i, q.end, q.value);
      i = q.end;
      continue;
    }
    if (c === 36 && rules.dollarQuotes) {
      const tag = dollarTag(src, i);
      if (tag !== "") {
        const close = src.indexOf(tag, i + tag.length);
        const end = close < 0 ? n : close + tag.length;
        push("string", i, end, src.slice(i + tag.length, close < 0 ? n : close));
        i = end;
        continue;
      }
    }
    // numbers (a run that continues with letters is a name, e.g. MySQL `3d_model`)
    if (isDigit(c) || (c === 46 && isDigit(src.charCodeAt(i + 1)))) {
      let j = i + 1;
      while (j < n && (isDigit(src.charCodeAt(j)) || src.charCodeAt(j) === 46)) j++;
      const e = src.charCodeAt(j);
      if ((e === 101 || e === 69) && (isDigit(src.charCodeAt(j + 1)) || ((src.charCodeAt(j + 1) === 43 || src.charCodeAt(j + 1) === 45) && isDigit(src.charCodeAt(j + 2))))) {
        j += 2;
        while (j < n && isDigit(src.charCodeAt(j))) j++;
      }
      if (j < n && isIdentStart(src.charCodeAt(j))) {
        while (j < n && isIdentPart(src.charCodeAt(j))) j++;
        const text = src.slice(i, j);
        push("word", i, j, text, text.toUpperCase());
      } else {
        push("number", i, j, src.slice(i, j));
      }
      i = j;
      continue;
    }
    if (isIdentStart(c)) {
      let j = i + 1;
      while (j < n && isIdentPart(src.charCodeAt(j))) j++;
      const text = src.slice(i, j);
      const upper = text.toUpperCase();
      // prefixed strings: N'..', E'..' (backslash escapes), X'..'
      if (src.charCodeAt(j) === 39 && STRING_PREFIXES.has(upper)) {
        const q = readQuoted(src, j, 39, rules.backslashEscapes || upper === "E");
        push("string", i, q.end, q.value);
        i = q.end;
        continue;
      }
      push("word", i, j, text, upper);
      i = j;
      continue;
    }
    if (c === 59 && delimiter === ";") {
      push("end", i, i + 1, ";");
      i++;
      continue;
    }
    push("punct", i, i + 1, src[i]);
    i++;
  }
  return tokens.map((t) => (t.kind === "word" && t.upper === "GO" && isBatchSeparator(src, t) ? { ...t, kind: "end" as const } : t));
}

const ROUTINE_WORDS: ReadonlySet<string> = new Set(["TRIGGER", "PROCEDURE", "FUNCTION", "EVENT", "PACKAGE"]);
const BLOCK_END_FOLLOWERS: ReadonlySet<string> = new Set(["IF", "LOOP", "WHILE", "REPEAT", "FOR"]);

/** Is the statement so far a CREATE TRIGGER/PROCEDURE/FUNCTION (whose body may hold `;`)? */
function isRoutine(stmt: readonly Token[]): boolean {
  if (stmt.length === 0 || stmt[0].upper !== "CREATE") return false;
  for (let k = 1; k < stmt.length && k < 16; k++) {
    const t = stmt[k];
    if (t.kind === "punct" && t.value === "(") return false;
    if (t.kind === "word" && ROUTINE_WORDS.has(t.upper)) return true;
  }
  return false;
}

/**
 * Groups tokens into statements. A `;` inside a BEGIN … END body of a routine does not end the
 * statement (SQLite and MySQL triggers written without DELIMITER). End tokens are not included.
 */
export function groupStatements(tokens: readonly Token[]): Token[][] {
  const out: Token[][] = [];
  let stmt: Token[] = [];
  let depth = 0;
  let routine: boolean | undefined;
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k];
    if (t.kind === "end") {
      if (t.value === ";" && depth > 0) {
        stmt.push(t);
        continue;
      }
      if (stmt.length > 0) out.push(stmt);
      stmt = [];
      depth = 0;
      routine = undefined;
      continue;
    }
    if (t.kind === "word" && (t.upper === "BEGIN" || t.upper === "CASE" || t.upper === "END")) {
      routine ??= isRoutine(stmt);
      if (routine) {
        if (t.upper !== "END") depth++;
        else {
          const next = tokens[k + 1];
          if (depth > 0 && !(next !== undefined && next.kind === "word" && BLOCK_END_FOLLOWERS.has(next.upper))) depth--;
        }
      }
    }
    stmt.push(t);
  }
  if (stmt.length > 0) out.push(stmt);
  return out;
}

/**
 * Splits a SQL script into statements, quote-, comment- and routine-aware.
 * Each statement is the source text from its first token to its last (leading comments and the
 * delimiter are left out). `DELIMITER` directives are honoured and dropped.
 */
export function splitStatements(sql: string, dialect: Dialect = "unknown"): string[] {
  return groupStatements(tokenize(sql, lexRules(dialect))).map((s) => sql.slice(s[0].start, s[s.length - 1].end));
}
