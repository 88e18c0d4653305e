/**
 * Reading `CatalogText` (a catalog-pass batch in shared memory) in any thread: a table's fields decoded on
 * demand, and the row the coordinator's table guard holds for it, which decodes nothing until asked.
 */
import { Buffer } from "node:buffer";
import { type CatalogText, SOURCE_COLUMNS, type SourceTable, type TableType } from "../model.js";

const FIELDS = SOURCE_COLUMNS.length;
const DEFINITION = SOURCE_COLUMNS.indexOf("definition");

/** The batch's bytes as a Buffer (a view, no copy). Buffer keeps a leading byte order mark, as the stored text has it (TextDecoder drops it and refuses shared memory). */
function bufferOf(text: CatalogText): Buffer {
  return Buffer.from(text.bytes.buffer, text.bytes.byteOffset, text.bytes.byteLength);
}

/** Field `f` of table `t`, decoded from `bytes` (`bufferOf(text)`). */
function field(text: CatalogText, bytes: Buffer, t: number, f: number): string {
  const at = t * FIELDS + f;
  return bytes.toString("utf8", at === 0 ? 0 : text.ends[at - 1], text.ends[at]);
}

export function catalogTableCount(text: CatalogText): number {
  return text.nullDefinition.length;
}

/** Table `t` of the batch, its DDL included. */
export function catalogTableAt(text: CatalogText, t: number): SourceTable {
  const bytes = bufferOf(text);
  return {
    identifier: field(text, bytes, t, 0),
    catalogName: field(text, bytes, t, 1),
    databaseName: field(text, bytes, t, 2),
    schemaName: field(text, bytes, t, 3),
    tableName: field(text, bytes, t, 4),
    tableType: field(text, bytes, t, 5) as TableType,
    definition: field(text, bytes, t, DEFINITION),
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
    return field(this.text, bufferOf(this.text), this.at, 0);
  }

  /** Bytes of its DDL (its time budget grows with them). */
  get ddlBytes(): number {
    const end = this.at * FIELDS + DEFINITION;
    return this.text.ends[end] - this.text.ends[end - 1];
  }
}
