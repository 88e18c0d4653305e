/**
 * What the MySQL protocol's engines (MySQL, MariaDB, StarRocks) share about their connections: reading a
 * mysql2 error, telling a broken connection from a failed statement, and stopping running queries.
 */
import mysql from "mysql2/promise";
import type { ServerAddress } from "../live-source.js";
import type { Row } from "./mysql-sql.js";

/** Sends one statement with bound values and returns its rows: how the catalog and statistics readers reach a connection. */
export type RowsQuery = (sql: string, params?: readonly unknown[]) => Promise<Row[]>;

/** The statements of a mysql2 connection as a {@link RowsQuery}. */
export function connectionQuery(conn: mysql.Connection | mysql.PoolConnection): RowsQuery {
  return async (sql, params = []) => (await conn.query(sql, [...params]))[0] as Row[];
}

/** The fields of a mysql2 error this tool reads. */
export interface MySqlError {
  readonly code?: string;
  readonly errno?: number;
  readonly message?: string;
  readonly fatal?: boolean;
}

/**
 * Errors after which the connection is gone or unusable (the server restarted, KILL CONNECTION, a network cut):
 * such a connection is destroyed, never given back to the pool for a retry to find dead.
 */
export function connectionLost(err: unknown): boolean {
  const e = err as MySqlError;
  return e.fatal === true || e.code === "PROTOCOL_CONNECTION_LOST" || e.code === "ECONNRESET" || e.code === "EPIPE" || e.errno === 1927 || e.errno === 2013 || e.errno === 2006 || e.errno === 1053;
}

/**
 * `KILL QUERY` for each connection id, through a connection of its own (the busy ones cannot take it). Not
 * awaited by callers: a failure only means the queries end by themselves.
 */
export function killQueries(server: ServerAddress, ids: readonly number[]): void {
  if (ids.length === 0) return;
  void mysql
    .createConnection({ host: server.host, port: server.port, user: server.username, password: server.password })
    .then(async (conn) => {
      for (const id of ids) await conn.query(`KILL QUERY ${Number(id)}`).catch(() => undefined);
      await conn.end();
    })
    .catch(() => undefined);
}
