/**
 * Acceptance: name inference alone, on the corpus schemas with their FOREIGN KEY clauses removed, recovers
 * the declared foreign keys (per FK column edge) with recall >= 85% and precision >= 90% over all files.
 * Base tables are scored (a view cannot declare a foreign key, so it has no truth to score against);
 * views stay in the index like any table.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Dialect } from "../../src/model.js";
import { inferFromNames } from "../../src/relationships/infer-from-names.js";
import { corpusSchema, declaredEdges, describeScore, edgeKeys, precision, recall, score, type Score } from "../helpers/relationships-corpus.js";

const FILES: readonly (readonly [string, Dialect])[] = [
  ["chinook/chinook_mysql.sql", "mysql"],
  ["chinook/chinook_postgresql.sql", "postgresql"],
  ["chinook/chinook_sqlite.sql", "sqlite"],
  ["sakila/mysql-schema.sql", "mysql"],
  ["sakila/postgres-schema.sql", "postgresql"],
  ["sakila/sqlite-schema.sql", "sqlite"],
  ["employees/mysql-schema.sql", "mysql"],
];

describe("name inference on the corpus, FK clauses removed", () => {
  it("recovers >= 85% of the declared FK column edges with >= 90% precision (all files together)", () => {
    const total = { truth: 0, found: 0, correct: 0 };
    const lines: string[] = [];
    for (const [file, dialect] of FILES) {
      const schema = corpusSchema(file, dialect);
      const truth = declaredEdges(schema.structures);
      const found = new Set<string>();
      schema.summaries.forEach((summary, i) => {
        if (schema.structures[i].tableType !== "table") return;
        for (const k of edgeKeys(summary.tableName, inferFromNames(summary, schema.index))) found.add(k);
      });
      const s: Score = score(truth, found);
      lines.push(describeScore(file, s));
      const missed = [...truth].filter((k) => !found.has(k));
      const wrong = [...found].filter((k) => !truth.has(k));
      if (missed.length > 0) lines.push(`  missed: ${missed.join(", ")}`);
      if (wrong.length > 0) lines.push(`  not declared: ${wrong.join(", ")}`);
      total.truth += s.truth;
      total.found += s.found;
      total.correct += s.correct;
    }
    lines.push(describeScore("TOTAL", total));
    console.log(lines.join("\n"));
    assert.ok(recall(total) >= 0.85, `recall ${recall(total)}`);
    assert.ok(precision(total) >= 0.9, `precision ${precision(total)}`);
  });
});
