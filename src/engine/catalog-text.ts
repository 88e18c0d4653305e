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

/**
 * Table `at` of a batch as the coordinator holds it while a worker reads it: a position, each field decoded
 * when read (the identifier once). Sent to a worker as the batch and positions (`sourcesOf`), never cloned:
 * a clone would carry no fields.
 */
export class CatalogRow implements SourceTable {
  #identifier: string | undefined;

  constructor(
    readonly text: CatalogText,
    readonly at: number,
  ) {}

  get identifier(): string {
    return (this.#identifier ??= this.field(0));
  }

  get catalogName(): string {
    return this.field(1);
  }

  get databaseName(): string {
    return this.field(2);
  }

  get schemaName(): string {
    return this.field(3);
  }

  get tableName(): string {
    return this.field(4);
  }

  get tableType(): TableType {
    return this.field(5) as TableType;
  }

  get definition(): string {
    return this.field(DEFINITION);
  }

  get definitionNull(): boolean {
    return this.text.nullDefinition[this.at] === 1;
  }

  /** Bytes of its DDL (its time budget grows with them). */
  get ddlBytes(): number {
    const end = this.at * FIELDS + DEFINITION;
    return this.text.ends[end] - this.text.ends[end - 1];
  }

  private field(f: number): string {
    return field(this.text, bufferOf(this.text), this.at, f);
  }
}

/** Every table of a batch, as the coordinator holds them while the workers read the batch. */
export function catalogRows(text: CatalogText): CatalogRow[] {
  return Array.from({ length: catalogTableCount(text) }, (_, t) => new CatalogRow(text, t));
}

/**
 * The tables of a task as a worker is sent them: the shared batches they are rows of, with their positions,
 * when they are all `CatalogRow`s (in order, a batch per run of rows of it); else the rows themselves.
 */
export type TaskSources = { readonly rows: readonly SourceTable[] } | { readonly shared: readonly { readonly text: CatalogText; readonly tables: readonly number[] }[] };

export function sourcesOf(rows: readonly SourceTable[]): TaskSources {
  // a CatalogRow cloned to a worker would arrive with no fields: decoded here if it is not sent as a position
  if (!rows.every((r) => r instanceof CatalogRow)) return { rows: rows.map((r) => (r instanceof CatalogRow ? catalogTableAt(r.text, r.at) : r)) };
  const shared: { readonly text: CatalogText; readonly tables: number[] }[] = [];
  for (const row of rows as readonly CatalogRow[]) {
    const last = shared.at(-1);
    if (last?.text === row.text) last.tables.push(row.at);
    else shared.push({ text: row.text, tables: [row.at] });
  }
  return { shared };
}

/** Worker side: the task's tables, decoded from the shared batches when they came as positions. */
export function sourceRows(sources: TaskSources): readonly SourceTable[] {
  return "rows" in sources ? sources.rows : sources.shared.flatMap(({ text, tables }) => tables.map((t) => catalogTableAt(text, t)));
}
