/**
 * Ground truth for relationship inference from the shared corpus: each script parsed once with
 * parseDdlScript; the declared foreign keys are the truth, and the summaries the index sees are built from
 * the same structures with their foreign keys removed.
 */
import { parseDdlScript } from "../../src/ddl/parse-ddl.js";
import { canonicalIdentifier, type Dialect, type RelationshipEdge, type SourceTable, type TableStructure } from "../../src/model.js";
import { CatalogIndex, summarize, type TableSummary } from "../../src/relationships/catalog-index.js";
import { corpusTables } from "./corpus.js";
import { readCorpus } from "./ddl-corpus.js";

export interface CorpusSchema {
  readonly file: string;
  readonly structures: readonly TableStructure[];
  readonly summaries: readonly TableSummary[];
  readonly index: CatalogIndex;
}

/** A corpus script as a catalog of its own (database `db`): base tables and views, foreign keys stripped. */
export function corpusSchema(file: string, dialect: Dialect, db = "db"): CorpusSchema {
  const parsed = parseDdlScript(readCorpus(file), dialect);
  // the table's own DDL (CREATE plus the statements that amend it), as a v0 row holds it
  const definitions = new Map(corpusTables(file, dialect, db).map((t) => [t.tableName.toLowerCase(), t.definition]));
  const summaries = parsed.map((s) => summarize(sourceOf(s, db, definitions.get(s.tableName.toLowerCase()) ?? ""), { ...s, foreignKeys: [] }));
  const index = new CatalogIndex();
  for (const s of summaries) index.add(s);
  return { file, structures: parsed, summaries, index };
}

function sourceOf(s: TableStructure, db: string, definition: string): SourceTable {
  const parts = { catalogName: "", databaseName: db, schemaName: "", tableName: s.tableName };
  return { identifier: canonicalIdentifier(parts), ...parts, tableType: s.tableType, definition };
}

/** One FK column edge, case-insensitive: `table.column -> target.column`. */
export function edgeKey(table: string, fromColumn: string, toTable: string, toColumn: string): string {
  const bare = (t: string): string => t.split(".").pop()!.toLowerCase();
  return `${bare(table)}.${fromColumn.toLowerCase()} -> ${bare(toTable)}.${toColumn.toLowerCase()}`;
}

/** The declared FK column edges of the parse (composite keys give one edge per column pair). */
export function declaredEdges(structures: readonly TableStructure[]): Set<string> {
  const truth = new Set<string>();
  for (const s of structures) {
    for (const fk of s.foreignKeys) {
      for (let i = 0; i < fk.fromColumns.length && i < fk.toColumns.length; i++) truth.add(edgeKey(s.tableName, fk.fromColumns[i], fk.toTable, fk.toColumns[i]));
    }
  }
  return truth;
}

export function edgeKeys(table: string, edges: readonly RelationshipEdge[]): string[] {
  return edges.map((e) => edgeKey(table, e.from_column, e.to_table, e.to_column));
}

export interface Score {
  readonly truth: number;
  readonly found: number;
  readonly correct: number;
}

export function score(truth: ReadonlySet<string>, found: ReadonlySet<string>): Score {
  let correct = 0;
  for (const f of found) if (truth.has(f)) correct++;
  return { truth: truth.size, found: found.size, correct };
}

export function precision(s: Score): number {
  return s.found === 0 ? 1 : s.correct / s.found;
}

export function recall(s: Score): number {
  return s.truth === 0 ? 1 : s.correct / s.truth;
}

export function describeScore(label: string, s: Score): string {
  const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
  return `${label}: precision ${pct(precision(s))} (${s.correct}/${s.found}), recall ${pct(recall(s))} (${s.correct}/${s.truth})`;
}

/** TPC-H specification foreign keys (every one is joined on by some query, checked below). */
export const TPCH_SPEC_FOREIGN_KEYS: readonly string[] = [
  "lineitem.l_orderkey -> orders.o_orderkey",
  "lineitem.l_partkey -> part.p_partkey",
  "lineitem.l_suppkey -> supplier.s_suppkey",
  "lineitem.l_partkey -> partsupp.ps_partkey",
  "lineitem.l_suppkey -> partsupp.ps_suppkey",
  "orders.o_custkey -> customer.c_custkey",
  "customer.c_nationkey -> nation.n_nationkey",
  "supplier.s_nationkey -> nation.n_nationkey",
  "nation.n_regionkey -> region.r_regionkey",
  "partsupp.ps_partkey -> part.p_partkey",
  "partsupp.ps_suppkey -> supplier.s_suppkey",
];

