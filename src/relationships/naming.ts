/**
 * How table and column names are read for relationship inference: words, singular forms, warehouse
 * layer and module prefixes, key suffixes, hierarchy columns. Pure string functions; no catalog.
 */

/** Names whose words were split already: a catalog repeats its column names (`customer_id`) thousands of times. */
const splitWords = new Map<string, readonly string[]>();
const SPLIT_WORDS_KEPT = 100_000;

/** The words of an identifier, lower-cased: `MediaTypeId` and `media_type_id` both give media, type, id. Shared: never change the array. */
export function words(name: string): readonly string[] {
  const known = splitWords.get(name);
  if (known !== undefined) return known;
  const out: string[] = [];
  for (const part of name.split(/[^A-Za-z0-9]+/)) {
    for (const w of part.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+/g) ?? []) out.push(w.toLowerCase());
  }
  if (splitWords.size >= SPLIT_WORDS_KEPT) splitWords.clear();
  splitWords.set(name, out);
  return out;
}

const IRREGULAR: Readonly<Record<string, string>> = { people: "person", children: "child", men: "man", women: "woman", data: "data", news: "news" };

/** A plural noun's singular (customers, categories, addresses, boxes -> customer, category, address, box). */
export function singular(word: string): string {
  const irregular = IRREGULAR[word];
  if (irregular !== undefined) return irregular;
  if (word.length <= 3) return word;
  if (word.endsWith("ies")) return `${word.slice(0, -3)}y`;
  if (/(?:ss|us|is)$/.test(word)) return word;
  if (/(?:sses|xes|zes|ches|shes)$/.test(word)) return word.slice(0, -2);
  if (word.endsWith("s")) return word.slice(0, -1);
  return word;
}

/** Warehouse layer prefixes (`dwd_orders`) and naming-convention prefixes (`t_user`, `tb_user`): not part of the entity. */
const LAYER_PREFIXES = new Set(["ods", "dwd", "dws", "dwm", "dwt", "dim", "ads", "fact", "fct", "stg", "src", "t", "tb", "tbl"]);
/** Suffixes that mark a dimension or a table, not the entity (`date_dim` is the date entity). */
const TABLE_SUFFIXES = new Set(["dim", "tbl", "table"]);

function joinSingular(ws: readonly string[]): string {
  if (ws.length === 0) return "";
  return [...ws.slice(0, -1), singular(ws[ws.length - 1])].join("_");
}

/** The words that name a table's entity: layer prefix and table suffix dropped. */
function entityWords(tableName: string): readonly string[] {
  let ws = words(tableName);
  if (ws.length > 1 && LAYER_PREFIXES.has(ws[0])) ws = ws.slice(1);
  if (ws.length > 1 && TABLE_SUFFIXES.has(ws[ws.length - 1])) ws = ws.slice(0, -1);
  return ws;
}

/** The entity a table holds, as a lookup key: `dim_Customers` -> `customer`, `InvoiceLine` -> `invoice_line`. */
export function tableEntity(tableName: string): string {
  return joinSingular(entityWords(tableName));
}

/**
 * The entity without a short module prefix (`oms_order_item` -> `order_item`, `ums_member` -> `member`),
 * or undefined. Matches through this key score lower than through the full entity.
 */
export function moduleStrippedEntity(tableName: string): string | undefined {
  const ws = entityWords(tableName);
  if (ws.length < 2 || ws[0].length > 4 || /^[0-9]/.test(ws[0])) return undefined;
  return joinSingular(ws.slice(1));
}

/** Suffixes that make a column a reference (`customer_id`, `emp_no`, `o_custkey`, `ss_item_sk`, `country_code`). */
const KEY_SUFFIXES = new Set(["id", "no", "num", "nbr", "key", "sk", "code", "cd", "uuid", "guid", "fk"]);
/** Column names that say nothing about which table they point to. */
const GENERIC = new Set(["id", "key", "code", "no", "num", "uuid", "guid", "pk", "name", "sk", "type", "value"]);

export function isGenericColumn(lowerName: string): boolean {
  return GENERIC.has(lowerName);
}

/** A column name read as `[qualifier words] entity words suffix`. */
export interface ColumnShape {
  readonly words: readonly string[];
  /** The key suffix word (`id`, `key`, `sk`, ...), or undefined when the name has none. */
  readonly suffix: string | undefined;
  /** The words before the suffix. */
  readonly stem: readonly string[];
  /** True when the suffix `id` was glued to the stem in a lower-case name (`customerid`): only exact table names count. */
  readonly glued: boolean;
}

/** `o_custkey` -> o, cust + key; `customerid` -> customer + id (glued); `ReportsTo` -> no suffix. */
export function columnShape(name: string): ColumnShape {
  const ws = words(name);
  const last = ws[ws.length - 1] ?? "";
  if (ws.length >= 2 && KEY_SUFFIXES.has(last)) return { words: ws, suffix: last, stem: ws.slice(0, -1), glued: false };
  // TPC-H glues `key` to the entity: custkey, nationkey
  if (last.length > 3 && last.endsWith("key")) return { words: ws, suffix: "key", stem: [...ws.slice(0, -1), last.slice(0, -3)], glued: false };
  if (last.length > 4 && last.endsWith("id") && name === name.toLowerCase()) {
    return { words: ws, suffix: "id", stem: [...ws.slice(0, -1), last.slice(0, -2)], glued: true };
  }
  return { words: ws, suffix: undefined, stem: ws, glued: false };
}

/** One reading of a column's entity: the stem with `dropped` leading words left out (`manager_staff_id` -> staff, dropped 1). */
export interface EntityReading {
  readonly entity: string;
  readonly dropped: number;
  /** The entity is a single word (abbreviations are only tried on single words). */
  readonly singleWord: boolean;
}

/** Every reading of a column's entity, longest first: `bill_customer` -> bill_customer, customer. */
export function entityReadings(shape: ColumnShape): EntityReading[] {
  const out: EntityReading[] = [];
  for (let i = 0; i < shape.stem.length; i++) {
    const ws = shape.stem.slice(i);
    if (ws.length === 1 && ws[0].length < 2) continue;
    out.push({ entity: joinSingular(ws), dropped: i, singleWord: ws.length === 1 });
  }
  return out;
}

/**
 * `cust` abbreviates `customer`: the entity's first word starts with it and is longer.
 * (An entity whose first word *is* the abbreviation, like `dept_emp` for `dept`, is a compound, not a match.)
 */
export function abbreviates(abbreviation: string, entity: string): boolean {
  // the first word starts with it and goes on: no `_` (nor the end) right after it; no split, it runs per candidate
  if (abbreviation.length < 3 || !entity.startsWith(abbreviation)) return false;
  const next = entity.charCodeAt(abbreviation.length);
  return !Number.isNaN(next) && next !== UNDERSCORE;
}

const UNDERSCORE = 95;

/** `cust` abbreviates the word `customer`, `addr` the word `address`: a longer word that starts with it. */
function abbreviatesWord(abbreviation: string, word: string): boolean {
  return abbreviation.length >= 3 && word.length > abbreviation.length && word.startsWith(abbreviation);
}

/** `dept` contracts the word `department`, `acct` the word `account` (see `contracts`). */
function contractsWord(contraction: string, word: string): boolean {
  if (contraction.length < 3 || word.length <= contraction.length || !word.startsWith(contraction.slice(0, 2))) return false;
  return inOrder(contraction.slice(2), word.slice(2));
}

/**
 * A column's stem words name an entity's words one for one, each the word itself, its singular, an
 * abbreviation or a contraction of it: `cust_addr` -> customer_address, `emp` -> employee, `dept` ->
 * department. Glued names match when the letters agree (`mediatype` -> media_type).
 */
export function stemNames(stem: readonly string[], entity: string): boolean {
  const ws = entity.split("_");
  if (stem.join("") === ws.join("") || singular(stem.join("")) === ws.join("")) return true;
  if (stem.length !== ws.length) return false;
  return stem.every((s, i) => s === ws[i] || singular(s) === ws[i] || abbreviatesWord(s, ws[i]) || contractsWord(s, ws[i]));
}

/**
 * `dept` contracts `department`, `acct` contracts `account`: the entity's first word is longer, starts
 * with the same two letters and holds the rest in order. Looser than `abbreviates`, so it scores lower.
 */
export function contracts(contraction: string, entity: string): boolean {
  const firstWord = entity.split("_", 1)[0];
  if (contraction.length < 3 || firstWord.length <= contraction.length || !firstWord.startsWith(contraction.slice(0, 2))) return false;
  return inOrder(contraction.slice(2), firstWord.slice(2));
}

/**
 * A short column prefix in front of a key (`c_custkey` -> custkey, `ss_item_sk` -> item_sk), the TPC-H/TPC-DS
 * habit, or undefined. The stem is what two tables' columns share when one references the other.
 */
export function prefixedStem(name: string): string | undefined {
  const ws = words(name);
  if (ws.length < 2 || ws[0].length > 3 || /^[0-9]/.test(ws[0])) return undefined;
  const rest = ws.slice(1).join("_");
  return isGenericColumn(rest) ? undefined : rest;
}

const HIERARCHY_WORDS = new Set(["parent", "manager", "mgr", "supervisor", "boss", "superior", "reports", "report", "reporting", "leader"]);
/** Tables whose rows are people: `manager_id` there points to the table itself. */
export const PERSON_ENTITIES = ["employee", "emp", "staff", "user", "person", "member", "worker", "personnel", "account"] as const;

export type Hierarchy = "self" | "person" | undefined;

/**
 * `parent_id`, `parent_category_id` (in category), `manager_id`, `reports_to`, `ReportsTo`: a reference to the
 * table's own key ("self") or, for a manager-like column outside a person table, to a person table ("person").
 */
export function hierarchyOf(column: string, tableName: string): Hierarchy {
  const ws = words(column);
  if (ws.length === 0 || !HIERARCHY_WORDS.has(ws[0])) return undefined;
  let rest = ws.slice(1);
  if (rest[0] === "to") rest = rest.slice(1);
  if (rest.length > 0 && KEY_SUFFIXES.has(rest[rest.length - 1])) rest = rest.slice(0, -1);
  const own = tableEntity(tableName);
  if (rest.length > 0 && joinSingular(rest) !== own) return undefined;
  if (ws[0] === "parent" || rest.length > 0) return "self";
  return isPersonEntity(own) ? "self" : "person";
}

/** Words that name the person in a role: `support_rep_id`, `owner_id`, `assignee_id`. */
const PERSON_ROLE_WORDS = new Set([
  "rep", "representative", "salesperson", "salesman", "saleswoman", "owner", "creator", "author", "approver",
  "assignee", "reviewer", "reporter", "requester", "requestor", "operator", "editor", "handler", "recruiter",
  "modifier", "updater", "submitter", "auditor", "checker", "verifier", "sponsor",
]);
/** `rep`, `owner`, `assignee`: a word that names a person by role (`rep` abbreviates no table: report is no person). */
export function isRoleWord(word: string): boolean {
  return PERSON_ROLE_WORDS.has(word);
}

/** `created_by`, `updated_by_id`, `approvedBy`: the person who did it. */
const DONE_BY = /^[a-z]+(?:ed|en)$/;

/**
 * A column that names a person by role rather than by table (`support_rep_id`, `SupportRepId`, `owner_id`,
 * `created_by`, `modified_by_user_id`): it points at the catalog's person table when it names no table itself.
 */
export function isPersonRole(column: string): boolean {
  const ws = words(column);
  const by = ws.indexOf("by");
  if (by > 0 && DONE_BY.test(ws[by - 1])) return true;
  const last = ws[ws.length - 1] ?? "";
  const stem = KEY_SUFFIXES.has(last) ? ws.slice(0, -1) : [];
  return stem.some((w) => PERSON_ROLE_WORDS.has(w));
}

export function isPersonEntity(entity: string): boolean {
  const last = entity.split("_").pop() ?? "";
  return (PERSON_ENTITIES as readonly string[]).includes(last);
}

/**
 * An entity without the numbers that shard or partition a table: `order_8` -> order, `payment_p2007_01` ->
 * payment, `user_03` -> user. The entity itself when nothing is left.
 */
function unnumbered(entity: string): string {
  const ws = entity.split("_");
  let n = ws.length;
  while (n > 1 && /^\d+$/.test(ws[n - 1])) n--;
  if (n < ws.length && n > 1 && ws[n - 1].length === 1) n--;
  return n === ws.length ? entity : ws.slice(0, n).join("_");
}

/**
 * Does the column's name say it is this table's own key? `id`; `<table>_id`, `<table>Id`, `<table>id`,
 * `<table>_no` / `_key` / `_code` / `_sk` with the table's words as written, singular, abbreviated or
 * contracted (`customer.cust_id`, `employees.emp_no`, `departments.dept_no`, `customer_address.cust_addr_id`);
 * a short table prefix before a stem (`customer.c_custkey`, `date_dim.d_date_sk`,
 * `customer_address.ca_address_sk`). A column that names another entity is not the table's key
 * (`film_actor.actor_id`, `lineitem.l_orderkey`, `partsupp.ps_partkey`).
 */
export function namesOwnKey(tableName: string, column: string): boolean {
  if (column.toLowerCase() === "id") return true;
  const shape = columnShape(column);
  if (shape.suffix === undefined || shape.suffix === "fk" || shape.stem.length === 0) return false;
  const entity = tableEntity(tableName);
  if (entity === "") return false;
  if (stemNames(shape.stem, entity) || stemNames(shape.stem, unnumbered(entity))) return true;
  if (shape.glued || shape.stem.length < 2 || shape.stem[0].length > 3) return false;
  // a short prefix of the table's letters (TPC-H, TPC-DS): the rest starts the entity, or is its last words after its initials
  const [prefix, ...rest] = shape.stem;
  const letters = entity.replace(/_/g, "");
  const joined = rest.join("");
  if (joined.length >= 2 && letters.startsWith(joined) && inOrder(prefix, joined)) return true;
  const ws = entity.split("_");
  const initials = ws.map((w) => w[0]).join("");
  return ws.length > 1 && prefix === initials && rest.length < ws.length && stemNames(rest, ws.slice(ws.length - rest.length).join("_"));
}

function inOrder(letters: string, text: string): boolean {
  let at = 0;
  for (const ch of letters) {
    at = text.indexOf(ch, at);
    if (at < 0) return false;
    at++;
  }
  return true;
}
