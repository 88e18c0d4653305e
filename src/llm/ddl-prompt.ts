/**
 * The question put to the LLM for one DDL text: the JSON shape it must answer with, and the rules.
 * `validate-answer.ts` checks the answer against the same shape.
 */
import type { Dialect } from "../model.js";
import type { ChatMessage } from "./openai-chat.js";

/** Bump when the prompt or the answer shape changes in a way that makes older cached answers wrong. */
export const PROMPT_VERSION = 1;

const SYSTEM = "You are a SQL DDL parser. You read one CREATE TABLE statement and answer with one JSON object and nothing else.";

const SHAPE = `{
  "table": {"name": string, "comment": string},
  "columns": [{"name": string, "type": string, "nullable": boolean, "default": string | null, "comment": string}],
  "primary_key": [string],
  "unique_keys": [[string]],
  "foreign_keys": [{"columns": [string], "ref_table": string, "ref_columns": [string]}]
}`;

const RULES = `Rules:
- Use only what is written in the DDL. Never invent a table, column, key, type, default or comment.
- Names (table, columns, keys, referenced tables and columns): spelled exactly as in the DDL, without quotes, backticks or brackets.
- table.name: the table's name, with its database or schema prefix when the DDL writes one (e.g. "sales.orders").
- columns: every column of the table, in the order of the DDL.
- type: the data type as written, with its length or precision (e.g. "varchar(20)", "DECIMAL(15,2)"); "" when there is none.
- nullable: false when the column is NOT NULL or part of the primary key; otherwise true.
- default: the DEFAULT value as written, or null when there is none.
- comment and table.comment: the COMMENT text copied exactly as written (any language, punctuation and spacing kept), without its surrounding quotes; "" when there is none.
- primary_key: the primary key's column names (inline or table-level); [] when there is none.
- unique_keys: one list of column names per UNIQUE constraint or unique index; [] when there is none.
- foreign_keys: one entry per FOREIGN KEY or REFERENCES clause; ref_columns is [] when the DDL names none; [] when there is none.`;

/** The chat messages asking for the structure of `ddl`. */
export function ddlPrompt(ddl: string, dialect: Dialect): ChatMessage[] {
  const which = dialect === "unknown" ? "" : ` (${dialect} dialect)`;
  const user = `Extract the table structure from the DDL below. Answer with ONLY a JSON object of exactly this shape:
${SHAPE}
${RULES}

DDL${which}:
\`\`\`sql
${ddl}
\`\`\``;
  return [
    { role: "system", content: SYSTEM },
    { role: "user", content: user },
  ];
}
