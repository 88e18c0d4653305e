/**
 * A MySQL or MariaDB database opened for reading metadata as a {@link LiveSource}: one mysql2 pool of at
 * most `max_connections` connections, every session READ ONLY with a statement timeout (MariaDB's
 * max_statement_time, MySQL's max_execution_time), so nothing this tool sends can change the database.
 */
import mysql from "mysql2/promise";
import { DatusError, describeError } from "../../errors.js";
import type { SourceTable, TableStatistics } from "../../model.js";
import { type LiveNamespace, type LiveSource, type LiveSourceOptions, type LiveTable, type PlannedStatement, profileRule, serverAddress, type ServerAddress, type StatisticsOptions } from "../live-source.js";
import { paced, type QueryThrottle, throttleFor } from "../query-throttle.js";
import { connectionLost, connectionQuery, killQueries, type MySqlError } from "./mysql-connection.js";
import { introspectCatalog } from "./mysql-introspection.js";
import { planTableStatistics, readTableStatistics } from "./mysql-statistics.js";
import { checkRelationship } from "./mysql-relationship-check.js";
import type { ProfileRule } from "../column-profile.js";
import type { EdgeCheck, EdgeMeasure } from "../../relationships/verify-with-data.js";

function sourceError(err: unknown, where: string, ns: ServerAddress): DatusError {
  if (err instanceof DatusError) return err;
  const e = err as MySqlError;
  const code = e.code ?? "";
  if (code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EHOSTUNREACH" || code === "ETIMEDOUT") {
    return new DatusError("source", `cannot reach the database at ${where}: ${describeError(err)}`, "is the server running? check agent.namespace.<name>.host and .port", { cause: err });
  }
  if (e.errno === 1045 || e.errno === 1044 || e.errno === 1698 || code.startsWith("ER_ACCESS_DENIED") || (e as { sqlState?: string }).sqlState === "28000") {
    return new DatusError("source", `the server at ${where} refused user ${ns.username ?? "(default)"}: access denied`, "check agent.namespace.<name>.username and .password (is its ${VAR} set?)", { cause: err });
  }
  if (e.errno === 1049) return new DatusError("source", `the server at ${where} has no database ${ns.database ?? ""}`, "check agent.namespace.<name>.database or --database", { cause: err });
  if (e.errno === 1969 || e.errno === 3024 || e.errno === 1317) {
    return new DatusError("source", `query at ${where} was stopped: ${describeError(err)} (statement_timeout or an interruption)`, "a slow view or a very large table: raise agent.namespace.<name>.statement_timeout", { cause: err });
  }
  if (connectionLost(err)) {
    return new DatusError("source", `the connection at ${where} was closed by the server: ${describeError(err)}`, "the server restarted or ended the session; the table is retried, re-run the command if it stays failed", { cause: err });
  }
  return new DatusError("source", `database at ${where}: ${describeError(err)}`, "check the namespace's database and that the user may read information_schema", { cause: err });
}

export class MySqlSource implements LiveSource {
  readonly dialect: "mysql" | "mariadb";
  private readonly active = new Map<number, mysql.PoolConnection>();
  private interrupted = false;
  private closed = false;
  private readonly throttle: QueryThrottle | undefined;

  private constructor(
    private readonly ns: LiveNamespace,
    private readonly server: ServerAddress,
    private readonly pool: mysql.Pool,
    private readonly where: string,
    private readonly mariadb: boolean,
  ) {
    this.dialect = mariadb ? "mariadb" : "mysql";
    this.throttle = throttleFor(ns);
  }

  static async open(ns: LiveNamespace): Promise<MySqlSource> {
    const server = serverAddress(ns, 3306);
    const where = `${server.host}:${server.port}/${server.database ?? ""}`;
    const pool = mysql.createPool({
      host: server.host,
      port: server.port,
      user: server.username,
      password: server.password,
      database: server.database,
      connectionLimit: Math.max(1, ns.maxConnections ?? 4),
      connectTimeout: 15_000,
      // DECIMAL and BIGINT as text: no precision is lost before it is read as a number
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
    });
    let mariadb = false;
    try {
      const conn = await pool.getConnection();
      try {
        const [version] = await conn.query("SELECT VERSION() AS v");
        mariadb = /mariadb/i.test(String((version as { v: unknown }[])[0]?.v ?? ""));
      } finally {
        conn.release();
      }
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw sourceError(err, where, server);
    }
    return new MySqlSource(ns, server, pool, where, mariadb);
  }

  private async withConnection<T>(work: (conn: mysql.PoolConnection) => Promise<T>): Promise<T> {
    if (this.closed) throw new DatusError("source", `the source ${this.where} is already closed`, "this is a bug; please report it");
    if (this.interrupted) throw new DatusError("source", `query at ${this.where} not started: the run was interrupted`, "re-run the command to finish");
    let conn: mysql.PoolConnection | undefined;
    let lost = false;
    try {
      conn = await this.pool.getConnection();
      // every call's session: read only, and no statement longer than the timeout
      await conn.query("SET SESSION TRANSACTION READ ONLY");
      await conn.query(this.mariadb ? `SET SESSION max_statement_time = ${this.ns.statementTimeoutSeconds ?? 120}` : `SET SESSION max_execution_time = ${(this.ns.statementTimeoutSeconds ?? 120) * 1000}`);
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

  async listTables(options: LiveSourceOptions): Promise<LiveTable[]> {
    const database = options.database ?? this.server.database;
    if (!database) throw new DatusError("config", "a mysql namespace needs a database to read", "set agent.namespace.<name>.database, or pass --database");
    // a MySQL schema is its database: a different one named as a schema would be read as nothing, or all
    if (options.schema !== undefined && options.schema !== "" && options.schema !== database) {
      throw new DatusError("config", `${this.dialect} has no schemas inside a database (asked for schema ${options.schema} in ${database})`, "leave --schema and agent.namespace.<name>.schema out, and name the database with --database");
    }
    return this.withConnection(async (conn) => {
      const [found] = await conn.query("SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", [database]);
      if ((found as unknown[]).length === 0) throw new DatusError("source", `the server at ${this.where} has no database ${database}`, "check agent.namespace.<name>.database or --database");
      return introspectCatalog(conn, database, this.mariadb);
    });
  }

  async tableStatistics(table: SourceTable, options: StatisticsOptions): Promise<TableStatistics> {
    return this.withConnection((conn) => readTableStatistics(connectionQuery(conn), table, profileRule(options)));
  }

  /** See {@link LiveSource.planStatistics}: the catalog is read, nothing else. */
  async planStatistics(table: SourceTable, options: StatisticsOptions): Promise<PlannedStatement[]> {
    return this.withConnection((conn) => planTableStatistics(connectionQuery(conn), table, profileRule(options)));
  }

  async checkRelationship(check: EdgeCheck, rule: ProfileRule): Promise<EdgeMeasure> {
    return this.withConnection((conn) => checkRelationship(conn, check, rule));
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

export function openMySqlNamespace(ns: LiveNamespace): Promise<MySqlSource> {
  return MySqlSource.open(ns);
}
