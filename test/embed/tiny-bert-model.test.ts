/**
 * The generated tiny BERT (test/helpers/tiny-bert.ts) is what the embedding tests stand on, so it is
 * checked against truth from outside its ONNX path: onnxruntime-node must load and run the hand-encoded
 * model.onnx and agree with the plain-JS reference forward pass, and @huggingface/tokenizers must read
 * tokenizer.json as a BERT tokenizer (specials, lower-casing, punctuation, CJK, WordPiece, [UNK]).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it, type TestContext } from "node:test";
import { Tokenizer } from "@huggingface/tokenizers";
import * as ort from "onnxruntime-node";
import { tempDir } from "../helpers/env.js";
import { writeTinyBert, type TinyBert, type TinyBertOptions } from "../helpers/tiny-bert.js";

const TOLERANCE = 1e-5;

/**
 * The part of Tokenizer used here. The package's .d.ts files import each other without extensions,
 * which NodeNext resolution cannot follow, so TypeScript sees `Tokenizer` as `any`: type it here.
 */
interface BertTokenizer {
  encode(text: string, options?: { add_special_tokens?: boolean }): { ids: number[]; tokens: string[]; attention_mask: number[] };
}

function openSession(model: TinyBert): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(path.join(model.dir, "model.onnx"), { intraOpNumThreads: 1 });
}

function int64(rows: readonly (readonly number[])[]): ort.Tensor {
  return new ort.Tensor("int64", BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0].length]);
}

/** Run a batch, right-padding with [PAD] (id 0) under mask 0 as fastembed does; returns [batch][position] rows. */
async function runBatch(session: ort.InferenceSession, model: TinyBert, sequences: readonly (readonly number[])[]): Promise<Float32Array[][]> {
  const seq = Math.max(...sequences.map((s) => s.length));
  const ids = sequences.map((s) => [...s, ...Array<number>(seq - s.length).fill(0)]);
  const mask = sequences.map((s) => Array.from({ length: seq }, (_, i) => (i < s.length ? 1 : 0)));
  const feeds: Record<string, ort.Tensor> = { input_ids: int64(ids), attention_mask: int64(mask) };
  if (session.inputNames.includes("token_type_ids")) feeds.token_type_ids = int64(ids.map((r) => r.map(() => 0)));
  const output = (await session.run(feeds)).last_hidden_state;
  assert.deepEqual(output.dims, [sequences.length, seq, model.hidden]);
  const data = output.data as Float32Array;
  return sequences.map((_, b) => Array.from({ length: seq }, (_, i) => data.slice((b * seq + i) * model.hidden, (b * seq + i + 1) * model.hidden)));
}

function assertClose(actual: Float32Array, expected: Float32Array, where: string): void {
  assert.equal(actual.length, expected.length, where);
  const worst = Math.max(...actual.map((v, j) => Math.abs(v - expected[j])));
  assert.ok(worst <= TOLERANCE, `${where}: off by ${worst}\n  onnx:      ${[...actual].join(", ")}\n  reference: ${[...expected].join(", ")}`);
}

/** Two sequences of different lengths in one batch: attended positions match the reference of each sequence alone. */
async function assertMatchesReference(t: TestContext, options: TinyBertOptions): Promise<void> {
  const model = writeTinyBert(tempDir(t), options);
  const session = await openSession(model);
  const id = (token: string) => model.vocab.indexOf(token);
  const long = ["[CLS]", "customer", "orders", "(", "id", ")", "订", "单", "[SEP]"].map(id);
  const short = ["[CLS]", "invoice", "##s", "[SEP]"].map(id);
  const [longOut, shortOut] = await runBatch(session, model, [long, short]);

  model.forward(long).forEach((row, i) => assertClose(longOut[i], row, `long sequence, position ${i}`));
  model.forward(short).forEach((row, i) => assertClose(shortOut[i], row, `short sequence, position ${i}`));
  for (let i = short.length; i < long.length; i++) {
    assert.ok(shortOut[i].some((v) => Math.abs(v) > 1e-3), `padded position ${i} should be non-zero garbage`);
  }
  // The mask must reach attended positions, as attention does: the same tokens with one more attended
  // [PAD] give different outputs, so an embedder that gets the mask wrong cannot pass its tests.
  const [withPad] = await runBatch(session, model, [[...short, 0]]);
  assert.ok(Math.max(...withPad[1].map((v, j) => Math.abs(v - shortOut[1][j]))) > 1e-3, "output should depend on the mask");
  await session.release();
}

describe("tiny BERT model.onnx", () => {
  it("loads in onnxruntime-node with BERT's inputs and output", async (t) => {
    const model = writeTinyBert(tempDir(t));
    const session = await openSession(model);
    assert.deepEqual(session.inputNames, ["input_ids", "attention_mask", "token_type_ids"]);
    assert.deepEqual(session.outputNames, ["last_hidden_state"]);
    for (const file of ["model.onnx", "tokenizer.json", "tokenizer_config.json", "config.json", "special_tokens_map.json", "vocab.txt"]) {
      assert.ok(fs.existsSync(path.join(model.dir, file)), file);
    }
    const config = JSON.parse(fs.readFileSync(path.join(model.dir, "config.json"), "utf8")) as Record<string, unknown>;
    assert.equal(config.hidden_size, model.hidden);
    assert.equal(config.vocab_size, model.vocab.length);
    await session.release();
  });

  it("matches the plain-JS reference on a right-padded batch, with non-zero garbage at padding", async (t) => {
    await assertMatchesReference(t, {});
  });

  it("matches the reference with wider layers and residual feed-forward layers", async (t) => {
    await assertMatchesReference(t, { hidden: 32, ffnLayers: 2 });
  });

  it("declares only input_ids and attention_mask when token type ids are off", async (t) => {
    const model = writeTinyBert(tempDir(t), { tokenTypeIds: false });
    const session = await openSession(model);
    assert.deepEqual(session.inputNames, ["input_ids", "attention_mask"]);
    await session.release();
    await assertMatchesReference(t, { tokenTypeIds: false });
  });

  it("is deterministic for a seed and differs across seeds", (t) => {
    const read = (options: TinyBertOptions) => fs.readFileSync(path.join(writeTinyBert(tempDir(t), options).dir, "model.onnx"));
    assert.deepEqual(read({ seed: 7 }), read({ seed: 7 }));
    assert.notDeepEqual(read({ seed: 7 }), read({ seed: 8 }));
  });
});

describe("tiny BERT tokenizer.json, read by @huggingface/tokenizers", () => {
  function load(t: TestContext): { model: TinyBert; tokenizer: BertTokenizer; id: (token: string) => number } {
    const model = writeTinyBert(tempDir(t), { maxLength: 16 });
    const json = (file: string): object => JSON.parse(fs.readFileSync(path.join(model.dir, file), "utf8")) as object;
    const tokenizer: BertTokenizer = new Tokenizer(json("tokenizer.json"), json("tokenizer_config.json"));
    const id = (token: string): number => {
      const i = model.vocab.indexOf(token);
      assert.ok(i >= 0, `"${token}" is not in the vocabulary`);
      return i;
    };
    return { model, tokenizer, id };
  }

  it("wraps lower-cased words in [CLS] … [SEP]", (t) => {
    const { tokenizer, id } = load(t);
    const encoded = tokenizer.encode("Customer Orders");
    assert.deepEqual(encoded.ids, [id("[CLS]"), id("customer"), id("orders"), id("[SEP]")]);
    assert.deepEqual(encoded.attention_mask, [1, 1, 1, 1]);
    assert.equal(id("[PAD]"), 0);
  });

  it("splits punctuation, CJK characters and sub-words, and maps unknown words to [UNK]", (t) => {
    const { tokenizer, id } = load(t);
    const ids = (text: string) => tokenizer.encode(text, { add_special_tokens: false }).ids;
    assert.deepEqual(ids("orders(order_id);"), ["orders", "(", "order", "_", "id", ")", ";"].map(id));
    assert.deepEqual(ids("订单 客户名称"), ["订", "单", "客", "户", "名", "称"].map(id));
    assert.deepEqual(ids("Customers TRACKING invoices"), ["customer", "##s", "track", "##ing", "invoice", "##s"].map(id));
    assert.deepEqual(ids("customer zebra 猫"), ["customer", "[UNK]", "[UNK]"].map(id));
  });

  it("neither truncates to model_max_length nor pads: the caller must", (t) => {
    const { tokenizer } = load(t);
    const encoded = tokenizer.encode(Array(40).fill("order").join(" "));
    assert.equal(encoded.ids.length, 42);
    assert.ok(encoded.attention_mask.every((m) => m === 1));
  });
});
