/**
 * The relationship work of a migration, per 100,000 tables, one thread: the catalog pass (read each DDL
 * into its summary, as the workers do, and add it to the index) and inference (every table's edges from
 * names against the whole index: once, right after the catalog pass, which also tells the tags which tables
 * are referenced; then each table's edges handed to the relationship stage).
 * Before issue 9 inference ran in the stage (inferFromNames per table, no pass over the whole catalog):
 * its figures, measured with this file's catalogs, are in the commit message that added this file. Two catalogs: the synthetic one (declared keys in three of four styles)
 * and a pg_dump-style one (no key declared anywhere: every key is implied, every edge inferred).
 *
 *   BENCH_ONLY=relationships BENCH_REL_TABLES=100000 npm run bench
 */
import { summarizeBatch } from "../src/engine/summarize-batch.js";
import type { SourceTable } from "../src/model.js";
import { CatalogIndex, type TableSummary } from "../src/relationships/catalog-index.js";
import { InferredCatalog } from "../src/relationships/inferred-catalog.js";
import { syntheticCatalog } from "./synthetic-catalog.js";

const ENTITIES = ["customer", "order", "product", "invoice", "payment", "shipment", "supplier", "warehouse", "store", "employee", "address", "city", "country", "category", "language"];

/** Table i of a pg_dump-style catalog: serial keys by nextval, two references, no constraint in the CREATE. */
function pgDumpTable(i: number): SourceTable {
  const schemaName = `s${Math.floor(i / ENTITIES.length)}`;
  const entity = ENTITIES[i % ENTITIES.length];
  const [a, b] = [ENTITIES[(i + 3) % ENTITIES.length], ENTITIES[(i + 7) % ENTITIES.length]];
  const definition = `CREATE TABLE ${entity} (
    ${entity}_id integer DEFAULT nextval('${entity}_${entity}_id_seq'::regclass) NOT NULL,
    ${a}_id integer NOT NULL,
    ${b}_id smallint,
    name character varying(45) NOT NULL,
    last_update timestamp without time zone DEFAULT now() NOT NULL
);`;
  return { identifier: `db.${schemaName}.${entity}`, catalogName: "", databaseName: "db", schemaName, tableName: entity, tableType: "table", definition };
}

function* pgDumpCatalog(count: number): Generator<SourceTable> {
  for (let i = 0; i < count; i++) yield pgDumpTable(i);
}

export interface RelationshipFigures {
  readonly catalog: string;
  readonly tables: number;
  /** Seconds per 100,000 tables: reading the DDL into summaries, adding them to the index, inferring every table's edges. */
  readonly summarizeSeconds: number;
  readonly indexSeconds: number;
  /** Inference over the whole catalog, once (InferredCatalog.build). */
  readonly inferSeconds: number;
  /** The relationship stage reading every table's edges (InferredCatalog.edgesFor). */
  readonly handSeconds: number;
  readonly edges: number;
}

function seconds(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e9;
}

function measure(catalog: string, rows: Iterable<SourceTable>, tables: number): RelationshipFigures {
  const per = 100_000 / tables;
  let started = process.hrtime.bigint();
  const summaries: TableSummary[] = [];
  let batch: SourceTable[] = [];
  for (const row of rows) {
    batch.push(row);
    if (batch.length === 256) {
      summaries.push(...summarizeBatch({ rows: batch, dialect: "unknown" }));
      batch = [];
    }
  }
  if (batch.length > 0) summaries.push(...summarizeBatch({ rows: batch, dialect: "unknown" }));
  const summarizeSeconds = seconds(started);
  started = process.hrtime.bigint();
  const index = new CatalogIndex();
  for (const s of summaries) index.add(s);
  const indexSeconds = seconds(started);
  started = process.hrtime.bigint();
  const inferred = InferredCatalog.build(index);
  const inferSeconds = seconds(started);
  started = process.hrtime.bigint();
  let edges = 0;
  for (const s of summaries) edges += inferred.edgesFor(s).length;
  const handSeconds = seconds(started);
  return { catalog, tables, summarizeSeconds: summarizeSeconds * per, indexSeconds: indexSeconds * per, inferSeconds: inferSeconds * per, handSeconds: handSeconds * per, edges };
}

export function relationshipsBench(tables: number): RelationshipFigures[] {
  return [measure("synthetic (declared keys)", syntheticCatalog(tables), tables), measure("pg_dump style (no keys declared)", pgDumpCatalog(tables), tables)];
}

export function printRelationships(f: RelationshipFigures): void {
  const pass = f.summarizeSeconds + f.indexSeconds;
  const inference = f.inferSeconds + f.handSeconds;
  console.log(
    `relationships, ${f.catalog}, ${f.tables.toLocaleString("en-US")} tables, per 100,000 tables, 1 thread: catalog pass ${pass.toFixed(1)} s (read ${f.summarizeSeconds.toFixed(1)} s, index ${f.indexSeconds.toFixed(2)} s), inference ${inference.toFixed(1)} s (whole catalog once ${f.inferSeconds.toFixed(1)} s, handed to the stage ${f.handSeconds.toFixed(2)} s), total ${(pass + inference).toFixed(1)} s; ${f.edges} edges`,
  );
}

export function relationshipsJson(f: RelationshipFigures): object {
  const round = (x: number): number => Number(x.toFixed(2));
  return {
    catalog: f.catalog,
    tables: f.tables,
    per_100k_tables_seconds: {
      read_ddl: round(f.summarizeSeconds),
      index: round(f.indexSeconds),
      inference: round(f.inferSeconds + f.handSeconds),
      total: round(f.summarizeSeconds + f.indexSeconds + f.inferSeconds + f.handSeconds),
    },
    edges: f.edges,
  };
}
