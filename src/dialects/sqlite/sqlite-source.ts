/**
 * A SQLite database file opened READ-ONLY as a {@link LiveSource}: at most `max_connections` connections of
 * the `sqlite3` driver (each opened with SQLITE_OPEN_READONLY and `query_only`), handed out one call at a
 * time. Every call has the namespace's statement timeout: when it runs out, or on `interrupt()`, the
 * connection's statement is stopped with `sqlite3_interrupt` (the query runs off the main thread, so the
 * timer fires on time). A file a writer holds locked is waited for at most the statement timeout.
 */
import type { ProfileRule } from "../column-profile.js";
import type { EdgeCheck, EdgeMeasure } from "../../relationships/verify-with-data.js";
import { checkRelationship } from "./sqlite-relationship-check.js";
import fs from "node:fs/promises";
import path from "node:path";
import { configError, DatusError, describeError } from "../../errors.js";
import type { SourceTable, TableStatistics } from "../../model.js";
import { type LiveNamespace, type LiveSource, type LiveSourceOptions, type LiveTable, type PlannedStatement, profileRule, type StatisticsOptions } from "../live-source.js";
import { introspectCatalog } from "./sqlite-introspection.js";
import { SqliteConnection } from "./sqlite-sql.js";
import { planTableStatistics, readTableStatistics } from "./sqlite-statistics.js";

const URI_PREFIX = "sqlite:///";

/** The file a `uri` names: a plain path or SQLAlchemy's `sqlite:///relative` / `sqlite:////absolute` (config loading has made it absolute already). */
function filePath(uri: string): string {
  const p = uri.trim();
  return path.resolve(p.toLowerCase().startsWith(URI_PREFIX) ? p.slice(URI_PREFIX.length) : p);
}

interface SqliteError {
  readonly code?: string;
}

/** Opens the SQLite file of a `type: sqlite` namespace read-only. */
export async function openSqliteNamespace(ns: LiveNamespace): Promise<SqliteSource> {
  if (ns.uri === undefined || ns.uri.trim() === "" || ns.uri.includes(":memory:")) {
    throw configError("a sqlite namespace needs a uri naming its database file", "set agent.namespace.<name>.uri to the SQLite file, e.g. sqlite:///data/shop.db");
  }
  return SqliteSource.open(filePath(ns.uri), { statementTimeoutMs: (ns.statementTimeoutSeconds ?? 120) * 1000, maxConnections: ns.maxConnections ?? 4 });
}

export class SqliteSource implements LiveSource {
  readonly dialect = "sqlite" as const;
  /** Open connections not in use. */
  private readonly idle: SqliteConnection[] = [];
  /** Connections running a call now. */
  private readonly running = new Set<SqliteConnection>();
  /** Calls waiting for a connection. */
  private readonly waiting: (() => void)[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private opened = 0;
  private interrupted = false;
  private closed = false;

  private constructor(
    /** The absolute path of the database file. */
    readonly path: string,
    /** The database name of every table: the file stem, as Datus names a SQLite database. */
    readonly database: string,
    private readonly statementTimeoutMs: number,
    private readonly maxConnections: number,
  ) {}

  /** Opens `file` read-only and connects once, so a missing or unreadable file is an error before any work. */
  static async open(file: string, options: { readonly statementTimeoutMs?: number; readonly maxConnections?: number } = {}): Promise<SqliteSource> {
    const stat = await fs.stat(file).catch(() => undefined);
    if (stat === undefined || !stat.isFile()) {
      throw new DatusError("source", `SQLite database file not found: ${file}`, "check agent.namespace.<name>.uri; the file must exist (it is opened read-only, never created)");
    }
    const source = new SqliteSource(file, path.basename(file).replace(/\.[^.]*$/, "") || path.basename(file), options.statementTimeoutMs ?? 120_000, Math.max(1, options.maxConnections ?? 4));
    await source.withConnection(async (conn) => conn.all("SELECT count(*) AS n FROM sqlite_master"));
    return source;
  }

  /** See {@link LiveSource.listTables}; `database` must be the file stem (or absent), `schema` `main` (or absent). */
  async listTables(options: LiveSourceOptions): Promise<LiveTable[]> {
    if (options.database !== undefined && options.database !== this.database) {
      throw new DatusError("source", `database ${options.database} is not SQLite file ${this.path} (its database is ${this.database})`, "a SQLite database is named after its file stem: set the namespace's database to that name, or leave it out");
    }
    if (options.schema !== undefined && options.schema !== "main") {
      throw new DatusError("source", `SQLite file ${this.path} has no schema ${options.schema}`, "a SQLite file has one schema, main: leave --schema and agent.namespace.<name>.schema out");
    }
    return this.withConnection((conn) => introspectCatalog(conn, this.database));
  }

  /** See {@link LiveSource.tableStatistics}. */
  async tableStatistics(table: SourceTable, options: StatisticsOptions): Promise<TableStatistics> {
    return this.withConnection((conn) => readTableStatistics(conn, table, profileRule(options)));
  }

  /** See {@link LiveSource.planStatistics}: the catalog is read (and sqlite_stat1, when ANALYZE left one), nothing else. */
  async planStatistics(table: SourceTable, options: StatisticsOptions): Promise<PlannedStatement[]> {
    return this.withConnection((conn) => planTableStatistics(conn, table, profileRule(options)));
  }

  /** See {@link LiveSource.checkRelationship}. */
  async checkRelationship(check: EdgeCheck, rule: ProfileRule): Promise<EdgeMeasure> {
    return this.withConnection((conn) => checkRelationship(conn, check, rule));
  }

  /** See {@link LiveSource.interrupt}. */
  interrupt(): void {
    this.interrupted = true;
    for (const conn of this.running) conn.interrupt();
    for (const wake of this.waiting.splice(0)) wake();
  }

  /** See {@link LiveSource.close}. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const wake of this.waiting.splice(0)) wake();
    await Promise.allSettled([...this.inFlight]);
    await Promise.allSettled(this.idle.splice(0).map((c) => c.close()));
  }

  /** A connection for one call: an idle one, a new one while fewer than max_connections are open, else the next one freed. */
  private async acquire(): Promise<SqliteConnection> {
    for (;;) {
      this.refuseIfStopped();
      const idle = this.idle.pop();
      if (idle !== undefined) return idle;
      if (this.opened < this.maxConnections) {
        this.opened++;
        try {
          return await SqliteConnection.open(this.path, this.statementTimeoutMs);
        } catch (err) {
          this.opened--;
          throw err;
        }
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  private release(conn: SqliteConnection): void {
    if (this.closed) {
      this.opened--;
      void conn.close();
    } else this.idle.push(conn);
    this.waiting.shift()?.();
  }

  private refuseIfStopped(): void {
    if (this.closed) throw new DatusError("source", `SQLite source ${this.path} is already closed`, "this is a bug; please report it");
    if (this.interrupted) throw new DatusError("source", `SQLite query on ${this.path} not started: the run was interrupted`, "re-run the command to finish");
  }

  private async withConnection<T>(work: (conn: SqliteConnection) => Promise<T>): Promise<T> {
    let timedOut = false;
    const run = (async () => {
      const conn = await this.acquire();
      this.running.add(conn);
      // the timeout covers the whole call (its few statements), as DuckDB's does
      const timer = setTimeout(() => {
        timedOut = true;
        conn.interrupt();
      }, this.statementTimeoutMs);
      try {
        return await work(conn);
      } finally {
        clearTimeout(timer);
        this.running.delete(conn);
        this.release(conn);
      }
    })();
    this.inFlight.add(run);
    try {
      return await run;
    } catch (err) {
      throw this.sourceError(err, timedOut);
    } finally {
      this.inFlight.delete(run);
    }
  }

  private sourceError(err: unknown, timedOut: boolean): DatusError {
    if (err instanceof DatusError) return err;
    const code = (err as SqliteError).code ?? "";
    if (timedOut) {
      return new DatusError("source", `SQLite query on ${this.path} was stopped after ${this.statementTimeoutMs / 1000} s (statement_timeout)`, "a slow view or a very large table: raise agent.namespace.<name>.statement_timeout, or leave statistics out for it", { cause: err });
    }
    if (code === "SQLITE_INTERRUPT") {
      return new DatusError("source", `SQLite query on ${this.path} was interrupted`, "re-run the command to finish", { cause: err });
    }
    if (code === "SQLITE_BUSY" || code === "SQLITE_LOCKED") {
      return new DatusError("source", `SQLite database ${this.path} is locked by a writer: ${describeError(err)}`, "another program holds the file for writing: wait for it to finish (or raise agent.namespace.<name>.statement_timeout, the longest wait)", { cause: err });
    }
    if (code === "SQLITE_CANTOPEN" || code === "SQLITE_NOTADB" || code === "SQLITE_CORRUPT" || code === "SQLITE_PERM") {
      return new DatusError("source", `cannot read SQLite database ${this.path}: ${describeError(err)}`, "check agent.namespace.<name>.uri: the file must be a SQLite database this user may read", { cause: err });
    }
    return new DatusError("source", `SQLite query on ${this.path} failed: ${describeError(err)}`, "the file is opened read-only; check that the table still exists and that the file is not being rewritten", { cause: err });
  }
}
