/** Hive: backslash escapes, `db.table` names, STORED AS / ROW FORMAT / TBLPROPERTIES; DDL only. */
import { DATABASE_QUALIFIED, defineDialect, isWord } from "../dialect-profile.js";

export const hiveProfile = defineDialect({
  name: "hive",
  aliases: [],
  lex: { backslashEscapes: true, hashComments: false, bracketIdentifiers: false, dollarQuotes: false },
  names: DATABASE_QUALIFIED,
  grammar: "hive",
  sniff: {
    words: { TBLPROPERTIES: 5, PARTITIONED: 2 },
    syntax(tokens, k) {
      if (isWord(tokens[k], "STORED") && isWord(tokens[k + 1], "AS")) return 3;
      if (isWord(tokens[k], "ROW") && isWord(tokens[k + 1], "FORMAT")) return 4;
      return 0;
    },
  },
});
