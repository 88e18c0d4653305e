/**
 * `--shard K/N`: the tables whose canonical identifier hashes to K (1-based) of N. N processes, on one
 * machine or several, each run one shard of the same migration; together they cover every table once.
 */
import { createHash } from "node:crypto";
import { usageError } from "../errors.js";
import { canonicalIdentifier, type SourceTable } from "../model.js";

export interface Shard {
  readonly index: number;
  readonly count: number;
}

export function parseShard(text: string): Shard {
  const m = /^(\d+)\s*\/\s*(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) {
    throw usageError(`--shard ${text}: expected K/N with 1 <= K <= N`, "e.g. --shard 1/4 ... --shard 4/4 in four processes");
  }
  return { index, count };
}

/** Stable across machines and releases: the first 4 bytes of SHA-1 of the canonical identifier. */
export function shardOf(identifier: string, count: number): number {
  const digest = createHash("sha1").update(identifier).digest();
  return (digest.readUInt32BE(0) % count) + 1;
}

export function shardFilter(shard: Shard): (t: SourceTable) => boolean {
  if (shard.count === 1) return () => true;
  return (t) => shardOf(canonicalIdentifier(t) || t.identifier, shard.count) === shard.index;
}
