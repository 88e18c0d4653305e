/** The shared corpus' scripts, split into statements the way a DDL export would hold them. */
import fs from "node:fs";
import path from "node:path";
import { splitStatements } from "../../src/ddl/parse-ddl.js";
import type { Dialect } from "../../src/model.js";
import { CORPUS } from "./env.js";

export function readCorpus(relative: string): string {
  return fs.readFileSync(path.join(CORPUS, relative), "utf8");
}

const CREATE_TABLE = /^CREATE\s+(?:TEMP(?:ORARY)?\s+)?TABLE\b/i;
const CREATE_VIEW = /^CREATE\b[^(;]*?\bVIEW\b/i;

const split = new Map<string, string[]>();

/** The statements of a corpus script (split once per test process: the Chinook scripts are 600 KB). */
export function corpusStatements(relative: string, dialect: Dialect): string[] {
  const key = `${dialect}:${relative}`;
  let statements = split.get(key);
  if (statements === undefined) {
    statements = splitStatements(readCorpus(relative), dialect);
    split.set(key, statements);
  }
  return statements;
}

/** The CREATE TABLE statements of a corpus script, in order. */
export function createTables(relative: string, dialect: Dialect): string[] {
  return corpusStatements(relative, dialect).filter((s) => CREATE_TABLE.test(s));
}

/** The CREATE VIEW statements of a corpus script, in order. */
export function createViews(relative: string, dialect: Dialect): string[] {
  return corpusStatements(relative, dialect).filter((s) => CREATE_VIEW.test(s));
}

export const STARROCKS_TPCH = ["customer", "lineitem", "nation", "orders", "part", "partsupp", "region", "supplier"] as const;
