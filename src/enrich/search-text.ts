/**
 * `search_text`: the text that is embedded, bounded by what the model reads. Compact and deterministic:
 * the table (name, its words, comment, tags), then each column as `name type comment {value=label, …}`.
 * When the columns do not all fit, the most telling ones are kept (those with a comment or enum values
 * first, then the rest in table order) and written in table order; the text never exceeds the budget.
 */
import type { ColumnInfo, EnumValue } from "../model.js";
import { identifierWords } from "./tags.js";

export const SEARCH_TEXT_MAX = 2000;

/** What search_text is measured in: characters, or the embedding model's word pieces. */
export interface TextBudget {
  /** The size of `text` in the budget's unit. */
  cost(text: string): number;
  readonly limit: number;
}

/** A budget of `max` UTF-16 characters (hashing and remote models). */
export function charBudget(max: number = SEARCH_TEXT_MAX): TextBudget {
  return { cost: (text) => text.length, limit: max };
}

export interface SearchTextInput {
  readonly tableName: string;
  readonly tableComment: string;
  readonly tags: readonly string[];
  readonly columns: readonly ColumnInfo[];
  readonly enums: Readonly<Record<string, readonly EnumValue[]>>;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/** `text` cut to at most `max` UTF-16 units without splitting a surrogate pair. */
function cutChars(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = /[\ud800-\udbff]/.test(text[max - 1]) ? max - 1 : max;
  return text.slice(0, end);
}

/** The longest prefix of `text` within `budget` (binary search on length: costs grow with length). */
function cut(text: string, budget: TextBudget): string {
  if (budget.cost(text) <= budget.limit) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (budget.cost(cutChars(text, mid)) <= budget.limit) lo = mid;
    else hi = mid - 1;
  }
  return cutChars(text, lo);
}

function columnText(c: ColumnInfo, enums: readonly EnumValue[] | undefined): string {
  let out = c.name;
  if (c.type !== "") out += ` ${oneLine(c.type)}`;
  if (c.comment !== "") out += ` ${oneLine(c.comment)}`;
  if (enums !== undefined && enums.length > 0) out += ` {${enums.map((e) => `${e.value}=${e.label}`).join(", ")}}`;
  return out;
}

const COLUMNS = "\ncolumns: ";
const SEP = "; ";

function join(head: string, pieces: readonly string[]): string {
  return pieces.length === 0 ? head : head + COLUMNS + pieces.join(SEP);
}

/** The search text of a table within `budget` (default: SEARCH_TEXT_MAX characters). */
export function buildSearchText(input: SearchTextInput, budget: TextBudget = charBudget()): string {
  let head = input.tableName;
  const words = identifierWords(input.tableName).join(" ");
  if (words !== "" && words !== input.tableName.toLowerCase()) head += ` (${words})`;
  const comment = oneLine(input.tableComment);
  if (comment !== "") head += ` - ${comment}`;
  if (input.tags.length > 0) head += ` [${input.tags.join(", ")}]`;
  head = cut(head, budget);

  const pieces = input.columns.map((c) => columnText(c, input.enums[c.name]));
  const whole = join(head, pieces);
  if (budget.cost(whole) <= budget.limit) return whole;

  // Not everything fits: keep the telling columns first. Costs of pieces add up (the separators are
  // punctuation and spaces, where word pieces split too), so pick by summing, then check the whole.
  const telling = (i: number) => (input.columns[i].comment !== "" ? 2 : 0) + ((input.enums[input.columns[i].name]?.length ?? 0) > 0 ? 1 : 0);
  const byValue = pieces.map((_, i) => i).sort((a, b) => telling(b) - telling(a) || a - b);
  let room = budget.limit - budget.cost(head) - budget.cost(COLUMNS);
  const chosen: number[] = [];
  for (const i of byValue) {
    const cost = budget.cost(pieces[i]) + (chosen.length > 0 ? budget.cost(SEP) : 0);
    if (cost <= room) {
      chosen.push(i);
      room -= cost;
    }
  }
  chosen.sort((a, b) => a - b);
  let text = join(head, chosen.map((i) => pieces[i]));
  // the sum can miss by a piece where a tokenizer joins across a separator: drop the least telling until it fits
  while (chosen.length > 0 && budget.cost(text) > budget.limit) {
    const worst = chosen.reduce((w, i) => (telling(i) < telling(w) || (telling(i) === telling(w) && i > w) ? i : w), chosen[0]);
    chosen.splice(chosen.indexOf(worst), 1);
    text = join(head, chosen.map((i) => pieces[i]));
  }
  // no column fits whole: the first one is cut rather than left out
  if (chosen.length === 0 && pieces.length > 0) text = cut(head + COLUMNS + pieces[0], budget);
  return text;
}
