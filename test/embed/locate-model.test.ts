/**
 * datus-schema never downloads a model: it must find the files where Python fastembed or the Hugging Face
 * hub already put them, in the layouts they write, or say exactly where it looked and how to get them.
 * Each test lays out the tiny model's files as one cache does, under a temporary HOME and a temporary
 * os.tmpdir() (fastembed's default cache is `{tmpdir}/fastembed_cache`), and passes a controlled env.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it, type TestContext } from "node:test";
import { FASTEMBED_MODELS } from "../../src/embed/fastembed-models.js";
import { locateModel, searchRoots } from "../../src/embed/locate-model.js";
import { OnnxEmbedder } from "../../src/embed/onnx-embedder.js";
import { DatusError } from "../../src/errors.js";
import { tempDir } from "../helpers/env.js";
import { writeTinyBert, type TinyBert } from "../helpers/tiny-bert.js";

const TOKENIZER_FILES = ["tokenizer.json", "tokenizer_config.json", "config.json", "special_tokens_map.json", "vocab.txt"];
const MINILM = "all-MiniLM-L6-v2";

let tiny: TinyBert;
let generated: string;

before(() => {
  generated = fs.mkdtempSync(path.join(os.tmpdir(), "datus-schema-tiny-"));
  tiny = writeTinyBert(generated);
});

after(() => fs.rmSync(generated, { recursive: true, force: true }));

/** A machine with nothing on it: HOME and os.tmpdir() are fresh, empty directories for this test. */
function sandbox(t: TestContext): { root: string; home: string; tmp: string } {
  const root = tempDir(t, "datus-schema-locate-");
  const home = path.join(root, "home");
  const tmp = path.join(root, "tmp");
  fs.mkdirSync(home);
  fs.mkdirSync(tmp);
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = tmp;
  t.after(() => {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  });
  assert.equal(os.tmpdir(), tmp);
  return { root, home, tmp };
}

/** The tiny model's files as a plain directory (fastembed's old tarballs, or a hand-made model_path). */
function plainDir(dir: string, onnxName = "model.onnx", files = TOKENIZER_FILES): string {
  fs.mkdirSync(path.dirname(path.join(dir, onnxName)), { recursive: true });
  fs.copyFileSync(path.join(tiny.dir, "model.onnx"), path.join(dir, onnxName));
  for (const file of files) fs.copyFileSync(path.join(tiny.dir, file), path.join(dir, file));
  return dir;
}

/**
 * A hub cache entry as huggingface_hub writes it: `{cache}/models--{org}--{repo}/blobs/{sha256}`, with
 * `snapshots/{rev}/{file}` symlinks to the blobs and, if `main`, `refs/main` naming the revision.
 * `files` maps the path inside the snapshot to the tiny model's file it holds. Returns the snapshot directory.
 */
function hubSnapshot(cache: string, repo: string, rev: string, files: Record<string, string>, main = true): string {
  const repoDir = path.join(cache, `models--${repo.replace(/\//g, "--")}`);
  const snap = path.join(repoDir, "snapshots", rev);
  fs.mkdirSync(path.join(repoDir, "blobs"), { recursive: true });
  for (const [inSnapshot, source] of Object.entries(files)) {
    const content = fs.readFileSync(path.join(tiny.dir, source));
    const blob = path.join(repoDir, "blobs", createHash("sha256").update(content).digest("hex"));
    fs.writeFileSync(blob, content);
    const link = path.join(snap, inSnapshot);
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(path.relative(path.dirname(link), blob), link);
  }
  if (main) {
    fs.mkdirSync(path.join(repoDir, "refs"), { recursive: true });
    fs.writeFileSync(path.join(repoDir, "refs", "main"), rev);
  }
  return snap;
}

/** fastembed's download of all-MiniLM-L6-v2 (qdrant/all-MiniLM-L6-v2-onnx) into `cache`. */
function fastembedMiniLM(cache: string, rev: string, main = true): string {
  return hubSnapshot(cache, "qdrant/all-MiniLM-L6-v2-onnx", rev, Object.fromEntries(["model.onnx", ...TOKENIZER_FILES].map((f) => [f, f])), main);
}

function setAge(dir: string, secondsAgo: number): void {
  const when = new Date(Date.now() - secondsAgo * 1000);
  fs.utimesSync(dir, when, when);
}

function configError(fn: () => unknown): DatusError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof DatusError, `expected a DatusError, got ${String(err)}`);
    assert.equal(err.exitCode, 2, err.message);
    return err;
  }
  assert.fail("expected a DatusError");
}

describe("locateModel finds fastembed's own downloads", () => {
  it("finds {FASTEMBED_CACHE_PATH}/models--qdrant--all-MiniLM-L6-v2-onnx/snapshots/<rev>", (t) => {
    const { root, home } = sandbox(t);
    const cache = path.join(root, "fe-cache");
    const snap = fastembedMiniLM(cache, "5f1b8cd78bc4fb444dd171e59b18f3a3af89a079");
    const found = locateModel(MINILM, undefined, { HOME: home, FASTEMBED_CACHE_PATH: cache });
    assert.equal(found.dir, snap);
    assert.equal(found.onnxFile, path.join(snap, "model.onnx"));
    assert.equal(found.model.name, "sentence-transformers/all-MiniLM-L6-v2");
  });

  it("takes the snapshot refs/main names, even when another snapshot is newer", (t) => {
    const { root, home } = sandbox(t);
    const cache = path.join(root, "fe-cache");
    const newer = fastembedMiniLM(cache, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", false);
    const main = fastembedMiniLM(cache, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    setAge(main, 3600);
    setAge(newer, 60);
    assert.equal(locateModel(MINILM, undefined, { HOME: home, FASTEMBED_CACHE_PATH: cache }).dir, main);
  });

  it("takes the newest snapshot when refs/main is missing", (t) => {
    const { root, home } = sandbox(t);
    const cache = path.join(root, "fe-cache");
    const recent = fastembedMiniLM(cache, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false);
    const stale = fastembedMiniLM(cache, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", false);
    setAge(recent, 60);
    setAge(stale, 3600);
    assert.equal(locateModel(MINILM, undefined, { HOME: home, FASTEMBED_CACHE_PATH: cache }).dir, recent);
  });

  it("finds $HF_HOME/fastembed/…", (t) => {
    const { root, home } = sandbox(t);
    const hfHome = path.join(root, "hf");
    const snap = fastembedMiniLM(path.join(hfHome, "fastembed"), "c0ffee");
    assert.equal(locateModel(MINILM, undefined, { HOME: home, HF_HOME: hfHome }).dir, snap);
  });

  it("finds ~/.cache/huggingface/fastembed/… when HF_HOME is unset", (t) => {
    const { home } = sandbox(t);
    const snap = fastembedMiniLM(path.join(home, ".cache", "huggingface", "fastembed"), "c0ffee");
    assert.equal(locateModel(MINILM, undefined, { HOME: home }).dir, snap);
  });

  it("finds fastembed's default cache {tmpdir}/fastembed_cache", (t) => {
    const { home, tmp } = sandbox(t);
    const snap = fastembedMiniLM(path.join(tmp, "fastembed_cache"), "c0ffee");
    assert.equal(locateModel(MINILM, undefined, { HOME: home }).dir, snap);
  });

  it("finds the older tarball layout {cache}/fast-all-MiniLM-L6-v2/model.onnx", (t) => {
    const { root, home } = sandbox(t);
    const cache = path.join(root, "fe-cache");
    const dir = plainDir(path.join(cache, "fast-all-MiniLM-L6-v2"));
    const found = locateModel(MINILM, undefined, { HOME: home, FASTEMBED_CACHE_PATH: cache });
    assert.equal(found.dir, dir);
    assert.equal(found.onnxFile, path.join(dir, "model.onnx"));
  });

  it("looks for BAAI/bge-small-en-v1.5's model_optimized.onnx under models--qdrant--bge-small-en-v1.5-onnx-q", (t) => {
    const { root, home } = sandbox(t);
    const cache = path.join(root, "fe-cache");
    const files = Object.fromEntries(TOKENIZER_FILES.map((f) => [f, f]));
    // a model.onnx alone is not what fastembed loads for this model
    hubSnapshot(cache, "qdrant/bge-small-en-v1.5-onnx-q", "c0ffee", { ...files, "model.onnx": "model.onnx" });
    configError(() => locateModel("BAAI/bge-small-en-v1.5", undefined, { HOME: home, FASTEMBED_CACHE_PATH: cache }));
    const snap = hubSnapshot(cache, "qdrant/bge-small-en-v1.5-onnx-q", "c0ffee", { "model_optimized.onnx": "model.onnx" });
    const found = locateModel("BAAI/bge-small-en-v1.5", undefined, { HOME: home, FASTEMBED_CACHE_PATH: cache });
    assert.equal(found.dir, snap);
    assert.equal(found.onnxFile, path.join(snap, "model_optimized.onnx"));
    assert.equal(found.model.pooling, "cls");
  });
});

describe("locateModel finds other copies", () => {
  it("finds the model's own repository in the hub cache: snapshots/<rev>/onnx/model.onnx, tokenizer at the root", (t) => {
    const { root, home } = sandbox(t);
    const hfHome = path.join(root, "hf");
    const files = Object.fromEntries(TOKENIZER_FILES.map((f) => [f, f]));
    const snap = hubSnapshot(path.join(hfHome, "hub"), "sentence-transformers/all-MiniLM-L6-v2", "c0ffee", { ...files, "onnx/model.onnx": "model.onnx" });
    const found = locateModel(MINILM, undefined, { HOME: home, HF_HOME: hfHome });
    assert.equal(found.dir, snap);
    assert.equal(found.onnxFile, path.join(snap, "onnx", "model.onnx"));
  });

  it("finds the hub layout under HF_HUB_CACHE", (t) => {
    const { root, home } = sandbox(t);
    const hubCache = path.join(root, "hub-cache");
    const files = Object.fromEntries(TOKENIZER_FILES.map((f) => [f, f]));
    const snap = hubSnapshot(hubCache, "sentence-transformers/all-MiniLM-L6-v2", "c0ffee", { ...files, "onnx/model.onnx": "model.onnx" });
    assert.equal(locateModel(MINILM, undefined, { HOME: home, HF_HUB_CACHE: hubCache }).dir, snap);
  });

  it("prefers model_path pointing at a directory with model.onnx and the tokenizer files over every cache", (t) => {
    const { root, home } = sandbox(t);
    const cache = path.join(root, "fe-cache");
    fastembedMiniLM(cache, "c0ffee");
    fastembedMiniLM(path.join(home, ".cache", "huggingface", "fastembed"), "c0ffee");
    const modelPath = plainDir(path.join(root, "my-model"));
    const found = locateModel(MINILM, modelPath, { HOME: home, FASTEMBED_CACHE_PATH: cache });
    assert.equal(found.dir, modelPath);
    assert.equal(found.onnxFile, path.join(modelPath, "model.onnx"));
  });

  it("resolves the bare name and sentence-transformers/all-MiniLM-L6-v2 to the same files", (t) => {
    const { root, home } = sandbox(t);
    const cache = path.join(root, "fe-cache");
    const snap = fastembedMiniLM(cache, "c0ffee");
    for (const name of [MINILM, "sentence-transformers/all-MiniLM-L6-v2"]) {
      const found = locateModel(name, undefined, { HOME: home, FASTEMBED_CACHE_PATH: cache });
      assert.equal(found.dir, snap, name);
      assert.equal(found.model.name, "sentence-transformers/all-MiniLM-L6-v2", name);
    }
  });

  it("gives files the embedder loads and that embed like the generated model", async (t) => {
    const { root, home } = sandbox(t);
    const cache = path.join(root, "fe-cache");
    fastembedMiniLM(cache, "c0ffee");
    const found = locateModel(MINILM, undefined, { HOME: home, FASTEMBED_CACHE_PATH: cache });
    const spec = { kind: "onnx", name: found.model.name, dir: found.dir, onnxFile: found.onnxFile, pooling: "mean", normalize: true, dim: tiny.hidden, batchSize: 8 } as const;
    const fromCache = await OnnxEmbedder.load(spec);
    const original = await OnnxEmbedder.load({ ...spec, dir: tiny.dir, onnxFile: path.join(tiny.dir, "model.onnx") });
    t.after(() => Promise.all([fromCache.close(), original.close()]));
    assert.deepEqual(await fromCache.embed(["customer orders"]), await original.embed(["customer orders"]));
  });
});

describe("locateModel refuses what it cannot use", () => {
  it("says every directory it searched, and how to get the files, when the model is nowhere", (t) => {
    const { root, home, tmp } = sandbox(t);
    const env = { HOME: home, HF_HOME: path.join(root, "hf"), FASTEMBED_CACHE_PATH: path.join(root, "fe-cache"), HF_HUB_CACHE: path.join(root, "hub-cache") };
    const modelPath = path.join(root, "models", "minilm");
    const err = configError(() => locateModel(MINILM, modelPath, env));
    const expectedDirs = [modelPath, env.FASTEMBED_CACHE_PATH, path.join(env.HF_HOME, "fastembed"), path.join(tmp, "fastembed_cache"), env.HF_HUB_CACHE];
    assert.deepEqual(
      searchRoots(modelPath, env).map((r) => r.dir),
      expectedDirs,
    );
    for (const dir of expectedDirs) assert.ok(err.message.includes(dir), `the message should name ${dir}:\n${err.message}`);
    assert.match(err.message, /all-MiniLM-L6-v2/);
    assert.match(err.hint, /huggingface-cli download qdrant\/all-MiniLM-L6-v2-onnx/);
    assert.match(err.hint, /agent\.storage\.database\.model_path/);
    assert.match(err.hint, /--keep-vectors/);
  });

  it("names the default directories when only HOME is set", (t) => {
    const { home, tmp } = sandbox(t);
    const err = configError(() => locateModel(MINILM, undefined, { HOME: home }));
    const hf = path.join(home, ".cache", "huggingface");
    const expectedDirs = [path.join(hf, "fastembed"), path.join(tmp, "fastembed_cache"), path.join(hf, "hub")];
    assert.deepEqual(
      searchRoots(undefined, { HOME: home }).map((r) => r.dir),
      expectedDirs,
    );
    for (const dir of expectedDirs) assert.ok(err.message.includes(dir), `the message should name ${dir}:\n${err.message}`);
    assert.match(err.hint, /--keep-vectors/);
  });

  it("names the supported models for a model it cannot run", (t) => {
    const { home } = sandbox(t);
    const err = configError(() => locateModel("intfloat/e5-mistral-7b-instruct", undefined, { HOME: home }));
    assert.match(err.message, /intfloat\/e5-mistral-7b-instruct/);
    for (const model of FASTEMBED_MODELS) assert.ok(err.hint.includes(model.name), `the hint should name ${model.name}: ${err.hint}`);
  });

  it("does not accept a directory with model.onnx but without tokenizer_config.json", (t) => {
    const { root, home } = sandbox(t);
    const cache = path.join(root, "fe-cache");
    const withoutConfig = TOKENIZER_FILES.filter((f) => f !== "tokenizer_config.json");
    const modelPath = plainDir(path.join(root, "my-model"), "model.onnx", withoutConfig);
    plainDir(path.join(cache, "fast-all-MiniLM-L6-v2"), "model.onnx", withoutConfig);
    hubSnapshot(cache, "qdrant/all-MiniLM-L6-v2-onnx", "c0ffee", Object.fromEntries(["model.onnx", ...withoutConfig].map((f) => [f, f])));
    configError(() => locateModel(MINILM, modelPath, { HOME: home, FASTEMBED_CACHE_PATH: cache }));
    // a complete copy further down the search order is taken instead
    const complete = fastembedMiniLM(path.join(home, ".cache", "huggingface", "fastembed"), "c0ffee");
    assert.equal(locateModel(MINILM, modelPath, { HOME: home, FASTEMBED_CACHE_PATH: cache }).dir, complete);
  });
});
