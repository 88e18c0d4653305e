/** PostgreSQL: "quoted" names, `$tag$` bodies, `schema.table` names; read live through pg. */
import type { LiveNamespace, LiveSource } from "../live-source.js";
import { defineDialect, isPunct, isWord, SCHEMA_QUALIFIED } from "../dialect-profile.js";

export const postgresqlProfile = defineDialect({
  name: "postgresql",
  aliases: ["postgres"],
  lex: { backslashEscapes: false, hashComments: false, bracketIdentifiers: false, dollarQuotes: true },
  names: SCHEMA_QUALIFIED,
  grammar: "postgresql",
  sniff: {
    words: { SERIAL: 3, BIGSERIAL: 3, SMALLSERIAL: 3, BYTEA: 3, JSONB: 3, TIMESTAMPTZ: 2, INHERITS: 3, NEXTVAL: 2, REGCLASS: 3, TSVECTOR: 3 },
    syntax(tokens, k, ddl) {
      const t = tokens[k];
      const next = tokens[k + 1];
      if (isPunct(t, ":") && isPunct(next, ":") && next.start === t.end) return 3; // x::type
      if (t.kind === "string" && ddl.charCodeAt(t.start) === 36) return 2; // $$ … $$
      // Greenplum's DISTRIBUTED BY (..) / RANDOMLY (StarRocks' DISTRIBUTED BY HASH|RANDOM is its own)
      if (isWord(t, "DISTRIBUTED") && !(isWord(next, "BY") && (isWord(tokens[k + 2], "HASH") || isWord(tokens[k + 2], "RANDOM")))) return 2;
      if (isWord(t, "COMMENT") && isWord(next, "ON")) return 2;
      if (isWord(t, "WITHOUT") && isWord(next, "TIME")) return 2;
      return 0;
    },
  },
  live: {
    async open(ns: LiveNamespace): Promise<LiveSource> {
      const { openPostgresNamespace } = await import("./postgresql-source.js");
      return openPostgresNamespace(ns);
    },
  },
});
