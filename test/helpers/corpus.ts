/**
 * v0 stores and DuckDB databases built from the shared corpus files as they are.
 * A v0 row's definition is the table's CREATE statement followed by the statements of the same file that
 * amend it (COMMENT ON, ALTER TABLE ... ADD FOREIGN KEY), as a DDL export of that table would hold them.
 */
import fs from "node:fs";
import path from "node:path";
import { withDuckDbFile } from "./engines.js";
import { parseDdl, splitStatements } from "../../src/ddl/parse-ddl.js";
import { canonicalIdentifier, type Dialect, type SourceTable } from "../../src/model.js";
import { CORPUS } from "./env.js";

const CREATE = /^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP(?:ORARY)?\s+)?(?:MATERIALIZED\s+)?(TABLE|VIEW)\b/i;
const AMEND = /^\s*(?:ALTER\s+TABLE|COMMENT\s+ON\s+(?:TABLE|COLUMN))\s+(?:ONLY\s+)?(?:IF\s+EXISTS\s+)?([`"\w.]+)/i;

function bare(name: string): string {
  return name.replace(/[`"[\]]/g, "").split(".").pop()!.toLowerCase();
}

export function corpusFile(relative: string): string {
  return fs.readFileSync(path.join(CORPUS, relative), "utf8");
}

/** The tables and views of one corpus file as v0 source rows of database `database`, schema `schema`. */
export function corpusTables(relative: string, dialect: Dialect, database: string, schema = ""): SourceTable[] {
  const statements = splitStatements(corpusFile(relative), dialect);
  const tables: { name: string; parts: string[]; type: "table" | "view" }[] = [];
  for (const stmt of statements) {
    const create = CREATE.exec(stmt);
    if (create) {
      const parsed = parseDdl(stmt, dialect);
      if (!parsed.tableName) continue;
      tables.push({ name: parsed.tableName, parts: [stmt], type: create[1].toUpperCase() === "VIEW" ? "view" : "table" });
      continue;
    }
    const amend = AMEND.exec(stmt);
    if (amend) {
      const target = tables.find((t) => t.name.toLowerCase() === bare(amend[1]));
      if (target) target.parts.push(stmt);
    }
  }
  return tables.map((t) => {
    const parts = { catalogName: "", databaseName: database, schemaName: schema, tableName: t.name };
    return { identifier: canonicalIdentifier(parts), ...parts, tableType: t.type, definition: t.parts.join(";\n") + ";" };
  });
}

/** A DuckDB file holding Chinook (tables and rows) from the corpus PostgreSQL script, without its FK ALTERs. */
export async function chinookDuckDb(file: string): Promise<void> {
  const keep = /^\s*(CREATE\s+TABLE|INSERT\s+INTO|CREATE\s+INDEX)/i;
  const sql = splitStatements(corpusFile("chinook/chinook_postgresql.sql"), "postgresql").filter((s) => keep.test(s));
  await withDuckDbFile(file, (conn) => conn.run(`${sql.join(";\n")};`));
}
