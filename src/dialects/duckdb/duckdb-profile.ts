/** DuckDB: PostgreSQL's lexing and names (PostgreSQL's grammar for the fallback); a file read live. */
import type { LiveNamespace, LiveSource } from "../live-source.js";
import { defineDialect, SCHEMA_QUALIFIED } from "../dialect-profile.js";

export const duckdbProfile = defineDialect({
  name: "duckdb",
  aliases: [],
  lex: { backslashEscapes: false, hashComments: false, bracketIdentifiers: false, dollarQuotes: true },
  names: SCHEMA_QUALIFIED,
  grammar: "postgresql",
  sniff: { words: { HUGEINT: 4, UHUGEINT: 4, UBIGINT: 4, UINTEGER: 4, USMALLINT: 4, UTINYINT: 4 } },
  live: {
    fileExtension: "duckdb",
    async open(ns: LiveNamespace): Promise<LiveSource> {
      // loaded lazily: commands that never touch a live database do not load the native addon
      const { openDuckDbNamespace } = await import("./duckdb-source.js");
      return openDuckDbNamespace(ns);
    },
  },
});
