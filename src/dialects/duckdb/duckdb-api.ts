/**
 * `@duckdb/node-api`, loaded when a DuckDB database is first opened: loading it takes about 0.2 s, and most
 * runs (every migration, `--help`, the report) never open one.
 */
type DuckDbApi = typeof import("@duckdb/node-api");

let loaded: Promise<DuckDbApi> | undefined;

export function duckdbApi(): Promise<DuckDbApi> {
  return (loaded ??= import("@duckdb/node-api"));
}
