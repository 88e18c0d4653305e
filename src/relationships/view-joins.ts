/**
 * The joins of a view's own query, read where its DDL is read (a worker) and kept, encoded, in its summary:
 * the relationship stage resolves them against the catalog into the view's join paths (query-log.ts
 * `viewJoinPaths`). A view gets join paths, never foreign keys.
 */
import type { Dialect } from "../model.js";
import { extractJoins } from "./join-extract.js";
import { parseQuery } from "./sql-grammar.js";

/** The column equalities a view's query joins on, encoded (join-extract.ts); empty when it does not parse. */
export function viewJoins(definition: string, dialect: Dialect): string[] {
  const parsed = parseQuery(definition, dialect === "unknown" ? "mysql" : dialect);
  return "ast" in parsed ? [...extractJoins(parsed.ast).equalities] : [];
}
