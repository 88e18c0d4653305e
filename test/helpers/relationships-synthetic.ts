/** Small hand-written catalogs and large synthetic ones for relationship-inference tests. */
import v8 from "node:v8";
import vm from "node:vm";
import { CatalogIndex, type TableSummary } from "../../src/relationships/catalog-index.js";

export interface TableSpec {
  readonly name: string;
  readonly columns: readonly string[];
  readonly pk?: readonly string[];
  readonly unique?: readonly (readonly string[])[];
  readonly db?: string;
  readonly schema?: string;
  readonly impliedKey?: string;
  readonly inherits?: string;
}

export function table(spec: TableSpec): TableSummary {
  const db = spec.db ?? "db";
  const schema = spec.schema ?? "";
  return {
    identifier: [db, schema, spec.name].filter((p) => p !== "").join("."),
    databaseName: db,
    schemaName: schema,
    tableName: spec.name,
    columns: spec.columns,
    primaryKey: spec.pk ?? [],
    uniqueKeys: spec.unique ?? [],
    ...(spec.impliedKey !== undefined ? { impliedKey: spec.impliedKey } : {}),
    ...(spec.inherits !== undefined ? { inherits: spec.inherits } : {}),
  };
}

export function indexOf(tables: readonly TableSummary[]): CatalogIndex {
  const index = new CatalogIndex();
  for (const t of tables) index.add(t);
  return index;
}

const WORDS = [
  "customer", "order", "product", "invoice", "payment", "shipment", "supplier", "warehouse", "region", "country",
  "city", "store", "employee", "department", "category", "brand", "campaign", "coupon", "account", "ledger",
  "contract", "vendor", "item", "price", "discount", "tax", "currency", "channel", "device", "session",
  "event", "ticket", "agent", "queue", "project", "task", "sprint", "release", "build", "artifact",
];

/**
 * `tables` synthetic tables in schemas of 40 (one per word, with warehouse prefixes mixed in), each with an
 * `id` primary key, three references to other entities of its schema and six plain columns.
 */
export function* syntheticCatalog(tables: number): Generator<TableSummary> {
  const prefixes = ["", "dim_", "ods_", "t_"];
  for (let i = 0; i < tables; i++) {
    const schemaNo = Math.floor(i / WORDS.length);
    const word = WORDS[i % WORDS.length];
    const name = `${prefixes[schemaNo % prefixes.length]}${word}${schemaNo % 3 === 0 ? "s" : ""}`;
    const refs = [1, 7, 13].map((k) => `${WORDS[(i + k) % WORDS.length]}_id`);
    yield {
      identifier: `warehouse.s${schemaNo}.${name}`,
      databaseName: "warehouse",
      schemaName: `s${schemaNo}`,
      tableName: name,
      columns: ["id", ...refs, "name", "status", "created_at", "updated_at", "amount", "note"],
      primaryKey: ["id"],
      uniqueKeys: [],
    };
  }
}

/** Bytes of live heap after a full GC (node has no --expose-gc here: the flag is set at run time). */
export function heapAfterGc(): number {
  v8.setFlagsFromString("--expose-gc");
  const gc = vm.runInNewContext("gc") as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
}
