/**
 * node-sql-parser for query logs: the grammar of each dialect, loaded on first use (never the all-in-one
 * bundle), with a second grammar to try when the first rejects a query (TPC-H q6's `.06` is PostgreSQL-only
 * syntax to the MySQL grammar).
 */
import { createRequire } from "node:module";
import type { Dialect } from "../model.js";

const require = createRequire(import.meta.url);

/** node-sql-parser's grammar for each of our dialects (no StarRocks or Oracle grammar: the closest). */
const GRAMMAR: Readonly<Record<Dialect, string>> = {
  mysql: "mysql",
  mariadb: "mariadb",
  starrocks: "mysql",
  unknown: "mysql",
  postgresql: "postgresql",
  duckdb: "postgresql",
  redshift: "redshift",
  sqlite: "sqlite",
  snowflake: "snowflake",
  bigquery: "bigquery",
  sqlserver: "transactsql",
  hive: "hive",
  oracle: "postgresql",
};

interface SqlParser {
  astify(sql: string, opt?: { database?: string }): unknown;
}

const parsers = new Map<string, SqlParser | null>();

function parserFor(grammar: string): SqlParser | null {
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

/** The AST of `sql` (a statement or a list of them), or undefined when neither grammar reads it. */
export function parseQuery(sql: string, dialect: Dialect): unknown {
  const first = GRAMMAR[dialect];
  for (const grammar of first === "postgresql" ? [first, "mysql"] : [first, "postgresql"]) {
    const parser = parserFor(grammar);
    if (parser === null) continue;
    try {
      return parser.astify(sql, { database: grammar });
    } catch {
      // try the next grammar
    }
  }
  return undefined;
}
