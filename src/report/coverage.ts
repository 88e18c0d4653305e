/**
 * Coverage of a schema_metadata store (CONTRACT §4): how many rows are v1 and how many hold each v1 field.
 * Pure and streaming: the report command feeds `CoverageCounter.add` batch by batch and keeps only counters,
 * the tag frequencies, and (for `--details`) the first identifiers lacking each field.
 *
 * A field counts as filled only when it holds content, unlike the old tool, which counted `{"col": ""}` and
 * `{"foreign_keys": [], "join_paths": []}`:
 * - text: non-blank after trimming;
 * - JSON columns: a JSON object with at least one value that has content (recursively: a non-blank string,
 *   a number or boolean, or a list/object holding one). `{}`, `{"col": ""}`, `{"col": []}`, `{"col": {"min": null}}`
 *   and invalid JSON do not count; invalid JSON and non-objects are also counted in `malformedJson`;
 * - relationship_metadata: `foreign_keys` or `join_paths` is a list holding an entry with content;
 * - business_tags: at least one non-blank tag; row_count: greater than 0.
 *
 * Relationship sources are counted per table: a table with relationships counts once for each distinct source
 * it names, whether as the top-level `source` (split on `+`) or as the `source` of one of its foreign_keys edges (so a table
 * mixing DDL and heuristic edges counts under both); a table naming none counts under `unspecified`.
 * Business tags are counted per table too (a tag repeated within one row counts once).
 */

import { usageError } from "../errors.js";
import { printable } from "../printable.js";

/** One row of the store as the report reads it; fields a v0 store does not have are null. */
export interface ReportRow {
  readonly metadata_version: number | null;
  readonly table_name: string | null;
  readonly identifier: string | null;
  readonly table_comment: string | null;
  readonly column_comments: string | null;
  readonly column_enums: string | null;
  readonly business_tags: readonly string[] | null;
  readonly row_count: number | bigint | null;
  readonly sample_statistics: string | null;
  readonly relationship_metadata: string | null;
  /** Set when the row could not be read as a table (a DDL parse error recorded for it). */
  readonly parse_error?: string;
}

/** The report lines of CONTRACT §4, in order: key (also the JSON key) and printed label. */
export const COVERAGE_METRICS = [
  { key: "v1_records", label: "v1 records" },
  { key: "table_comment", label: "table_comment" },
  { key: "column_comments", label: "column_comments" },
  { key: "column_enums", label: "column_enums" },
  { key: "business_tags", label: "business_tags" },
  { key: "relationship_metadata", label: "relationship_metadata" },
  { key: "row_count", label: "row_count" },
  { key: "sample_statistics", label: "sample_statistics" },
] as const;

export type MetricKey = (typeof COVERAGE_METRICS)[number]["key"];
const METRIC_KEYS: readonly MetricKey[] = COVERAGE_METRICS.map((m) => m.key);

/** The columns holding JSON text. */
export const JSON_FIELDS = ["column_comments", "column_enums", "sample_statistics", "relationship_metadata"] as const;
export type JsonField = (typeof JSON_FIELDS)[number];

/** How many identifiers lacking each field a counter keeps by default. */
export const DEFAULT_LACKING_CAP = 1000;

export interface MetricFigure {
  /** Rows holding the field. The rows lacking it are `total - filled`. */
  readonly filled: number;
  /** Identifiers of the first rows lacking it, in the order they were added, at most the counter's cap. */
  readonly lacking: readonly string[];
}

export interface CoverageFigures {
  readonly total: number;
  readonly metrics: Readonly<Record<MetricKey, MetricFigure>>;
  /** Tables per relationship source, most first (ties by name). */
  readonly relationshipSources: readonly { readonly source: string; readonly count: number }[];
  /** The N of "Top N business tags". */
  readonly topTagsRequested: number;
  /** Tables per tag, the `topTagsRequested` most frequent, most first (ties by name). */
  readonly topTags: readonly { readonly tag: string; readonly count: number }[];
  /** Rows whose JSON column is not valid JSON or not a JSON object (counted as not filled). */
  readonly malformedJson: Readonly<Record<JsonField, number>>;
  /** Rows carrying a `parse_error`. */
  readonly parseErrors: number;
}

const NO_FIELDS: Readonly<Record<string, unknown>> = Object.freeze({});

/** What a counter holds, as plain data: a part of a store counted apart (in a worker), for `absorb`. */
export interface CoveragePart {
  readonly total: number;
  readonly parseErrors: number;
  readonly filled: readonly (readonly [MetricKey, number])[];
  readonly lacking: readonly (readonly [MetricKey, readonly string[]])[];
  readonly sources: readonly (readonly [string, number])[];
  readonly tags: readonly (readonly [string, number])[];
  readonly malformed: readonly (readonly [JsonField, number])[];
}

export class CoverageCounter {
  private total = 0;
  private parseErrors = 0;
  private readonly lackingCap: number;
  private readonly firstRow: number;
  private readonly filled = new Map<MetricKey, number>();
  private readonly lacking = new Map<MetricKey, string[]>();
  private readonly sources = new Map<string, number>();
  private readonly tags = new Map<string, number>();
  private readonly malformed = new Map<JsonField, number>();

  /**
   * `lackingCap`: identifiers kept per field for `--details` (0 keeps none; the counts stay exact).
   * `firstRow`: rows of the store before the first this counter sees (a part counted apart), so a row with
   * neither identifier nor table name is named by its place in the whole store.
   */
  constructor(options: { readonly lackingCap?: number; readonly firstRow?: number } = {}) {
    this.lackingCap = options.lackingCap ?? DEFAULT_LACKING_CAP;
    this.firstRow = options.firstRow ?? 0;
    for (const { key } of COVERAGE_METRICS) {
      this.filled.set(key, 0);
      this.lacking.set(key, []);
    }
    for (const field of JSON_FIELDS) this.malformed.set(field, 0);
  }

  add(row: ReportRow): void {
    this.total += 1;
    if (row.parse_error !== undefined && row.parse_error !== "") this.parseErrors += 1;
    const id = row.identifier || row.table_name || `(row ${this.firstRow + this.total})`;

    const tags = distinctTags(row.business_tags);
    for (const tag of tags) bump(this.tags, tag);
    const relationships = this.readJson(row, "relationship_metadata");
    const hasRelationships =
      relationships !== undefined &&
      (listHasContent(relationships.foreign_keys) || listHasContent(relationships.join_paths));
    if (hasRelationships) for (const source of relationshipSources(relationships)) bump(this.sources, source);

    this.count("v1_records", row.metadata_version === 1, id);
    this.count("table_comment", isText(row.table_comment), id);
    this.count("column_comments", hasContent(this.readJson(row, "column_comments")), id);
    this.count("column_enums", hasContent(this.readJson(row, "column_enums")), id);
    this.count("business_tags", tags.size > 0, id);
    this.count("relationship_metadata", hasRelationships, id);
    this.count("row_count", row.row_count !== null && row.row_count > 0, id);
    this.count("sample_statistics", hasContent(this.readJson(row, "sample_statistics")), id);
  }

  part(): CoveragePart {
    return {
      total: this.total,
      parseErrors: this.parseErrors,
      filled: [...this.filled],
      lacking: [...this.lacking],
      sources: [...this.sources],
      tags: [...this.tags],
      malformed: [...this.malformed],
    };
  }

  /** Counts `part` as the rows that come after every row counted so far (the lacking identifiers keep that order). */
  absorb(part: CoveragePart): void {
    this.total += part.total;
    this.parseErrors += part.parseErrors;
    for (const [key, n] of part.filled) this.filled.set(key, (this.filled.get(key) ?? 0) + n);
    for (const [key, ids] of part.lacking) {
      const lacking = this.lacking.get(key);
      if (lacking !== undefined) lacking.push(...ids.slice(0, Math.max(0, this.lackingCap - lacking.length)));
    }
    for (const [source, n] of part.sources) this.sources.set(source, (this.sources.get(source) ?? 0) + n);
    for (const [tag, n] of part.tags) this.tags.set(tag, (this.tags.get(tag) ?? 0) + n);
    for (const [field, n] of part.malformed) this.malformed.set(field, (this.malformed.get(field) ?? 0) + n);
  }

  /** The figures so far; `topTags` is `--top-tags` (a whole number ≥ 0). */
  result(topTags: number): CoverageFigures {
    if (!Number.isInteger(topTags) || topTags < 0) {
      throw usageError(`--top-tags must be a whole number of 0 or more, got ${topTags}`, "e.g. --top-tags 20");
    }
    return {
      total: this.total,
      metrics: perKey(METRIC_KEYS, (key) => ({
        filled: this.filled.get(key) ?? 0,
        lacking: [...(this.lacking.get(key) ?? [])],
      })),
      relationshipSources: byCount(this.sources).map(([source, count]) => ({ source, count })),
      topTagsRequested: topTags,
      topTags: byCount(this.tags)
        .slice(0, topTags)
        .map(([tag, count]) => ({ tag, count })),
      malformedJson: perKey(JSON_FIELDS, (field) => this.malformed.get(field) ?? 0),
      parseErrors: this.parseErrors,
    };
  }

  private count(key: MetricKey, filled: boolean, id: string): void {
    if (filled) {
      bump(this.filled, key);
      return;
    }
    const lacking = this.lacking.get(key);
    if (lacking !== undefined && lacking.length < this.lackingCap) lacking.push(id);
  }

  /** The column parsed as a JSON object; `undefined` when empty or malformed (malformed is counted). */
  private readJson(row: ReportRow, field: JsonField): Readonly<Record<string, unknown>> | undefined {
    const text = row[field];
    if (text === null || text.trim() === "") return undefined;
    // most rows of a large store hold "{}" in one JSON column or another: no parse needed to know it is empty
    if (text === "{}") return NO_FIELDS;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined;
    }
    if (isObject(value)) return value;
    bump(this.malformed, field);
    return undefined;
  }
}

function perKey<K extends string, V>(keys: readonly K[], value: (key: K) => V): Record<K, V> {
  return Object.fromEntries(keys.map((key) => [key, value(key)])) as Record<K, V>;
}

function bump<K>(map: Map<K, number>, key: K): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/** Entries most frequent first, ties by name (code-unit order, the same on every machine). */
function byCount(map: ReadonlyMap<string, number>): [string, number][] {
  return [...map].sort(([a, m], [b, n]) => n - m || (a < b ? -1 : a > b ? 1 : 0));
}

function isObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isText(value: unknown): value is string {
  return typeof value === "string" && value.trim() !== "";
}

/** A non-blank string, a number, a boolean, or a list/object holding one of those. */
function hasContent(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === "string") return value.trim() !== "";
  if (Array.isArray(value)) return value.some(hasContent);
  if (typeof value === "object") return Object.values(value).some(hasContent);
  return true;
}

function listHasContent(value: unknown): boolean {
  return Array.isArray(value) && value.some(hasContent);
}

function distinctTags(tags: readonly string[] | null): Set<string> {
  const distinct = new Set<string>();
  if (!Array.isArray(tags)) return distinct;
  for (const tag of tags) if (isText(tag)) distinct.add(tag.trim());
  return distinct;
}

/** The distinct sources a table's relationship_metadata names (top level and per edge), or `unspecified`. */
function relationshipSources(relationships: Readonly<Record<string, unknown>>): Set<string> {
  const sources = new Set<string>();
  // a fused top-level source names its signals joined by "+" (`ddl+name_inference`): count each signal
  if (isText(relationships.source)) for (const part of relationships.source.split("+")) if (part.trim()) sources.add(part.trim());
  if (Array.isArray(relationships.foreign_keys)) {
    for (const edge of relationships.foreign_keys) {
      if (isObject(edge) && isText(edge.source)) sources.add(edge.source.trim());
    }
  }
  if (sources.size === 0) sources.add("unspecified");
  return sources;
}

// ---------------------------------------------------------------------------------------------------------
// Output

export interface ParseFailure {
  readonly identifier: string;
  readonly dialect: string;
  readonly error: string;
  /** Why the LLM fallback did not read it either, when it was asked. */
  readonly llm?: string;
}

export interface FormatOptions {
  readonly dbPath: string;
  /** Standard output is a terminal: a fill bar follows each rate line (its `label: count/total (pct%)` prefix unchanged). */
  readonly tty: boolean;
  /** List the tables lacking each field and the parse failures per dialect. */
  readonly details: boolean;
  readonly parseFailures?: readonly ParseFailure[];
  /** What the rows' vectors are of (absent for stores without a vector column). */
  readonly vectors?: VectorFigures;
  /** Tables whose embedding failed (they stay pending or stale until a run embeds them). */
  readonly embeddingFailures?: readonly { readonly identifier: string; readonly error: string }[];
  /** A migration started and not finished. */
  readonly unfinished?: { readonly startedAt: string; readonly pending: number; readonly preMigrationVersion: number };
  /** What the last run's query log gave: a warning when it gave nothing, its unparsed queries with --details. */
  readonly queryLog?: QueryLogFigures;
}

export interface QueryLogFigures {
  readonly path: string;
  readonly at: string;
  readonly queries: number;
  readonly failed: number;
  readonly warnings: readonly string[];
  readonly unparsed: readonly { readonly sql: string; readonly reason: string }[];
}

/** Rows by what their vector embeds: their search_text, something older (the DDL, a kept vector), or nothing. */
export interface VectorFigures {
  readonly searchText: number;
  /** v0 rows and v1 rows recorded stale (migrated with --keep-vectors, embedding failed): vectors of their definition. */
  readonly stale: number;
  readonly none: number;
  /** The model the store's vectors are made with, as its bookkeeping says (datus_db.cfg or this tool's record). */
  readonly model?: string;
}

const RULE = "=".repeat(80);
const BAR_WIDTH = 20;

/**
 * The report as text, lines joined by `\n` with no trailing newline. Each rate line is exactly
 * `label: count/total (pct%)`, pct with one decimal (0.0 when the store is empty), so scripts can grep it.
 */
export function formatReport(fig: CoverageFigures, opts: FormatOptions): string {
  const rates = COVERAGE_METRICS.map(({ key, label }) => {
    const { filled } = fig.metrics[key];
    return { prefix: `${label}: ${filled}/${fig.total} (${percent(filled, fig.total).toFixed(1)}%)`, filled };
  });
  const width = Math.max(...rates.map((r) => r.prefix.length));
  const lines = ["MIGRATION COVERAGE REPORT", RULE, `DB Path: ${printable(opts.dbPath)}`, `Total records: ${fig.total}${fig.total === 0 ? " (the table is empty: migrate a store that has v0 rows, or build one with `datus-schema bootstrap`)" : ""}`, ""];
  if (opts.unfinished) {
    const u = opts.unfinished;
    lines.push(
      `UNFINISHED MIGRATION (started ${u.startedAt}): ${u.pending} rows still pending. Re-run \`datus-schema migrate\` to finish it, or \`datus-schema rollback\` to return to table version ${u.preMigrationVersion}.`,
      "",
    );
  }
  for (const { prefix, filled } of rates) {
    lines.push(opts.tty ? `${prefix.padEnd(width)}  ${bar(filled, fig.total)}` : prefix);
  }
  if (opts.vectors) {
    const v = opts.vectors;
    lines.push(`vectors of search_text: ${v.searchText}/${fig.total} (${percent(v.searchText, fig.total).toFixed(1)}%)${v.model ? ` [${v.model}]` : ""}`);
    if (v.stale > 0) lines.push(`  ${v.stale} rows carry a vector of their definition (v0, or migrated with --keep-vectors): \`datus-schema embed\` brings them up to date`);
    if (v.none > 0) lines.push(`  ${v.none} rows have no vector: \`datus-schema embed\` embeds them`);
  }
  const embeddingFailures = opts.embeddingFailures ?? [];
  if (embeddingFailures.length > 0) {
    lines.push(`  ${embeddingFailures.length} tables could not be embedded (re-run to retry)${opts.details ? ":" : "; --details lists them"}`);
    if (opts.details) lines.push(...embeddingFailures.slice(0, DEFAULT_LACKING_CAP).map((f) => `    ${printable(f.identifier)}: ${oneLine(f.error)}`));
  }

  lines.push("", "Relationship sources:");
  lines.push(...indented(fig.relationshipSources.map((s) => `${printable(s.source)}: ${s.count}`)));
  const log = opts.queryLog;
  if (log !== undefined) {
    const listed = opts.details ? ":" : log.failed > 0 ? "; --details lists them" : "";
    lines.push(`Query log ${printable(log.path)}${log.at !== "" ? ` (${printable(log.at)})` : ""}: ${log.queries} queries, ${log.failed} not parsed${listed}`);
    lines.push(...log.warnings.map((w) => `  warning: ${printable(w)}`));
    if (opts.details) {
      lines.push(...log.unparsed.map((u) => `    ${oneLine(u.sql)}: ${oneLine(u.reason)}`));
      if (log.failed > log.unparsed.length) lines.push(`    ... and ${log.failed - log.unparsed.length} more`);
    }
  }
  lines.push("", `Top ${fig.topTagsRequested} business tags:`);
  lines.push(...indented(fig.topTags.map((t) => `${printable(t.tag)}: ${t.count}`)));

  const malformed = JSON_FIELDS.filter((f) => fig.malformedJson[f] > 0);
  if (malformed.length > 0) {
    lines.push("", "Malformed JSON (not valid JSON or not an object; counted as empty):");
    lines.push(...malformed.map((f) => `  ${f}: ${fig.malformedJson[f]}`));
  }
  if (fig.parseErrors > 0) lines.push("", `Rows with parse errors: ${fig.parseErrors}`);

  const failures = opts.parseFailures ?? [];
  if (!opts.details) {
    if (failures.length > 0) {
      lines.push("", `DDL parse failures: ${failures.length} (migrated with what could be read; --details lists them)`);
      lines.push(...indented(parseFailuresPerDialect(failures).map(({ dialect, count }) => `${printable(dialect)}: ${count}`)));
    }
    lines.push(...llmCauses(failures));
    return lines.join("\n");
  }

  lines.push("", "Tables lacking each field:");
  const lackingAny = COVERAGE_METRICS.filter(({ key }) => fig.metrics[key].filled < fig.total);
  if (lackingAny.length === 0) lines.push("  (none)");
  for (const { key, label } of lackingAny) {
    const { filled, lacking } = fig.metrics[key];
    const missing = fig.total - filled;
    lines.push(`  ${label} (${missing}):`, ...lacking.map((id) => `    ${printable(id)}`));
    if (missing > lacking.length) lines.push(`    ... and ${missing - lacking.length} more`);
  }

  lines.push("", `DDL parse failures: ${failures.length}`);
  const byDialect = new Map<string, ParseFailure[]>();
  for (const failure of failures) {
    const list = byDialect.get(failure.dialect);
    if (list === undefined) byDialect.set(failure.dialect, [failure]);
    else list.push(failure);
  }
  for (const [dialect, list] of [...byDialect].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    lines.push(`  ${printable(dialect)} (${list.length}):`);
    lines.push(...list.slice(0, DEFAULT_LACKING_CAP).map((f) => `    ${printable(f.identifier)}: ${oneLine(f.error)}${f.llm === undefined ? "" : `; LLM fallback: ${oneLine(f.llm)}`}`));
    if (list.length > DEFAULT_LACKING_CAP) lines.push(`    ... and ${list.length - DEFAULT_LACKING_CAP} more`);
  }
  lines.push(...llmCauses(failures));
  return lines.join("\n");
}

/**
 * Why the LLM fallback did not read the parse failures it was asked about, each reason once with how many
 * tables it held back (a wrong key fails them all the same way): at most three reasons, most frequent first.
 */
function llmCauses(failures: readonly ParseFailure[]): string[] {
  const reasons = llmFallbackReasons(failures);
  if (reasons.length === 0) return [];
  const asked = reasons.reduce((sum, r) => sum + r.tables, 0);
  return [
    "",
    `LLM fallback could not read ${asked} of them:`,
    ...reasons.slice(0, 3).map((r) => `  ${r.tables}: ${oneLine(r.reason)}`),
    ...(reasons.length > 3 ? [`  ... and ${reasons.length - 3} other reasons (--details lists them per table)`] : []),
  ];
}

/** Why the LLM fallback did not read the parse failures it was asked about: each reason with its tables, most first. */
export function llmFallbackReasons(failures: readonly ParseFailure[]): { reason: string; tables: number }[] {
  const counts = new Map<string, number>();
  for (const f of failures) if (f.llm !== undefined) counts.set(f.llm, (counts.get(f.llm) ?? 0) + 1);
  return [...counts].map(([reason, tables]) => ({ reason, tables })).sort((a, b) => b.tables - a.tables || (a.reason < b.reason ? -1 : 1));
}

/** Parse failures counted per dialect, most first (ties by name). */
export function parseFailuresPerDialect(failures: readonly ParseFailure[]): { dialect: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const f of failures) counts.set(f.dialect, (counts.get(f.dialect) ?? 0) + 1);
  return [...counts].map(([dialect, count]) => ({ dialect, count })).sort((a, b) => b.count - a.count || (a.dialect < b.dialect ? -1 : 1));
}

/** One rate as JSON: the `count/total (pct%)` of the text line. */
export interface RateJson {
  readonly count: number;
  readonly total: number;
  /** Percentage rounded to one decimal, as printed. */
  readonly pct: number;
}

/**
 * The `--json` document. Key names are stable; lists keep the printed order. Keys:
 * - `total_records`: rows in the store;
 * - `v1_records`: rows with metadata_version 1;
 * - `fields`: one rate per v1 field, keyed by column name, in report order;
 * - `relationship_sources`: `[{source, count}]`, tables per source, most first;
 * - `top_business_tags`: `{requested, tags: [{tag, count}]}`, tables per tag, most first;
 * - `malformed_json`: per JSON column, rows that are not valid JSON or not an object;
 * - `parse_errors`: rows carrying a parse error;
 * - `lacking`: per metric key (`v1_records` and the fields), `{count, identifiers}`: how many rows lack it and the
 *   first of them (as many as the counter kept).
 */
export interface CoverageJson {
  readonly total_records: number;
  readonly v1_records: RateJson;
  readonly fields: Readonly<Record<Exclude<MetricKey, "v1_records">, RateJson>>;
  readonly relationship_sources: readonly { readonly source: string; readonly count: number }[];
  readonly top_business_tags: {
    readonly requested: number;
    readonly tags: readonly { readonly tag: string; readonly count: number }[];
  };
  readonly malformed_json: Readonly<Record<JsonField, number>>;
  readonly parse_errors: number;
  readonly lacking: Readonly<Record<MetricKey, { readonly count: number; readonly identifiers: readonly string[] }>>;
}

export function reportJson(fig: CoverageFigures): CoverageJson {
  const rate = (key: MetricKey): RateJson => {
    const { filled } = fig.metrics[key];
    return { count: filled, total: fig.total, pct: Math.round(percent(filled, fig.total) * 10) / 10 };
  };
  const fieldKeys = METRIC_KEYS.filter((k): k is Exclude<MetricKey, "v1_records"> => k !== "v1_records");
  return {
    total_records: fig.total,
    v1_records: rate("v1_records"),
    fields: perKey(fieldKeys, rate),
    relationship_sources: fig.relationshipSources,
    top_business_tags: { requested: fig.topTagsRequested, tags: fig.topTags },
    malformed_json: fig.malformedJson,
    parse_errors: fig.parseErrors,
    lacking: perKey(METRIC_KEYS, (key) => ({
      count: fig.total - fig.metrics[key].filled,
      identifiers: fig.metrics[key].lacking,
    })),
  };
}

function percent(count: number, total: number): number {
  return total === 0 ? 0 : (count / total) * 100;
}

function bar(count: number, total: number): string {
  const full = Math.round((percent(count, total) / 100) * BAR_WIDTH);
  return "█".repeat(full) + "░".repeat(BAR_WIDTH - full);
}

function indented(lines: readonly string[]): string[] {
  return lines.length === 0 ? ["  (none)"] : lines.map((l) => `  ${l}`);
}

function oneLine(text: string): string {
  return printable(text.replace(/\s*\n\s*/g, " ").trim());
}
