/** Read a store's rows back for assertions (the whole table: tests use small stores). */
import * as lancedb from "@lancedb/lancedb";
import type { V1Row } from "../../src/model.js";

export type StoredRow = Record<string, unknown>;

export async function readRows(storePath: string, version?: number): Promise<StoredRow[]> {
  const db = await lancedb.connect(storePath);
  const table = await db.openTable("schema_metadata");
  if (version !== undefined) await table.checkout(version);
  const out: StoredRow[] = [];
  for await (const batch of table.query()) {
    for (const row of batch.toArray() as { toJSON(): StoredRow }[]) out.push(plain(row.toJSON()));
  }
  return out;
}

/** Arrow list values (vectors, tags) as plain arrays, so rows compare with deepEqual. */
function plain(row: StoredRow): StoredRow {
  const out: StoredRow = {};
  for (const [k, v] of Object.entries(row)) {
    out[k] = v !== null && typeof v === "object" && "toArray" in v ? Array.from((v as { toArray(): ArrayLike<unknown> }).toArray()) : typeof v === "bigint" ? Number(v) : v;
  }
  return out;
}

export async function tableVersion(storePath: string): Promise<number> {
  const db = await lancedb.connect(storePath);
  return (await db.openTable("schema_metadata")).version();
}

export async function schemaFields(storePath: string): Promise<string[]> {
  const db = await lancedb.connect(storePath);
  const schema = await (await db.openTable("schema_metadata")).schema();
  return schema.fields.map((f) => `${f.name}:${String(f.type)}`);
}

/**
 * Each row's definition as the bytes stored (identifier -> bytes, null for a null definition; the first
 * row of an identifier that repeats), read from the Arrow buffers: apache-arrow's string reader drops a
 * leading byte order mark, so `readRows` cannot tell whether one was kept.
 */
export async function definitionBytes(storePath: string): Promise<Map<string, Buffer | null>> {
  const db = await lancedb.connect(storePath);
  const table = await db.openTable("schema_metadata");
  const out = new Map<string, Buffer | null>();
  for await (const batch of table.query().select(["identifier", "definition"])) {
    const ids = batch.getChild("identifier")!;
    const data = batch.getChild("definition")!.data;
    let row = 0;
    for (const chunk of data) {
      const offsets = chunk.valueOffsets as ArrayLike<number | bigint>;
      for (let j = 0; j < chunk.length; j++, row++) {
        const bytes = chunk.getValid(j) ? Buffer.from((chunk.values as Uint8Array).subarray(Number(offsets[j]), Number(offsets[j + 1]))) : null;
        const id = String(ids.get(row));
        if (!out.has(id)) out.set(id, bytes);
      }
    }
  }
  return out;
}

/** Table `i` of a small store as a v1 row (`cat.db.sch.t<i>`), with `over` on top: for tests that write rows themselves. */
export function sampleV1Row(i: number, over: Partial<V1Row> = {}): V1Row {
  return {
    identifier: `cat.db.sch.t${i}`,
    catalog_name: "cat",
    database_name: "db",
    schema_name: "sch",
    table_name: `t${i}`,
    table_type: "table",
    definition: `CREATE TABLE t${i} (id INT)`,
    search_text: `t${i}`,
    table_comment: "",
    column_comments: "{}",
    column_enums: "{}",
    business_tags: [],
    row_count: 0,
    sample_statistics: "{}",
    relationship_metadata: "{}",
    metadata_version: 1,
    last_updated: 1_764_547_200,
    ...over,
  };
}
