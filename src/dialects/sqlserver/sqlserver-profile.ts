/** SQL Server: [bracketed] names, `GO` batches; node-sql-parser's transactsql grammar; DDL only. */
import { defineDialect, isPunct, isWord, SCHEMA_QUALIFIED } from "../dialect-profile.js";

export const sqlserverProfile = defineDialect({
  name: "sqlserver",
  aliases: [],
  lex: { backslashEscapes: false, hashComments: false, bracketIdentifiers: true, dollarQuotes: false },
  names: SCHEMA_QUALIFIED,
  grammar: "transactsql",
  sniff: {
    words: { IDENTITY: 2, NONCLUSTERED: 4, CLUSTERED: 2, UNIQUEIDENTIFIER: 4, DATETIME2: 4, NTEXT: 3 },
    syntax: (tokens, k) => (isWord(tokens[k], "NVARCHAR") && isPunct(tokens[k + 1], "(") && isWord(tokens[k + 2], "MAX") ? 4 : 0),
    brackets: "owner",
  },
});
