/** SQLite: [bracketed] and "quoted" names, `db.table` names (an attached database); a file read live. */
import { DATABASE_QUALIFIED, defineDialect, isWord, notReadLiveYet } from "../dialect-profile.js";

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
  live: { fileExtension: "db", open: notReadLiveYet },
});
