/**
 * A tiny stand-in for all-MiniLM-L6-v2 (384-d output, cheap inside), laid out where Python fastembed keeps
 * the real one (`models--qdrant--all-MiniLM-L6-v2-onnx/snapshots/{rev}` under FASTEMBED_CACHE_PATH). The CLI
 * tests run the real local-ONNX path with it: the default config (sentence-transformers all-MiniLM-L6-v2)
 * finds it exactly as it would find the real model. Real weights cannot be fetched here.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type TinyBert, type TinyBertOptions, writeTinyBert } from "./tiny-bert.js";

export const STAND_IN_REPO = "models--qdrant--all-MiniLM-L6-v2-onnx";
const REVISION = "0000000000000000000000000000000000000000";

/**
 * Write the stand-in under `cacheRoot` (a fastembed cache directory) and return it. By default it is cheap
 * inside (16 wide); `options` make it as wide and deep as the bench needs to cost what MiniLM costs.
 */
export function writeMiniLmStandIn(cacheRoot: string, options: TinyBertOptions = {}): TinyBert {
  const repo = path.join(cacheRoot, STAND_IN_REPO);
  fs.mkdirSync(path.join(repo, "refs"), { recursive: true });
  fs.writeFileSync(path.join(repo, "refs", "main"), REVISION);
  return writeTinyBert(path.join(repo, "snapshots", REVISION), { hidden: 16, outputDim: 384, maxLength: 256, ...options });
}

let shared: string | undefined;

/** One stand-in cache per test process (removed when it exits): the FASTEMBED_CACHE_PATH the CLI tests run with. */
export function sharedStandInCache(): string {
  if (shared === undefined) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "datus-schema-model-"));
    writeMiniLmStandIn(dir);
    process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
    shared = dir;
  }
  return shared;
}
