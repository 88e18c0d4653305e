/**
 * A StarRocks database opened for reading metadata as a {@link LiveSource}: one mysql2 pool (StarRocks speaks
 * MySQL's protocol, FE query port 9030 by default) of at most `max_connections` connections; every session
 * gets `query_timeout` (StarRocks' statement timeout, in seconds). StarRocks has no read-only sessions or
 * transactions: the tool sends nothing but SELECT and SHOW statements. `catalog`, when set, is the session's
 * catalog (`SET CATALOG`) and the tables' catalog_name.
 */
import { paced, type QueryThrottle, throttleFor } from "../query-throttle.js";
import mysql from "mysql2/promise";
import { DatusError, describeError } from "../../errors.js";
import type { SourceTable, TableStatistics } from "../../model.js";
import { type LiveNamespace, type LiveSource, type LiveSourceOptions, type LiveTable, type PlannedStatement, profileRule, serverAddress, type ServerAddress, type StatisticsOptions } from "../live-source.js";
import { quoteIdent, type Row } from "../mysql/mysql-sql.js";
import { connectionLost, connectionQuery, killQueries, type MySqlError } from "../mysql/mysql-connection.js";
import { introspectCatalog } from "./starrocks-introspection.js";
import { planTableStatistics, readTableStatistics } from "./starrocks-statistics.js";

/** StarRocks' FE MySQL-protocol port. */
export const STARROCKS_PORT = 9030;

/** The statements that set up every session: the statement timeout, and the catalog when one is named. */
export function sessionStatements(statementTimeoutSeconds: number, catalog: string): string[] {
  return [`SET query_timeout = ${Math.max(1, Math.floor(statementTimeoutSeconds))}`, ...(catalog === "" ? [] : [`SET CATALOG ${quoteIdent(catalog)}`])];
}

function sourceError(err: unknown, where: string, server: ServerAddress): DatusError {
  if (err instanceof DatusError) return err;
  const e = err as MySqlError;
  const code = e.code ?? "";
  const message = e.message ?? "";
  if (code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EHOSTUNREACH" || code === "ETIMEDOUT") {
    return new DatusError("source", `cannot reach StarRocks at ${where}: ${describeError(err)}`, "is the FE running? check agent.namespace.<name>.host and .port (the FE query port, 9030 by default)", { cause: err });
  }
  if (e.errno === 1045 || e.errno === 1044 || code.startsWith("ER_ACCESS_DENIED")) {
    return new DatusError("source", `StarRocks at ${where} refused user ${server.username ?? "(default)"}: access denied`, "check agent.namespace.<name>.username and .password (is its ${VAR} set?)", { cause: err });
  }
  if (e.errno === 1049 || /unknown database/i.test(message)) {
    return new DatusError("source", `StarRocks at ${where} has no database ${server.database ?? ""}`, "check agent.namespace.<name>.database or --database", { cause: err });
  }
  if (/timeout|time limit|cancelled|canceled|killed/i.test(message) || e.errno === 1317) {
    return new DatusError("source", `StarRocks query at ${where} was stopped: ${describeError(err)} (statement_timeout or an interruption)`, "a slow view or a very large table: raise agent.namespace.<name>.statement_timeout", { cause: err });
  }
  if (connectionLost(err)) {
    return new DatusError("source", `the connection to StarRocks at ${where} was closed: ${describeError(err)}`, "the FE restarted or ended the session; the table is retried, re-run the command if it stays failed", { cause: err });
  }
  return new DatusError("source", `StarRocks at ${where}: ${describeError(err)}`, "check the namespace's database and that the user may SELECT from it and read information_schema", { cause: err });
}

export class StarRocksSource implements LiveSource {
  private readonly throttle: QueryThrottle | undefined;
  readonly dialect = "starrocks" as const;
  private readonly active = new Map<number, mysql.PoolConnection>();
  private interrupted = false;
  private closed = false;

  private constructor(
    private readonly ns: LiveNamespace,
    private readonly server: ServerAddress,
    private readonly pool: mysql.Pool,
    private readonly where: string,
  ) {
    this.throttle = throttleFor(ns);
  }

  /** Connects once (a wrong host, user or database is an error before any work) and returns the source. */
  static async open(ns: LiveNamespace): Promise<StarRocksSource> {
    const server = serverAddress(ns, STARROCKS_PORT);
    const where = `${server.host}:${server.port}/${server.database ?? ""}`;
    const pool = mysql.createPool({
      host: server.host,
      port: server.port,
      user: server.username,
      password: server.password,
      database: server.database,
      connectionLimit: Math.max(1, ns.maxConnections ?? 4),
      connectTimeout: 15_000,
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
    });
    const source = new StarRocksSource(ns, server, pool, where);
    try {
      await source.withConnection(async (conn) => conn.query("SELECT 1"));
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err;
    }
    return source;
  }

  private async withConnection<T>(work: (conn: mysql.PoolConnection) => Promise<T>): Promise<T> {
    if (this.closed) throw new DatusError("source", `the source ${this.where} is already closed`, "this is a bug; please report it");
    if (this.interrupted) throw new DatusError("source", `query at ${this.where} not started: the run was interrupted`, "re-run the command to finish");
    let conn: mysql.PoolConnection | undefined;
    let lost = false;
    try {
      conn = await this.pool.getConnection();
      for (const sql of sessionStatements(this.ns.statementTimeoutSeconds ?? 120, this.ns.catalog ?? "")) await conn.query(sql);
      this.active.set(conn.threadId, conn);
      return await work(paced(conn, this.throttle, ["query", "execute"]));
    } catch (err) {
      lost = connectionLost(err);
      throw sourceError(err, this.where, this.server);
    } finally {
      if (conn) {
        this.active.delete(conn.threadId);
        // a broken connection is not given back: the pool would hand it to the retry
        if (lost) conn.destroy();
        else conn.release();
      }
    }
  }

  /** One statement on a connection of the pool (the pool holds at most max_connections). */
  private readonly query = (sql: string, params: readonly unknown[] = []): Promise<Row[]> =>
    this.withConnection((conn) => connectionQuery(conn)(sql, params));

  async listTables(options: LiveSourceOptions): Promise<LiveTable[]> {
    const database = options.database ?? this.server.database;
    if (!database) throw new DatusError("config", "a starrocks namespace needs a database to read", "set agent.namespace.<name>.database, or pass --database");
    if (options.schema !== undefined && options.schema !== "") {
      throw new DatusError("source", `StarRocks has no schemas (asked for ${options.schema})`, "leave --schema and agent.namespace.<name>.schema out; name the database with --database");
    }
    const found = await this.query("SELECT SCHEMA_NAME AS name FROM information_schema.schemata WHERE SCHEMA_NAME = ?", [database]);
    if (found.length === 0) throw new DatusError("source", `StarRocks at ${this.where} has no database ${database}`, "check agent.namespace.<name>.database or --database");
    return introspectCatalog(this.query, { database, catalog: this.ns.catalog ?? "", concurrency: Math.max(1, this.ns.maxConnections ?? 4) });
  }

  async tableStatistics(table: SourceTable, options: StatisticsOptions): Promise<TableStatistics> {
    return this.withConnection((conn) => readTableStatistics(connectionQuery(conn), table, profileRule(options)));
  }

  /** See {@link LiveSource.planStatistics}: the catalog is read, nothing else. */
  async planStatistics(table: SourceTable, options: StatisticsOptions): Promise<PlannedStatement[]> {
    return this.withConnection((conn) => planTableStatistics(connectionQuery(conn), table, profileRule(options)));
  }

  interrupt(): void {
    this.interrupted = true;
    killQueries(this.server, [...this.active.keys()]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end().catch(() => undefined);
  }
}

export function openStarRocksNamespace(ns: LiveNamespace): Promise<StarRocksSource> {
  return StarRocksSource.open(ns);
}
