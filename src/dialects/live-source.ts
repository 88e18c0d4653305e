/**
 * The one interface every live database engine implements. Each engine lives in its own folder
 * `src/dialects/<name>/` with the same few files: `<name>-profile.ts` (what the tool knows about the
 * dialect, registered in `registry.ts`), `<name>-source.ts` (connection and this interface),
 * `<name>-introspection.ts` (the catalog queries) and `<name>-statistics.ts` (row counts and column statistics).
 */
import type { NamespaceConfig } from "../config/load-config.js";
import { DatusError } from "../errors.js";
import type { Dialect, SourceTable, TableStatistics, TableStructure } from "../model.js";
import { DEFAULT_SAMPLING, type ProfileRule } from "./column-profile.js";
import type { EdgeCheck, EdgeMeasure } from "../relationships/verify-with-data.js";
import type { PaceSlot } from "./query-throttle.js";
import { describeNames, findDialect, LIVE_DIALECTS } from "./registry.js";

/** One table or view as a live catalog describes it. */
export interface LiveTable {
  /**
   * The names and the engine's own DDL text (`definition`), exactly as the engine reports it
   * (DuckDB: `duckdb_tables().sql` / `duckdb_views().sql`). The identifier is canonical.
   */
  readonly source: SourceTable;
  /**
   * The structure read from the catalog (`source: "catalog"`): table comment, columns with type,
   * nullability, default and comment, primary key, unique keys and declared foreign keys.
   * Catalog comments (e.g. DuckDB `COMMENT ON`) are here even when the DDL text lacks them.
   */
  readonly structure: TableStructure;
}

/** Which part of a live database to list. */
export interface LiveSourceOptions {
  /** The database to read; absent: the connection's current database. */
  readonly database?: string;
  /** The schema to read; absent: every non-internal schema of the database. */
  readonly schema?: string;
}

/**
 * Options of {@link LiveSource.tableStatistics}: the namespace's sampling rule. Keys left out take
 * {@link DEFAULT_SAMPLING}'s values.
 */
export type StatisticsOptions = Pick<ProfileRule, "sampleRows"> & Partial<ProfileRule>;

/** The full rule of `options`. */
export function profileRule(options: StatisticsOptions): ProfileRule {
  return { ...DEFAULT_SAMPLING, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) };
}

/**
 * One statement {@link LiveSource.tableStatistics} would run against a table, as `--dry-run` lists it: the exact
 * text the real run sends (built by the same function), its bound parameters, and how many rows it would read.
 */
export interface PlannedStatement {
  readonly sql: string;
  /** Values bound to its placeholders (`?`, `$1`), when it has any. */
  readonly params?: readonly unknown[];
  /** Rows the statement would read from the table, from the catalog's estimate; null: the catalog has none (views, tables never analysed). */
  readonly estimatedRows: number | null;
  /** What the statement is for, in words. */
  readonly purpose: string;
}

/** A live database opened for reading metadata. It never writes to the database. */
export interface LiveSource {
  /** The SQL dialect of the engine, as the DDL reader names it. */
  readonly dialect: Dialect;
  /**
   * Every table and view of the database (or of one schema), with DDL and catalog structure,
   * ordered by schema then name. Reads the catalog in a few queries in total, never one per table.
   */
  listTables(options: LiveSourceOptions): Promise<LiveTable[]>;
  /**
   * Facts about one table: the row count (exact, or the catalog's estimate for a table larger than
   * `exactCountMaxRows`), and per column (over a sample of at most `sampleRows` rows, a real random sample
   * where the engine supports one): min/max (numbers as numbers, dates and strings as text), mean/std for
   * numeric columns, null_fraction, distinct, sampled_rows, `method`/`sampling`, and `top_values` for
   * columns with at most `topValues` distinct values (withheld for personal data unless `allowPiiValues`).
   * `provenance` says how each figure was obtained. Safe to call concurrently; callers cap the concurrency.
   */
  tableStatistics(table: SourceTable, options: StatisticsOptions): Promise<TableStatistics>;
  /**
   * The statements {@link tableStatistics} would run on `table` with `options`, none of them run: only the
   * catalog query giving the columns and the row estimate is. The row estimate stands for the row count the
   * real run would count; the top-values statement is listed for every column that may get top values (the
   * real run keeps those found with at most `topValues` distinct values). Engines without it cannot plan.
   */
  planStatistics?(table: SourceTable, options: StatisticsOptions): Promise<PlannedStatement[]>;
  /**
   * Measures an undeclared relationship on the data (see `src/relationships/verify-with-data.ts`): of the
   * non-null from-values (a sample of about `rule.sampleRows` rows on a larger table), how many rows and distinct
   * values there are and how many are found in the target column. Identifiers quoted, values bound, the session
   * read-only with the statement timeout. Engines without it leave inferred edges unchecked.
   */
  checkRelationship?(check: EdgeCheck, rule: ProfileRule): Promise<EdgeMeasure>;
  /**
   * Stops the statements running now and refuses new ones (a Ctrl-C or SIGTERM must not wait for a slow
   * query): their calls reject soon after. Only `close()` is left to call.
   */
  interrupt(): void;
  /** Waits for calls in flight, then releases connections and files. Idempotent. */
  close(): Promise<void>;
}

/**
 * A namespace of the config (CONTRACT §2, `agent.namespace.<name>`) as config loading reads it; only `type` is
 * required, so a caller (the demo) can open a DuckDB file with just `type` and `uri`.
 */
export type LiveNamespace = Partial<Omit<NamespaceConfig, "type">> & {
  readonly type: string;
  /** The `max_queries_per_second` pace shared with the sources other threads open for the same run. */
  readonly paceSlot?: PaceSlot;
};

/** Where a server-based namespace points: its host/port/username/password/database keys, else its `uri`'s parts. */
export interface ServerAddress {
  readonly host: string;
  readonly port: number;
  readonly username?: string;
  readonly password?: string;
  readonly database?: string;
}

/**
 * The server a namespace names. Explicit keys win; a `uri` such as `mysql://user:pass@host:3306/db` or
 * `postgresql://…` (as SQLAlchemy and Datus configs write them) fills what they leave out.
 */
export function serverAddress(ns: LiveNamespace, defaultPort: number): ServerAddress {
  let fromUri: Partial<ServerAddress> = {};
  if (ns.uri && /^[a-z][a-z0-9+.-]*:\/\//i.test(ns.uri.trim())) {
    try {
      const url = new URL(ns.uri.trim());
      const database = decodeURIComponent(url.pathname.replace(/^\//, ""));
      fromUri = {
        ...(url.hostname ? { host: url.hostname } : {}),
        ...(url.port ? { port: Number(url.port) } : {}),
        ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
        ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
        ...(database ? { database } : {}),
      };
    } catch {
      // not a URL: the explicit keys alone
    }
  }
  const username = ns.username ?? fromUri.username;
  const password = ns.password ?? fromUri.password;
  const database = ns.database ?? fromUri.database;
  return {
    host: ns.host ?? fromUri.host ?? "localhost",
    port: ns.port ?? fromUri.port ?? defaultPort,
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
    ...(database === undefined ? {} : { database }),
  };
}

/** Opens the live database a namespace names, with the engine its `type` names (see `registry.ts`). */
export async function openLiveSource(ns: LiveNamespace): Promise<LiveSource> {
  const profile = findDialect(ns.type);
  if (profile !== undefined && "live" in profile) return profile.live.open(ns);
  // a config the tool cannot serve (exit 2, nothing touched), not a database that failed
  throw new DatusError(
    "config",
    `${ns.name === undefined ? "live database type" : `agent.namespace.${ns.name}.type`} ${ns.type} is not supported yet`,
    `types ${describeNames(LIVE_DIALECTS)} can be read live; run migrate without --import-schemas and ` +
      "--extract-statistics to upgrade the store from its DDL alone",
  );
}
