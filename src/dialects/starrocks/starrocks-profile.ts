/**
 * StarRocks: MySQL's lexing, `catalog.db.table` names, its own table models and distribution clauses
 * (node-sql-parser's MySQL grammar for the fallback); read live through mysql2 (MySQL protocol).
 */
import { DATABASE_QUALIFIED, defineDialect, isPunct, isWord, MYSQL_LEX } from "../dialect-profile.js";
import type { LiveNamespace, LiveSource } from "../live-source.js";

export const starrocksProfile = defineDialect({
  name: "starrocks",
  aliases: [],
  lex: MYSQL_LEX,
  names: { ...DATABASE_QUALIFIED, threeParts: "catalog.database" },
  grammar: "mysql",
  sniff: {
    words: { BUCKETS: 5, PROPERTIES: 2, LARGEINT: 3, BITMAP: 2, HLL: 2 },
    syntax(tokens, k) {
      const t = tokens[k];
      const next = tokens[k + 1];
      if (isWord(t, "ENGINE") && isPunct(next, "=") && isWord(tokens[k + 2], "OLAP")) return 6;
      if (isWord(t, "DISTRIBUTED") && isWord(next, "BY") && (isWord(tokens[k + 2], "HASH") || isWord(tokens[k + 2], "RANDOM"))) return 6;
      if ((isWord(t, "DUPLICATE") || isWord(t, "AGGREGATE")) && isWord(next, "KEY")) return 5;
      return 0;
    },
    // backticks are the MySQL family's: StarRocks' when its keywords spoke
    backticks: "if-voted",
  },
  live: {
    async open(ns: LiveNamespace): Promise<LiveSource> {
      const { openStarRocksNamespace } = await import("./starrocks-source.js");
      return openStarRocksNamespace(ns);
    },
  },
});
