/**
 * SQLite: [bracketed] and "quoted" names, `db.table` names (an attached database); a file read live
 * through the optional `sqlite3` driver.
 */
import { DATABASE_QUALIFIED, defineDialect, isWord } from "../dialect-profile.js";
import type { LiveNamespace, LiveSource } from "../live-source.js";

export const sqliteProfile = defineDialect({
  name: "sqlite",
  aliases: [],
  lex: { backslashEscapes: false, hashComments: false, bracketIdentifiers: true, dollarQuotes: false },
  names: DATABASE_QUALIFIED,
  grammar: "sqlite",
  sniff: {
    words: { AUTOINCREMENT: 3, ROWID: 2 },
    syntax: (tokens, k) => (isWord(tokens[k], "WITHOUT") && isWord(tokens[k + 1], "ROWID") ? 4 : 0),
    // [name] is SQL Server's, unless SQLite's keywords spoke
    brackets: "if-voted",
  },
  live: {
    fileExtension: "db",
    async open(ns: LiveNamespace): Promise<LiveSource> {
      const { openSqliteNamespace } = await import("./sqlite-source.js");
      return openSqliteNamespace(ns);
    },
  },
});
