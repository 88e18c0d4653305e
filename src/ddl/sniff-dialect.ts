/**
 * Guess the dialect of an orphan DDL text (a store whose dialect is not configured).
 * Token-based: `SERIAL_NO` or `money_amt` as column names say nothing; only keywords and syntax vote.
 */
import type { Dialect } from "../model.js";
import { tokenize, type Token } from "./tokenize.js";

type Votes = Map<Dialect, number>;

function vote(votes: Votes, dialect: Dialect, weight: number): void {
  votes.set(dialect, (votes.get(dialect) ?? 0) + weight);
}

/** Words that only mean something as a type or keyword of one dialect family. */
const WORD_VOTES: Readonly<Record<string, readonly [Dialect, number]>> = {
  AUTO_INCREMENT: ["mysql", 3],
  UNSIGNED: ["mysql", 2],
  ZEROFILL: ["mysql", 2],
  MEDIUMINT: ["mysql", 2],
  MEDIUMTEXT: ["mysql", 2],
  LONGTEXT: ["mysql", 2],
  TINYTEXT: ["mysql", 2],
  CHARSET: ["mysql", 1],
  BUCKETS: ["starrocks", 5],
  PROPERTIES: ["starrocks", 2],
  LARGEINT: ["starrocks", 3],
  BITMAP: ["starrocks", 2],
  HLL: ["starrocks", 2],
  SERIAL: ["postgresql", 3],
  BIGSERIAL: ["postgresql", 3],
  SMALLSERIAL: ["postgresql", 3],
  BYTEA: ["postgresql", 3],
  JSONB: ["postgresql", 3],
  TIMESTAMPTZ: ["postgresql", 2],
  INHERITS: ["postgresql", 3],
  NEXTVAL: ["postgresql", 2],
  REGCLASS: ["postgresql", 3],
  TSVECTOR: ["postgresql", 3],
  VARIANT: ["snowflake", 3],
  TIMESTAMP_NTZ: ["snowflake", 4],
  TIMESTAMP_LTZ: ["snowflake", 4],
  TIMESTAMP_TZ: ["snowflake", 4],
  TRANSIENT: ["snowflake", 3],
  INT64: ["bigquery", 4],
  FLOAT64: ["bigquery", 4],
  BIGNUMERIC: ["bigquery", 4],
  HUGEINT: ["duckdb", 4],
  UHUGEINT: ["duckdb", 4],
  UBIGINT: ["duckdb", 4],
  UINTEGER: ["duckdb", 4],
  USMALLINT: ["duckdb", 4],
  UTINYINT: ["duckdb", 4],
  VARCHAR2: ["oracle", 4],
  NVARCHAR2: ["oracle", 4],
  NUMBER: ["oracle", 1],
  TABLESPACE: ["oracle", 1],
  IDENTITY: ["sqlserver", 2],
  NONCLUSTERED: ["sqlserver", 4],
  CLUSTERED: ["sqlserver", 2],
  UNIQUEIDENTIFIER: ["sqlserver", 4],
  DATETIME2: ["sqlserver", 4],
  NTEXT: ["sqlserver", 3],
  AUTOINCREMENT: ["sqlite", 3],
  ROWID: ["sqlite", 2],
  TBLPROPERTIES: ["hive", 5],
  PARTITIONED: ["hive", 2],
  DISTKEY: ["redshift", 5],
  SORTKEY: ["redshift", 5],
  DISTSTYLE: ["redshift", 5],
  ENCODE: ["redshift", 3],
};

function isWord(t: Token | undefined, upper: string): boolean {
  return t !== undefined && t.kind === "word" && t.upper === upper;
}

function isPunct(t: Token | undefined, ch: string): boolean {
  return t !== undefined && t.kind === "punct" && t.value === ch;
}

/** The most likely dialect of `ddl`, or `unknown` when nothing in it is specific. */
export function sniffDialect(ddl: string): Dialect {
  // Read with neutral rules: [ is punctuation so `[Name]` shows up as `[ word ]`.
  const tokens = tokenize(ddl, { backslashEscapes: true, hashComments: false, bracketIdentifiers: false, dollarQuotes: true });
  const votes: Votes = new Map();
  let backticks = 0;
  let brackets = 0;
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k];
    if (t.kind === "qident") {
      if (ddl.charCodeAt(t.start) === 96) backticks++;
      continue;
    }
    if (t.kind === "punct") {
      if (t.value === ":" && isPunct(tokens[k + 1], ":") && tokens[k + 1].start === t.end) vote(votes, "postgresql", 3);
      else if (t.value === "[" && tokens[k + 1]?.kind === "word" && isPunct(tokens[k + 2], "]")) brackets++;
      else if (t.value === "<" && (isWord(tokens[k - 1], "STRUCT") || isWord(tokens[k - 1], "ARRAY"))) vote(votes, "bigquery", 3);
      continue;
    }
    if (t.kind === "string" && ddl.charCodeAt(t.start) === 36) {
      vote(votes, "postgresql", 2);
      continue;
    }
    if (t.kind !== "word") continue;
    const w = WORD_VOTES[t.upper];
    if (w !== undefined) vote(votes, w[0], w[1]);
    const next = tokens[k + 1];
    switch (t.upper) {
      case "ENGINE":
        if (isPunct(next, "=") && tokens[k + 2]?.kind === "word") {
          vote(votes, tokens[k + 2].upper === "OLAP" ? "starrocks" : "mysql", 6);
        }
        break;
      case "DISTRIBUTED":
        if (isWord(next, "BY") && (isWord(tokens[k + 2], "HASH") || isWord(tokens[k + 2], "RANDOM"))) vote(votes, "starrocks", 6);
        else vote(votes, "postgresql", 2); // Greenplum: DISTRIBUTED BY (..) / RANDOMLY
        break;
      case "DUPLICATE":
      case "AGGREGATE":
        if (isWord(next, "KEY")) vote(votes, "starrocks", 5);
        break;
      case "COMMENT":
        if (isWord(next, "ON")) vote(votes, "postgresql", 2);
        else if (isPunct(next, "=")) vote(votes, "mysql", 1);
        break;
      case "WITHOUT":
        if (isWord(next, "TIME")) vote(votes, "postgresql", 2);
        else if (isWord(next, "ROWID")) vote(votes, "sqlite", 4);
        break;
      case "STORED":
        if (isWord(next, "AS")) vote(votes, "hive", 3);
        break;
      case "ROW":
        if (isWord(next, "FORMAT")) vote(votes, "hive", 4);
        break;
      case "OPTIONS":
        if (isPunct(next, "(")) vote(votes, "bigquery", 2);
        break;
      case "NVARCHAR":
        if (isPunct(next, "(") && isWord(tokens[k + 2], "MAX")) vote(votes, "sqlserver", 4);
        break;
      default:
        break;
    }
  }
  if (brackets > 0) vote(votes, votes.has("sqlite") ? "sqlite" : "sqlserver", 2 + brackets);
  if (backticks > 0) {
    // Backticks: MySQL family, unless BigQuery already spoke
    if (!votes.has("bigquery")) vote(votes, votes.has("starrocks") ? "starrocks" : "mysql", 2);
  }
  let best: Dialect = "unknown";
  let bestScore = 0;
  for (const [dialect, score] of votes) {
    if (score > bestScore) {
      best = dialect;
      bestScore = score;
    }
  }
  return best;
}
