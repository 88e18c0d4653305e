/**
 * Enumerated values written into column comments: `status: 0=new, 1=paid`, `1:男 2:女`,
 * `状态（0:录入、1:生产、2:配车）`, `0->待付款；1->待发货`, `（0正常 1停用）`, `Y:是 N:否`,
 * `'A' - active; 'I' - inactive`, `0-禁用,1-启用`.
 *
 * How: find every "code + separator" anchor, then each label is the text up to the next anchor or
 * delimiter. Every pair is found (not just the last), and prose that only looks like pairs is refused:
 * dates, versions, ranges, times and ratios have numeric "labels"; a JSON example (`{"k": "v"}`) is data,
 * not codes; a single pair needs a hint word and a pair that clearly assigns a code (`1=paid`, `'A' - x`,
 * `(1:男)`), not prose such as `Level 3: admin only`.
 */
import type { EnumValue } from "../model.js";

/** Words saying "this column is an enumeration": with one, a single pair is enough. */
const HINT =
  /(状态|类型|枚举|取值|值域|选项|可选|标志|标识|是否|级别|等级|性别|方式|模式|类别|种类|status|state|type|enum|flag|kind|mode|level|category|option)/i;

/**
 * An anchor: a code and its separator.
 * - quoted code: 'A' / "A" / ‘A’
 * - numeric code: -?digits, not glued to letters, digits, `.`, `-` or `/` (so not inside dates or versions)
 * - alphabetic code: a short identifier not glued to letters or digits
 * Separators: -> => → = : ： - － — and, for numeric codes in a hinted comment, ) ） and a `.` not followed by a digit.
 */
const ANCHOR =
  /(?:(?<![\p{L}\p{N}_])['"‘“](?<quoted>[^'"‘’“”\s]{1,20})['"’”]|(?<![A-Za-z0-9_.\-/])(?<num>-?\d{1,12})(?!\d)|(?<![A-Za-z0-9_.\-/'"])(?<alpha>[A-Za-z][A-Za-z0-9_]{0,19}))(?<pre>[ \t]*)(?<sep>->|=>|→|=|:|：|－|—|-|\)|）|\.(?!\d))(?<post>[ \t]*)/gu;

/** A numeric code glued to its label: `0正常 1停用` (tried only when separators found too little). */
const GLUED = /(?<=^|[\s(（[【,，;；、:：])(?<num>-?\d{1,6})(?=[\p{L}])/gu;

/** Characters that end a label. */
const LABEL_END = /[,，;；、|\n\r。]/u;
const OPENERS = "(（[【";
const CLOSERS = ")）]】";

const WORD_SEPARATORS: ReadonlySet<string> = new Set(["=", "->", "=>", "→"]);
const NOT_A_CODE: ReadonlySet<string> = new Set(["http", "https", "ftp", "mailto", "note", "eg", "ie", "see", "id", "url"]);
const MAX_LABEL = 40;

interface Anchor {
  readonly start: number;
  readonly end: number;
  readonly code: string;
  readonly numeric: boolean;
  /** The pair clearly assigns a code: `=`/`->` separator, a quoted code, or inside brackets. */
  readonly assigns: boolean;
}

/** `1. …` / `1) …` read as list numbering unless the comment says it is an enumeration. */
function isListSeparator(sep: string): boolean {
  return sep === ")" || sep === "）" || sep === ".";
}

function validAnchor(groups: Readonly<Record<string, string | undefined>>, hinted: boolean): boolean {
  const sep = groups.sep ?? "";
  const spaced = (groups.pre ?? "") !== "" && (groups.post ?? "") !== "";
  if (groups.quoted !== undefined) return !isListSeparator(sep);
  if (groups.num !== undefined) return hinted || !isListSeparator(sep);
  const code = groups.alpha ?? "";
  if (NOT_A_CODE.has(code.toLowerCase())) return false;
  if (isListSeparator(sep)) return false; // `a) …`, `e.g.` are prose, not codes
  if ((sep === "-" || sep === "－" || sep === "—") && !spaced) return false; // e-mail, x-ray
  if (code.length <= 2 || /^[A-Z0-9_]+$/.test(code)) return true; // Y, N, A1, PAID
  return WORD_SEPARATORS.has(sep); // active=启用, but not `Note: …`
}

/** The label that starts at `from`, up to `to`, cut at a delimiter or an unmatched closing bracket. */
function labelAt(text: string, from: number, to: number): string {
  let depth = 0;
  let end = to;
  for (let i = from; i < to; i++) {
    const ch = text[i];
    if (OPENERS.includes(ch)) depth++;
    else if (CLOSERS.includes(ch)) {
      if (depth === 0) {
        end = i;
        break;
      }
      depth--;
    } else if (depth === 0 && LABEL_END.test(ch)) {
      end = i;
      break;
    }
  }
  return text
    .slice(from, end)
    .trim()
    .replace(/^['"‘“]|['"’”]$/gu, "")
    .replace(/[\s.:：]+$/u, "")
    .trim();
}

/** A label names something: it has a letter, is short, and is not a number (the tail of a date, time, range). */
function validLabel(label: string): boolean {
  if (label === "" || label.length > MAX_LABEL) return false;
  if (!/\p{L}/u.test(label)) return false;
  if (/^\d[\d.:/-]*(\s|$)/u.test(label)) return false; // `3:1 ratio`, `10:30 am`
  if (label.startsWith("//")) return false; // http://…
  return true;
}

type Pair = EnumValue & { readonly numeric: boolean; readonly assigns: boolean };

function pairsFrom(text: string, anchors: readonly Anchor[]): Pair[] {
  const out: Pair[] = [];
  for (let i = 0; i < anchors.length; i++) {
    const a = anchors[i];
    const to = i + 1 < anchors.length ? anchors[i + 1].start : text.length;
    const label = labelAt(text, a.end, to);
    if (validLabel(label)) out.push({ value: a.code, label, numeric: a.numeric, assigns: a.assigns });
  }
  return out;
}

/** Is `at` inside an open bracket of `text` (`性别(1:男)`)? */
function bracketed(text: string, at: number): boolean {
  let depth = 0;
  for (let i = 0; i < at; i++) {
    if (OPENERS.includes(text[i])) depth++;
    else if (CLOSERS.includes(text[i]) && depth > 0) depth--;
  }
  return depth > 0;
}

/** JSON objects and arrays written as examples (`例如 {"color": "red"}`): their keys are no codes. */
const JSON_EXAMPLE = /\{[^{}]*["'][^"'{}]*["']\s*:[^{}]*\}|\[[^[\]]*\{[^[\]]*\][^[\]]*\]/g;

function withoutJsonExamples(text: string): string {
  let out = text;
  // innermost objects first, then what held them
  for (let i = 0; i < 4 && JSON_EXAMPLE.test(out); i++) out = out.replace(JSON_EXAMPLE, " ");
  return out;
}

function separatedAnchors(text: string, hinted: boolean): Anchor[] {
  const anchors: Anchor[] = [];
  for (const m of text.matchAll(ANCHOR)) {
    const g = m.groups ?? {};
    if (!validAnchor(g, hinted)) continue;
    const code = g.quoted ?? g.num ?? g.alpha ?? "";
    const assigns = g.quoted !== undefined || WORD_SEPARATORS.has(g.sep ?? "") || bracketed(text, m.index);
    anchors.push({ start: m.index, end: m.index + m[0].length, code, numeric: g.num !== undefined, assigns });
  }
  return anchors;
}

function gluedAnchors(text: string): Anchor[] {
  const anchors: Anchor[] = [];
  for (const m of text.matchAll(GLUED)) {
    const code = m.groups?.num ?? "";
    anchors.push({ start: m.index, end: m.index + m[0].length, code, numeric: true, assigns: false });
  }
  return anchors;
}

function dedupe(pairs: readonly Pair[]): EnumValue[] {
  const seen = new Set<string>();
  const out: EnumValue[] = [];
  for (const p of pairs) {
    if (seen.has(p.value)) continue;
    seen.add(p.value);
    out.push({ value: p.value, label: p.label });
  }
  return out;
}

/** Several pairs that all carry the same label are units (`3天 7天 30天`), not an enumeration. */
function allSameLabel(pairs: readonly EnumValue[]): boolean {
  return pairs.length > 1 && pairs.every((p) => p.label === pairs[0].label);
}

/**
 * Every (value, label) pair enumerated in a column comment, in order, deduplicated by value.
 * Needs at least two pairs, or one that clearly assigns a code when the comment has a hint word
 * (状态, 类型, status, type, …): `status: 1=paid`, not `Level 3: admin only`.
 */
export function extractEnums(comment: string): EnumValue[] {
  const text = withoutJsonExamples(comment.trim());
  if (text.trim().length < 3) return [];
  const hinted = HINT.test(text);
  let pairs = pairsFrom(text, separatedAnchors(text, hinted));
  // numbers decide when both kinds appear: `ID: 1=x, 2=y` is about 1 and 2
  if (pairs.filter((p) => p.numeric).length >= 2) pairs = pairs.filter((p) => p.numeric);
  let result = dedupe(pairs);
  const single = result.length === 1 && hinted && pairs.some((p) => p.value === result[0].value && p.assigns);
  if (result.length < 2 && !single) {
    // `（0正常 1停用）`: no separators; stricter (two pairs, distinct short labels)
    const glued = dedupe(pairsFrom(text, gluedAnchors(text)).filter((p) => p.label.length <= 10));
    result = glued.length >= 2 ? glued : [];
  }
  if (allSameLabel(result)) return [];
  return result;
}
