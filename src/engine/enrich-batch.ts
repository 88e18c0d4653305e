/**
 * One worker task: enrich a batch of source tables into v1 rows (embedding is the next step, embed-batch.ts).
 * Runs inside a Piscina worker; plain data in, plain data out, so it is tested without threads.
 */
import { sniffDialect } from "../ddl/sniff-dialect.js";
import type { LocalEmbedderSpec } from "../embed/local-embedder.js";
import { enrichTable } from "../enrich/enrich-table.js";
import type { TextBudget } from "../enrich/search-text.js";
import { loadTagDictionary, type TagDictionary } from "../enrich/tag-dictionary.js";
import type { Dialect, SourceTable, TableStructure, V1Row } from "../model.js";
import { summarize, type TableSummary } from "../relationships/catalog-index.js";
import { viewJoins } from "../relationships/view-joins.js";
import { hashString } from "../relationships/string-list.js";
import { openRelationships, referencedRows, relateRows, type Relationships, type SharedRelationships } from "./relationship-stage.js";
import { sourceRows, type TaskSources } from "./catalog-text.js";
import { markStep, type StepMarker } from "./table-guard.js";
import type { PackedRows } from "../store/packed-rows.js";

/**
 * How a batch's rows get their vectors: embedded in the worker (hashing or a local ONNX model), on the
 * main thread after the workers (`remote`: an embeddings API), or kept as stored (`keep`: --keep-vectors).
 */
export type VectorPlan = LocalEmbedderSpec | { readonly kind: "remote"; readonly dim: number } | { readonly kind: "keep"; readonly dim: number };

export interface EnrichTask {
  readonly rows: readonly SourceTable[];
  /** The namespace's dialect, or `unknown` to sniff each DDL (orphan stores opened with --db-path). */
  readonly dialect: Dialect;
  readonly vectors: VectorPlan;
  readonly now: number;
  readonly extractRelationships: boolean;
  /** The text of business_terms.yml beside agent.yml, when there is one (parsed once per worker). */
  readonly tagTermsYaml?: string;
  /** Live catalog structure per source identifier, when the tables came from a live database. */
  readonly catalog?: Readonly<Record<string, TableStructure>>;
  /** Where the worker marks the table it is on, for the coordinator's per-table time budget (table-guard.ts). */
  readonly marker?: StepMarker;
  /** Tables (source identifier -> reason) whose DDL is not read: set aside after they crashed or overran a worker. */
  readonly unread?: Readonly<Record<string, string>>;
  /** Source identifiers of the rows other tables of the catalog point at (the catalog pass's answer). */
  readonly referenced?: readonly string[];
  /** The catalog-wide relationship step's data in shared memory: the worker relates the rows itself. */
  readonly relationships?: SharedRelationships;
  /**
   * Send the rows back packed (`EnrichResult.packed`), not as objects: for a pipeline whose coordinator reads
   * no row's fields (no live statistics, no LLM fallback, vectors made in the worker).
   */
  readonly pack?: boolean;
}

/** An enrich task as the coordinator sends it: its tables as rows, or as positions in a shared catalog batch. */
export type EnrichMessage = Omit<EnrichTask, "rows"> & TaskSources;

/** Worker side: the task with its tables decoded (only those of a shared batch need it). */
export function enrichTaskOf(message: EnrichMessage): EnrichTask {
  if ("rows" in message) return message;
  const { shared: _shared, ...rest } = message;
  return { ...rest, rows: sourceRows(message) };
}

export interface TableFailure {
  readonly identifier: string;
  readonly dialect: string;
  readonly error: string;
  /** Why the LLM fallback did not read it either, when it was asked (`--llm-fallback`). */
  readonly llm?: string;
}

export interface EnrichResult {
  /** The rows as objects; empty when they are `packed`. */
  readonly rows: V1Row[];
  /** The rows as an Arrow batch with their vectors (`EnrichTask.pack`); then `rows` and `vectors` are empty. */
  readonly packed?: PackedRows;
  /** Row-major vectors, `rows.length * dim` floats (zeros until embedded). */
  vectors: Float32Array;
  /**
   * What the vectors are of: `search_text` (embedded), `stored` (each row's vector as the store had it, or
   * zeros when it had none: --keep-vectors) or `pending` (to be embedded on the main thread).
   */
  vectorsOf: "search_text" | "stored" | "pending";
  /** Rows (indexes) that have no vector at all: written with a null one (--keep-vectors on a row that had none). */
  withoutVector?: number[];
  /** The identifier each row had in the source (differs from `rows[i].identifier` when it was not canonical). */
  readonly sourceIdentifiers: string[];
  readonly parseFailures: TableFailure[];
  /** Identifiers that parsed cleanly (clears an earlier recorded failure). */
  readonly parsedOk: string[];
  /**
   * Names, columns and keys of each row's table, for the catalog-wide relationship step: by row, for the rows
   * not yet `related` (a batch the workers related carries none).
   */
  readonly summaries: TableSummary[];
  /** By row: relationship_metadata is final (the catalog-wide step ran on it). Absent: no row is. */
  readonly related?: readonly boolean[];
  readonly dialects: Record<string, number>;
  readonly parsers: Record<string, number>;
  relationships: number;
}

/** How many rows a result carries, packed or not. */
export function rowCount(result: EnrichResult): number {
  return result.packed?.identifiers.length ?? result.rows.length;
}

/** Each row's (v1) identifier, packed or not. */
export function identifiersOf(result: EnrichResult): readonly string[] {
  return result.packed?.identifiers ?? result.rows.map((r) => r.identifier);
}

const dictionaries = new Map<string, TagDictionary>();

function tagDictionary(yaml: string | undefined): TagDictionary | undefined {
  if (yaml === undefined) return undefined;
  let dictionary = dictionaries.get(yaml);
  if (!dictionary) {
    dictionary = loadTagDictionary(yaml);
    dictionaries.set(yaml, dictionary);
  }
  return dictionary;
}

function bump(counter: Record<string, number>, key: string): void {
  counter[key] = (counter[key] ?? 0) + 1;
}

/** The dialect the catalog pass sniffed for this very DDL, if it did: each DDL is sniffed once per run. */
function sniffedBefore(relationships: Relationships | undefined, source: SourceTable): Dialect | undefined {
  if (relationships === undefined) return undefined;
  const { index } = relationships;
  const t = index.locate(source.databaseName, source.schemaName, source.tableName);
  return t < 0 ? undefined : (index.sniffedDialectOf(t, hashString(source.definition)) as Dialect | undefined);
}

/** Enrich every table of the task; search_text is bounded by `textBudget` (characters when absent). */
export function enrichBatch(task: EnrichTask, textBudget?: TextBudget): EnrichResult {
  const rows: V1Row[] = [];
  const result: EnrichResult = {
    rows,
    vectors: new Float32Array(task.rows.length * task.vectors.dim),
    vectorsOf: "pending",
    sourceIdentifiers: [],
    parseFailures: [],
    parsedOk: [],
    summaries: [],
    dialects: {},
    parsers: {},
    relationships: 0,
  };
  const relationships = task.relationships ? openRelationships(task.relationships) : undefined;
  const referenced = new Set(task.referenced ?? (relationships ? referencedRows(relationships)(task.rows) : []));
  for (const [i, source] of task.rows.entries()) {
    markStep(task.marker, i);
    const unread = task.unread?.[source.identifier];
    const dialect = task.dialect === "unknown" && unread === undefined ? (sniffedBefore(relationships, source) ?? sniffDialect(source.definition)) : task.dialect;
    // enrichTable never throws: a table it cannot read still gets a row from its names, with parseError set
    const { row, structure } = enrichTable(source, {
      dialect,
      extractRelationships: task.extractRelationships,
      now: task.now,
      catalog: task.catalog?.[source.identifier],
      tagDictionary: tagDictionary(task.tagTermsYaml),
      textBudget,
      unread,
      isReferenced: referenced.has(source.identifier),
    });
    const error = structure.parseError;
    bump(result.parsers, structure.source);
    if (row.relationship_metadata !== "{}") result.relationships++;
    bump(result.dialects, dialect);
    if (error) result.parseFailures.push({ identifier: row.identifier, dialect, error });
    else result.parsedOk.push(row.identifier);
    rows.push(row);
    result.sourceIdentifiers.push(source.identifier);
    const summary = summarize(source, structure);
    // a view's joins, for its join paths in the relationship stage (the catalog pass has no use for them)
    const joins = task.extractRelationships && summary.tableType !== undefined && unread === undefined ? viewJoins(source.definition, dialect) : [];
    result.summaries.push(joins.length > 0 ? { ...summary, viewJoins: joins } : summary);
  }
  // the summaries were for this step only: not sent back
  return relationships ? { ...relateRows(result, relationships), summaries: [] } : result;
}
