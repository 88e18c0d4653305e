/**
 * Foreign keys guessed from names, against the whole catalog (the `CatalogIndex`), for tables that declare
 * none. Each column is read once and looked up in hash maps, so a table costs O(columns).
 *
 * A column becomes an edge when a rule names another table and that table has a single-column key to point at:
 * | rule | example | score |
 * | --- | --- | --- |
 * | same name as another table's key | `emp_no` -> employees.emp_no, `CustomerId` -> Customer.CustomerId | 0.9 (0.6 when several tables have that key) |
 * |  (a name without key suffix only for a primary key: `email` is unique in users, but not a reference) | | |
 * | entity + key suffix | `customer_id`, `MediaTypeId`, `o_orderkey` (prefix `o` dropped), `manager_staff_id` (role dropped) | 0.85, 0.8 with words dropped |
 * | entity without the target's module prefix | `order_id` -> oms_order | 0.7 |
 * | key stem after a short prefix | `o_custkey` -> customer.c_custkey, `ss_item_sk` -> item.i_item_sk | 0.75 |
 * | abbreviation of the target's first word | `cust_id` -> customer | 0.65 (0.5 for a compound target) |
 * | contraction of it (same scope only) | `dept_id` -> department, `acct_id` -> account | 0.55 (0.4 compound) |
 * | abbreviated words of a compound target (same scope only) | `cust_addr_id` -> customer_address | 0.6 |
 * | hierarchy | `parent_id`, `manager_id`, `reports_to` in a person table -> own key | 0.8 |
 * | a person's role, no table of that name | `manager_id`, `support_rep_id`, `created_by` -> the one person table (employee, staff, user ...) | 0.6 |
 * Table names are read without layer prefixes (`ods_`, `dwd_`, `dim_`, `t_`, `tb_` ...) and in the singular.
 * Rules that agree on a target combine (1 - Π(1 - s)); the same database and schema are searched first, the
 * rest of the catalog only when they give nothing (scores × 0.9 in the same database, × 0.8 elsewhere).
 * A key the target only implies (implied-key.ts) scales the score by that key's confidence.
 * Ambiguity is never settled by name order: when the two best targets score within AMBIGUITY_MARGIN of each
 * other, the column gets no edge. Never an edge:
 * - from a view (it gets join paths, not foreign keys), or to a view or a temporary table;
 * - from a table's own key (declared or implied) to another table: a key is not a reference;
 * - between columns whose types cannot hold the same values (a varchar code to an integer id);
 * - from a table to itself, except through a hierarchy column.
 */
import type { RelationshipEdge } from "../model.js";
import { KEY, type CatalogIndex, type ColumnSlot, type TableRef, type TableSummary } from "./catalog-index.js";
import { TYPE_CLASS, typeClass, typesMatch, type TypeClass } from "./column-types.js";
import { columnShape, entityReadings, hierarchyOf, isGenericColumn, isPersonRole, isRoleWord, PERSON_ENTITIES, prefixedStem, tableEntity, type ColumnShape } from "./naming.js";

export const NAME_INFERENCE = "name_inference";
/** Two targets closer than this are ambiguous: the column gets no edge. */
export const AMBIGUITY_MARGIN = 0.1;
/** Lookups return at most this many hits; more means the name is too common to point anywhere. */
const LIMIT = 8;
const MAX_CONFIDENCE = 0.95;
/** Suffixes that must match the target key's suffix (a `country_code` points at a code, not an id). */
const STRICT_SUFFIXES = new Set(["code", "cd", "uuid", "guid", "num", "nbr"]);

interface Candidate {
  readonly table: TableRef;
  readonly slot: ColumnSlot;
  readonly scores: number[];
}

/** The table as inference sees it: own columns and keys, plus an inheritance parent's. */
interface Subject {
  readonly summary: TableSummary;
  readonly scope: number;
  /** The table itself in the index, or -1. */
  readonly self: TableRef;
  /** Tables that are this one (itself and its inheritance parent): never targets, except for hierarchies. */
  readonly selves: ReadonlySet<TableRef>;
  readonly columns: readonly string[];
  /** Lower-case names of the table's own single-column keys. */
  readonly ownKeys: ReadonlySet<string>;
  /** The column a hierarchy column points at, or undefined. */
  readonly hierarchyTarget: string | undefined;
  readonly entity: string;
  /** Lower-case column name -> what values it holds (own columns, then the parent's). */
  readonly types: ReadonlyMap<string, TypeClass>;
}

function subjectOf(table: TableSummary, index: CatalogIndex): Subject {
  const scope = index.scopeOf(table.databaseName, table.schemaName);
  const self = index.locate(table.databaseName, table.schemaName, table.tableName);
  const selves = new Set<TableRef>();
  if (self >= 0) selves.add(self);
  const columns = [...table.columns];
  const types = new Map<string, TypeClass>();
  // the summary's types as written, else (a summary rebuilt from the index) the index's
  table.columns.forEach((c, i) => {
    const written = typeClass(table.columnTypes?.[i] ?? "");
    const slot = written === TYPE_CLASS.unknown && self >= 0 ? index.findColumn(self, c) : -1;
    types.set(c.toLowerCase(), slot >= 0 ? index.typeClassAt(slot) : written);
  });
  const ownKeys = new Set<string>();
  let hierarchyTarget: string | undefined;
  if (table.primaryKey.length === 1) hierarchyTarget = table.primaryKey[0];
  else if (table.impliedKey !== undefined) hierarchyTarget = table.impliedKey;
  else if (table.primaryKey.length === 0) hierarchyTarget = table.uniqueKeys.find((k) => k.length === 1)?.[0];
  if (table.primaryKey.length === 1) ownKeys.add(table.primaryKey[0].toLowerCase());
  if (table.impliedKey !== undefined) ownKeys.add(table.impliedKey.toLowerCase());
  if (self >= 0 && table.primaryKey.length === 0) {
    // a key another row's ALTER statement declares for this table
    const key = index.soleKey(self);
    if (key >= 0 && (index.keyFlagsAt(key) & KEY.soleKey) !== 0) {
      ownKeys.clear();
      ownKeys.add(index.columnNameAt(key).toLowerCase());
      hierarchyTarget = index.columnNameAt(key);
    }
  }

  const parent = index.parentNamed(table.inherits, scope);
  if (parent >= 0) {
    selves.add(parent);
    const { start, count } = index.columnSlots(parent);
    const have = new Set(columns.map((c) => c.toLowerCase()));
    for (let s = start; s < start + count; s++) {
      const name = index.columnNameAt(s);
      if (!have.has(name.toLowerCase())) columns.push(name);
      if ((types.get(name.toLowerCase()) ?? TYPE_CLASS.unknown) === TYPE_CLASS.unknown) types.set(name.toLowerCase(), index.typeClassAt(s));
    }
    const key = index.soleKey(parent);
    if (key >= 0) {
      ownKeys.add(index.columnNameAt(key).toLowerCase());
      hierarchyTarget ??= index.columnNameAt(key);
    }
  }
  return { summary: table, scope, self, selves, columns, ownKeys, hierarchyTarget, entity: tableEntity(table.tableName), types };
}

/** The key of `target` a column points at: a key column of the same name, else the target's sole key. */
function targetKey(index: CatalogIndex, target: TableRef, column: string): ColumnSlot {
  const same = index.findColumn(target, column);
  if (index.isSingleKey(same)) return same;
  return index.soleKey(target);
}

function suffixPenalty(shape: ColumnShape, index: CatalogIndex, slot: ColumnSlot): number {
  if (shape.suffix === undefined || !STRICT_SUFFIXES.has(shape.suffix)) return 1;
  return columnShape(index.columnNameAt(slot)).suffix === shape.suffix ? 1 : 0.8;
}

function isCompound(index: CatalogIndex, t: TableRef): boolean {
  return tableEntity(index.tableName(t)).includes("_");
}

/** Collects the candidates of one column in one scope (a database + schema, or 0 for the whole catalog). */
function collect(subject: Subject, index: CatalogIndex, column: string, scope: number): Map<string, Candidate> {
  const candidates = new Map<string, Candidate>();
  const lower = column.toLowerCase();
  // a table's own key identifies its rows: it references nothing
  if (subject.ownKeys.has(lower)) return candidates;
  const shape = columnShape(column);
  const add = candidateAdder(subject, index, column, scope, candidates, (slot) => suffixPenalty(shape, index, slot));

  // another table's key of the same name; a unique column without a key suffix (email, username) only when it is the primary key
  if (!isGenericColumn(lower)) {
    const hits = index
      .keyColumnsNamed(lower, scope, LIMIT)
      .filter(([t, slot]) => !subject.selves.has(t) && (shape.suffix !== undefined || (index.keyFlagsAt(slot) & (KEY.soleKey | KEY.implied)) !== 0));
    if (hits.length <= LIMIT) for (const [t, slot] of hits) add(t, slot, hits.length === 1 ? 0.9 : 0.6);
  }
  // entity + key suffix, longest reading first; the first reading that names a table wins
  if (shape.suffix !== undefined) {
    for (const reading of entityReadings(shape)) {
      const before = candidates.size;
      const exact = index.tablesByEntity(reading.entity, scope, LIMIT);
      if (exact.length <= LIMIT) for (const t of exact) add(t, targetKey(index, t, column), reading.dropped === 0 ? 0.85 : 0.8);
      if (!shape.glued) {
        const modules = index.tablesByModuleEntity(reading.entity, scope, LIMIT);
        if (modules.length <= LIMIT) for (const t of modules) add(t, targetKey(index, t, column), reading.dropped === 0 ? 0.7 : 0.65);
      }
      // abbreviated compound names (cust_addr -> customer_address), only when no table has the name itself
      if (candidates.size === before && !shape.glued && !reading.singleWord) {
        const compound = index.tablesByWords(reading.entity.split("_"), scope, LIMIT);
        if (compound.length <= LIMIT) for (const t of compound) add(t, targetKey(index, t, column), reading.dropped > 0 ? 0.55 : 0.6);
      }
      // abbreviations only when no table has the name itself, and never of a role (support_rep is no report)
      if (candidates.size === before && !shape.glued && reading.singleWord && reading.entity.length >= 3 && !isRoleWord(reading.entity)) {
        const penalty = reading.dropped > 0 ? 0.05 : 0;
        const abbreviated = index.tablesByAbbreviation(reading.entity, scope, LIMIT);
        if (abbreviated.length <= LIMIT) for (const t of abbreviated) add(t, targetKey(index, t, column), (isCompound(index, t) ? 0.5 : 0.65) - penalty);
        if (abbreviated.length === 0) {
          const contracted = index.tablesByContraction(reading.entity, scope, LIMIT);
          if (contracted.length <= LIMIT) for (const t of contracted) add(t, targetKey(index, t, column), (isCompound(index, t) ? 0.4 : 0.55) - penalty);
        }
      }
      if (candidates.size > before) break;
    }
  }
  // TPC-H / TPC-DS: the same key stem behind a short prefix
  const stem = prefixedStem(column);
  if (stem !== undefined) {
    const hits = index.keyColumnsWithStem(stem, scope, LIMIT).filter(([t]) => !subject.selves.has(t));
    if (hits.length <= LIMIT) for (const [t, slot] of hits) add(t, slot, hits.length === 1 ? 0.75 : 0.5);
  }
  return candidates;
}

/**
 * The function that records a candidate of `column`: not the subject itself, not (from the whole catalog)
 * what its own scope holds, not a key whose type cannot hold the column's values; scaled by `factor` and by
 * how sure the target's key is.
 */
function candidateAdder(
  subject: Subject,
  index: CatalogIndex,
  column: string,
  scope: number,
  candidates: Map<string, Candidate>,
  factor: (slot: ColumnSlot) => number,
): (table: TableRef, slot: ColumnSlot, score: number) => void {
  const fromType = subject.types.get(column.toLowerCase()) ?? TYPE_CLASS.unknown;
  return (table, slot, score) => {
    if (slot < 0 || subject.selves.has(table)) return;
    // from the whole catalog, only what the subject's own scope does not hold
    if (scope === 0 && subject.scope !== 0 && index.tableScope(table) === subject.scope) return;
    if (!typesMatch(fromType, index.typeClassAt(slot))) return;
    const key = `${table}:${slot}`;
    let c = candidates.get(key);
    if (c === undefined) candidates.set(key, (c = { table, slot, scores: [] }));
    c.scores.push(score * factor(slot) * index.keyConfidenceAt(table, slot));
  };
}

/** `manager_id` outside a person table, `support_rep_id`, `created_by`: a person table of the same scope (or the catalog). */
function collectPerson(subject: Subject, index: CatalogIndex, column: string, scope: number): Map<string, Candidate> {
  const candidates = new Map<string, Candidate>();
  if (subject.ownKeys.has(column.toLowerCase())) return candidates;
  const add = candidateAdder(subject, index, column, scope, candidates, () => 1);
  for (const entity of PERSON_ENTITIES) {
    for (const t of [...index.tablesByEntity(entity, scope, LIMIT), ...index.tablesByModuleEntity(entity, scope, LIMIT)]) {
      add(t, index.soleKey(t), 0.6);
    }
  }
  return candidates;
}

function combined(scores: readonly number[]): number {
  let miss = 1;
  for (const s of scores) miss *= 1 - s;
  return Math.min(MAX_CONFIDENCE, 1 - miss);
}

/** The one target that stands out, with its confidence, or undefined when none does (ambiguous or empty). */
function pick(candidates: Map<string, Candidate>, index: CatalogIndex, subject: Subject, scope: number): { c: Candidate; confidence: number } | undefined {
  const scored = [...candidates.values()].map((c) => {
    let confidence = combined(c.scores);
    if (scope === 0) confidence *= index.sameDatabase(c.table, subject.summary.databaseName) ? 0.9 : 0.8;
    return { c, confidence };
  });
  if (scored.length === 0) return undefined;
  scored.sort((a, b) => b.confidence - a.confidence);
  if (scored.length > 1 && scored[0].confidence - scored[1].confidence < AMBIGUITY_MARGIN) return undefined;
  return scored[0];
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

/** The name-inferred foreign keys of one table (source `name_inference`), in column order. */
export function inferFromNames(table: TableSummary, index: CatalogIndex): RelationshipEdge[] {
  return inferTargets(table, index).map((t) => t.edge);
}

/** The name-inferred edges of one table, each with the table it points at (the self-edges of hierarchies too). */
export function inferTargets(table: TableSummary, index: CatalogIndex): { readonly edge: RelationshipEdge; readonly target: TableRef }[] {
  // a view's columns are a query's output: it gets join paths, never foreign keys
  if ((table.tableType ?? "table") !== "table") return [];
  const subject = subjectOf(table, index);
  const edges: { edge: RelationshipEdge; target: TableRef }[] = [];
  const seen = new Set<string>();
  for (const column of subject.columns) {
    const lower = column.toLowerCase();
    if (seen.has(lower)) continue;
    seen.add(lower);
    const hierarchy = hierarchyOf(column, table.tableName);
    if (hierarchy === "self") {
      const target = subject.hierarchyTarget;
      const typed = (c: string): TypeClass => subject.types.get(c.toLowerCase()) ?? TYPE_CLASS.unknown;
      if (target !== undefined && target.toLowerCase() !== lower && typesMatch(typed(column), typed(target))) {
        edges.push({ edge: { from_column: column, to_table: table.tableName, to_column: target, source: NAME_INFERENCE, confidence: 0.8 }, target: subject.self });
      }
      continue;
    }
    // a role (support_rep_id, created_by) that names no table of its own is a person's
    const role = hierarchy === undefined && isPersonRole(column);
    const search = (scope: number): Map<string, Candidate> => {
      if (hierarchy === "person") return collectPerson(subject, index, column, scope);
      const found = collect(subject, index, column, scope);
      return found.size === 0 && role ? collectPerson(subject, index, column, scope) : found;
    };
    let scope = subject.scope;
    let candidates = scope !== 0 ? search(scope) : new Map<string, Candidate>();
    if (candidates.size === 0) {
      scope = 0;
      candidates = search(0);
    }
    const best = pick(candidates, index, subject, scope);
    if (best === undefined) continue;
    edges.push({
      edge: {
        from_column: column,
        to_table: index.displayName(best.c.table, table.databaseName, table.schemaName),
        to_column: index.columnNameAt(best.c.slot),
        source: NAME_INFERENCE,
        confidence: round(best.confidence),
      },
      target: best.c.table,
    });
  }
  return edges;
}
