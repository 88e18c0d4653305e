/**
 * Reading `CatalogText` (a catalog-pass batch in shared memory) in any thread: a table's fields decoded on
 * demand, and the row the coordinator's table guard holds for it, which decodes nothing until asked.
 */
import { Buffer } from "node:buffer";
import { CATALOG_FIELDS, type CatalogText, type SourceTable, type TableType } from "../model.js";

const FIELDS = CATALOG_FIELDS.length;
const DEFINITION = CATALOG_FIELDS.indexOf("definition");

/** Field `f` of table `t`, decoded. Buffer keeps a leading byte order mark, as the stored text has it (TextDecoder drops it and refuses shared memory). */
function field(text: CatalogText, t: number, f: number): string {
  const at = t * FIELDS + f;
  const start = at === 0 ? 0 : text.ends[at - 1];
  return Buffer.from(text.bytes.buffer, text.bytes.byteOffset, text.bytes.byteLength).toString("utf8", start, text.ends[at]);
}

export function catalogTableCount(text: CatalogText): number {
  return text.nullDefinition.length;
}

/** Table `t` of the batch, its DDL included. */
export function catalogTableAt(text: CatalogText, t: number): SourceTable {
  return {
    identifier: field(text, t, 0),
    catalogName: field(text, t, 1),
    databaseName: field(text, t, 2),
    schemaName: field(text, t, 3),
    tableName: field(text, t, 4),
    tableType: field(text, t, 5) as TableType,
    definition: field(text, t, DEFINITION),
    ...(text.nullDefinition[t] === 1 ? { definitionNull: true } : {}),
  };
}

/** Table `at` of a batch as the coordinator holds it while a worker reads it: a position, its fields read when asked. */
export class CatalogRow {
  constructor(
    readonly text: CatalogText,
    readonly at: number,
  ) {}

  get identifier(): string {
    return field(this.text, this.at, 0);
  }

  /** Bytes of its DDL (its time budget grows with them). */
  get ddlBytes(): number {
    const end = this.at * FIELDS + DEFINITION;
    return this.text.ends[end] - this.text.ends[end - 1];
  }
}
