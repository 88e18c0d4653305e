/** Amazon Redshift: PostgreSQL's lexing and names, its own DIST/SORT keys; DDL only. */
import { defineDialect, SCHEMA_QUALIFIED } from "../dialect-profile.js";

export const redshiftProfile = defineDialect({
  name: "redshift",
  aliases: [],
  lex: { backslashEscapes: false, hashComments: false, bracketIdentifiers: false, dollarQuotes: true },
  names: SCHEMA_QUALIFIED,
  grammar: "redshift",
  sniff: { words: { DISTKEY: 5, SORTKEY: 5, DISTSTYLE: 5, ENCODE: 3 } },
});
