/**
 * The key of a table that declares none. pg_dump adds every primary key in a later `ALTER TABLE ONLY`,
 * CockroachDB and warehouse DDL (StarRocks, Hive, Snowflake, BigQuery) often enforce none: with only the
 * CREATE statement at hand, the key is read from the conventions real schemas follow.
 *
 * Signals, per column:
 * | signal | example | weight |
 * | --- | --- | --- |
 * | the name says it is this table's key (`namesOwnKey`) | `id`, `actor.actor_id`, `employees.emp_no`, `customer.c_custkey` | 0.7 |
 * | the database numbers it (`identityColumns`) | serial, AUTO_INCREMENT, IDENTITY, `DEFAULT nextval(...)`, `unique_rowid()` | 0.7 |
 * | both of the above | `actor_id integer DEFAULT nextval('actor_actor_id_seq')` | 0.9 |
 * | first column / NOT NULL / a unique key of its own / first column of the sort key | | +0.1 / +0.05 / +0.1 / +0.05 |
 * A column needs one of the first two signals: position and NOT NULL alone never make a key (the first
 * column of `film_actor` is `actor_id`, a reference). The best column wins; on a tie the earlier one.
 * A declared primary key (one column or several) always wins: then nothing is implied. Views have no key.
 */
import type { TableStructure } from "../model.js";
import { namesOwnKey } from "./naming.js";

export interface ImpliedKey {
  readonly column: string;
  /** 0.7 .. 0.95: how sure the conventions make it. */
  readonly confidence: number;
}

const MAX_CONFIDENCE = 0.95;

export type KeyEvidence = Pick<TableStructure, "tableName" | "tableType" | "columns" | "primaryKey" | "uniqueKeys" | "identityColumns" | "sortKey">;

/** The implied key of a table without a declared primary key, or undefined. */
export function impliedKeyOf(table: KeyEvidence): ImpliedKey | undefined {
  if (table.primaryKey.length > 0 || table.tableType !== "table" || table.tableName === "") return undefined;
  const identity = new Set((table.identityColumns ?? []).map((c) => c.toLowerCase()));
  const unique = new Set(table.uniqueKeys.filter((k) => k.length === 1).map((k) => k[0].toLowerCase()));
  const sortFirst = table.sortKey?.[0]?.toLowerCase();
  let best: ImpliedKey | undefined;
  table.columns.forEach((c, i) => {
    const lower = c.name.toLowerCase();
    const named = namesOwnKey(table.tableName, c.name);
    const numbered = identity.has(lower);
    if (!named && !numbered) return;
    let confidence = named && numbered ? 0.9 : 0.7;
    if (i === 0) confidence += 0.1;
    if (!c.nullable) confidence += 0.05;
    if (unique.has(lower)) confidence += 0.1;
    if (lower === sortFirst) confidence += 0.05;
    confidence = Math.round(Math.min(MAX_CONFIDENCE, confidence) * 100) / 100;
    // StarRocks spells the key as its sort key does
    const column = lower === sortFirst ? (table.sortKey?.[0] ?? c.name) : c.name;
    if (best === undefined || confidence > best.confidence) best = { column, confidence };
  });
  return best;
}
