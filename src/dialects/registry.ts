/**
 * Every dialect the tool knows, one line each: adding a dialect is adding its folder
 * `src/dialects/<name>/` (a `<name>-profile.ts`, and a live source if it has one) and one line here.
 * The order is the order users see in hints and `--help`.
 */
import { bigqueryProfile } from "./bigquery/bigquery-profile.js";
import { DATABASE_QUALIFIED, type DialectProfile, type LiveProfile } from "./dialect-profile.js";
import { duckdbProfile } from "./duckdb/duckdb-profile.js";
import { hiveProfile } from "./hive/hive-profile.js";
import { mariadbProfile } from "./mariadb/mariadb-profile.js";
import { mysqlProfile } from "./mysql/mysql-profile.js";
import { oracleProfile } from "./oracle/oracle-profile.js";
import { postgresqlProfile } from "./postgresql/postgresql-profile.js";
import { redshiftProfile } from "./redshift/redshift-profile.js";
import { snowflakeProfile } from "./snowflake/snowflake-profile.js";
import { sqliteProfile } from "./sqlite/sqlite-profile.js";
import { sqlserverProfile } from "./sqlserver/sqlserver-profile.js";
import { starrocksProfile } from "./starrocks/starrocks-profile.js";

export const DIALECTS = [
  mysqlProfile,
  mariadbProfile,
  postgresqlProfile,
  redshiftProfile,
  sqliteProfile,
  duckdbProfile,
  starrocksProfile,
  snowflakeProfile,
  bigqueryProfile,
  sqlserverProfile,
  oracleProfile,
  hiveProfile,
] as const;

/** The registered profiles, typed for reading any member. */
export const PROFILES: readonly (DialectProfile & { readonly name: DialectName })[] = DIALECTS;

/** The name of a registered dialect. */
export type DialectName = (typeof DIALECTS)[number]["name"];

/** The name of a dialect the tool reads live: a namespace's `type`. */
export type LiveDialectName = Extract<(typeof DIALECTS)[number], { readonly live: LiveProfile }>["name"];

/**
 * How DDL of an unknown dialect is read when sniffing finds nothing specific: MySQL-style (the most common
 * in Datus stores), also accepting PostgreSQL's `$$` bodies; `a.b` is `database.table`.
 */
export const UNKNOWN_PROFILE = {
  name: "unknown",
  aliases: [],
  lex: { backslashEscapes: true, hashComments: true, bracketIdentifiers: false, dollarQuotes: true },
  names: DATABASE_QUALIFIED,
  grammar: "mysql",
  sniff: {},
} as const satisfies DialectProfile;

const BY_NAME: ReadonlyMap<string, DialectProfile> = new Map<string, DialectProfile>([
  ...DIALECTS.map((p) => [p.name, p] as const),
  [UNKNOWN_PROFILE.name, UNKNOWN_PROFILE],
]);

/** The profile of a dialect (`unknown` included). */
export function profileOf(dialect: DialectName | "unknown"): DialectProfile {
  return BY_NAME.get(dialect) ?? UNKNOWN_PROFILE;
}

/** The registered dialect a user's word names (its name or an alias, any case), or undefined. */
export function findDialect(written: string): (typeof DIALECTS)[number] | undefined {
  const w = written.trim().toLowerCase();
  return DIALECTS.find((p) => p.name === w || (p.aliases as readonly string[]).includes(w));
}

/** The dialects a namespace can name as its `type`, in registry order. */
export const LIVE_DIALECTS: readonly (DialectProfile & { readonly name: LiveDialectName; readonly live: LiveProfile })[] = DIALECTS.filter(
  (p): p is Extract<(typeof DIALECTS)[number], { readonly live: LiveProfile }> => "live" in p,
);

/** "a, b (or c), d": names with their aliases, for hints. */
export function describeNames(profiles: readonly DialectProfile[]): string {
  return profiles.map((p) => (p.aliases.length > 0 ? `${p.name} (or ${p.aliases.join(", ")})` : p.name)).join(", ");
}

/** The parts of a qualified name `a.b.c` as database, schema and table, the way `dialect` writes names. */
export function splitQualifiedName(parts: readonly string[], dialect: DialectName | "unknown"): { databaseName: string; schemaName: string; tableName: string } {
  const out = { databaseName: "", schemaName: "", tableName: "" };
  const n = parts.length;
  if (n === 0) return out;
  const rules = profileOf(dialect).names;
  out.tableName = parts[n - 1];
  if (n === 2) {
    if (rules.twoParts === "database") out.databaseName = parts[0];
    else out.schemaName = parts[0];
  } else if (n >= 3) {
    if (rules.threeParts === "catalog.database") out.databaseName = parts[n - 2];
    else {
      out.databaseName = parts[n - 3];
      out.schemaName = parts[n - 2];
    }
  }
  return out;
}
