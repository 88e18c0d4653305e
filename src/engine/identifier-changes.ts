/**
 * Identifiers a migration changes, said out loud. A v1 row's identifier is the canonical key of its name
 * columns (CONTRACT §3), so a v0 row whose stored identifier is not that key gets a new one:
 * - `normalised`: the old tool's formats (python-reference §1.7: `.shop..orders.table`, `cat.db..t`) name the
 *   same parts; the new key is the same table written canonically. Expected, and counted.
 * - `rekeyed`: the stored identifier names parts the name columns lack (`shop.orders` in a row whose
 *   database_name is empty becomes `orders`), or other parts. The agent and anything keyed on the old
 *   identifier will not find it under the old name, and two tables can end up on one key: a warning the first
 *   time, a count and examples in the summary.
 * A pipeline stage (main thread) that only looks: rows pass through unchanged.
 */
import { printable } from "../printable.js";
import { type EnrichResult, identifiersOf } from "./enrich-batch.js";
import type { ResultStage } from "./pipeline.js";
import type { Progress } from "./progress.js";

export interface IdentifierChanges {
  normalised: number;
  rekeyed: number;
  /** The first changes of each kind, `from -> to`. */
  readonly examples: { readonly kind: "normalised" | "rekeyed"; readonly from: string; readonly to: string }[];
}

const EXAMPLES_PER_KIND = 3;
const TABLE_TYPES = new Set(["table", "view", "mv"]);

export function noIdentifierChanges(): IdentifierChanges {
  return { normalised: 0, rekeyed: 0, examples: [] };
}

/** The non-empty name parts an identifier spells, the old five-slot format's trailing table type left out. */
function parts(identifier: string): string[] {
  const slots = identifier.split(".");
  if (slots.length === 5 && TABLE_TYPES.has(slots[4].toLowerCase())) slots.pop();
  return slots.filter((p) => p !== "");
}

/** How `from` (stored) relates to `to` (the v1 key of the same row's name columns). */
export function identifierChange(from: string, to: string): "same" | "normalised" | "rekeyed" {
  if (from === to) return "same";
  const a = parts(from);
  const b = parts(to);
  return a.length === b.length && a.every((p, i) => p === b[i]) ? "normalised" : "rekeyed";
}

export function identifierChangeStage(changes: IdentifierChanges, progress: Progress): ResultStage {
  return (result: EnrichResult): EnrichResult => {
    identifiersOf(result).forEach((to, i) => {
      const from = result.sourceIdentifiers[i];
      const kind = identifierChange(from, to);
      if (kind === "same") return;
      changes[kind]++;
      if (changes.examples.filter((e) => e.kind === kind).length < EXAMPLES_PER_KIND) changes.examples.push({ kind, from, to });
      if (kind === "rekeyed" && changes.rekeyed === 1) {
        progress.warn(
          `identifier ${printable(from)} becomes ${printable(to)}: the v1 key is made of the row's name columns ` +
            `(catalog_name, database_name, schema_name, table_name), and they do not spell the stored identifier; ` +
            `every such row is counted in the summary (fill the name columns of the v0 rows to keep their keys)`,
        );
      }
    });
    return result;
  };
}
