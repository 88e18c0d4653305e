/**
 * Embedding throughput: `datus-schema embed --all` with --workers 1 and 2 against a plain single-thread loop
 * over the same texts (one ONNX session, one intra-op thread, fastembed's batch of 32), for a MiniLM-sized
 * stand-in model (384 wide, six 1536-wide feed-forward layers: about MiniLM's cost per token; real weights
 * cannot be fetched here) and for the offline hashing embedding. Ratios taken in the same run.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { hashedTextEmbedding } from "../src/embed/hashed-embedding.js";
import { OnnxEmbedder } from "../src/embed/onnx-embedder.js";
import { enrichBatch } from "../src/engine/enrich-batch.js";
import { writeV0Store } from "../src/store/v0-store.js";
import { writeMiniLmStandIn } from "../test/helpers/stand-in-model.js";
import { syntheticCatalog } from "./synthetic-catalog.js";

const DIM = 384;

export interface EmbedRun {
  readonly workers: number;
  readonly seconds: number;
  readonly embeddingsPerSecond: number;
  readonly peakRssMiB: number;
}

export interface EmbeddingFigures {
  readonly model: string;
  readonly texts: number;
  readonly averageTokens?: number;
  readonly loopPerSecond: number;
  readonly runs: readonly EmbedRun[];
  readonly ratioW1VsLoop: number;
  readonly ratioW2VsLoop: number;
}

function run(cli: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string; seconds: number }> {
  const started = process.hrtime.bigint();
  return new Promise((resolve) => {
    const child = spawn(cli, [...args], { env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr, seconds: Number(process.hrtime.bigint() - started) / 1e9 }));
  });
}

function jsonEvent(stdout: string, event: string): Record<string, unknown> {
  const found = stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .find((o) => o.event === event);
  if (!found) throw new Error(`no ${event} summary in the JSON output`);
  return found;
}

/** The texts the engine embeds: search_text of the generated catalog. */
function searchTexts(tables: number): string[] {
  const rows = [...syntheticCatalog(tables)];
  return enrichBatch({ rows, dialect: "unknown", vectors: { kind: "hashing", dim: DIM }, now: 0, extractRelationships: true }).rows.map((r) => r.search_text);
}

async function engineRuns(cli: string, scratch: string, tables: number, config: string, env: NodeJS.ProcessEnv): Promise<EmbedRun[]> {
  const source = path.join(scratch, "embed-source");
  fs.rmSync(source, { recursive: true, force: true });
  await writeV0Store(source, syntheticCatalog(tables), DIM);
  // v1 rows with their v0 vectors: what `embed --all` then brings up to date
  const prepared = await run(cli, ["migrate", "--db-path", source, "--config", config, "--keep-vectors", "--skip-backup", "--no-index", "--log-format", "json"], env);
  if (prepared.code !== 0) throw new Error(`migrate --keep-vectors failed:\n${prepared.stderr.slice(-2000)}`);
  const runs: EmbedRun[] = [];
  for (const workers of [1, 2]) {
    const store = path.join(scratch, `embed-w${workers}`);
    fs.rmSync(store, { recursive: true, force: true });
    await fs.promises.cp(source, store, { recursive: true });
    const r = await run(cli, ["embed", "--all", "--db-path", store, "--config", config, "--workers", String(workers), "--skip-backup", "--no-index", "--log-format", "json"], env);
    if (r.code !== 0) throw new Error(`embed --workers ${workers} failed (${r.code}):\n${r.stderr.slice(-2000)}`);
    const summary = jsonEvent(r.stdout, "embed");
    runs.push({ workers, seconds: r.seconds, embeddingsPerSecond: Number(summary.embedded) / r.seconds, peakRssMiB: Number(summary.peak_rss_kb) / 1024 });
    fs.rmSync(store, { recursive: true, force: true });
  }
  fs.rmSync(source, { recursive: true, force: true });
  return runs;
}

function figures(model: string, texts: number, loopPerSecond: number, runs: EmbedRun[], averageTokens?: number): EmbeddingFigures {
  return {
    model,
    texts,
    averageTokens,
    loopPerSecond,
    runs,
    ratioW1VsLoop: Number((runs[0].embeddingsPerSecond / loopPerSecond).toFixed(2)),
    ratioW2VsLoop: Number((runs[1].embeddingsPerSecond / loopPerSecond).toFixed(2)),
  };
}

/** The stand-in model and the hashing embedding, each: plain loop, then the engine with 1 and 2 workers. */
export async function embeddingBench(cli: string, scratch: string, sizes: { readonly modelTables: number; readonly hashTables: number }): Promise<EmbeddingFigures[]> {
  const texts = searchTexts(sizes.modelTables);
  const out: EmbeddingFigures[] = [];

  const cache = path.join(scratch, "fastembed");
  // every word of the texts is in the vocabulary, plus the punctuation BERT splits off: word pieces as MiniLM's
  const punctuation = [".", ",", "(", ")", ";", ":", "-", "_", "=", "{", "}", "'", "\"", "/", "%"];
  const vocabulary = [...new Set([...punctuation, ...(texts.join(" ").toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])])];
  const model = writeMiniLmStandIn(cache, { hidden: DIM, outputDim: DIM, ffnLayers: 6, intermediate: 4 * DIM, words: vocabulary });
  const onnx = await OnnxEmbedder.load({ kind: "onnx", name: "stand-in", dir: model.dir, onnxFile: path.join(model.dir, "model.onnx"), pooling: "mean", normalize: true, dim: DIM, batchSize: 32 });
  const averageTokens = texts.reduce((s, t) => s + onnx.tokenizer.encode(t).length, 0) / texts.length;
  let started = process.hrtime.bigint();
  for (let i = 0; i < texts.length; i += 32) await onnx.embed(texts.slice(i, i + 32));
  const onnxLoop = texts.length / (Number(process.hrtime.bigint() - started) / 1e9);
  await onnx.close();
  const modelConfig = path.join(scratch, "model.yml");
  fs.writeFileSync(modelConfig, "agent:\n  storage:\n    database:\n      registry_name: sentence-transformers\n      model_name: all-MiniLM-L6-v2\n      dim_size: 384\n");
  out.push(figures("MiniLM-sized stand-in (local ONNX)", texts.length, onnxLoop, await engineRuns(cli, scratch, sizes.modelTables, modelConfig, { FASTEMBED_CACHE_PATH: cache }), averageTokens));

  const hashTexts = searchTexts(sizes.hashTables);
  const hashed = new Float32Array(DIM);
  started = process.hrtime.bigint();
  for (const t of hashTexts) hashedTextEmbedding(t, DIM, hashed);
  const hashLoop = hashTexts.length / (Number(process.hrtime.bigint() - started) / 1e9);
  const hashConfig = path.join(scratch, "hashing.yml");
  fs.writeFileSync(hashConfig, "agent:\n  storage:\n    database:\n      registry_name: hashing\n      model_name: datus-schema-hashing\n      dim_size: 384\n");
  out.push(figures("hashing", hashTexts.length, hashLoop, await engineRuns(cli, scratch, sizes.hashTables, hashConfig, {})));
  return out;
}
