/**
 * A namespace's LanceDB store: open it, tell its shape (missing, v0, v1, mixed), stream its rows in
 * Arrow batches, and upsert v1 rows on `identifier`.
 */
import fs from "node:fs";
import * as lancedb from "@lancedb/lancedb";
import type { RecordBatch, Table as ArrowTable } from "apache-arrow";
import { DatusError, describeError } from "../errors.js";
import { guardEmbeddingRegistry } from "./embedding-functions.js";
import { SCHEMA_TABLE, schemaShape, vectorDimension } from "./schemas.js";

export interface StoreSummary {
  readonly path: string;
  /** `missing`: no store directory or no schema_metadata table. */
  readonly shape: "missing" | "v0" | "v1";
  readonly rows: number;
  /** Rows with metadata_version = 1 (0 for a v0-shaped table). */
  readonly v1Rows: number;
  readonly dim?: number;
  readonly version?: number;
}

/** `v1` when every row is v1, `mixed` when some are, `v0` when none are (whatever the table's shape). */
export function migrationState(s: StoreSummary): "missing" | "empty" | "v0" | "mixed" | "v1" {
  if (s.shape === "missing") return "missing";
  if (s.rows === 0) return "empty";
  if (s.v1Rows === 0) return "v0";
  return s.v1Rows === s.rows ? "v1" : "mixed";
}

export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

const COMMIT_RETRIES = 8;

/**
 * One LanceDB session per process with small caches: the defaults (GiBs of index and metadata cache) let
 * a long batch job's memory grow with every commit, and a batch job re-reads little.
 */
let session: lancedb.Session | undefined;
function storeSession(): lancedb.Session {
  session ??= new lancedb.Session(BigInt(64 * 2 ** 20), BigInt(64 * 2 ** 20));
  return session;
}

function isRetryableCommitError(err: unknown): boolean {
  return /conflict|retryable|concurrent|timed? ?out/i.test(describeError(err));
}

export class SchemaStore {
  private constructor(
    readonly path: string,
    readonly db: lancedb.Connection,
  ) {}

  /**
   * Open the store at `path`. Without `create`, a missing directory is an error (connecting would create
   * it, and read-only commands must never leave a store behind).
   */
  static async open(path: string, options: { create: boolean }): Promise<SchemaStore> {
    guardEmbeddingRegistry();
    if (!options.create && !fs.existsSync(path)) {
      throw new DatusError("empty", `no ${SCHEMA_TABLE} table in ${path}: the directory does not exist`, "check --namespace / --db-path (a namespace's store is {base_path}/datus_db_{namespace})");
    }
    try {
      // readConsistencyInterval 0: several shard processes write the same table; always read the latest commit.
      // the session goes in the options: lancedb 0.37's connect(uri, options, session) drops its third argument
      return new SchemaStore(path, await lancedb.connect(path, { readConsistencyInterval: 0, session: storeSession() }));
    } catch (err) {
      throw new DatusError("store", `cannot open the LanceDB store at ${path}: ${describeError(err)}`, "check --db-path / agent.storage.base_path", { cause: err });
    }
  }

  async hasSchemaTable(): Promise<boolean> {
    if (!fs.existsSync(this.path)) return false;
    return (await this.db.tableNames()).includes(SCHEMA_TABLE);
  }

  async schemaTable(): Promise<lancedb.Table> {
    try {
      return await this.db.openTable(SCHEMA_TABLE);
    } catch (err) {
      throw new DatusError("store", `cannot open ${SCHEMA_TABLE} in ${this.path}: ${describeError(err)}`, "is this a Datus schema store? check --db-path / --namespace", { cause: err });
    }
  }

  async summary(): Promise<StoreSummary> {
    if (!(await this.hasSchemaTable())) return { path: this.path, shape: "missing", rows: 0, v1Rows: 0 };
    const table = await this.schemaTable();
    const schema = await table.schema();
    const shape = schemaShape(schema);
    const rows = await table.countRows();
    const v1Rows = shape === "v1" ? await table.countRows("metadata_version = 1") : 0;
    return { path: this.path, shape, rows, v1Rows, dim: vectorDimension(schema), version: await table.version() };
  }

  /** A read-only handle on one version of the table (a snapshot that later commits do not disturb). */
  async snapshot(version: number): Promise<lancedb.Table> {
    const table = await this.db.openTable(SCHEMA_TABLE);
    await table.checkout(version);
    return table;
  }

  /** Upsert rows keyed on `identifier`: re-running never duplicates. Commit conflicts with other shards are retried. */
  async upsert(table: lancedb.Table, data: ArrowTable): Promise<void> {
    await withCommitRetries(`upsert into ${SCHEMA_TABLE}`, () =>
      table.mergeInsert("identifier").whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(data),
    );
  }

  /** Delete the rows of these identifiers, except those matching `unless` (SQL); returns how many went. */
  async deleteIdentifiers(table: lancedb.Table, identifiers: readonly string[], unless?: string): Promise<number> {
    if (identifiers.length === 0) return 0;
    const predicate = `identifier IN (${identifiers.map(sqlString).join(", ")})${unless ? ` AND NOT (${unless})` : ""}`;
    const { numDeletedRows } = await withCommitRetries(`delete from ${SCHEMA_TABLE}`, () => table.delete(predicate));
    return numDeletedRows;
  }
}

export async function withCommitRetries<T>(what: string, op: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (err) {
      if (attempt >= COMMIT_RETRIES || !isRetryableCommitError(err)) {
        throw new DatusError("store", `${what} failed after ${attempt} attempt(s): ${describeError(err)}`, "this batch was not written (earlier batches stay committed); once the cause is fixed, re-run the same command to resume", { cause: err });
      }
      // jittered backoff so shards that collided do not collide again in lockstep
      await new Promise((r) => setTimeout(r, Math.min(2000, 25 * 2 ** attempt) * (0.5 + Math.random())));
    }
  }
}

/** The row count and statistics the store has for a table, when it has some (a v1 row with a row count). */
export async function storedStatistics(table: lancedb.Table, identifier: string): Promise<{ rowCount: number; sampleStatistics: string } | undefined> {
  const fields = new Set((await table.schema()).fields.map((f) => f.name));
  if (!fields.has("row_count") || !fields.has("sample_statistics")) return undefined;
  for await (const batch of scanBatches(table, { columns: ["row_count", "sample_statistics"], filter: `identifier = ${sqlString(identifier)} AND row_count IS NOT NULL` })) {
    if (batch.numRows === 0) continue;
    const count = batch.getChild("row_count")?.get(0) as bigint | number | null;
    const stats = batch.getChild("sample_statistics")?.get(0) as string | null;
    if (count === null || count === undefined) continue;
    return { rowCount: Number(count), sampleStatistics: stats ?? "{}" };
  }
  return undefined;
}

/** The stored vectors of some identifiers (those with one). */
export async function vectorsOf(table: lancedb.Table, identifiers: readonly string[]): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  if (identifiers.length === 0) return out;
  const filter = `identifier IN (${identifiers.map(sqlString).join(", ")}) AND vector IS NOT NULL`;
  for await (const batch of scanBatches(table, { columns: ["identifier", "vector"], filter })) {
    const ids = batch.getChild("identifier");
    const vecs = batch.getChild("vector");
    for (let i = 0; i < batch.numRows; i++) {
      const v = vecs?.get(i) as { toArray(): Float32Array } | null;
      if (v) out.set(String(ids?.get(i) ?? ""), Float32Array.from(v.toArray()));
    }
  }
  return out;
}

/** Stream a table's rows as Arrow record batches, never the whole table in memory. */
export async function* scanBatches(
  table: lancedb.Table,
  options: { readonly columns: readonly string[]; readonly filter?: string },
): AsyncGenerator<RecordBatch> {
  let query = table.query().select([...options.columns]);
  if (options.filter) query = query.where(options.filter);
  for await (const batch of query) yield batch;
}

