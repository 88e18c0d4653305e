/**
 * The LLM's answers by DDL hash: in memory, and optionally in an append-only JSONL file so a re-run asks
 * nothing it has asked before.
 *
 * Decisions, all deliberate:
 * - Key: sha256(dialect + "\n" + ddl). The model's raw text is stored, not the checked structure, and is
 *   checked again on every use: a later, better validation applies to old answers too.
 * - One line per answer, `{"v":1,"key":...,"model":...,"at":...,"content":...}`, each written with a single
 *   append. Unreadable lines (a torn last line after a crash, a line of another version) are skipped on load;
 *   the next append starts on a new line. A later line for a key wins.
 * - A failing write does not stop the run (the cache only saves requests): the first error is kept in
 *   `writeError`.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import { DatusError, describeError } from "../errors.js";
import type { Dialect } from "../model.js";
import { PROMPT_VERSION } from "./ddl-prompt.js";

export function cacheKey(ddl: string, dialect: Dialect): string {
  return createHash("sha256").update(`${dialect}\n${ddl}`).digest("hex");
}

interface CacheLine {
  readonly v: number;
  readonly key: string;
  readonly model?: string;
  readonly at?: string;
  readonly content: string;
}

function readLine(line: string): CacheLine | undefined {
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed !== "object" || parsed === null) return undefined;
    const { v, key, content } = parsed as Partial<CacheLine>;
    if (v !== PROMPT_VERSION || typeof key !== "string" || typeof content !== "string") return undefined;
    return parsed as CacheLine;
  } catch {
    return undefined;
  }
}

export class AnswerCache {
  private readonly answers = new Map<string, string>();
  private readonly file: string | undefined;
  /** The file does not end in a newline (torn last line): the next append starts with one. */
  private needsNewline = false;
  private writes: Promise<void> = Promise.resolve();
  private firstWriteError: string | undefined;
  /** Answers read from the file on construction. */
  readonly loaded: number = 0;

  /** Loads `file` when given and present. DatusError("failed") when it exists but cannot be read. */
  constructor(file?: string) {
    this.file = file;
    if (file === undefined) return;
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
      throw new DatusError("failed", `cannot read the LLM answer cache ${file}: ${describeError(err)}`, "check the path and its permissions, or remove the file to ask again");
    }
    this.needsNewline = text.length > 0 && !text.endsWith("\n");
    for (const line of text.split("\n")) {
      if (line.trim() === "") continue;
      const entry = readLine(line);
      if (entry !== undefined) this.answers.set(entry.key, entry.content);
    }
    this.loaded = this.answers.size;
  }

  get(key: string): string | undefined {
    return this.answers.get(key);
  }

  get size(): number {
    return this.answers.size;
  }

  /** The first failed write to the file, if any. */
  get writeError(): string | undefined {
    return this.firstWriteError;
  }

  /** Remember an answer, and append it to the file (in the background: `flush` waits for it). */
  set(key: string, content: string, model: string): void {
    this.answers.set(key, content);
    const file = this.file;
    if (file === undefined) return;
    const line: CacheLine = { v: PROMPT_VERSION, key, model, at: new Date().toISOString(), content };
    this.writes = this.writes.then(async () => {
      const prefix = this.needsNewline ? "\n" : "";
      try {
        await fs.promises.appendFile(file, `${prefix}${JSON.stringify(line)}\n`, "utf8");
        this.needsNewline = false;
      } catch (err) {
        this.firstWriteError ??= `cannot write the LLM answer cache ${file}: ${describeError(err)}`;
      }
    });
  }

  /** Wait for every append so far. */
  flush(): Promise<void> {
    return this.writes;
  }
}
