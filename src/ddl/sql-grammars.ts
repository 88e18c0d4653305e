/**
 * node-sql-parser's grammars, one per dialect, each loaded on first use (a few hundred KB each) and never
 * the all-in-one bundle. Shared by the DDL fallback and the query-log miner.
 */
import { createRequire } from "node:module";
import { profileOf } from "../dialects/registry.js";
import type { Dialect } from "../model.js";

const require = createRequire(import.meta.url);

/** node-sql-parser's grammar (build file and `database` option) for a dialect: its profile's `grammar`. */
export function grammarOf(dialect: Dialect): string {
  return profileOf(dialect).grammar;
}

export interface SqlParser {
  astify(sql: string, opt?: { database?: string }): unknown;
}

const parsers = new Map<string, SqlParser | null>();

/** The parser of a grammar, or null when node-sql-parser has none by that name. */
export function parserFor(grammar: string): SqlParser | null {
  let parser = parsers.get(grammar);
  if (parser === undefined) {
    try {
      const mod = require(`node-sql-parser/build/${grammar}`) as { Parser: new () => SqlParser };
      parser = new mod.Parser();
    } catch {
      parser = null;
    }
    parsers.set(grammar, parser);
  }
  return parser;
}
