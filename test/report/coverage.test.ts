import { test } from "node:test";
import assert from "node:assert/strict";
import { DatusError } from "../../src/errors.js";
import { CoverageCounter, formatReport, reportJson, type CoverageFigures, type ReportRow } from "../../src/report/coverage.js";

const EMPTY_V1: ReportRow = {
  metadata_version: 1,
  table_name: "t",
  identifier: "db.t",
  table_comment: "",
  column_comments: "{}",
  column_enums: "{}",
  business_tags: [],
  row_count: 0,
  sample_statistics: "{}",
  relationship_metadata: "{}",
};

const V0: ReportRow = {
  metadata_version: null,
  table_name: "old",
  identifier: "db.old",
  table_comment: null,
  column_comments: null,
  column_enums: null,
  business_tags: null,
  row_count: null,
  sample_statistics: null,
  relationship_metadata: null,
};

function figures(rows: readonly ReportRow[], topTags = 10, lackingCap?: number): CoverageFigures {
  const counter = new CoverageCounter(lackingCap === undefined ? {} : { lackingCap });
  for (const row of rows) counter.add(row);
  return counter.result(topTags);
}

function filled(rows: readonly Partial<ReportRow>[]): Record<string, number> {
  const fig = figures(rows.map((r, i) => ({ ...EMPTY_V1, identifier: `db.t${i}`, ...r })));
  return Object.fromEntries(Object.entries(fig.metrics).map(([k, m]) => [k, m.filled]));
}

test("empty values do not count as filled", () => {
  const counts = filled([
    {},
    { table_comment: "   ", column_comments: '{"a": "", "b": "  "}', column_enums: '{"status": []}' },
    { column_comments: "", sample_statistics: '{"price": {"min": null, "max": null}}', business_tags: ["", " "] },
    { relationship_metadata: '{"foreign_keys": []}', column_enums: '{"s": [{"value": "", "label": ""}]}' },
    { relationship_metadata: '{"foreign_keys": [], "join_paths": [], "source": "heuristic"}' },
    { column_comments: "null", sample_statistics: "[]", row_count: -1 },
  ]);
  assert.deepEqual(counts, {
    v1_records: 6,
    table_comment: 0,
    column_comments: 0,
    column_enums: 0,
    business_tags: 0,
    relationship_metadata: 0,
    row_count: 0,
    sample_statistics: 0,
  });
});

test("content counts: a comment, one non-empty column value, a tag, a positive row count, zero as a statistic", () => {
  const counts = filled([
    {
      table_comment: "订单表",
      column_comments: '{"a": "", "b": "amount"}',
      column_enums: '{"status": [{"value": "0", "label": "new"}]}',
      business_tags: ["sales"],
      row_count: 10n,
      sample_statistics: '{"qty": {"min": 0, "max": 0}}',
      relationship_metadata: '{"foreign_keys": [], "join_paths": ["user_id -> users.id"]}',
    },
    { row_count: 1, relationship_metadata: '{"foreign_keys": [{"from_column": "a", "to_table": "b", "to_column": "id"}]}' },
  ]);
  assert.deepEqual(counts, {
    v1_records: 2,
    table_comment: 1,
    column_comments: 1,
    column_enums: 1,
    business_tags: 1,
    relationship_metadata: 2,
    row_count: 2,
    sample_statistics: 1,
  });
});

test("invalid JSON and non-objects are not filled and are counted as malformed", () => {
  const fig = figures([
    { ...EMPTY_V1, column_comments: "{not json", sample_statistics: '"text"' },
    { ...EMPTY_V1, column_comments: '["a"]' },
  ]);
  assert.equal(fig.metrics.column_comments.filled, 0);
  assert.deepEqual(fig.malformedJson, { column_comments: 2, column_enums: 0, sample_statistics: 1, relationship_metadata: 0 });
});

test("a v0 store (fields null) reads as 0 v1 records and nothing filled", () => {
  const fig = figures([V0, V0]);
  assert.equal(fig.total, 2);
  for (const metric of Object.values(fig.metrics)) assert.equal(metric.filled, 0);
});

test("relationship sources: top-level and per-edge sources, each once per table; none named is unspecified", () => {
  const fk = (source?: string) => ({ from_column: "a_id", to_table: "a", to_column: "id", ...(source ? { source } : {}) });
  const fig = figures([
    { ...EMPTY_V1, relationship_metadata: JSON.stringify({ foreign_keys: [fk()], join_paths: [], source: "heuristic" }) },
    { ...EMPTY_V1, relationship_metadata: JSON.stringify({ foreign_keys: [fk("ddl"), fk("ddl"), fk("heuristic")], join_paths: [] }) },
    { ...EMPTY_V1, relationship_metadata: JSON.stringify({ foreign_keys: [fk()], join_paths: [] }) },
    { ...EMPTY_V1, relationship_metadata: JSON.stringify({ foreign_keys: [], join_paths: [], source: "information_schema" }) },
  ]);
  assert.deepEqual(fig.relationshipSources, [
    { source: "heuristic", count: 2 },
    { source: "ddl", count: 1 },
    { source: "unspecified", count: 1 },
  ]);
});

test("top business tags: by tables, ties by name, limited to N, a tag repeated in a row counts once", () => {
  const tags = (...t: string[]): ReportRow => ({ ...EMPTY_V1, business_tags: t });
  const fig = figures([tags("sales", "user", "sales"), tags("user", "finance"), tags("finance", "sales"), tags("zeta")], 2);
  // sales, user and finance are on 2 tables each (sales twice in the first row counts once): the first 2 by name.
  assert.deepEqual(fig.topTags, [
    { tag: "finance", count: 2 },
    { tag: "sales", count: 2 },
  ]);
  assert.equal(fig.topTagsRequested, 2);
  assert.throws(() => new CoverageCounter().result(-1), (err: unknown) => err instanceof DatusError && err.exitCode === 2);
});

test("the identifiers lacking a field are kept up to the cap, the counts stay exact", () => {
  const rows = Array.from({ length: 5 }, (_, i) => ({ ...EMPTY_V1, identifier: `db.t${i}` }));
  const fig = figures(rows, 10, 2);
  assert.equal(fig.metrics.table_comment.filled, 0);
  assert.deepEqual(fig.metrics.table_comment.lacking, ["db.t0", "db.t1"]);
  assert.deepEqual(fig.metrics.v1_records.lacking, []);
  assert.deepEqual(figures(rows, 10, 0).metrics.table_comment.lacking, []);
});

const SMALL: readonly ReportRow[] = [
  {
    ...EMPTY_V1,
    identifier: "shop.orders",
    table_comment: "orders",
    column_comments: '{"id": "order id"}',
    business_tags: ["sales", "order"],
    row_count: 100,
    relationship_metadata: JSON.stringify({
      foreign_keys: [{ from_column: "user_id", to_table: "users", to_column: "id" }],
      join_paths: ["user_id -> users.id"],
      source: "heuristic",
    }),
  },
  { ...EMPTY_V1, identifier: "shop.users", table_comment: "users", business_tags: ["user", "sales"], row_count: 5 },
  { ...V0, identifier: "shop.legacy" },
];

test("formatReport prints the contract lines in order (text, not a TTY)", () => {
  const text = formatReport(figures(SMALL, 3), { dbPath: "/data/datus_db_shop", tty: false, details: false });
  assert.equal(
    text,
    [
      "MIGRATION COVERAGE REPORT",
      "=".repeat(80),
      "DB Path: /data/datus_db_shop",
      "Total records: 3",
      "",
      "v1 records: 2/3 (66.7%)",
      "table_comment: 2/3 (66.7%)",
      "column_comments: 1/3 (33.3%)",
      "column_enums: 0/3 (0.0%)",
      "business_tags: 2/3 (66.7%)",
      "relationship_metadata: 1/3 (33.3%)",
      "row_count: 2/3 (66.7%)",
      "sample_statistics: 0/3 (0.0%)",
      "",
      "Relationship sources:",
      "  heuristic: 1",
      "",
      "Top 3 business tags:",
      "  sales: 2",
      "  order: 1",
      "  user: 1",
    ].join("\n"),
  );
});

test("an empty store prints 0.0% and (none) sections", () => {
  const text = formatReport(figures([]), { dbPath: "/x", tty: false, details: false });
  assert.ok(text.includes("\nv1 records: 0/0 (0.0%)\n"));
  assert.ok(text.includes("Relationship sources:\n  (none)"));
  assert.ok(text.includes("Top 10 business tags:\n  (none)"));
});

test("on a TTY each rate line keeps its grep-able prefix and gains a bar", () => {
  const text = formatReport(figures(SMALL), { dbPath: "/x", tty: true, details: false });
  const line = text.split("\n").find((l) => l.startsWith("table_comment: "));
  assert.match(line ?? "", /^table_comment: 2\/3 \(66\.7%\)\s+█+░+$/);
  const full = formatReport(figures([{ ...EMPTY_V1, table_comment: "c" }]), { dbPath: "/x", tty: true, details: false });
  assert.match(full, /^table_comment: 1\/1 \(100\.0%\)\s+█{20}$/m);
});

test("details list the tables lacking each field, capped, and the parse failures per dialect", () => {
  const rows = [...SMALL, ...Array.from({ length: 3 }, (_, i) => ({ ...V0, identifier: `shop.old${i}` }))];
  const text = formatReport(figures(rows, 10, 2), {
    dbPath: "/x",
    tty: false,
    details: true,
    parseFailures: [
      { identifier: "shop.a", dialect: "mysql", error: "unexpected token\nnear ')'" },
      { identifier: "shop.b", dialect: "duckdb", error: "bad" },
      { identifier: "shop.c", dialect: "mysql", error: "worse" },
    ],
  });
  const details = text.slice(text.indexOf("Tables lacking each field:"));
  assert.ok(details.includes("  v1 records (4):\n    shop.legacy\n    shop.old0\n    ... and 2 more\n"));
  assert.ok(details.includes("  column_enums (6):\n    shop.orders\n    shop.users\n    ... and 4 more\n"));
  assert.ok(
    details.endsWith(
      "DDL parse failures: 3\n  duckdb (1):\n    shop.b: bad\n  mysql (2):\n    shop.a: unexpected token near ')'\n    shop.c: worse",
    ),
  );
  const brief = formatReport(figures(rows), {
    dbPath: "/x",
    tty: false,
    details: false,
    parseFailures: [{ identifier: "a", dialect: "d", error: "e" }],
  });
  assert.ok(!brief.includes("Tables lacking"));
  assert.ok(brief.endsWith("DDL parse failures: 1 (migrated with what could be read; --details lists them)\n  d: 1"), brief);
});

test("reportJson: the same figures under stable keys", () => {
  const json = reportJson(figures(SMALL, 2, 1));
  assert.deepEqual(JSON.parse(JSON.stringify(json)), {
    total_records: 3,
    v1_records: { count: 2, total: 3, pct: 66.7 },
    fields: {
      table_comment: { count: 2, total: 3, pct: 66.7 },
      column_comments: { count: 1, total: 3, pct: 33.3 },
      column_enums: { count: 0, total: 3, pct: 0 },
      business_tags: { count: 2, total: 3, pct: 66.7 },
      relationship_metadata: { count: 1, total: 3, pct: 33.3 },
      row_count: { count: 2, total: 3, pct: 66.7 },
      sample_statistics: { count: 0, total: 3, pct: 0 },
    },
    relationship_sources: [{ source: "heuristic", count: 1 }],
    top_business_tags: { requested: 2, tags: [{ tag: "sales", count: 2 }, { tag: "order", count: 1 }] },
    malformed_json: { column_comments: 0, column_enums: 0, sample_statistics: 0, relationship_metadata: 0 },
    parse_errors: 0,
    lacking: {
      v1_records: { count: 1, identifiers: ["shop.legacy"] },
      table_comment: { count: 1, identifiers: ["shop.legacy"] },
      column_comments: { count: 2, identifiers: ["shop.users"] },
      column_enums: { count: 3, identifiers: ["shop.orders"] },
      business_tags: { count: 1, identifiers: ["shop.legacy"] },
      relationship_metadata: { count: 2, identifiers: ["shop.users"] },
      row_count: { count: 1, identifiers: ["shop.legacy"] },
      sample_statistics: { count: 3, identifiers: ["shop.orders"] },
    },
  });
  assert.deepEqual(Object.keys(json.fields), [
    "table_comment",
    "column_comments",
    "column_enums",
    "business_tags",
    "relationship_metadata",
    "row_count",
    "sample_statistics",
  ]);
});
