/**
 * SQLite SQL quirks and the driver in one place: identifier quoting, and one read-only connection of the
 * `sqlite3` driver (node-sqlite3: real SQLite, queries run off the main thread, `sqlite3_interrupt` exposed)
 * with promise-returning queries. The driver is an optional dependency, loaded on first use.
 */
import { DatusError } from "../../errors.js";

/** A result row: column name to SQLite value (INTEGER and REAL as number, TEXT as string, BLOB as Buffer). */
export type Row = Readonly<Record<string, unknown>>;

/** `"name"` with embedded double quotes doubled: safe for any identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A cell as a finite number, null otherwise. */
export function finiteNumber(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const n = typeof value === "number" ? value : typeof value === "bigint" ? Number(value) : Number(String(value));
  return Number.isFinite(n) ? n : null;
}

/** A cell as text ("" for NULL; BLOBs read as UTF-8). */
export function text(value: unknown): string {
  if (value === null || value === undefined) return "";
  return Buffer.isBuffer(value) ? value.toString("utf8") : String(value);
}

/** The part of the `sqlite3` driver used here (declared here: the optional package may be absent at build time). */
interface DriverDatabase {
  all(sql: string, params: readonly unknown[], callback: (err: Error | null, rows: Row[]) => void): void;
  configure(option: "busyTimeout", value: number): void;
  interrupt(): void;
  close(callback: (err: Error | null) => void): void;
}

interface Driver {
  readonly OPEN_READONLY: number;
  readonly Database: new (file: string, mode: number, callback: (err: Error | null) => void) => DriverDatabase;
}

/** Not a literal, so that the build does not need the optional package. */
const DRIVER_PACKAGE = "sqlite3";
let driver: Promise<Driver> | undefined;

/** The `sqlite3` module, or a DatusError saying how to install it (it is an optional, compiled dependency). */
export function loadDriver(): Promise<Driver> {
  driver ??= (import(DRIVER_PACKAGE) as Promise<unknown>).then(
    (mod) => (mod as { default?: Driver }).default ?? (mod as unknown as Driver),
    (err: unknown) => {
      driver = undefined;
      throw new DatusError(
        "config",
        "the SQLite driver (npm package sqlite3) is not installed",
        "it is an optional dependency built from source when no prebuilt binary can be had: install a C++ toolchain " +
          "(python3, make, g++), then run npm install sqlite3 in the datus-schema folder",
        { cause: err },
      );
    },
  );
  return driver;
}

/** One read-only SQLite connection. Its queries run one at a time, off the main thread. */
export class SqliteConnection {
  private constructor(private readonly db: DriverDatabase) {}

  /** Opens `file` read-only (never created); a busy database is waited for at most `busyTimeoutMs`. */
  static async open(file: string, busyTimeoutMs: number): Promise<SqliteConnection> {
    const mod = await loadDriver();
    const db = await new Promise<DriverDatabase>((resolve, reject) => {
      const opened: DriverDatabase = new mod.Database(file, mod.OPEN_READONLY, (err) => (err ? reject(err) : resolve(opened)));
    });
    db.configure("busyTimeout", busyTimeoutMs);
    const conn = new SqliteConnection(db);
    // belt and braces: this connection refuses writes even where the file's permissions would allow them
    await conn.all("PRAGMA query_only = ON");
    return conn;
  }

  /** The rows of `sql` with bound `params`. */
  all(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    return new Promise((resolve, reject) => {
      this.db.all(sql, params, (err, rows) => (err ? reject(err) : resolve(rows)));
    });
  }

  /** Stops the statement running now (`sqlite3_interrupt`): it fails with SQLITE_INTERRUPT at once. */
  interrupt(): void {
    this.db.interrupt();
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.db.close(() => resolve()));
  }
}
