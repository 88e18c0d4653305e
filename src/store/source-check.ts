/**
 * Can this schema_metadata be migrated as it is? Checked before anything changes (no backup, no state, no
 * new table version), because the re-shape would otherwise drop what it cannot read: a table that is not a
 * Datus schema store (other columns) would come out empty, and DDL stored as bytes that are not UTF-8 has
 * no text the v1 `definition` (utf8) could keep byte for byte. Both are refused with exit 2.
 */
import type * as lancedb from "@lancedb/lancedb";
import { usageError } from "../errors.js";
import { isStoredText } from "./arrow-rows.js";
import { scanBatches } from "./schema-store.js";
import { SCHEMA_TABLE, SOURCE_COLUMNS, sourceColumnsProblem, textEncoding } from "./schemas.js";

/** Rows named in the error; the count covers the rest. */
const ROWS_NAMED = 20;

export async function refuseUnreadableSource(table: lancedb.Table, storePath: string): Promise<void> {
  const schema = await table.schema();
  const problem = sourceColumnsProblem(schema);
  if (problem !== undefined) {
    throw usageError(
      `${SCHEMA_TABLE} in ${storePath} is not a Datus schema store: ${problem}`,
      `a schema store holds ${SOURCE_COLUMNS.join(", ")} (and vector); check --db-path / --namespace. Nothing was changed`,
    );
  }
  const bytes = schema.fields.filter((f) => (SOURCE_COLUMNS as readonly string[]).includes(f.name) && textEncoding(f.type) === "bytes").map((f) => f.name);
  if (bytes.length === 0) return;
  const bad: string[] = [];
  let count = 0;
  let row = 0;
  for await (const batch of scanBatches(table, { columns: [...new Set(["identifier", ...bytes])] })) {
    const ids = batch.getChild("identifier");
    const columns = bytes.map((name) => batch.getChild(name));
    for (let i = 0; i < batch.numRows; i++, row++) {
      if (columns.every((c) => isStoredText(c?.get(i)))) continue;
      count++;
      const id = ids?.get(i);
      if (bad.length < ROWS_NAMED) bad.push(typeof id === "string" ? JSON.stringify(id) : `row ${row}`);
    }
  }
  if (count === 0) return;
  throw usageError(
    `${count} rows of ${SCHEMA_TABLE} in ${storePath} hold a ${bytes.join("/")} that is not valid UTF-8 (stored as bytes); v1 keeps the DDL as utf8 text byte for byte, so these cannot be migrated without rewriting them: ${bad.join(", ")}${count > bad.length ? ` and ${count - bad.length} more` : ""}`,
    "re-export those tables' DDL as UTF-8 (or convert the bytes from their real encoding) and re-run; nothing was changed",
  );
}
