/**
 * The local ONNX embedder must give the vectors Python fastembed gives: BERT word pieces from tokenizer.json,
 * [CLS] … [SEP] cut to model_max_length, padding to the longest text of a batch, mean (or first-token)
 * pooling over the attention mask, unit length. The truth here is computed outside the code under test:
 * ids by hand from the tiny model's vocabulary, hidden states from its plain-JS `forward`, and pooling and
 * normalisation written out below.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it, type TestContext } from "node:test";
import { maxContext, ModelTokenizer, OnnxEmbedder, type OnnxModelSpec } from "../../src/embed/onnx-embedder.js";
import type { Pooling } from "../../src/embed/fastembed-models.js";
import { DatusError } from "../../src/errors.js";
import { tempDir } from "../helpers/env.js";
import { writeTinyBert, type TinyBert, type TinyBertOptions } from "../helpers/tiny-bert.js";

const TOLERANCE = 1e-5;

/** Texts with known word pieces (from DEFAULT_WORDS), written as the tokens the BERT tokenizer must give. */
const CASES: readonly { readonly text: string; readonly tokens: readonly string[] }[] = [
  { text: "customer orders", tokens: ["customer", "orders"] },
  // lower-cased; "!" is split off and is not in the vocabulary
  { text: "Customer Orders!", tokens: ["customer", "orders", "[UNK]"] },
  // BERT splits CJK text into single characters
  { text: "订单 客户名称", tokens: ["订", "单", "客", "户", "名", "称"] },
  { text: "customer zebra id", tokens: ["customer", "[UNK]", "id"] },
  { text: "customers tracking", tokens: ["customer", "##s", "track", "##ing"] },
];

function idsOf(model: TinyBert, tokens: readonly string[]): number[] {
  return tokens.map((token) => {
    const id = model.vocab.indexOf(token);
    assert.ok(id >= 0, `"${token}" is not in the vocabulary`);
    return id;
  });
}

/** The ids fastembed feeds for a text whose word pieces are `tokens`: [CLS] tokens [SEP]. */
function withSpecials(model: TinyBert, tokens: readonly string[]): number[] {
  return idsOf(model, ["[CLS]", ...tokens, "[SEP]"]);
}

/** fastembed's vector for one sequence: pooled from the reference hidden states, then L2-normalised. */
function expectedVector(model: TinyBert, ids: readonly number[], pooling: Pooling): Float64Array {
  const states = model.forward(ids);
  const v = new Float64Array(model.hidden);
  if (pooling === "cls") {
    v.set(states[0]);
  } else {
    for (const state of states) for (let k = 0; k < model.hidden; k++) v[k] += state[k];
    for (let k = 0; k < model.hidden; k++) v[k] /= states.length;
  }
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

function rowOf(vectors: Float32Array, i: number, dim: number): Float32Array {
  return vectors.subarray(i * dim, (i + 1) * dim);
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, where: string, tolerance = TOLERANCE): void {
  assert.equal(actual.length, expected.length, `${where}: length`);
  let worst = 0;
  for (let k = 0; k < actual.length; k++) worst = Math.max(worst, Math.abs(actual[k] - expected[k]));
  assert.ok(worst <= tolerance, `${where}: off by ${worst}\n  actual:   ${Array.from(actual).join(", ")}\n  expected: ${Array.from(expected).join(", ")}`);
}

function specFor(model: TinyBert, overrides: Partial<OnnxModelSpec> = {}): OnnxModelSpec {
  return {
    kind: "onnx",
    name: "test/tiny-bert",
    dir: model.dir,
    onnxFile: path.join(model.dir, "model.onnx"),
    pooling: "mean",
    normalize: true,
    dim: model.hidden,
    batchSize: 32,
    ...overrides,
  };
}

async function open(t: TestContext, spec: OnnxModelSpec): Promise<OnnxEmbedder> {
  const embedder = await OnnxEmbedder.load(spec);
  t.after(() => embedder.close());
  return embedder;
}

/** `promise` rejects with a config DatusError (exit 2) whose message matches every pattern. */
async function assertConfigError(promise: Promise<unknown>, ...patterns: readonly (string | RegExp)[]): Promise<DatusError> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof DatusError, `expected a DatusError, got ${String(caught)}`);
  assert.equal(caught.exitCode, 2, caught.message);
  for (const p of patterns) {
    if (typeof p === "string") assert.ok(caught.message.includes(p), `"${caught.message}" should name ${p}`);
    else assert.match(caught.message, p);
  }
  return caught;
}

function tinyModel(t: TestContext, options: TinyBertOptions = {}): TinyBert {
  return writeTinyBert(tempDir(t), options);
}

describe("OnnxEmbedder gives fastembed's vectors", () => {
  for (const pooling of ["mean", "cls"] as const) {
    it(`matches the reference for words, case and punctuation, CJK, unknown words and sub-words (${pooling} pooling)`, async (t) => {
      const model = tinyModel(t);
      const embedder = await open(t, specFor(model, { pooling }));
      assert.equal(embedder.dim, model.hidden);
      const vectors = await embedder.embed(CASES.map((c) => c.text));
      assert.equal(vectors.length, CASES.length * model.hidden);
      CASES.forEach((c, i) => {
        const v = rowOf(vectors, i, model.hidden);
        assertClose(v, expectedVector(model, withSpecials(model, c.tokens), pooling), `"${c.text}"`);
        assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-6, `"${c.text}" should have unit length`);
      });
    });
  }

  it("gives different vectors for mean and cls pooling of the same text", async (t) => {
    const model = tinyModel(t);
    const mean = await (await open(t, specFor(model, { pooling: "mean" }))).embed(["customer orders"]);
    const cls = await (await open(t, specFor(model, { pooling: "cls" }))).embed(["customer orders"]);
    assert.ok(mean.some((v, k) => Math.abs(v - cls[k]) > 1e-3));
  });

  it("embeds an empty text as [CLS] [SEP], and no texts as no vectors", async (t) => {
    const model = tinyModel(t);
    const embedder = await open(t, specFor(model));
    assertClose(await embedder.embed([""]), expectedVector(model, withSpecials(model, []), "mean"), "empty text");
    assert.equal((await embedder.embed([])).length, 0);
  });

  it("works with a model that has no token_type_ids input", async (t) => {
    const model = tinyModel(t, { tokenTypeIds: false });
    for (const pooling of ["mean", "cls"] as const) {
      const embedder = await open(t, specFor(model, { pooling }));
      const vectors = await embedder.embed(CASES.map((c) => c.text));
      CASES.forEach((c, i) => assertClose(rowOf(vectors, i, model.hidden), expectedVector(model, withSpecials(model, c.tokens), pooling), `"${c.text}" (${pooling})`));
    }
  });
});

describe("OnnxEmbedder batching", () => {
  const texts = ["customer orders", "the primary key of each invoice line item", "订单", "customers tracking (id, name)", "total amount"];

  it("gives the same vectors for texts of different lengths embedded together as one at a time", async (t) => {
    const model = tinyModel(t);
    for (const pooling of ["mean", "cls"] as const) {
      const embedder = await open(t, specFor(model, { pooling }));
      const together = await embedder.embed(texts);
      for (const [i, text] of texts.entries()) {
        assertClose(rowOf(together, i, model.hidden), await embedder.embed([text]), `"${text}" (${pooling}) in a padded batch`);
      }
    }
  });

  it("gives the same vectors, in the order of the texts, with batchSize 2 as with batchSize 32", async (t) => {
    const model = tinyModel(t);
    const small = await (await open(t, specFor(model, { batchSize: 2 }))).embed(texts);
    const large = await (await open(t, specFor(model, { batchSize: 32 }))).embed(texts);
    assert.equal(small.length, texts.length * model.hidden);
    assertClose(small, large, "batchSize 2 vs 32");
    // order: each row is its own text's vector, checked against the reference for the ones with known tokens
    assertClose(rowOf(small, 0, model.hidden), expectedVector(model, withSpecials(model, ["customer", "orders"]), "mean"), "row 0");
    assertClose(rowOf(small, 2, model.hidden), expectedVector(model, withSpecials(model, ["订", "单"]), "mean"), "row 2");
    assertClose(rowOf(small, 4, model.hidden), expectedVector(model, withSpecials(model, ["total", "amount"]), "mean"), "row 4");
    const reversed = await (await open(t, specFor(model, { batchSize: 2 }))).embed([...texts].reverse());
    texts.forEach((_, i) => assertClose(rowOf(reversed, texts.length - 1 - i, model.hidden), rowOf(small, i, model.hidden), `reversed row of text ${i}`));
  });
});

describe("OnnxEmbedder truncation at model_max_length", () => {
  // 40 known words, all whole words of the vocabulary, none repeated next to each other
  const WORDS = ["customer", "orders", "id", "name", "table", "invoice", "line", "item", "date", "total"];
  const words = (n: number): string[] => Array.from({ length: n }, (_, i) => WORDS[i % WORDS.length]);

  it("reads [CLS] + the first 14 word pieces + [SEP] of a 40-word text when model_max_length is 16", async (t) => {
    const model = tinyModel(t, { maxLength: 16 });
    const expectedIds = withSpecials(model, words(14));
    const tokenizer = ModelTokenizer.load(model.dir);
    assert.equal(tokenizer.maxTokens, 16);
    assert.equal(tokenizer.textTokens, 14);
    assert.equal(tokenizer.padId, model.vocab.indexOf("[PAD]"));
    assert.deepEqual(tokenizer.encode(words(40).join(" ")), expectedIds);

    for (const pooling of ["mean", "cls"] as const) {
      const embedder = await open(t, specFor(model, { pooling }));
      const [long, short] = [words(40).join(" "), "customer orders"];
      const vectors = await embedder.embed([long, short]);
      assertClose(rowOf(vectors, 0, model.hidden), expectedVector(model, expectedIds, pooling), `40-word text (${pooling})`);
      assertClose(rowOf(vectors, 1, model.hidden), expectedVector(model, withSpecials(model, ["customer", "orders"]), pooling), `short text beside it (${pooling})`);
    }
  });

  it("keeps a text of exactly 14 word pieces whole and cuts the 15th, sub-words counted as pieces", (t) => {
    const model = tinyModel(t, { maxLength: 16 });
    const tokenizer = ModelTokenizer.load(model.dir);
    assert.deepEqual(tokenizer.encode(words(14).join(" ")), withSpecials(model, words(14)));
    assert.deepEqual(tokenizer.encode(words(15).join(" ")), withSpecials(model, words(14)));
    // 12 words then "customers" (customer ##s) then "tracking" (track ##ing): 16 pieces, cut inside "tracking"
    const text = [...words(12), "customers", "tracking"].join(" ");
    assert.deepEqual(tokenizer.encode(text), withSpecials(model, [...words(12), "customer", "##s"]));
  });

  it("counts word pieces without the special tokens and without truncating", (t) => {
    const model = tinyModel(t, { maxLength: 16 });
    const tokenizer = ModelTokenizer.load(model.dir);
    assert.equal(tokenizer.countTokens("customers tracking"), 4);
    assert.equal(tokenizer.countTokens("Customer Orders!"), 3);
    assert.equal(tokenizer.countTokens("订单 客户名称"), 6);
    assert.equal(tokenizer.countTokens(""), 0);
    assert.equal(tokenizer.countTokens(words(40).join(" ")), 40);
  });
});

describe("OnnxEmbedder.load refuses what would give wrong vectors", () => {
  it("rejects a dim_size other than the model's width, naming agent.storage.database.dim_size", async (t) => {
    const model = tinyModel(t);
    const err = await assertConfigError(OnnxEmbedder.load(specFor(model, { dim: model.hidden * 2 })), "agent.storage.database.dim_size", String(model.hidden));
    assert.match(err.hint, /dim_size/);
  });

  it("rejects a damaged model.onnx, naming the file", async (t) => {
    const model = tinyModel(t);
    const onnxFile = path.join(model.dir, "model.onnx");
    fs.truncateSync(onnxFile, Math.floor(fs.statSync(onnxFile).size / 2));
    await assertConfigError(OnnxEmbedder.load(specFor(model)), onnxFile);
  });

  it("rejects a model directory without tokenizer.json, naming the file", async (t) => {
    const model = tinyModel(t);
    fs.rmSync(path.join(model.dir, "tokenizer.json"));
    await assertConfigError(OnnxEmbedder.load(specFor(model)), path.join(model.dir, "tokenizer.json"));
  });

  it("rejects a tokenizer_config.json without a usable model_max_length", async (t) => {
    const model = tinyModel(t);
    const configFile = path.join(model.dir, "tokenizer_config.json");
    const config = JSON.parse(fs.readFileSync(configFile, "utf8")) as Record<string, unknown>;
    fs.writeFileSync(configFile, JSON.stringify({ ...config, model_max_length: null }));
    await assertConfigError(OnnxEmbedder.load(specFor(model)), configFile);
  });
});

describe("maxContext", () => {
  const FILE = "/models/x/tokenizer_config.json";
  // what transformers writes for "no limit": int(1e30), as it appears in the JSON file
  const unlimited = (JSON.parse('{"v": 1000000000000000019884624838656}') as { v: number }).v;

  it("takes the stricter of model_max_length and max_length", () => {
    assert.equal(maxContext({ model_max_length: 512 }, FILE), 512);
    assert.equal(maxContext({ max_length: 128 }, FILE), 128);
    assert.equal(maxContext({ model_max_length: 512, max_length: 128 }, FILE), 128);
    assert.equal(maxContext({ model_max_length: 256, max_length: 512 }, FILE), 256);
  });

  it("ignores transformers' 1e30 'unknown', zero, null, negative and non-integer values", () => {
    assert.equal(maxContext({ model_max_length: unlimited, max_length: 512 }, FILE), 512);
    assert.equal(maxContext({ model_max_length: 1e30, max_length: 256 }, FILE), 256);
    assert.equal(maxContext({ model_max_length: 0, max_length: 256 }, FILE), 256);
    assert.equal(maxContext({ model_max_length: 512, max_length: null }, FILE), 512);
    assert.equal(maxContext({ model_max_length: null, max_length: 128 }, FILE), 128);
    assert.equal(maxContext({ model_max_length: -1, max_length: 64 }, FILE), 64);
    assert.equal(maxContext({ model_max_length: 512, max_length: 12.5 }, FILE), 512);
  });

  it("throws a config error naming the file when no value is valid", () => {
    for (const config of [{}, { model_max_length: unlimited }, { model_max_length: 0, max_length: null }, { model_max_length: "512" }]) {
      assert.throws(
        () => maxContext(config, FILE),
        (err: unknown) => err instanceof DatusError && err.exitCode === 2 && err.message.includes(FILE),
        JSON.stringify(config),
      );
    }
  });
});
