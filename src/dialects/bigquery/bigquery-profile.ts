/** BigQuery: backticked `project.dataset.table` names (one quoted run, three parts), STRUCT<…>; DDL only. */
import { defineDialect, isPunct, isWord } from "../dialect-profile.js";

export const bigqueryProfile = defineDialect({
  name: "bigquery",
  aliases: [],
  lex: { backslashEscapes: true, hashComments: false, bracketIdentifiers: false, dollarQuotes: false },
  names: { twoParts: "schema", threeParts: "database.schema", splitQuotedDots: true },
  grammar: "bigquery",
  sniff: {
    words: { INT64: 4, FLOAT64: 4, BIGNUMERIC: 4 },
    syntax(tokens, k) {
      const t = tokens[k];
      if (isPunct(t, "<") && (isWord(tokens[k - 1], "STRUCT") || isWord(tokens[k - 1], "ARRAY"))) return 3;
      if (isWord(t, "OPTIONS") && isPunct(tokens[k + 1], "(")) return 2;
      return 0;
    },
    // its backticks are its own quotes: they say nothing for the MySQL family then
    backticks: "silences",
  },
});
