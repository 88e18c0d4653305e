/**
 * `search_text`: the text that is embedded. Compact and deterministic: the table (name, its words,
 * comment, tags), then each column as `name type comment {value=label, …}`, cut at a column boundary.
 */
import type { ColumnInfo, EnumValue } from "../model.js";
import { identifierWords } from "./tags.js";

export const SEARCH_TEXT_MAX = 2000;

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
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = /[\ud800-\udbff]/.test(text[max - 1]) ? max - 1 : max;
  return text.slice(0, end);
}

function columnText(c: ColumnInfo, enums: readonly EnumValue[] | undefined): string {
  let out = c.name;
  if (c.type !== "") out += ` ${oneLine(c.type)}`;
  if (c.comment !== "") out += ` ${oneLine(c.comment)}`;
  if (enums !== undefined && enums.length > 0) out += ` {${enums.map((e) => `${e.value}=${e.label}`).join(", ")}}`;
  return out;
}

/** The search text of a table, at most `maxLength` characters. */
export function buildSearchText(input: SearchTextInput, maxLength: number = SEARCH_TEXT_MAX): string {
  let head = input.tableName;
  const words = identifierWords(input.tableName).join(" ");
  if (words !== "" && words !== input.tableName.toLowerCase()) head += ` (${words})`;
  const comment = oneLine(input.tableComment);
  if (comment !== "") head += ` - ${comment}`;
  if (input.tags.length > 0) head += ` [${input.tags.join(", ")}]`;
  let text = cut(head, maxLength);
  let sep = "\ncolumns: ";
  for (const c of input.columns) {
    const piece = sep + columnText(c, input.enums[c.name]);
    if (text.length + piece.length > maxLength) {
      // the first column is cut rather than left out; later ones are dropped whole
      if (sep !== "; ") text = cut(text + piece, maxLength);
      break;
    }
    text += piece;
    sep = "; ";
  }
  return text;
}
