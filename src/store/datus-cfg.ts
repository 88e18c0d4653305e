/**
 * `datus_db.cfg` beside the tables: the Datus agent's record of which embedding model built the store, in
 * Python ConfigParser's INI format, one section per store type (`[database]`, `[document]`, `[metric]`)
 * with `registry_name`, `model_name` and `dim_size`. The agent compares it with its config on start and
 * refuses a mismatch, so this tool checks it before writing and writes it as the agent would.
 */
import fs from "node:fs";
import path from "node:path";
import type { EmbeddingIdentity } from "../config/load-config.js";

export const DATUS_CFG = "datus_db.cfg";
export const STORE_TYPES = ["database", "document", "metric"] as const;
export type StoreType = (typeof STORE_TYPES)[number];

export type DatusCfg = Readonly<Record<string, Readonly<Record<string, string>>>>;

/** The file's text, or null when there is none (recorded so rollback can restore it). */
export function readDatusCfgText(storePath: string): string | null {
  try {
    return fs.readFileSync(path.join(storePath, DATUS_CFG), "utf8");
  } catch {
    return null;
  }
}

/** Put the file back as recorded: `null` removes it. */
export function restoreDatusCfg(storePath: string, text: string | null): void {
  const file = path.join(storePath, DATUS_CFG);
  if (text === null) fs.rmSync(file, { force: true });
  else fs.writeFileSync(file, text);
}

/** The sections of `{storePath}/datus_db.cfg`, or undefined when there is none. */
export function readDatusCfg(storePath: string): DatusCfg | undefined {
  const file = path.join(storePath, DATUS_CFG);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  const out: Record<string, Record<string, string>> = {};
  let section: Record<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = out[header[1].trim()] ??= {};
      continue;
    }
    const kv = /^([^=:]+)[=:](.*)$/.exec(line);
    // ConfigParser lower-cases keys
    if (kv && section) section[kv[1].trim().toLowerCase()] = kv[2].trim();
  }
  return out;
}

/** The `[database]` section as an identity, or undefined when the file or the section is absent. */
export function cfgIdentity(cfg: DatusCfg | undefined): EmbeddingIdentity | undefined {
  const db = cfg?.database;
  if (!db) return undefined;
  return { registryName: db.registry_name ?? "", modelName: db.model_name ?? "", dimSize: Number(db.dim_size ?? 0) };
}

/** Write the file as Python's ConfigParser.write does (`key = value`, a blank line after each section), atomically. */
export function writeDatusCfg(storePath: string, sections: Readonly<Record<StoreType, EmbeddingIdentity>>): void {
  const text = STORE_TYPES.map((type) => {
    const s = sections[type];
    return `[${type}]\nregistry_name = ${s.registryName}\nmodel_name = ${s.modelName}\ndim_size = ${s.dimSize}\n\n`;
  }).join("");
  const file = path.join(storePath, DATUS_CFG);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}
