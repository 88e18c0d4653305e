/**
 * A DuckDB database file opened READ-ONLY as a {@link LiveSource}. One DuckDB instance per source;
 * every call gets its own connection from it, so concurrent calls are safe (DuckDB runs queries of
 * different connections in parallel; callers cap the concurrency at `max_connections`).
 */
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { duckdbApi } from "./duckdb-api.js";
import { configError, DatusError, describeError } from "../../errors.js";
import type { SourceTable, TableStatistics } from "../../model.js";
import type { ProfileRule } from "../column-profile.js";
import type { EdgeCheck, EdgeMeasure } from "../../relationships/verify-with-data.js";
import { checkRelationship } from "./duckdb-relationship-check.js";
import { type LiveNamespace, type LiveSource, type LiveSourceOptions, type LiveTable, type PlannedStatement, profileRule, type StatisticsOptions } from "../live-source.js";
import { introspectCatalog } from "./duckdb-introspection.js";
import { queryRows, text } from "./duckdb-sql.js";
import { planTableStatistics, readTableStatistics } from "./duckdb-statistics.js";

const URI_PREFIX = "duckdb:///";

/**
 * The file a DuckDB `uri` names: a plain path, or SQLAlchemy style `duckdb:///relative/file.duckdb`
 * and `duckdb:////absolute/file.duckdb`. `~` is the home directory. Because many configs write
 * `duckdb:///home/me/x.duckdb` meaning an absolute path, a relative path that does not exist is
 * taken as absolute when that file exists.
 */
export async function resolveDuckDbPath(uri: string): Promise<string> {
  let p = uri.trim();
  const prefixed = p.toLowerCase().startsWith(URI_PREFIX);
  if (prefixed) p = p.slice(URI_PREFIX.length);
  if (p === "~" || p.startsWith("~/")) p = path.join(os.homedir(), p.slice(1));
  if (prefixed && !path.isAbsolute(p) && !(await exists(p)) && (await exists(`/${p}`))) p = `/${p}`;
  return path.resolve(p);
}

async function exists(file: string): Promise<boolean> {
  return fs.stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
}

/** Opens the DuckDB file of a `type: duckdb` namespace read-only. */
export async function openDuckDbNamespace(ns: LiveNamespace): Promise<DuckDbSource> {
  if (ns.uri === undefined || ns.uri.trim() === "" || ns.uri.includes(":memory:")) {
    throw configError(
      "a duckdb namespace needs a uri naming its database file",
      "set agent.namespace.<name>.uri to the DuckDB file, e.g. duckdb:///data/shop.duckdb",
    );
  }
  return DuckDbSource.open(await resolveDuckDbPath(ns.uri), { statementTimeoutMs: (ns.statementTimeoutSeconds ?? 120) * 1000 });
}

/** A DuckDB file opened with `access_mode = READ_ONLY`: nothing done through it can change the file. */
export class DuckDbSource implements LiveSource {
  readonly dialect = "duckdb" as const;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly running = new Set<DuckDBConnection>();
  private interrupted = false;
  private closed = false;

  private constructor(
    /** The absolute path of the database file. */
    readonly path: string,
    private readonly instance: DuckDBInstance,
    /** How long one call's statements may run before they are interrupted. */
    private readonly statementTimeoutMs: number,
  ) {}

  /** Opens `file` read-only; a missing file or one locked by a writer is a `source` error. */
  static async open(file: string, options: { readonly statementTimeoutMs?: number } = {}): Promise<DuckDbSource> {
    if (!(await exists(file))) {
      throw new DatusError(
        "source",
        `DuckDB database file not found: ${file}`,
        "check agent.namespace.<name>.uri; the file must exist (it is opened read-only, never created)",
      );
    }
    try {
      const instance = await (await duckdbApi()).DuckDBInstance.create(file, { access_mode: "READ_ONLY" });
      return new DuckDbSource(file, instance, options.statementTimeoutMs ?? 120_000);
    } catch (err) {
      throw new DatusError(
        "source",
        `cannot open DuckDB database ${file} read-only: ${describeError(err)}`,
        "DuckDB allows one writing process or many readers: close programs that have the file open " +
          "for writing, and check that it is a DuckDB database of a compatible version",
        { cause: err },
      );
    }
  }

  /** See {@link LiveSource.listTables}; `database` defaults to the file's own (its file stem). */
  async listTables(options: LiveSourceOptions): Promise<LiveTable[]> {
    return this.withConnection(async (conn) => {
      const database = await this.resolveDatabase(conn, options.database);
      if (options.schema !== undefined) {
        const schemas = (await queryRows(conn, "SELECT DISTINCT schema_name FROM duckdb_schemas() WHERE database_name = $database AND schema_name NOT IN ('information_schema', 'pg_catalog') ORDER BY 1", { database })).map((r) => text(r, "schema_name"));
        if (!schemas.includes(options.schema)) {
          throw new DatusError("source", `schema ${options.schema} is not in DuckDB database ${database} (it has: ${schemas.join(", ")})`, "check --schema or agent.namespace.<name>.schema");
        }
      }
      return introspectCatalog(conn, { database, schema: options.schema });
    });
  }

  /** See {@link LiveSource.tableStatistics}. */
  async tableStatistics(table: SourceTable, options: StatisticsOptions): Promise<TableStatistics> {
    return this.withConnection((conn) => readTableStatistics(conn, table, profileRule(options)));
  }

  /** See {@link LiveSource.planStatistics}: the catalog is read, nothing else. */
  async planStatistics(table: SourceTable, options: StatisticsOptions): Promise<PlannedStatement[]> {
    return this.withConnection((conn) => planTableStatistics(conn, table, profileRule(options)));
  }

  /** See {@link LiveSource.checkRelationship}. */
  async checkRelationship(check: EdgeCheck, rule: ProfileRule): Promise<EdgeMeasure> {
    return this.withConnection((conn) => checkRelationship(conn, check, rule));
  }

  /**
   * Runs `work` on a fresh connection of this read-only instance and closes the connection after.
   * DuckDB errors become `source` errors naming the file.
   */
  async withConnection<T>(work: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    if (this.closed) {
      throw new DatusError("source", `DuckDB source ${this.path} is already closed`, "this is a bug; please report it");
    }
    if (this.interrupted) throw new DatusError("source", `DuckDB query on ${this.path} not started: the run was interrupted`, "re-run the command to finish");
    let timedOut = false;
    const run = (async () => {
      const conn = await this.instance.connect();
      this.running.add(conn);
      // DuckDB has no statement_timeout setting: interrupt the connection's running query instead
      const timer = setTimeout(() => {
        timedOut = true;
        conn.interrupt();
      }, this.statementTimeoutMs);
      try {
        return await work(conn);
      } finally {
        clearTimeout(timer);
        this.running.delete(conn);
        conn.closeSync();
      }
    })();
    this.inFlight.add(run);
    try {
      return await run;
    } catch (err) {
      if (timedOut) {
        throw new DatusError(
          "source",
          `DuckDB query on ${this.path} was stopped after ${this.statementTimeoutMs / 1000} s (statement_timeout)`,
          "a slow view or a very large table: raise agent.namespace.<name>.statement_timeout, or leave statistics out for it",
          { cause: err },
        );
      }
      if (err instanceof DatusError) throw err;
      throw new DatusError(
        "source",
        `DuckDB query on ${this.path} failed: ${describeError(err)}`,
        "the file is opened read-only; check that the table still exists and that the file is not being rewritten",
        { cause: err },
      );
    } finally {
      this.inFlight.delete(run);
    }
  }

  /** See {@link LiveSource.interrupt}. */
  interrupt(): void {
    this.interrupted = true;
    for (const conn of this.running) conn.interrupt();
  }

  /** See {@link LiveSource.close}. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
    this.instance.closeSync();
  }

  private async resolveDatabase(conn: DuckDBConnection, wanted: string | undefined): Promise<string> {
    const rows = await queryRows(
      conn,
      "SELECT database_name, database_name = current_database() AS current FROM duckdb_databases() WHERE NOT internal",
    );
    const names = rows.map((r) => text(r, "database_name"));
    if (wanted === undefined) {
      const current = rows.find((r) => r["current"] === true);
      return current === undefined ? names[0] ?? "" : text(current, "database_name");
    }
    if (!names.includes(wanted)) {
      throw new DatusError(
        "source",
        `database ${wanted} is not in DuckDB file ${this.path} (it holds: ${names.join(", ")})`,
        "DuckDB names a database after its file stem: set the namespace's database to that name, or leave it out",
      );
    }
    return wanted;
  }
}
