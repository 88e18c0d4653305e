/**
 * column_enums checked against the data: a column whose comment lists its codes (`0=new, 1=paid`) and whose
 * statistics list every value seen (`top_values`) gets each documented code seen in the data marked
 * `"observed": true`, and each code seen in the data but missing from the comment appended as
 * `{"value", "label": "", "undocumented": true, "observed": true}`. Codes the comment lists but the data
 * lacks are left as they are (a sample can miss a rare code). Columns without documented codes are not
 * given enums from data alone: their values are in sample_statistics' `top_values`.
 */
import type { ColumnStatistics, EnumValue } from "../model.js";
import { PROVENANCE_KEY } from "../model.js";

/** An entry of column_enums as this step writes it: CONTRACT §3's `value`/`label` plus two keys. */
export interface ObservedEnumValue extends EnumValue {
  /** The code occurs in the rows the statistics read. */
  readonly observed?: true;
  /** The code occurs in the data but not in the column comment. */
  readonly undocumented?: true;
}

function sameCode(a: string, b: string): boolean {
  const x = a.trim();
  const y = b.trim();
  if (x === y) return true;
  // `1` in a comment is the data's `1.0` or `01` of a numeric column
  const nx = Number(x);
  const ny = Number(y);
  return x !== "" && y !== "" && Number.isFinite(nx) && Number.isFinite(ny) && nx === ny;
}

/**
 * The column_enums JSON with the data's codes merged in (see the module comment); the input unchanged when
 * nothing applies or when either JSON does not parse.
 */
export function mergeObservedEnums(columnEnumsJson: string, statistics: Readonly<Record<string, ColumnStatistics>>): string {
  let enums: Record<string, ObservedEnumValue[]>;
  try {
    const parsed = JSON.parse(columnEnumsJson) as unknown;
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return columnEnumsJson;
    enums = parsed as Record<string, ObservedEnumValue[]>;
  } catch {
    return columnEnumsJson;
  }
  let changed = false;
  const out: Record<string, ObservedEnumValue[]> = {};
  for (const [column, documented] of Object.entries(enums)) {
    const stats = column === PROVENANCE_KEY ? undefined : statistics[column];
    if (!Array.isArray(documented) || documented.length === 0 || stats?.top_values === undefined) {
      out[column] = documented;
      continue;
    }
    const seen = stats.top_values;
    const merged: ObservedEnumValue[] = documented.map((e) => (seen.some((v) => sameCode(v.value, e.value)) ? { ...e, observed: true } : e));
    for (const v of seen) {
      if (!documented.some((e) => sameCode(v.value, e.value))) merged.push({ value: v.value, label: "", observed: true, undocumented: true });
    }
    out[column] = merged;
    changed = true;
  }
  return changed ? JSON.stringify(out) : columnEnumsJson;
}
