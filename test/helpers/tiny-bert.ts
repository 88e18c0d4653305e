/**
 * A tiny, BERT-shaped embedding model generated on the spot, laid out like a Hugging Face snapshot of
 * sentence-transformers/all-MiniLM-L6-v2 as fastembed downloads it (model.onnx, tokenizer.json,
 * tokenizer_config.json, config.json, special_tokens_map.json, vocab.txt), so that the local embedding
 * code can be tested on this machine, where no model weights can be downloaded.
 *
 * The graph has BERT's interface (input_ids, attention_mask, token_type_ids -> last_hidden_state) and
 * the two properties pooling code depends on: an attended position's output depends on which other
 * positions the mask lets in (as through attention), and padded positions come out as non-zero
 * garbage, so pooling that forgets the mask gets a different answer. It is not attention:
 *   h0  = WordEmb[input_ids] + TypeEmb[token_type_ids] + PosEmb[0..seq)
 *   ctx = sum(mask * h0) / max(sum(mask), 1)            (over the sequence, per batch row)
 *   h   = tanh(h0·W1 + ctx·W2 + b1)
 *   h   = h + tanh(h·Wa + ba)·Wb                         (ffnLayers times)
 * `forward` recomputes the same function with plain loops, as the truth the ONNX graph is tested against.
 */
import fs from "node:fs";
import path from "node:path";
import { ElemType, encodeOnnxModel, type OnnxNode, type OnnxTensor, type OnnxValueInfo } from "./onnx-writer.js";

/** How to shape the generated model; every field has a default. */
export interface TinyBertOptions {
  /** Width of the embeddings and of last_hidden_state. Default 8. */
  readonly hidden?: number;
  /** Vocabulary besides the five special tokens, in id order from 5. Default: DEFAULT_WORDS. */
  readonly words?: readonly string[];
  /** Residual feed-forward layers after the first mixing layer; the bench adds some so a call costs like MiniLM. Default 0. */
  readonly ffnLayers?: number;
  /**
   * Width of last_hidden_state when it should differ from `hidden`: a final projection makes a cheap
   * model with a real model's output size (384 for a stand-in of all-MiniLM-L6-v2). Default: `hidden`.
   */
  readonly outputDim?: number;
  /** Width of the feed-forward layers. Default 4 * hidden. */
  readonly intermediate?: number;
  /** model_max_length of tokenizer_config.json. Default 256. */
  readonly maxLength?: number;
  /** Rows of the position-embedding table: the longest sequence the model accepts. Default 512. */
  readonly maxPositions?: number;
  /** Whether the graph declares a token_type_ids input (BERT does; some exports drop it). Default true. */
  readonly tokenTypeIds?: boolean;
  /** Seed of the weights: the same options give byte-identical files. Default 42. */
  readonly seed?: number;
}

/** A generated model: where its files are, and an independent reference of what it computes. */
export interface TinyBert {
  /** The snapshot directory (model.onnx and the tokenizer files). */
  readonly dir: string;
  /** Width of last_hidden_state. */
  readonly hidden: number;
  /** Every token, the index being its id: [PAD]=0, [UNK]=1, [CLS]=2, [SEP]=3, [MASK]=4, then the words. */
  readonly vocab: readonly string[];
  /**
   * Independent reference: last_hidden_state of ONE sequence (ids, all attended, token type 0 as
   * fastembed sends), computed with plain JS loops from the same weights. Returns seq x hidden rows.
   */
  forward(ids: readonly number[]): Float32Array[];
}

/** The special tokens of BERT, in the order that gives their ids. */
export const SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] as const;

/**
 * The default words: schema English with sub-word pieces ("customers" = customer ##s, "tracking" =
 * track ##ing, while "orders" is a whole word), a few CJK characters (BERT splits CJK text into single
 * characters) and the punctuation BertPreTokenizer splits off.
 */
export const DEFAULT_WORDS: readonly string[] = [
  ...["customer", "orders", "order", "id", "name", "table", "track", "invoice", "line", "item", "date", "total"],
  ...["amount", "status", "product", "user", "address", "email", "created", "at", "of", "the", "and", "for"],
  ...["each", "key", "primary", "foreign", "number", "price", "album", "artist", "genre", "employee"],
  ...["##s", "##ing", "##ed", "##er"],
  ...["订", "单", "客", "户", "名", "称"],
  ...[".", ",", "(", ")", ";", ":", "-", "_", "=", "{", "}", "[", "]"],
];

/** Small, fast, seedable PRNG (mulberry32): the weights only need to be deterministic and varied. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A row-major rows x cols matrix. */
interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float32Array;
}

interface FfnLayer {
  readonly wa: Matrix;
  readonly ba: Matrix;
  readonly wb: Matrix;
}

interface Weights {
  readonly word: Matrix;
  readonly type: Matrix;
  readonly pos: Matrix;
  readonly w1: Matrix;
  readonly w2: Matrix;
  readonly b1: Matrix;
  readonly ffn: readonly FfnLayer[];
  /** The final projection to outputDim, when there is one. */
  readonly out?: Matrix;
}

function randomWeights(vocabSize: number, hidden: number, intermediate: number, maxPositions: number, ffnLayers: number, seed: number, outputDim: number): Weights {
  const random = mulberry32(seed);
  // Uniform in ±scale; scales of 1/sqrt(fan-in) keep every activation of order 1, so float32 rounding
  // stays far below the tests' tolerance whatever the width.
  const matrix = (rows: number, cols: number, scale: number): Matrix => {
    const data = new Float32Array(rows * cols);
    for (let i = 0; i < data.length; i++) data[i] = (random() * 2 - 1) * scale;
    return { rows, cols, data };
  };
  return {
    word: matrix(vocabSize, hidden, 1),
    type: matrix(2, hidden, 0.5),
    pos: matrix(maxPositions, hidden, 0.5),
    w1: matrix(hidden, hidden, 1 / Math.sqrt(hidden)),
    w2: matrix(hidden, hidden, 1 / Math.sqrt(hidden)),
    b1: matrix(1, hidden, 0.5),
    ffn: Array.from({ length: ffnLayers }, () => ({
      wa: matrix(hidden, intermediate, 1 / Math.sqrt(hidden)),
      ba: matrix(1, intermediate, 0.5),
      wb: matrix(intermediate, hidden, 1 / Math.sqrt(intermediate)),
    })),
    out: outputDim !== hidden ? matrix(hidden, outputDim, 1 / Math.sqrt(hidden)) : undefined,
  };
}

/** x (a vector) times m, plus bias if given. Accumulates in float64: the reference should be the more exact side. */
function vecMat(x: ArrayLike<number>, m: Matrix, bias?: Matrix): Float64Array {
  const out = new Float64Array(m.cols);
  for (let j = 0; j < m.cols; j++) {
    let s = bias ? bias.data[j] : 0;
    for (let k = 0; k < m.rows; k++) s += x[k] * m.data[k * m.cols + j];
    out[j] = s;
  }
  return out;
}

function row(m: Matrix, r: number): Float32Array {
  return m.data.subarray(r * m.cols, (r + 1) * m.cols);
}

function referenceForward(w: Weights, ids: readonly number[]): Float32Array[] {
  const hidden = w.word.cols;
  if (ids.length > w.pos.rows) throw new Error(`sequence of ${ids.length} tokens is longer than the ${w.pos.rows} positions`);
  const h0 = ids.map((id, i) => {
    if (!Number.isInteger(id) || id < 0 || id >= w.word.rows) throw new Error(`token id ${id} is not in the vocabulary`);
    const word = row(w.word, id);
    const type = row(w.type, 0);
    const pos = row(w.pos, i);
    return Float64Array.from({ length: hidden }, (_, j) => word[j] + type[j] + pos[j]);
  });
  const ctx = new Float64Array(hidden);
  for (const h of h0) for (let j = 0; j < hidden; j++) ctx[j] += h[j];
  for (let j = 0; j < hidden; j++) ctx[j] /= Math.max(ids.length, 1);
  const fromCtx = vecMat(ctx, w.w2, w.b1);
  return h0.map((x) => {
    const fromToken = vecMat(x, w.w1);
    let h = fromToken.map((v, j) => Math.tanh(v + fromCtx[j]));
    for (const layer of w.ffn) {
      const inner = vecMat(h, layer.wa, layer.ba).map(Math.tanh);
      const delta = vecMat(inner, layer.wb);
      h = h.map((v, j) => v + delta[j]);
    }
    return Float32Array.from(w.out ? vecMat(h, w.out) : h);
  });
}

function buildGraph(w: Weights, tokenTypeIds: boolean): { nodes: OnnxNode[]; initializers: OnnxTensor[]; inputs: OnnxValueInfo[] } {
  const initializers: OnnxTensor[] = [];
  const nodes: OnnxNode[] = [];
  const weight = (name: string, m: Matrix, dims: readonly number[] = [m.rows, m.cols]): string => {
    initializers.push({ name, dims, data: m.data });
    return name;
  };
  const ints = (name: string, values: readonly number[]): string => {
    initializers.push({ name, dims: [values.length], data: BigInt64Array.from(values.map(BigInt)) });
    return name;
  };
  const op = (opType: string, inputs: readonly string[], output: string, attributes?: Record<string, number>): string => {
    nodes.push({ opType, inputs, outputs: [output], attributes });
    return output;
  };
  const hidden = w.word.cols;

  const word = op("Gather", [weight("word_embeddings", w.word), "input_ids"], "word");
  // Without a token_type_ids input every token is type 0, as in a BERT export that drops the input.
  const type = tokenTypeIds
    ? op("Gather", [weight("token_type_embeddings", w.type), "token_type_ids"], "type")
    : weight("token_type_embedding_0", { rows: 1, cols: hidden, data: row(w.type, 0) }, [hidden]);
  const seqLen = op("Shape", ["input_ids"], "seq_len", { start: 1, end: 2 });
  const pos = op("Slice", [weight("position_embeddings", w.pos), ints("zero", [0]), seqLen, ints("axis0", [0])], "pos");
  const h0 = op("Add", [op("Add", [word, type], "word_type"), pos], "h0");

  const mask = op("Unsqueeze", [op("Cast", ["attention_mask"], "mask_float", { to: ElemType.float }), ints("last_axis", [-1])], "mask");
  const sum = op("ReduceSum", [op("Mul", [h0, mask], "masked"), ints("seq_axis", [1])], "masked_sum");
  const one = weight("one", { rows: 1, cols: 1, data: Float32Array.of(1) }, []);
  const count = op("Max", [op("ReduceSum", [mask, "seq_axis"], "mask_count"), one], "count");
  const ctx = op("Div", [sum, count], "ctx");
  const mixed = op("Add", [op("MatMul", [h0, weight("w1", w.w1)], "h0_w1"), op("MatMul", [ctx, weight("w2", w.w2)], "ctx_w2")], "mixed");
  let h = op("Tanh", [op("Add", [mixed, weight("b1", w.b1, [hidden])], "mixed_b1")], "h_0");

  w.ffn.forEach((layer, i) => {
    const inner = op("MatMul", [h, weight(`ffn${i}_wa`, layer.wa)], `ffn${i}_a`);
    const act = op("Tanh", [op("Add", [inner, weight(`ffn${i}_ba`, layer.ba, [layer.ba.cols])], `ffn${i}_ab`)], `ffn${i}_act`);
    h = op("Add", [h, op("MatMul", [act, weight(`ffn${i}_wb`, layer.wb)], `ffn${i}_delta`)], `h_${i + 1}`);
  });
  if (w.out) op("MatMul", [h, weight("out", w.out)], "last_hidden_state");
  else op("Identity", [h], "last_hidden_state");

  const tokens = (name: string): OnnxValueInfo => ({ name, elemType: "int64", shape: ["batch", "sequence"] });
  const inputs = [tokens("input_ids"), tokens("attention_mask"), ...(tokenTypeIds ? [tokens("token_type_ids")] : [])];
  return { nodes, initializers, inputs };
}

/** tokenizer.json in the shape `tokenizers` saves for BERT (as in all-MiniLM-L6-v2), without its truncation/padding. */
function tokenizerJson(vocab: readonly string[]): unknown {
  const special = (token: string, typeId: number) => ({ SpecialToken: { id: token, type_id: typeId } });
  const sequence = (id: "A" | "B", typeId: number) => ({ Sequence: { id, type_id: typeId } });
  const specialEntry = (token: string) => [token, { id: token, ids: [vocab.indexOf(token)], tokens: [token] }];
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: { type: "BertNormalizer", clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: "BertPreTokenizer" },
    post_processor: {
      type: "TemplateProcessing",
      single: [special("[CLS]", 0), sequence("A", 0), special("[SEP]", 0)],
      pair: [special("[CLS]", 0), sequence("A", 0), special("[SEP]", 0), sequence("B", 1), special("[SEP]", 1)],
      special_tokens: Object.fromEntries([specialEntry("[CLS]"), specialEntry("[SEP]")]),
    },
    decoder: { type: "WordPiece", prefix: "##", cleanup: true },
    model: {
      type: "WordPiece",
      unk_token: "[UNK]",
      continuing_subword_prefix: "##",
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocab.map((token, id) => [token, id])),
    },
  };
}

function writeJson(file: string, value: unknown): void {
  fs.writeFileSync(file, JSON.stringify(value, null, 2) + "\n");
}

/** Generate the model and its tokenizer files into `dir` (created if missing); deterministic for given options. */
export function writeTinyBert(dir: string, options: TinyBertOptions = {}): TinyBert {
  const hidden = options.hidden ?? 8;
  const intermediate = options.intermediate ?? 4 * hidden;
  const maxPositions = options.maxPositions ?? 512;
  const maxLength = options.maxLength ?? 256;
  const vocab = [...SPECIAL_TOKENS, ...(options.words ?? DEFAULT_WORDS)];
  const duplicate = vocab.find((token, i) => vocab.indexOf(token) !== i);
  if (duplicate !== undefined) throw new Error(`token "${duplicate}" is twice in the vocabulary`);

  const outputDim = options.outputDim ?? hidden;
  const weights = randomWeights(vocab.length, hidden, intermediate, maxPositions, options.ffnLayers ?? 0, options.seed ?? 42, outputDim);
  const { nodes, initializers, inputs } = buildGraph(weights, options.tokenTypeIds ?? true);
  const model = encodeOnnxModel({
    opset: 17,
    irVersion: 8,
    producer: "datus-schema tiny-bert",
    graphName: "tiny_bert",
    nodes,
    initializers,
    inputs,
    outputs: [{ name: "last_hidden_state", elemType: "float", shape: ["batch", "sequence", outputDim] }],
  });

  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "model.onnx"), model);
  writeJson(path.join(dir, "tokenizer.json"), tokenizerJson(vocab));
  const specialTokens = { cls_token: "[CLS]", mask_token: "[MASK]", pad_token: "[PAD]", sep_token: "[SEP]", unk_token: "[UNK]" };
  writeJson(path.join(dir, "special_tokens_map.json"), specialTokens);
  writeJson(path.join(dir, "tokenizer_config.json"), {
    ...specialTokens,
    clean_up_tokenization_spaces: true,
    do_basic_tokenize: true,
    do_lower_case: true,
    model_max_length: maxLength,
    never_split: null,
    strip_accents: null,
    tokenize_chinese_chars: true,
    tokenizer_class: "BertTokenizer",
  });
  writeJson(path.join(dir, "config.json"), {
    architectures: ["BertModel"],
    model_type: "bert",
    hidden_size: outputDim,
    intermediate_size: intermediate,
    max_position_embeddings: maxPositions,
    pad_token_id: 0,
    type_vocab_size: 2,
    vocab_size: vocab.length,
  });
  fs.writeFileSync(path.join(dir, "vocab.txt"), vocab.join("\n") + "\n");

  return { dir, hidden: outputDim, vocab, forward: (ids) => referenceForward(weights, ids) };
}
