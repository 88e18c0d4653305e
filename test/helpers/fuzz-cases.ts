/**
 * Fuzzed DDL for the bad-input tests: the corpus tables cut at every point, with bytes flipped, NULs and
 * broken UTF-8 put in, and the pathological shapes (empty, 10 MB, 10,000 columns, 10,000 nested
 * parentheses). Deterministic: a seeded generator (FUZZ_SEED) picks the cuts and flips.
 *
 * FUZZ=full runs the whole sweep (every cut point of every corpus table, 200 flips a table, the dense
 * 10 MB DDL); the default samples it so that `npm test` stays quick.
 */
import fs from "node:fs";
import path from "node:path";
import type { Dialect } from "../../src/model.js";
import { corpusTables } from "./corpus.js";
import { CORPUS } from "./env.js";

export const FULL = process.env.FUZZ === "full";
export const SEED = Number(process.env.FUZZ_SEED ?? 7);

/** A small, fast, seeded generator (mulberry32). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

export interface CorpusDdl {
  readonly name: string;
  readonly dialect: Dialect;
  readonly ddl: string;
}

const FILES: readonly (readonly [string, Dialect])[] = [
  ["sakila/mysql-schema.sql", "mysql"],
  ["sakila/postgres-schema.sql", "postgresql"],
  ["sakila/sqlite-schema.sql", "sqlite"],
  ["employees/mysql-schema.sql", "mysql"],
  ["chinook/chinook_mysql.sql", "mysql"],
  ["chinook/chinook_postgresql.sql", "postgresql"],
  ["chinook/chinook_sqlite.sql", "sqlite"],
];

/** Every table and view of the corpus as a DDL export holds it (its CREATE and the statements amending it). */
export function corpusDdl(): CorpusDdl[] {
  const out: CorpusDdl[] = [];
  for (const [file, dialect] of FILES) {
    for (const t of corpusTables(file, dialect, "db")) out.push({ name: `${file}#${t.tableName}`, dialect, ddl: t.definition });
  }
  const starrocks = path.join(CORPUS, "starrocks-tpch/ddl");
  for (const f of fs.readdirSync(starrocks).sort()) out.push({ name: `starrocks-tpch/${f}`, dialect: "starrocks", ddl: fs.readFileSync(path.join(starrocks, f), "utf8") });
  return out;
}

/** Cut points of `text`: all of them, or every `step`-th (plus the last few). */
export function cutPoints(text: string, step: number): number[] {
  const out: number[] = [];
  for (let at = 0; at <= text.length; at += step) out.push(at);
  for (let at = Math.max(0, text.length - 3); at <= text.length; at++) if (!out.includes(at)) out.push(at);
  return out;
}

const DECODE = new TextDecoder("utf-8");

/** `ddl` with `flips` random bytes of its UTF-8 replaced by random bytes, read back as a writer would (U+FFFD for broken sequences). */
export function flipBytes(ddl: string, flips: number, next: () => number): string {
  const bytes = Buffer.from(ddl, "utf8");
  for (let i = 0; i < flips && bytes.length > 0; i++) bytes[Math.floor(next() * bytes.length)] = Math.floor(next() * 256);
  return DECODE.decode(bytes);
}

/** `ddl` with `what` put in at `count` random places. */
export function insertAt(ddl: string, what: string, count: number, next: () => number): string {
  let out = ddl;
  for (let i = 0; i < count; i++) {
    const at = Math.floor(next() * (out.length + 1));
    out = out.slice(0, at) + what + out.slice(at);
  }
  return out;
}

/** The pathological shapes, each with a name. `dense` adds the 10 MB DDL made of tokens (slow to read: FUZZ=full). */
export function pathological(dense = FULL): [string, string][] {
  const tenMb = 10 * 2 ** 20;
  const column = (i: number) => `  \`c${i}\` varchar(32) NOT NULL DEFAULT '' COMMENT '状态 ${i % 3}=x${i % 3}'`;
  const cases: [string, string][] = [
    ["empty", ""],
    ["blank", " \n\t\r\n "],
    ["only a comment", "-- nothing here\n/* nor here */"],
    ["NUL only", "\0".repeat(64)],
    ["byte order mark", "\uFEFFCREATE TABLE bom (id int COMMENT 'with a BOM')"],
    ["lone surrogates", "CREATE TABLE s\ud800 (a\udc00 int COMMENT '\ud83d')"],
    ["10,000 columns", `CREATE TABLE wide (\n${Array.from({ length: 10_000 }, (_, i) => column(i)).join(",\n")}\n) COMMENT='wide'`],
    ["10,000 nested parentheses", `CREATE TABLE nested (a int DEFAULT ${"(".repeat(10_000)}1${")".repeat(10_000)}, b int)`],
    ["10,000 unclosed parentheses", `CREATE TABLE unclosed (a int DEFAULT ${"(".repeat(10_000)}1`],
    ["10,000 closing parentheses", `CREATE TABLE closing (a int${")".repeat(10_000)}`],
    ["10 MB comment", `CREATE TABLE big (id int COMMENT 'the id', note text) COMMENT='${"0=a, 1=b; 说明 ".repeat(Math.ceil(tenMb / 16))}'`],
    ["unclosed quote", `CREATE TABLE q (a varchar(10) COMMENT 'never closed${"x".repeat(10_000)}`],
    ["enum of 100,000 values", `CREATE TABLE e (a enum(${Array.from({ length: 100_000 }, (_, i) => `'v${i}'`).join(",")}))`],
  ];
  if (dense) cases.push(["10 MB of columns", `CREATE TABLE dense (\n${Array.from({ length: Math.ceil(tenMb / 80) }, (_, i) => column(i)).join(",\n")}\n)`]);
  return cases;
}
