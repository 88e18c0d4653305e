/** Oracle: no grammar of its own in node-sql-parser (PostgreSQL's is the closest); DDL only. */
import { defineDialect, SCHEMA_QUALIFIED } from "../dialect-profile.js";

export const oracleProfile = defineDialect({
  name: "oracle",
  aliases: [],
  lex: { backslashEscapes: false, hashComments: false, bracketIdentifiers: false, dollarQuotes: false },
  names: SCHEMA_QUALIFIED,
  grammar: "postgresql",
  sniff: { words: { VARCHAR2: 4, NVARCHAR2: 4, NUMBER: 1, TABLESPACE: 1 } },
});
