/** MySQL: backticks, `#` comments, backslash escapes, `db.table` names; read live through mysql2. */
import type { LiveNamespace, LiveSource } from "../live-source.js";
import { DATABASE_QUALIFIED, defineDialect, isPunct, isWord, MYSQL_LEX } from "../dialect-profile.js";

export const mysqlProfile = defineDialect({
  name: "mysql",
  aliases: [],
  lex: MYSQL_LEX,
  names: DATABASE_QUALIFIED,
  grammar: "mysql",
  sniff: {
    words: { AUTO_INCREMENT: 3, UNSIGNED: 2, ZEROFILL: 2, MEDIUMINT: 2, MEDIUMTEXT: 2, LONGTEXT: 2, TINYTEXT: 2, CHARSET: 1 },
    syntax(tokens, k) {
      const t = tokens[k];
      // ENGINE = InnoDB (StarRocks' ENGINE = OLAP is its own)
      if (isWord(t, "ENGINE") && isPunct(tokens[k + 1], "=") && tokens[k + 2]?.kind === "word" && tokens[k + 2].upper !== "OLAP") return 6;
      if (isWord(t, "COMMENT") && isPunct(tokens[k + 1], "=")) return 1;
      return 0;
    },
    backticks: "owner",
  },
  live: {
    async open(ns: LiveNamespace): Promise<LiveSource> {
      const { openMySqlNamespace } = await import("./mysql-source.js");
      return openMySqlNamespace(ns);
    },
  },
});
