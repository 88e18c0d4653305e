/**
 * Which rows carry a vector that is not the embedding of their search_text: rows migrated with
 * --keep-vectors (their vector is still of `definition`), rows whose embedding call failed and were written
 * without a new vector, rows of a store moved to another model. `datus-schema embed` re-embeds exactly these.
 *
 * Kept beside the table (never in it) as append-only JSONL, one file per writer so concurrent shards never
 * share a file: `{"id": "...", "stale": true|false, "t": <ms>}`; the latest line per identifier wins. A row
 * is recorded stale before it is written, and fresh only after its new vector is committed, so a kill in
 * between can only leave a row marked stale that is not (re-embedded once more), never the reverse.
 */
import fs from "node:fs";
import path from "node:path";
import { stateDir } from "./migration-state.js";

const PREFIX = "stale-vectors.";

function file(storePath: string, writer: string): string {
  return path.join(stateDir(storePath), `${PREFIX}${writer}.jsonl`);
}

/** Record `identifiers` as stale (true) or fresh (false). */
export function markVectors(storePath: string, writer: string, identifiers: readonly string[], stale: boolean): void {
  if (identifiers.length === 0) return;
  const t = Date.now();
  fs.mkdirSync(stateDir(storePath), { recursive: true });
  fs.appendFileSync(file(storePath, writer), identifiers.map((id) => `${JSON.stringify({ id, stale, t })}\n`).join(""));
}

/** The identifiers whose latest record says stale. */
export function staleVectors(storePath: string): Set<string> {
  const dir = stateDir(storePath);
  const latest = new Map<string, { stale: boolean; t: number }>();
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.startsWith(PREFIX) && n.endsWith(".jsonl"));
  } catch {
    return new Set();
  }
  for (const name of names.sort()) {
    for (const line of fs.readFileSync(path.join(dir, name), "utf8").split("\n")) {
      if (line.trim() === "") continue;
      let rec: { id?: unknown; stale?: unknown; t?: unknown };
      try {
        rec = JSON.parse(line) as typeof rec;
      } catch {
        continue; // a torn last line from a killed run
      }
      if (typeof rec.id !== "string" || typeof rec.stale !== "boolean") continue;
      const t = typeof rec.t === "number" ? rec.t : 0;
      const seen = latest.get(rec.id);
      if (!seen || t >= seen.t) latest.set(rec.id, { stale: rec.stale, t });
    }
  }
  return new Set([...latest].filter(([, v]) => v.stale).map(([id]) => id));
}

/** Forget every record (after a rollback or a fresh table: the rows they named are gone). */
export function clearVectorState(storePath: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(stateDir(storePath));
  } catch {
    return;
  }
  for (const name of names) if (name.startsWith(PREFIX)) fs.rmSync(path.join(stateDir(storePath), name), { force: true });
}
