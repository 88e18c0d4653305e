/**
 * With the real all-MiniLM-L6-v2 (DATUS_TEST_MODEL_DIR: a directory holding model.onnx, tokenizer.json and
 * tokenizer_config.json, e.g. fastembed's qdrant/all-MiniLM-L6-v2-onnx snapshot), the migrated Chinook and
 * Sakila rows answer plain questions the way the agent asks them: the question embedded with the same model,
 * a cosine search over `vector`, the right table first. The weights cannot be downloaded on this machine, so
 * without the variable the test says it is skipped and why.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import * as lancedb from "@lancedb/lancedb";
import { OnnxEmbedder } from "../../src/embed/onnx-embedder.js";
import { writeV0Store } from "../../src/store/v0-store.js";
import { corpusTables } from "../helpers/corpus.js";
import { runCli, tempDir } from "../helpers/env.js";

const MODEL_DIR = process.env.DATUS_TEST_MODEL_DIR;

/** Questions and the tables that answer them (any of them first is right). */
const QUESTIONS: readonly { readonly question: string; readonly answers: readonly string[] }[] = [
  { question: "which customers bought the most tracks", answers: ["invoice_line", "invoiceline", "invoice"] },
  { question: "songs in each playlist", answers: ["playlist_track", "playlisttrack", "playlist"] },
  { question: "which employee does each employee report to", answers: ["employee"] },
  { question: "music genres", answers: ["genre"] },
  { question: "actors who appear in a film", answers: ["film_actor", "actor"] },
  { question: "payments made by each customer", answers: ["payment"] },
  { question: "which films are rented most often", answers: ["rental", "inventory", "film"] },
  { question: "languages of the films", answers: ["language"] },
];

test("real all-MiniLM-L6-v2: plain questions find the right Chinook and Sakila table first", async (t) => {
  if (!MODEL_DIR) {
    t.skip("DATUS_TEST_MODEL_DIR is not set: the real all-MiniLM-L6-v2 weights cannot be downloaded on this machine; point it at a directory with model.onnx, tokenizer.json and tokenizer_config.json to run this test");
    return;
  }
  assert.ok(fs.existsSync(path.join(MODEL_DIR, "model.onnx")), `${MODEL_DIR} holds model.onnx`);
  const dir = tempDir(t);
  const store = path.join(dir, "datus_db_corpus");
  await writeV0Store(store, [...corpusTables("chinook/chinook_sqlite.sql", "sqlite", "chinook"), ...corpusTables("sakila/sqlite-schema.sql", "sqlite", "sakila")]);
  const config = path.join(dir, "agent.yml");
  fs.writeFileSync(config, `agent:\n  storage:\n    database:\n      registry_name: sentence-transformers\n      model_name: all-MiniLM-L6-v2\n      dim_size: 384\n      model_path: ${MODEL_DIR}\n`);
  const run = await runCli(["migrate", "--config", config, "--db-path", store, "--dialect", "sqlite"]);
  assert.equal(run.code, 0, run.stderr);

  const embedder = await OnnxEmbedder.load({ kind: "onnx", name: "sentence-transformers/all-MiniLM-L6-v2", dir: MODEL_DIR, onnxFile: path.join(MODEL_DIR, "model.onnx"), pooling: "mean", normalize: true, dim: 384, batchSize: 32 });
  const table = await (await lancedb.connect(store)).openTable("schema_metadata");
  const misses: string[] = [];
  for (const { question, answers } of QUESTIONS) {
    const vector = Array.from(await embedder.embed([question]));
    const [top] = (await table.vectorSearch(vector).distanceType("cosine").select(["table_name"]).limit(1).toArray()) as { table_name: string }[];
    const name = top.table_name.toLowerCase();
    if (!answers.includes(name)) misses.push(`"${question}" -> ${name} (want ${answers.join(" or ")})`);
  }
  await embedder.close();
  assert.deepEqual(misses, [], misses.join("\n"));
});
