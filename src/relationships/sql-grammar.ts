/**
 * node-sql-parser for query logs: the grammar of each dialect, loaded on first use (never the all-in-one
 * bundle), with a second grammar to try when the first rejects a query (TPC-H q6's `.06` is PostgreSQL-only
 * syntax to the MySQL grammar).
 */
import { MAX_NESTING, nesting } from "../ddl/sql-parser-fallback.js";
import { grammarOf, parserFor } from "../ddl/sql-grammars.js";
import { describeError } from "../errors.js";
import type { Dialect } from "../model.js";

/** The AST of `sql` (a statement or a list of them), or why neither grammar reads it (the first grammar's words). */
export function parseQuery(sql: string, dialect: Dialect): { readonly ast: unknown } | { readonly reason: string } {
  const first = grammarOf(dialect);
  // the grammars backtrack exponentially on deep nesting (sql-parser-fallback.ts): a query that deep is not read
  if (nesting(sql, dialect) > MAX_NESTING) return { reason: `nested more than ${MAX_NESTING} parentheses deep: not given to the parser` };
  let reason: string | undefined;
  for (const grammar of first === "postgresql" ? [first, "mysql"] : [first, "postgresql"]) {
    const parser = parserFor(grammar);
    if (parser === null) continue;
    try {
      return { ast: parser.astify(sql, { database: grammar }) };
    } catch (err) {
      // try the next grammar; the first one's complaint is the one worth showing
      reason ??= `${grammar}: ${describeError(err).replace(/\s+/g, " ").slice(0, 200)}`;
    }
  }
  return { reason: reason ?? "no SQL grammar available" };
}
