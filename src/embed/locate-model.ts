/**
 * Find a local embedding model where Datus users already have it, never downloading anything:
 * `agent.storage.database.model_path`, then the caches Python fastembed and the Hugging Face hub use,
 * in the layouts they write:
 * - fastembed's hub download: `{cache}/models--{org}--{repo}/snapshots/{revision}/{model file}`
 *   (the revision `refs/main` names, else the newest snapshot);
 * - fastembed's older tarballs: `{cache}/fast-{model}/{model file}`;
 * - the model's own repository in a hub cache (sentence-transformers): `.../snapshots/{revision}/onnx/model.onnx`.
 * A directory qualifies when it holds the ONNX file, `tokenizer.json` and `tokenizer_config.json`.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { configError } from "../errors.js";
import { type FastembedModel, FASTEMBED_MODELS, fastembedModelName, findFastembedModel } from "./fastembed-models.js";

export interface LocatedModel {
  readonly model: FastembedModel;
  /** The directory with tokenizer.json and tokenizer_config.json. */
  readonly dir: string;
  /** The ONNX file, absolute. */
  readonly onnxFile: string;
}

interface SearchRoot {
  readonly dir: string;
  /** Where the path came from, for the error message. */
  readonly from: string;
  /** Whether the hub layout of the model's own repository is looked for (hub caches only). */
  readonly hub: boolean;
}

/** The cache roots searched, in order, with where each comes from. */
export function searchRoots(modelPath: string | undefined, env: NodeJS.ProcessEnv = process.env): SearchRoot[] {
  const home = env.HOME && env.HOME !== "" ? env.HOME : os.homedir();
  const hfHome = env.HF_HOME && env.HF_HOME !== "" ? env.HF_HOME : path.join(home, ".cache", "huggingface");
  const roots: SearchRoot[] = [];
  if (modelPath) roots.push({ dir: modelPath, from: "agent.storage.database.model_path", hub: true });
  if (env.FASTEMBED_CACHE_PATH) roots.push({ dir: path.resolve(env.FASTEMBED_CACHE_PATH), from: "FASTEMBED_CACHE_PATH", hub: false });
  roots.push({ dir: path.join(hfHome, "fastembed"), from: env.HF_HOME ? "$HF_HOME/fastembed" : "~/.cache/huggingface/fastembed", hub: false });
  roots.push({ dir: path.join(os.tmpdir(), "fastembed_cache"), from: "fastembed's default cache", hub: false });
  const hubCache = env.HF_HUB_CACHE && env.HF_HUB_CACHE !== "" ? env.HF_HUB_CACHE : path.join(hfHome, "hub");
  roots.push({ dir: hubCache, from: env.HF_HUB_CACHE ? "HF_HUB_CACHE" : "the Hugging Face hub cache", hub: true });
  return roots;
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function hasTokenizer(dir: string): boolean {
  return isFile(path.join(dir, "tokenizer.json")) && isFile(path.join(dir, "tokenizer_config.json"));
}

/** The snapshot directories of a hub-style `models--{org}--{repo}` folder under `root`, best first. */
function snapshots(root: string, repo: string): string[] {
  const wanted = `models--${repo.replace(/\//g, "--")}`.toLowerCase();
  let entries: string[];
  try {
    entries = fs.readdirSync(root).filter((name) => name.toLowerCase() === wanted);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const entry of entries) {
    const repoDir = path.join(root, entry);
    const snapDir = path.join(repoDir, "snapshots");
    let revs: string[];
    try {
      revs = fs.readdirSync(snapDir);
    } catch {
      continue;
    }
    let main: string | undefined;
    try {
      main = fs.readFileSync(path.join(repoDir, "refs", "main"), "utf8").trim();
    } catch {
      main = undefined;
    }
    const mtime = (rev: string): number | undefined => {
      try {
        return fs.statSync(path.join(snapDir, rev)).mtimeMs;
      } catch {
        return undefined; // a broken link left by an interrupted download
      }
    };
    const byAge = revs
      .map((rev) => ({ rev, mtime: mtime(rev) }))
      .filter((r): r is { rev: string; mtime: number } => r.mtime !== undefined)
      .sort((a, b) => b.mtime - a.mtime)
      .map((r) => r.rev);
    for (const rev of main && byAge.includes(main) ? [main, ...byAge.filter((r) => r !== main)] : byAge) out.push(path.join(snapDir, rev));
  }
  return out;
}

/** Candidate (directory, ONNX file) pairs for `model` under one root, in the order fastembed would prefer them. */
function candidates(root: SearchRoot, model: FastembedModel): { dir: string; onnx: string }[] {
  const out: { dir: string; onnx: string }[] = [];
  // model_path may be the model directory itself
  if (root.from === "agent.storage.database.model_path") {
    for (const file of [model.modelFile, "model.onnx", "onnx/model.onnx", model.hubModelFile ?? ""]) {
      if (file) out.push({ dir: root.dir, onnx: path.join(root.dir, file) });
    }
  }
  if (model.fastembedRepo) for (const snap of snapshots(root.dir, model.fastembedRepo)) out.push({ dir: snap, onnx: path.join(snap, model.modelFile) });
  const tarDir = path.join(root.dir, `fast-${model.name.split("/").pop()}`);
  out.push({ dir: tarDir, onnx: path.join(tarDir, model.modelFile) });
  if (root.hub && model.hubRepo && model.hubModelFile) {
    for (const snap of snapshots(root.dir, model.hubRepo)) out.push({ dir: snap, onnx: path.join(snap, model.hubModelFile) });
  }
  return out;
}

/**
 * The model files for `modelName`, or a config error (exit 2) that names the model, every path searched
 * and how to get the files. Never downloads.
 */
export function locateModel(modelName: string, modelPath: string | undefined, env: NodeJS.ProcessEnv = process.env): LocatedModel {
  const model = findFastembedModel(modelName);
  if (!model) {
    throw configError(
      `agent.storage.database.model_name "${modelName}" is not a model datus-schema can run locally (as ${fastembedModelName(modelName)})`,
      `use one of: ${FASTEMBED_MODELS.map((m) => m.name).join(", ")}; or registry_name: openai with an embeddings endpoint`,
    );
  }
  const roots = searchRoots(modelPath, env);
  for (const root of roots) {
    for (const c of candidates(root, model)) {
      if (isFile(c.onnx) && hasTokenizer(c.dir)) return { model, dir: c.dir, onnxFile: c.onnx };
    }
  }
  const searched = roots.map((r) => `  ${r.dir}  (${r.from})`).join("\n");
  // where Python fastembed (as Datus runs it) would look: FASTEMBED_CACHE_PATH, else $HF_HOME/fastembed
  const cache = (roots.find((r) => r.from === "FASTEMBED_CACHE_PATH") ?? roots.find((r) => r.from.endsWith("/fastembed")) ?? roots[0]).dir;
  const repo = model.fastembedRepo ?? model.hubRepo ?? model.name;
  throw configError(
    `the embedding model ${model.name} (agent.storage.database) is not on this machine; nothing was changed. Searched:\n${searched}`,
    [
      `get the files once where Python fastembed would keep them, e.g. \`huggingface-cli download ${repo} --cache-dir ${cache}\``,
      `(or \`python -c "from fastembed import TextEmbedding; TextEmbedding('${model.name}', cache_dir='${cache}')"\`),`,
      `or set agent.storage.database.model_path to a directory holding ${model.modelFile}, tokenizer.json and tokenizer_config.json;`,
      `or migrate with --keep-vectors and run \`datus-schema embed\` later. datus-schema never downloads a model.`,
    ].join(" "),
  );
}
