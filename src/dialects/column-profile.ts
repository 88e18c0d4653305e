/**
 * What every engine's statistics share beyond their SQL: the sampling rule's decisions (count or estimate, read
 * whole or sample), which columns get top values, the personal-data screen that withholds them, and the
 * provenance written beside the figures. The engines' `<name>-statistics.ts` run the queries; this module
 * decides and assembles. Values read here go into the row only, never into a message.
 */
import type { ColumnStatistics, FigureMethod, RowCountMethod, SamplingMethod, StatisticsProvenance, TopValue } from "../model.js";

/** The part of a namespace's sampling rule the statistics readers use (see `SamplingRule` in load-config.ts). */
export interface ProfileRule {
  /** `sample_rows`: column figures and relationship checks read at most about this many rows of a table (0: no column statistics). */
  readonly sampleRows: number;
  /** `exact_count_max_rows`: a table the catalog estimates larger is not counted; row_count is the estimate (0: always count). */
  readonly exactCountMaxRows: number;
  /** `top_values`: columns with at most this many distinct values get every value with its frequency (0: none). */
  readonly topValues: number;
  /** `allow_pii_values`: top values are kept for columns that look like personal data too. */
  readonly allowPiiValues: boolean;
}

/** The rule when the namespace sets none of its keys. */
export const DEFAULT_SAMPLING: ProfileRule = Object.freeze({ sampleRows: 10_000, exactCountMaxRows: 10_000_000, topValues: 20, allowPiiValues: false });

/** Longest value text kept in top_values. */
export const MAX_VALUE_TEXT = 200;

/** Significant digits kept of a mean or std: float sums differ in the last bits from run to run and engine to engine. */
const FIGURE_DIGITS = 12;

/** A mean or std rounded to {@link FIGURE_DIGITS} significant digits, so the same data gives the same figures. */
export function roundFigure(v: number | null): number | null {
  return v === null ? null : Number(v.toPrecision(FIGURE_DIGITS));
}

/** Whether to `count(*)` a table whose catalog estimate is `estimate` (null: no estimate, always count). */
export function countExactly(estimate: number | null, rule: ProfileRule): boolean {
  return rule.exactCountMaxRows === 0 || estimate === null || estimate <= rule.exactCountMaxRows;
}

/** Column figures: none, every row, or a sample of about `rule.sampleRows` rows. */
export type ReadPlan = { readonly read: "none" } | { readonly read: "all" } | { readonly read: "sample"; readonly rows: number; readonly fraction: number };

export function readPlan(rowCount: number, rule: ProfileRule): ReadPlan {
  const sample = Number.isFinite(rule.sampleRows) ? Math.max(0, Math.floor(rule.sampleRows)) : 0;
  if (sample === 0 || rowCount <= 0) return { read: "none" };
  if (rowCount <= sample) return { read: "all" };
  return { read: "sample", rows: sample, fraction: Math.min(1, sample / rowCount) };
}

/** The provenance of a table's figures, as stored under `_provenance` of sample_statistics. */
export function provenanceOf(
  rowCountMethod: RowCountMethod,
  estimate: number | null,
  plan: ReadPlan,
  sampling: SamplingMethod,
  rule: ProfileRule,
): StatisticsProvenance {
  const columns: FigureMethod = plan.read === "sample" ? "sampled" : "exact";
  return {
    row_count: rowCountMethod,
    ...(estimate === null ? {} : { row_count_estimate: estimate }),
    columns,
    ...(plan.read === "sample" ? { sampling } : {}),
    sample_rows: rule.sampleRows,
  };
}

/** The per-column provenance keys: `method`, and `sampling` when sampled. */
export function columnMethod(plan: ReadPlan, sampling: SamplingMethod): Pick<ColumnStatistics, "method" | "sampling"> {
  return plan.read === "sample" ? { method: "sampled", sampling } : { method: "exact" };
}

/**
 * Column names that hold personal data: e-mail, phone, person names, addresses, birth dates, identity, tax,
 * passport, card and account numbers, IP addresses, secrets. Matched on the name split into words
 * (`customer_email`, `FirstName`, `phoneNumber` all count); `name` alone does not (a category's name is not).
 */
const PERSONAL_WORDS: readonly RegExp[] = [
  /\b(e ?mail|email address|mail address)\b/,
  /\b(phone|telephone|mobile|cell ?phone|fax|msisdn)\b/,
  /\b(first|last|middle|given|family|full|maiden|nick|user|display|contact|customer|person|sur) ?names?\b/,
  /\b(surname|forename|username|login)\b/,
  /\b(address|street|addr|postal ?code|zip ?code|zip|postcode)\b/,
  /\b(birth ?date|date of birth|dob|birthday|birth)\b/,
  /\b(ssn|social security|national (id|number)|id (card|number)|identity|passport|driver ?licen[cs]e|tax ?(id|number)|tin|nin|vat ?number)\b/,
  /\b(iban|account number|card number|credit card|cc number|pan|cvv)\b/,
  /\b(ip|ip address|mac address)\b/,
  /\b(password|passwd|secret|token|salt|hash)\b/,
];

/** The column name as lower-case words: `customerEmail` -> `customer email`, `first_name` -> `first name`. */
function words(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/[^A-Za-z0-9]+/g, " ")
    .trim()
    .toLowerCase();
}

export function looksPersonalByName(column: string): boolean {
  const w = words(column);
  return PERSONAL_WORDS.some((re) => re.test(w));
}

const PERSONAL_SHAPES: readonly RegExp[] = [
  /^[^\s@]+@[^\s@]+\.[^\s@]+$/, // e-mail
  /^\+?[\d\s().-]{7,20}$/, // phone (7+ digits checked below)
  /^\d{3}-\d{2}-\d{4}$/, // US SSN
  /^[A-Z]{2}\d{2}[A-Z0-9 ]{10,30}$/, // IBAN
  /^(\d{1,3}\.){3}\d{1,3}$/, // IPv4
];

function looksPersonalValue(value: string): boolean {
  const v = value.trim();
  if (v === "") return false;
  for (const re of PERSONAL_SHAPES) {
    if (!re.test(v)) continue;
    // a phone has 7 to 15 digits and some punctuation or a plus; a bare 7+ digit number is read as one too
    if (re === PERSONAL_SHAPES[1]) {
      const digits = v.replace(/\D/g, "").length;
      if (digits < 7 || digits > 15) continue;
    }
    return true;
  }
  // card numbers: 13 to 19 digits, spaces or dashes allowed
  return /^(\d[ -]?){12,18}\d$/.test(v);
}

/** Whether a column's values look like personal data: a quarter or more of them (by count) have a personal shape. */
export function looksPersonalByValues(values: readonly TopValue[]): boolean {
  const total = values.reduce((s, v) => s + v.count, 0);
  if (total === 0) return false;
  const personal = values.filter((v) => looksPersonalValue(v.value)).reduce((s, v) => s + v.count, 0);
  return personal / total >= 0.25;
}

/** The columns (indexes into `columns`) that get a top-values query: few distinct values, not personal by name unless allowed. */
export function topValueCandidates(columns: readonly { readonly name: string; readonly distinct: number | null | undefined; readonly eligible: boolean }[], rule: ProfileRule): number[] {
  if (rule.topValues <= 0) return [];
  const out: number[] = [];
  columns.forEach((c, i) => {
    if (!c.eligible || c.distinct === null || c.distinct === undefined || c.distinct <= 0 || c.distinct > rule.topValues) return;
    if (!rule.allowPiiValues && looksPersonalByName(c.name)) return;
    out.push(i);
  });
  return out;
}

/** One row of a top-values query: the column's index, the value as text, its count. */
export interface TopValueRow {
  readonly column: number;
  readonly value: string;
  readonly count: number;
}

/**
 * `columns` with `top_values` added to each candidate (most frequent first, then by value), or
 * `top_values_withheld: "personal_data"` when its values look personal and the rule does not allow them.
 * `nonNull` gives each candidate's non-null rows read (the denominator of `fraction`).
 */
export function withTopValues(
  columns: Record<string, ColumnStatistics>,
  names: readonly string[],
  rows: readonly TopValueRow[],
  nonNull: (index: number) => number,
  rule: ProfileRule,
): Record<string, ColumnStatistics> {
  const byColumn = new Map<number, TopValue[]>();
  for (const r of rows) {
    const list = byColumn.get(r.column) ?? [];
    const total = nonNull(r.column);
    list.push({ value: r.value.slice(0, MAX_VALUE_TEXT), count: r.count, fraction: total > 0 ? Number((r.count / total).toPrecision(6)) : 0 });
    byColumn.set(r.column, list);
  }
  const out = { ...columns };
  for (const [i, list] of byColumn) {
    const name = names[i];
    if (out[name] === undefined) continue;
    list.sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
    if (!rule.allowPiiValues && looksPersonalByValues(list)) out[name] = { ...out[name], top_values_withheld: "personal_data" };
    else out[name] = { ...out[name], top_values: list };
  }
  return out;
}

/** A number cell (drivers return bigint and numeric as strings) as a finite number, null otherwise. */
export function cellNumber(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const n = typeof value === "number" ? value : typeof value === "bigint" ? Number(value) : Number(value);
  return Number.isFinite(n) ? n : null;
}

/** A text cell (Buffers from mysql2 included) as a string, null otherwise. */
export function cellText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return value.toString("utf8");
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

/**
 * The read plan a dry run shows (`planStatistics`): the catalog's estimate stands for the row count the real
 * run would count. Without an estimate the table is shown read whole, as the real run reads any table of at
 * most `sampleRows` rows; a larger one is sampled instead.
 */
export function plannedRead(estimate: number | null, rule: ProfileRule): ReadPlan {
  if (estimate !== null) return readPlan(estimate, rule);
  return readPlan(1, rule);
}

/** The columns (indexes) that may get a top-values query: those {@link topValueCandidates} keeps when few distinct values are found. */
export function possibleTopValueCandidates(columns: readonly { readonly name: string; readonly eligible: boolean }[], rule: ProfileRule): number[] {
  return topValueCandidates(columns.map((c) => ({ ...c, distinct: 1 })), rule);
}

/** The purpose of the per-column statement of a plan, in words. */
export function statisticsPurpose(plan: ReadPlan, estimate: number | null, sampling: SamplingMethod, sampleRows: number): string {
  const unknown = estimate === null ? ` (no catalog estimate: read whole when the count finds at most ${sampleRows} rows, else sampled)` : "";
  if (plan.read === "sample") return `column figures over a ${sampling.replace("_", " ")} sample of about ${plan.rows} rows`;
  return `column figures over every row${unknown}`;
}

/** The purpose of the top-values statement of a plan, in words. */
export function topValuesPurpose(columns: readonly string[], rule: ProfileRule): string {
  return `top values of ${columns.length} column(s) over the same rows, run only for those found with at most ${rule.topValues} distinct values`;
}
