/**
 * The column equalities of one parsed query (node-sql-parser AST): `a.x = b.y` in JOIN ... ON and in WHERE,
 * `JOIN ... USING (x)`, and `x IN (SELECT y ...)`, in every SELECT of the statement (CTEs, derived tables,
 * subqueries, UNION branches). Aliases are resolved to the tables they name; a column the query leaves
 * unqualified keeps the list of tables it may belong to (innermost scope first), because which table has
 * which column is only known to the catalog. Columns of derived tables and CTEs are not catalog columns and
 * are left out.
 *
 * References are encoded as strings (see `encodeRef`), so that the evidence can count them in plain maps and
 * resolve them against the catalog later.
 */

type Obj = Readonly<Record<string, unknown>>;

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  // node-sql-parser 5 wraps some names: { type: "default", value } or { expr: { type: "default", value } }
  if (isObj(v)) return str(v.value) ?? str(v.expr);
  return undefined;
}

/** A table of a FROM clause: its name as written (lower-case, qualified as written) and its instance (alias). */
interface Item {
  readonly table: string;
  readonly instance: string;
}

/** Output columns of a derived table or CTE (`*` exposes everything). */
type Derived = ReadonlySet<string> | "all";

interface Scope {
  readonly parent: Scope | null;
  readonly items: Item[];
  readonly aliases: Map<string, Item | Derived>;
  readonly derived: Derived[];
  readonly ctes: Map<string, Derived>;
}

function newScope(parent: Scope | null): Scope {
  return { parent, items: [], aliases: new Map(), derived: [], ctes: new Map() };
}

/** Separators of the encoding; none can occur in a name node-sql-parser returns. */
const ITEM = "\u0001";
const LEVEL = "\u0002";
const COLUMN = "\u0003";
const PAIR = "\u0004";
const GROUP = "\u0005";
const INSTANCE = "@";

/** A column reference: the candidate tables, level by level (innermost first), and the column. */
export interface Ref {
  readonly levels: readonly (readonly Item[])[];
  readonly column: string;
}

export function encodeRef(ref: Ref): string {
  return ref.levels.map((l) => l.map((i) => `${i.table}${INSTANCE}${i.instance}`).join(ITEM)).join(LEVEL) + COLUMN + ref.column;
}

export function decodeRef(s: string): Ref {
  const at = s.lastIndexOf(COLUMN);
  const levels = s
    .slice(0, at)
    .split(LEVEL)
    .map((l) =>
      l.split(ITEM).map((i) => {
        const k = i.lastIndexOf(INSTANCE);
        return { table: i.slice(0, k), instance: i.slice(k + 1) };
      }),
    );
  return { levels, column: s.slice(at + 1) };
}

/** An equality as one string: its two references, in a fixed order. */
export function encodeEquality(a: string, b: string): string {
  return a < b ? a + PAIR + b : b + PAIR + a;
}

/**
 * The key an equality is counted under. Aliases are dropped (`o.customer_id = c.id` and
 * `o2.customer_id = c2.id` count once in one query), except between two instances of one table (a self-join),
 * whose two sides keep distinct instances.
 */
export function equalityKey(a: Ref, b: Ref): string {
  const tablesOf = (r: Ref): Set<string> => new Set(r.levels.flatMap((l) => l.map((i) => i.table)));
  const ta = tablesOf(a);
  const overlap = [...tablesOf(b)].some((t) => ta.has(t));
  if (!overlap) return encodeEquality(encodeRef(withoutAliases(a)), encodeRef(withoutAliases(b)));
  const single = (r: Ref): Item | undefined => (r.levels.length === 1 && r.levels[0].length === 1 ? r.levels[0][0] : undefined);
  const ia = single(a);
  const ib = single(b);
  if (ia === undefined || ib === undefined || ia.instance === ib.instance) return encodeEquality(encodeRef(a), encodeRef(b));
  // a self-join: name the instances by side, so the same self-join under other aliases counts as one
  const ea = encodeRef({ levels: [[{ table: ia.table, instance: "1" }]], column: a.column });
  const eb = encodeRef({ levels: [[{ table: ib.table, instance: "2" }]], column: b.column });
  const ea2 = encodeRef({ levels: [[{ table: ia.table, instance: "2" }]], column: a.column });
  const eb2 = encodeRef({ levels: [[{ table: ib.table, instance: "1" }]], column: b.column });
  const first = encodeEquality(ea, eb);
  const second = encodeEquality(ea2, eb2);
  return first < second ? first : second;
}

function withoutAliases(r: Ref): Ref {
  return { levels: r.levels.map((l) => l.map((i) => ({ table: i.table, instance: i.table }))), column: r.column };
}

export function decodeEquality(s: string): [string, string] {
  const i = s.indexOf(PAIR);
  return [s.slice(0, i), s.slice(i + 1)];
}

export function encodeGroup(equalities: readonly string[]): string {
  return [...equalities].sort().join(GROUP);
}

export function decodeGroup(s: string): string[] {
  return s.split(GROUP);
}

export interface QueryJoins {
  /** Every equality of the statement, once. */
  readonly equalities: Set<string>;
  /** Equalities ANDed in one condition (candidates for composite joins), two or more each. */
  readonly groups: Set<string>;
}

function lower(s: string): string {
  return s.toLowerCase();
}

function isSelect(v: unknown): v is Obj {
  return isObj(v) && v.type === "select";
}

/** A subquery node: `{ ast: select }` (node-sql-parser's wrapper) or a bare select. */
function subquery(v: unknown): Obj | undefined {
  if (isSelect(v)) return v;
  if (isObj(v) && isSelect(v.ast)) return v.ast;
  return undefined;
}

class Extractor {
  readonly equalities = new Set<string>();
  readonly groups = new Set<string>();

  statement(node: unknown, parent: Scope | null): void {
    if (Array.isArray(node)) {
      for (const n of node) this.statement(n, parent);
      return;
    }
    const sub = subquery(node);
    if (sub !== undefined) {
      this.select(sub, parent);
      return;
    }
    // INSERT ... SELECT, CREATE TABLE ... AS SELECT, ...: look for SELECTs inside
    if (isObj(node)) for (const v of Object.values(node)) if (typeof v === "object" && v !== null) this.statement(v, parent);
  }

  /** Walks one SELECT (and its UNION siblings); returns the references of its output columns. */
  select(sel: Obj, parent: Scope | null): (Ref | null)[] {
    const scope = newScope(parent);
    for (const cte of Array.isArray(sel.with) ? sel.with : []) {
      if (!isObj(cte)) continue;
      const name = str(cte.name);
      const body = subquery(cte.stmt);
      if (name === undefined || body === undefined) continue;
      this.select(body, scope);
      scope.ctes.set(lower(name), outputColumns(body));
    }
    const from = flattenFrom(Array.isArray(sel.from) ? sel.from : []);
    for (const f of from) {
      if (!isObj(f)) continue;
      const derived = subquery(f.expr);
      if (derived !== undefined) {
        this.select(derived, scope);
        const cols = outputColumns(derived);
        scope.derived.push(cols);
        const alias = str(f.as);
        if (alias !== undefined) scope.aliases.set(lower(alias), cols);
        continue;
      }
      const table = str(f.table);
      if (table === undefined) continue;
      const qualifiers = [str(f.db), str(f.schema)].filter((q): q is string => q !== undefined && q !== "");
      const alias = lower(str(f.as) ?? table);
      const cte = qualifiers.length === 0 ? lookupCte(scope, lower(table)) : undefined;
      if (cte !== undefined) {
        scope.derived.push(cte);
        scope.aliases.set(alias, cte);
        continue;
      }
      const item: Item = { table: lower([...qualifiers, table].join(".")), instance: alias };
      scope.items.push(item);
      scope.aliases.set(alias, item);
      if (!scope.aliases.has(lower(table))) scope.aliases.set(lower(table), item);
    }
    // ON and USING, once every FROM item is known
    from.forEach((f, i) => {
      if (!isObj(f)) return;
      if (f.on !== undefined && f.on !== null) this.condition(f.on, scope);
      const using = Array.isArray(f.using) ? f.using : [];
      const joined = scope.aliases.get(lower(str(f.as) ?? str(f.table) ?? ""));
      if (using.length === 0 || joined === undefined || !isItem(joined)) return;
      const before = from
        .slice(0, i)
        .map((g) => (isObj(g) ? scope.aliases.get(lower(str(g.as) ?? str(g.table) ?? "")) : undefined))
        .filter(isItem);
      const pairs: string[] = [];
      for (const u of using) {
        const column = str(u);
        if (column === undefined || before.length === 0) continue;
        pairs.push(equalityKey({ levels: [before], column: lower(column) }, { levels: [[joined]], column: lower(column) }));
      }
      this.record(pairs);
    });
    if (sel.where !== undefined && sel.where !== null) this.condition(sel.where, scope);
    // subqueries elsewhere (select list, HAVING, ORDER BY): their own joins count, correlated to this scope
    for (const key of ["columns", "having", "orderby", "groupby"]) this.nested(sel[key], scope);
    if (isSelect(sel._next)) this.select(sel._next, parent);
    return (Array.isArray(sel.columns) ? sel.columns : []).map((c) => (isObj(c) && isColumnRef(c.expr) ? this.ref(c.expr, scope) : null));
  }

  /** A WHERE / ON condition: all its equalities, and its top-level AND terms as a group. */
  private condition(expr: unknown, scope: Scope): void {
    const top: string[] = [];
    for (const term of conjuncts(expr)) {
      const eq = this.equality(term, scope);
      if (eq !== undefined) top.push(eq);
    }
    this.record(top);
    this.nested(expr, scope);
  }

  private record(equalities: readonly string[]): void {
    for (const e of equalities) this.equalities.add(e);
    const distinct = [...new Set(equalities)];
    if (distinct.length >= 2) this.groups.add(encodeGroup(distinct));
  }

  /** Equalities and subqueries anywhere below `node`. */
  private nested(node: unknown, scope: Scope): void {
    if (Array.isArray(node)) {
      for (const n of node) this.nested(n, scope);
      return;
    }
    if (!isObj(node)) return;
    const sub = subquery(node);
    if (sub !== undefined) {
      this.select(sub, scope);
      return;
    }
    const eq = this.equality(node, scope);
    if (eq !== undefined) this.equalities.add(eq);
    if (node.type === "binary_expr" && lower(String(node.operator)) === "in" && isColumnRef(node.left)) {
      this.inSubquery(node.left, node.right, scope);
      return;
    }
    for (const v of Object.values(node)) if (typeof v === "object" && v !== null) this.nested(v, scope);
  }

  /** `x IN (SELECT y FROM ...)`: a semi-join x = y. */
  private inSubquery(left: Obj, right: unknown, scope: Scope): void {
    const list = isObj(right) && Array.isArray(right.value) ? right.value : [right];
    const sub = list.length === 1 ? subquery(list[0]) : undefined;
    if (sub === undefined) {
      this.nested(right, scope);
      return;
    }
    const outputs = this.select(sub, scope);
    const l = this.ref(left, scope);
    const r = outputs.length === 1 ? outputs[0] : null;
    if (l !== null && r !== null) this.equalities.add(equalityKey(l, r));
  }

  private equality(node: unknown, scope: Scope): string | undefined {
    if (!isObj(node) || node.type !== "binary_expr" || node.operator !== "=") return undefined;
    if (!isColumnRef(node.left) || !isColumnRef(node.right)) return undefined;
    const a = this.ref(node.left, scope);
    const b = this.ref(node.right, scope);
    if (a === null || b === null) return undefined;
    return equalityKey(a, b);
  }

  /** The tables a column reference may belong to, or null (a derived table's column, `*`). */
  private ref(node: Obj, scope: Scope): Ref | null {
    const column = str(node.column);
    if (column === undefined || column === "*") return null;
    const col = lower(column);
    const qualifier = str(node.table);
    if (qualifier !== undefined && qualifier !== "") {
      const q = lower(qualifier);
      for (let s: Scope | null = scope; s !== null; s = s.parent) {
        const hit = s.aliases.get(q);
        if (hit === undefined) continue;
        return isItem(hit) ? { levels: [[hit]], column: col } : null;
      }
      const qualified = lower([str(node.db), str(node.schema), qualifier].filter((p) => p !== undefined && p !== "").join("."));
      return { levels: [[{ table: qualified, instance: q }]], column: col };
    }
    const levels: Item[][] = [];
    for (let s: Scope | null = scope; s !== null; s = s.parent) {
      // a derived table of this level that exposes the column most likely owns it
      if (s.derived.some((d) => d === "all" || d.has(col))) return levels.length > 0 ? { levels, column: col } : null;
      if (s.items.length > 0) levels.push(s.items);
    }
    return levels.length > 0 ? { levels, column: col } : null;
  }
}

function isItem(v: Item | Derived | undefined): v is Item {
  return typeof v === "object" && v !== null && "instance" in v;
}

function isColumnRef(v: unknown): v is Obj {
  return isObj(v) && v.type === "column_ref";
}

function lookupCte(scope: Scope, name: string): Derived | undefined {
  for (let s: Scope | null = scope; s !== null; s = s.parent) {
    const cte = s.ctes.get(name);
    if (cte !== undefined) return cte;
  }
  return undefined;
}

/** The output column names of a SELECT (`*` anywhere: all). */
function outputColumns(sel: Obj): Derived {
  const out = new Set<string>();
  if (!Array.isArray(sel.columns)) return "all";
  for (const c of sel.columns) {
    if (!isObj(c)) continue;
    const alias = str(c.as);
    if (alias !== undefined) {
      out.add(lower(alias));
      continue;
    }
    if (!isColumnRef(c.expr)) continue;
    const name = str(c.expr.column);
    if (name === "*") return "all";
    if (name !== undefined) out.add(lower(name));
  }
  return out;
}

/** The terms of a top-level AND chain. */
function conjuncts(expr: unknown): unknown[] {
  if (isObj(expr) && expr.type === "binary_expr" && lower(String(expr.operator)) === "and") return [...conjuncts(expr.left), ...conjuncts(expr.right)];
  return [expr];
}

/**
 * FROM items with parenthesized join groups opened up: pg_dump writes a view's joins as
 * `FROM (((a JOIN b ON ...) JOIN c ON ...))`, which the parser nests as `{ expr: { type: "tables", expr: [...] } }`.
 * A group's own ON (a group joined to what precedes it) is kept as an item without a table.
 */
function flattenFrom(items: readonly unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const f of items) {
    const group = isObj(f) && isObj(f.expr) && f.expr.type === "tables" && Array.isArray(f.expr.expr) ? f.expr.expr : undefined;
    if (group === undefined) {
      out.push(f);
      continue;
    }
    out.push(...flattenFrom(group));
    if (isObj(f) && f.on !== undefined && f.on !== null) out.push({ on: f.on });
  }
  return out;
}

/** The equalities of one parsed statement (or list of statements). */
export function extractJoins(ast: unknown): QueryJoins {
  const x = new Extractor();
  x.statement(ast, null);
  return { equalities: x.equalities, groups: x.groups };
}
