/**
 * A local ONNX text embedder that gives the vectors Python fastembed gives for the same model:
 * the model's own tokenizer (tokenizer.json), truncation at the tokenizer config's model_max_length
 * (256 word pieces for all-MiniLM-L6-v2), no prefix, padding to the longest text of a batch,
 * token_type_ids of zeros when the graph asks for them, then mean pooling over the attention mask
 * (or the first token, for BGE) and L2 normalisation (a zero norm divides by 1e-12, as fastembed does).
 * One ONNX Runtime session per embedder, one intra-op thread: parallelism comes from worker threads.
 */
import fs from "node:fs";
import path from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";
import ort from "onnxruntime-node";
import { DatusError, describeError } from "../errors.js";
import type { Pooling } from "./fastembed-models.js";

/** What a worker needs to load the model: plain data, it crosses threads. */
export interface OnnxModelSpec {
  readonly kind: "onnx";
  /** fastembed's model name, for messages. */
  readonly name: string;
  /** The directory with tokenizer.json and tokenizer_config.json. */
  readonly dir: string;
  readonly onnxFile: string;
  readonly pooling: Pooling;
  readonly normalize: boolean;
  /** The vector dimension the store expects (checked against the model's output). */
  readonly dim: number;
  /** Texts per session run. */
  readonly batchSize: number;
}

/**
 * The part of @huggingface/tokenizers' Tokenizer used here. Its published .d.ts files import without file
 * extensions, which Node's ESM resolution does not follow, so TypeScript sees `any`: this states the shape.
 */
interface HfTokenizer {
  encode(text: string, options?: { readonly add_special_tokens?: boolean }): { readonly ids: number[] };
  token_to_id(token: string): number | undefined;
}

interface TokenizerConfig {
  readonly model_max_length?: unknown;
  readonly max_length?: unknown;
  readonly pad_token?: unknown;
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new DatusError("config", `cannot read ${file}: ${describeError(err)}`, "the model files are incomplete or damaged: get them again (see agent.storage.database.model_path)");
  }
}

/** fastembed's truncation limit: the stricter valid one of model_max_length and max_length (transformers writes 1e30 for "unknown"). */
export function maxContext(config: TokenizerConfig, file: string): number {
  const valid = (v: unknown): number | undefined => (typeof v === "number" && Number.isInteger(v) && v > 0 && v <= Number.MAX_SAFE_INTEGER ? v : undefined);
  const found = [valid(config.model_max_length), valid(config.max_length)].filter((v): v is number => v !== undefined);
  if (found.length === 0) throw new DatusError("config", `${file} sets no positive model_max_length or max_length`, "the model's tokenizer_config.json must say how many tokens it reads");
  return Math.min(...found);
}

function padTokenText(pad: unknown): string | undefined {
  if (typeof pad === "string") return pad;
  if (typeof pad === "object" && pad !== null && typeof (pad as { content?: unknown }).content === "string") return (pad as { content: string }).content;
  return undefined;
}

/** The tokenizer half: word pieces, truncation and padding as fastembed sets up the Rust tokenizer. */
export class ModelTokenizer {
  readonly maxTokens: number;
  readonly padId: number;
  /** Special tokens the template adds around one text ([CLS] ... [SEP]: 1 before, 1 after). */
  private readonly prefix: readonly number[];
  private readonly suffix: readonly number[];

  private constructor(private readonly tokenizer: HfTokenizer, maxTokens: number, padId: number) {
    this.maxTokens = maxTokens;
    this.padId = padId;
    const bare = tokenizer.encode("x", { add_special_tokens: false }).ids;
    const full = tokenizer.encode("x").ids;
    const at = full.findIndex((_, i) => bare.every((id, j) => full[i + j] === id));
    this.prefix = full.slice(0, Math.max(0, at));
    this.suffix = at < 0 ? [] : full.slice(at + bare.length);
  }

  static load(dir: string): ModelTokenizer {
    const tokenizerFile = path.join(dir, "tokenizer.json");
    const configFile = path.join(dir, "tokenizer_config.json");
    const json = readJson(tokenizerFile) as object;
    const config = readJson(configFile) as TokenizerConfig & object;
    let tokenizer: HfTokenizer;
    try {
      tokenizer = new Tokenizer(json, config) as HfTokenizer;
    } catch (err) {
      throw new DatusError("config", `cannot load the tokenizer ${tokenizerFile}: ${describeError(err)}`, "the model files are incomplete or damaged: get them again");
    }
    const modelConfig = fs.existsSync(path.join(dir, "config.json")) ? (readJson(path.join(dir, "config.json")) as { pad_token_id?: unknown }) : {};
    const padding = (json as { padding?: { pad_id?: unknown; pad_token?: unknown } | null }).padding ?? undefined;
    const padText = padTokenText(padding?.pad_token) ?? padTokenText(config.pad_token);
    const padId = [padding?.pad_id, modelConfig.pad_token_id, padText === undefined ? undefined : tokenizer.token_to_id(padText)].find(
      (v): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0,
    );
    if (padId === undefined) throw new DatusError("config", `the tokenizer in ${dir} names no pad token`, "the model's tokenizer_config.json must name its pad_token");
    return new ModelTokenizer(tokenizer, maxContext(config, configFile), padId);
  }

  /** Word pieces of `text`, special tokens left out: what search_text is budgeted in. */
  countTokens(text: string): number {
    return this.tokenizer.encode(text, { add_special_tokens: false }).ids.length;
  }

  /** Word pieces a text may have so that, with its special tokens, the model reads all of it. */
  get textTokens(): number {
    return this.maxTokens - this.prefix.length - this.suffix.length;
  }

  /** The ids the model reads for `text`: truncated on the right, special tokens kept. */
  encode(text: string): number[] {
    const ids = this.tokenizer.encode(text, { add_special_tokens: false }).ids;
    const body = ids.length > this.textTokens ? ids.slice(0, Math.max(0, this.textTokens)) : ids;
    return [...this.prefix, ...body, ...this.suffix];
  }
}

/** L2-normalise `v` in place the way fastembed does (a zero vector stays zero). */
function normalizeInPlace(v: Float32Array): void {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] * v[i];
  const norm = Math.sqrt(sum) || 1e-12;
  for (let i = 0; i < v.length; i++) v[i] /= norm;
}

export class OnnxEmbedder {
  private constructor(
    readonly spec: OnnxModelSpec,
    readonly tokenizer: ModelTokenizer,
    private readonly session: ort.InferenceSession,
    private readonly output: string,
  ) {}

  static async load(spec: OnnxModelSpec): Promise<OnnxEmbedder> {
    const tokenizer = ModelTokenizer.load(spec.dir);
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(spec.onnxFile, {
        intraOpNumThreads: 1,
        interOpNumThreads: 1,
        executionMode: "sequential",
        graphOptimizationLevel: "all",
      });
    } catch (err) {
      throw new DatusError("config", `cannot load the ONNX model ${spec.onnxFile}: ${describeError(err)}`, "the model file is incomplete or damaged: get it again");
    }
    try {
      for (const input of ["input_ids", "attention_mask"]) {
        if (!session.inputNames.includes(input)) {
          throw new DatusError("config", `the ONNX model ${spec.onnxFile} has no ${input} input (it has ${session.inputNames.join(", ")})`, "use the model's ONNX export that fastembed loads");
        }
      }
      const embedder = new OnnxEmbedder(spec, tokenizer, session, session.outputNames[0]);
      const probe = await embedder.embed(["probe"]);
      if (probe.length !== spec.dim) {
        throw new DatusError(
          "config",
          `the model ${spec.name} gives ${probe.length}-d vectors, and agent.storage.database.dim_size is ${spec.dim}`,
          `set agent.storage.database.dim_size: ${probe.length} (a store keeps one dimension: migrating to another needs --force)`,
        );
      }
      return embedder;
    } catch (err) {
      await session.release();
      throw err;
    }
  }

  get dim(): number {
    return this.spec.dim;
  }

  /** Vectors of `texts`, row-major (`texts.length * dim` floats). */
  async embed(texts: readonly string[]): Promise<Float32Array> {
    const encoded = texts.map((t) => this.tokenizer.encode(t));
    // batch texts of similar length together: less padding, same vectors
    const order = encoded.map((_, i) => i).sort((a, b) => encoded[a].length - encoded[b].length);
    let out: Float32Array | undefined;
    for (let start = 0; start < order.length; start += this.spec.batchSize) {
      const chunk = order.slice(start, start + this.spec.batchSize);
      const pooled = await this.run(chunk.map((i) => encoded[i]));
      const dim = pooled.length / chunk.length;
      out ??= new Float32Array(texts.length * dim);
      chunk.forEach((textIndex, j) => out!.set(pooled.subarray(j * dim, (j + 1) * dim), textIndex * dim));
    }
    return out ?? new Float32Array(0);
  }

  /** One session run over pre-tokenized texts: pooled (and normalised) vectors, row-major. */
  private async run(batch: readonly number[][]): Promise<Float32Array> {
    const rows = batch.length;
    const seq = Math.max(...batch.map((ids) => ids.length));
    const ids = new BigInt64Array(rows * seq).fill(BigInt(this.tokenizer.padId));
    const mask = new BigInt64Array(rows * seq);
    batch.forEach((row, r) => {
      for (let t = 0; t < row.length; t++) {
        ids[r * seq + t] = BigInt(row[t]);
        mask[r * seq + t] = 1n;
      }
    });
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor("int64", ids, [rows, seq]),
      attention_mask: new ort.Tensor("int64", mask, [rows, seq]),
    };
    if (this.session.inputNames.includes("token_type_ids")) feeds.token_type_ids = new ort.Tensor("int64", new BigInt64Array(rows * seq), [rows, seq]);
    const result = await this.session.run(feeds);
    const hidden = result[this.output];
    try {
      const dims = hidden.dims;
      const data = hidden.data as Float32Array;
      if (dims.length === 2) {
        // a graph that pools itself returns [batch, dim]
        const out = Float32Array.from(data);
        for (let r = 0; r < rows; r++) if (this.spec.normalize) normalizeInPlace(out.subarray(r * dims[1], (r + 1) * dims[1]));
        return out;
      }
      const width = dims[2];
      const out = new Float32Array(rows * width);
      for (let r = 0; r < rows; r++) {
        const v = out.subarray(r * width, (r + 1) * width);
        if (this.spec.pooling === "cls") {
          v.set(data.subarray(r * seq * width, r * seq * width + width));
        } else {
          const len = batch[r].length;
          for (let t = 0; t < len; t++) {
            const base = (r * seq + t) * width;
            for (let k = 0; k < width; k++) v[k] += data[base + k];
          }
          const inv = 1 / Math.max(len, 1e-9);
          for (let k = 0; k < width; k++) v[k] *= inv;
        }
        if (this.spec.normalize) normalizeInPlace(v);
      }
      return out;
    } finally {
      for (const tensor of Object.values(result)) tensor.dispose?.();
    }
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
