/**
 * One worker task: enrich a batch of source tables into v1 rows and embed their search_text.
 * Runs inside a Piscina worker; plain data in, plain data out, so it is tested without threads.
 */
import { sniffDialect } from "../ddl/sniff-dialect.js";
import { hashedTextEmbedding } from "../embed/hashed-embedding.js";
import { enrichTable } from "../enrich/enrich-table.js";
import { loadTagDictionary, type TagDictionary } from "../enrich/tag-dictionary.js";
import type { Dialect, SourceTable, TableStructure, V1Row } from "../model.js";
import { summarize, type TableSummary } from "../relationships/catalog-index.js";

export interface EnrichTask {
  readonly rows: readonly SourceTable[];
  /** The namespace's dialect, or `unknown` to sniff each DDL (orphan stores opened with --db-path). */
  readonly dialect: Dialect;
  readonly dim: number;
  readonly now: number;
  readonly extractRelationships: boolean;
  /** The text of business_terms.yml beside agent.yml, when there is one (parsed once per worker). */
  readonly tagTermsYaml?: string;
  /** Live catalog structure per source identifier, when the tables came from a live database. */
  readonly catalog?: Readonly<Record<string, TableStructure>>;
}

export interface TableFailure {
  readonly identifier: string;
  readonly dialect: string;
  readonly error: string;
}

export interface EnrichResult {
  readonly rows: V1Row[];
  /** Row-major vectors, `rows.length * dim` floats. */
  readonly vectors: Float32Array;
  /** The identifier each row had in the source (differs from `rows[i].identifier` when it was not canonical). */
  readonly sourceIdentifiers: string[];
  readonly parseFailures: TableFailure[];
  /** Identifiers that parsed cleanly (clears an earlier recorded failure). */
  readonly parsedOk: string[];
  /** Names, columns and keys of each row's table, for the catalog-wide relationship stage. */
  readonly summaries: TableSummary[];
  readonly dialects: Record<string, number>;
  readonly parsers: Record<string, number>;
  relationships: number;
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

export function enrichBatch(task: EnrichTask): EnrichResult {
  const rows: V1Row[] = [];
  const vectors = new Float32Array(task.rows.length * task.dim);
  const result: EnrichResult = {
    rows,
    vectors,
    sourceIdentifiers: [],
    parseFailures: [],
    parsedOk: [],
    summaries: [],
    dialects: {},
    parsers: {},
    relationships: 0,
  };
  for (const source of task.rows) {
    const dialect = task.dialect === "unknown" ? sniffDialect(source.definition) : task.dialect;
    // enrichTable never throws: a table it cannot read still gets a row from its names, with parseError set
    const { row, structure } = enrichTable(source, {
      dialect,
      extractRelationships: task.extractRelationships,
      now: task.now,
      catalog: task.catalog?.[source.identifier],
      tagDictionary: tagDictionary(task.tagTermsYaml),
    });
    const error = structure.parseError;
    bump(result.parsers, structure.source);
    if (row.relationship_metadata !== "{}") result.relationships++;
    bump(result.dialects, dialect);
    if (error) result.parseFailures.push({ identifier: row.identifier, dialect, error });
    else result.parsedOk.push(row.identifier);
    hashedTextEmbedding(row.search_text, task.dim, vectors.subarray(rows.length * task.dim, (rows.length + 1) * task.dim));
    rows.push(row);
    result.sourceIdentifiers.push(source.identifier);
    result.summaries.push(summarize(source, structure));
  }
  return result;
}
