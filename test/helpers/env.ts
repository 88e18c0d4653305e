/** Shared test plumbing: temp dirs, the built CLI, paths to the shared corpus. */
import { spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { TestContext } from "node:test";
import { sharedStandInCache } from "./stand-in-model.js";

/** The repository root (tests run from dist/test/...). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const CORPUS = path.resolve(REPO_ROOT, "../shared/corpus");
export const CLI = path.join(REPO_ROOT, "dist/src/cli/datus-schema.js");

export function tempDir(t: TestContext, prefix = "datus-schema-"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Run the built CLI as a user would, in `cwd`. The default embedding model (all-MiniLM-L6-v2) is found in
 * a stand-in fastembed cache (stand-in-model.ts) unless `env` sets FASTEMBED_CACHE_PATH itself.
 */
export function runCli(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, FASTEMBED_CACHE_PATH: sharedStandInCache(), ...options.env };
    // timeoutMs: the process is killed (SIGTERM) if it runs longer, so a hanging run fails its test
    const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd ?? REPO_ROOT, env, timeout: options.timeoutMs });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Fill-rate line of the report: `label: a/b (x%)` -> [a, b]. */
export function reportLine(stdout: string, label: string): [number, number] {
  const m = new RegExp(`^\\s*${label}:\\s+(\\d+)/(\\d+) \\(`, "m").exec(stdout);
  if (!m) throw new Error(`no "${label}:" line in:\n${stdout}`);
  return [Number(m[1]), Number(m[2])];
}

/** Every file under `dir` with a hash of its bytes (empty when `dir` does not exist): "byte for byte unchanged" made checkable. */
export function fileHashes(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!fs.existsSync(dir)) return out;
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else out.set(path.relative(dir, p), crypto.createHash("sha256").update(fs.readFileSync(p)).digest("hex"));
    }
  };
  walk(dir);
  return out;
}
