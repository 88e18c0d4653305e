/**
 * node-sql-parser for query logs: the grammar of each dialect, loaded on first use (never the all-in-one
 * bundle), with a second grammar to try when the first rejects a query (TPC-H q6's `.06` is PostgreSQL-only
 * syntax to the MySQL grammar).
 */
import { grammarOf, parserFor } from "../ddl/sql-grammars.js";
import type { Dialect } from "../model.js";

/** The AST of `sql` (a statement or a list of them), or undefined when neither grammar reads it. */
export function parseQuery(sql: string, dialect: Dialect): unknown {
  const first = grammarOf(dialect);
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
