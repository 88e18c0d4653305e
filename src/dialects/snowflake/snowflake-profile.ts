/** Snowflake: backslash escapes and `$$` bodies, `schema.table` names; DDL only. */
import { defineDialect, SCHEMA_QUALIFIED } from "../dialect-profile.js";

export const snowflakeProfile = defineDialect({
  name: "snowflake",
  aliases: [],
  lex: { backslashEscapes: true, hashComments: false, bracketIdentifiers: false, dollarQuotes: true },
  names: SCHEMA_QUALIFIED,
  grammar: "snowflake",
  sniff: { words: { VARIANT: 3, TIMESTAMP_NTZ: 4, TIMESTAMP_LTZ: 4, TIMESTAMP_TZ: 4, TRANSIENT: 3 } },
});
