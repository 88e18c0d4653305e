/**
 * Coverage figures of a store, read in Arrow batches (any shape: v0, v1, mixed). Read-only: never creates
 * a table, never loads a model.
 */
import { DatusError } from "../errors.js";
import { CoverageCounter, type CoverageFigures, type ParseFailure as ReportedParseFailure, type VectorFigures } from "../report/coverage.js";
import { reportRowsOf } from "../store/arrow-rows.js";
import { cfgIdentity, readDatusCfg } from "../store/datus-cfg.js";
import { type QueryLogRecord, readEmbeddingFailures, readParseFailures, readQueryLogRecord, readState, type ParseFailure } from "../store/migration-state.js";
import { scanBatches, SchemaStore } from "../store/schema-store.js";
import { SCHEMA_TABLE } from "../store/schemas.js";
import { staleVectors } from "../store/vector-state.js";
import { describeIdentity } from "./embedding-plan.js";

const REPORT_COLUMNS = [
  "identifier",
  "table_name",
  "table_comment",
  "column_comments",
  "column_enums",
  "business_tags",
  "row_count",
  "sample_statistics",
  "relationship_metadata",
  "metadata_version",
] as const;

export interface StoreReport {
  readonly figures: CoverageFigures;
  readonly parseFailures: readonly ReportedParseFailure[];
  readonly vectors?: VectorFigures;
  /** Tables whose embedding failed and was not retried successfully since. */
  readonly embeddingFailures: readonly { readonly identifier: string; readonly error: string }[];
  /** A migration this tool started and has not finished (killed, interrupted, or still running). */
  readonly unfinished?: { readonly startedAt: string; readonly pending: number; readonly preMigrationVersion: number };
  /** What the last run's --query-log gave. */
  readonly queryLog?: QueryLogRecord;
}

export async function reportStore(storePath: string, topTags: number): Promise<StoreReport> {
  const store = await SchemaStore.open(storePath, { create: false });
  if (!(await store.hasSchemaTable())) {
    throw new DatusError("empty", `no ${SCHEMA_TABLE} table in ${storePath}: no records to report`, "check --namespace / --db-path; run `datus-schema demo` for a sample store");
  }
  const table = await store.schemaTable();
  const present = new Set((await table.schema()).fields.map((f) => f.name));
  const columns = REPORT_COLUMNS.filter((c) => present.has(c));
  const counter = new CoverageCounter();
  const stale = staleVectors(storePath);
  let v1 = 0;
  let v1Stale = 0;
  for await (const batch of scanBatches(table, { columns })) {
    for (const row of reportRowsOf(batch)) {
      counter.add(row);
      if (row.metadata_version === 1) {
        v1++;
        if (row.identifier !== null && stale.has(row.identifier)) v1Stale++;
      }
    }
  }
  // an empty table is reported as such (0 of 0), not as a failure: a bootstrap of an empty schema made it
  const figures = counter.result(topTags);
  let vectors: VectorFigures | undefined;
  if (present.has("vector")) {
    const v1None = present.has("metadata_version") ? await table.countRows("metadata_version = 1 AND vector IS NULL") : 0;
    const none = await table.countRows("vector IS NULL");
    const state = readState(storePath);
    const model = state?.vectors?.model ?? cfgIdentity(readDatusCfg(storePath));
    const legacy = state !== undefined && state.vectors === undefined && v1 > 0;
    vectors = {
      searchText: v1 - v1Stale - v1None,
      stale: figures.total - v1 - (none - v1None) + v1Stale,
      none,
      model: legacy ? "hashing (datus-schema 0.1)" : model ? describeIdentity(model) : undefined,
    };
  }
  const state = readState(storePath);
  const unfinished = state && state.phase !== "done" ? { startedAt: state.startedAt, pending: figures.total - v1, preMigrationVersion: state.preMigrationVersion } : undefined;
  return { figures, parseFailures: readParseFailures(storePath).map(withLlmReason), vectors, embeddingFailures: readEmbeddingFailures(storePath), unfinished, queryLog: readQueryLogRecord(storePath) };
}

/** A recorded parse failure with the LLM fallback's reason, when the run that recorded it asked the LLM (llm-recovery.ts). */
function withLlmReason(f: ParseFailure): ReportedParseFailure {
  const llm = (f as { readonly llm?: unknown }).llm;
  return typeof llm === "string" ? { identifier: f.identifier, dialect: f.dialect, error: f.error, llm } : f;
}
