/**
 * A PostgreSQL database opened for reading metadata as a {@link LiveSource}: one pg pool of at most
 * `max_connections` connections (the statistics stage, its only concurrent user, never asks for more),
 * every session read-only (default_transaction_read_only) with statement_timeout set, so nothing this tool
 * sends can change the database or run unbounded.
 */
import pg from "pg";
import { DatusError, describeError } from "../../errors.js";
import type { SourceTable, TableStatistics } from "../../model.js";
import { type LiveNamespace, type LiveSource, type LiveSourceOptions, type LiveTable, type PlannedStatement, profileRule, serverAddress, type ServerAddress, type StatisticsOptions } from "../live-source.js";
import { paced, type QueryThrottle, throttleFor } from "../query-throttle.js";
import { introspectCatalog } from "./postgresql-introspection.js";
import { planTableStatistics, readTableStatistics } from "./postgresql-statistics.js";
import { checkRelationship } from "./postgresql-relationship-check.js";
import type { ProfileRule } from "../column-profile.js";
import type { EdgeCheck, EdgeMeasure } from "../../relationships/verify-with-data.js";

interface PgError {
  readonly code?: string;
  readonly message?: string;
}

/** A DatusError a person can act on for what the server or the network said (never the password). */
function sourceError(err: unknown, where: string, ns: { readonly username?: string; readonly database?: string }): DatusError {
  if (err instanceof DatusError) return err;
  const e = err as PgError;
  const code = e.code ?? "";
  if (code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EHOSTUNREACH" || code === "ETIMEDOUT") {
    return new DatusError("source", `cannot reach PostgreSQL at ${where}: ${describeError(err)}`, "is the server running? check agent.namespace.<name>.host and .port", { cause: err });
  }
  if (code === "28P01" || code === "28000") {
    return new DatusError("source", `PostgreSQL at ${where} refused user ${ns.username ?? "(default)"}: authentication failed`, "check agent.namespace.<name>.username and .password (is its ${VAR} set?)", { cause: err });
  }
  if (code === "3D000") {
    return new DatusError("source", `PostgreSQL at ${where} has no database ${ns.database ?? ""}`, "check agent.namespace.<name>.database or --database", { cause: err });
  }
  if (code === "57014") {
    return new DatusError("source", `PostgreSQL query at ${where} was stopped: ${describeError(err)} (statement_timeout or an interruption)`, "a slow view or a very large table: raise agent.namespace.<name>.statement_timeout", { cause: err });
  }
  if (code === "57P01" || code === "57P02" || code === "57P03" || /terminat|Connection terminated|ECONNRESET/i.test(e.message ?? "")) {
    return new DatusError("source", `the PostgreSQL connection at ${where} was closed by the server: ${describeError(err)}`, "the server restarted or ended the session; the table is retried, re-run the command if it stays failed", { cause: err });
  }
  return new DatusError("source", `PostgreSQL at ${where}: ${describeError(err)}`, "check the namespace's database and that the user may read its catalog", { cause: err });
}

export class PostgresSource implements LiveSource {
  readonly dialect = "postgresql" as const;
  private readonly pools = new Map<string, pg.Pool>();
  private readonly active = new Set<pg.PoolClient>();
  private interrupted = false;
  private closed = false;
  private readonly throttle: QueryThrottle | undefined;

  private constructor(
    private readonly ns: LiveNamespace,
    private readonly server: ServerAddress,
    private readonly where: string,
  ) {
    this.throttle = throttleFor(ns);
  }

  /** Connects once (so a wrong host, user or database is an error before any work) and returns the source. */
  static async open(ns: LiveNamespace): Promise<PostgresSource> {
    const server = serverAddress(ns, 5432);
    const where = `${server.host}:${server.port}/${server.database ?? "postgres"}`;
    const source = new PostgresSource(ns, server, where);
    await source.withClient(server.database, async (client) => client.query("SELECT 1"));
    return source;
  }

  private pool(database: string | undefined): pg.Pool {
    const name = database ?? this.server.database ?? "postgres";
    let pool = this.pools.get(name);
    if (!pool) {
      pool = new pg.Pool({
        host: this.server.host,
        port: this.server.port,
        user: this.server.username,
        password: this.server.password,
        database: name,
        max: Math.max(1, this.ns.maxConnections ?? 4),
        application_name: "datus-schema",
        // read-only sessions: nothing this tool sends can write, whatever the user's rights
        options: "-c default_transaction_read_only=on",
        statement_timeout: (this.ns.statementTimeoutSeconds ?? 120) * 1000,
        connectionTimeoutMillis: 15_000,
        idleTimeoutMillis: 10_000,
      });
      // an idle connection the server drops must not crash the process: the next query reconnects
      pool.on("error", () => undefined);
      // a checked-out client has no listener of the pool's: a session the server ends between two statements
      // (or in the same packet as the connection's readiness) would be an uncaught 'error' that ends the run;
      // the statement in flight still fails, and the statistics retry takes a new connection
      pool.on("connect", (client) => client.on("error", () => undefined));
      this.pools.set(name, pool);
    }
    return pool;
  }

  private async withClient<T>(database: string | undefined, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    if (this.closed) throw new DatusError("source", `PostgreSQL source ${this.where} is already closed`, "this is a bug; please report it");
    if (this.interrupted) throw new DatusError("source", `PostgreSQL query at ${this.where} not started: the run was interrupted`, "re-run the command to finish");
    let client: pg.PoolClient | undefined;
    try {
      client = await this.pool(database).connect();
      this.active.add(client);
      return await work(paced(client, this.throttle, ["query"]));
    } catch (err) {
      // a connection the server broke is not given back to the pool
      if (client) client.release(err instanceof Error && !(err instanceof DatusError) ? err : undefined);
      const released = client;
      client = undefined;
      if (released) this.active.delete(released);
      throw sourceError(err, this.where, { username: this.server.username, database: database ?? this.server.database });
    } finally {
      if (client) {
        this.active.delete(client);
        client.release();
      }
    }
  }

  async listTables(options: LiveSourceOptions): Promise<LiveTable[]> {
    const database = options.database ?? this.server.database ?? "postgres";
    return this.withClient(database, async (client) => {
      if (options.schema !== undefined) {
        const schemas = (await client.query<{ nspname: string }>("SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' ORDER BY 1")).rows.map((r) => r.nspname);
        if (!schemas.includes(options.schema)) {
          throw new DatusError("source", `schema ${options.schema} is not in PostgreSQL database ${database} (it has: ${schemas.join(", ")})`, "check --schema or agent.namespace.<name>.schema");
        }
      }
      return introspectCatalog(client, { database, schema: options.schema });
    });
  }

  async tableStatistics(table: SourceTable, options: StatisticsOptions): Promise<TableStatistics> {
    return this.withClient(table.databaseName || this.server.database, (client) => readTableStatistics(client, table, profileRule(options)));
  }

  /** See {@link LiveSource.planStatistics}: the catalog is read, nothing else. */
  async planStatistics(table: SourceTable, options: StatisticsOptions): Promise<PlannedStatement[]> {
    return this.withClient(table.databaseName || this.server.database, (client) => planTableStatistics(client, table, profileRule(options)));
  }

  async checkRelationship(check: EdgeCheck, rule: ProfileRule): Promise<EdgeMeasure> {
    return this.withClient(check.from.databaseName || this.server.database, (client) => checkRelationship(client, check, rule));
  }

  interrupt(): void {
    this.interrupted = true;
    const pids = [...this.active].map((c) => (c as unknown as { processID?: number }).processID).filter((p): p is number => typeof p === "number");
    if (pids.length === 0) return;
    // a cancel request goes through a connection of its own; failures only mean the queries end by themselves
    const canceller = new pg.Client({ host: this.server.host, port: this.server.port, user: this.server.username, password: this.server.password, database: this.server.database ?? "postgres" });
    void canceller
      .connect()
      .then(() => canceller.query("SELECT pg_cancel_backend(pid) FROM unnest($1::int[]) AS pid", [pids]))
      .catch(() => undefined)
      .finally(() => void canceller.end().catch(() => undefined));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.pools.values()].map((p) => p.end()));
  }
}

export function openPostgresNamespace(ns: LiveNamespace): Promise<PostgresSource> {
  return PostgresSource.open(ns);
}
