/**
 * What the tool knows about one SQL dialect, in one place: each dialect has a folder
 * `src/dialects/<name>/` whose `<name>-profile.ts` exports a {@link DialectProfile}, and
 * `src/dialects/registry.ts` lists the profiles, one line each. The DDL reader (lexing, name splitting,
 * the node-sql-parser fallback, sniffing), config loading, the CLI's `--dialect` and the live sources all
 * read the profiles; none of them names a dialect itself.
 */
import type { LexRules, Token } from "../ddl/tokenize.js";
import type { LiveNamespace, LiveSource } from "./live-source.js";

/** How a qualified name `a.b` or `a.b.c` in the dialect's DDL splits into database, schema and table. */
export interface NameRules {
  /** In `a.b`, `a` is the database (MySQL family, Hive, SQLite) or the schema (PostgreSQL and most others). */
  readonly twoParts: "database" | "schema";
  /** In `a.b.c`, `a.b` is `catalog.database` (StarRocks) or `database.schema` (the rest). */
  readonly threeParts: "catalog.database" | "database.schema";
  /** One quoted `project.dataset.table` counts as three parts (BigQuery's backticks). */
  readonly splitQuotedDots: boolean;
}

/**
 * Who a quoting style (`` `name` ``, `[name]`) speaks for when the sniffer counts it:
 * - `owner`: the dialect the style votes for when no other claim applies;
 * - `if-voted`: this dialect instead of the owner, when its keywords already voted for it;
 * - `silences`: nobody, when this dialect's keywords already voted for it (its own quotes say nothing new).
 */
export type QuoteClaim = "owner" | "if-voted" | "silences";

/** What in a DDL text suggests this dialect (see `src/ddl/sniff-dialect.ts`). Weights add up per dialect. */
export interface SniffHints {
  /** Unquoted words (upper case) that are a type or keyword of this dialect only, with their weight. */
  readonly words?: Readonly<Record<string, number>>;
  /**
   * A vote for the syntax at token `k` (`ENGINE = OLAP`, `::`, `$$ … $$`), 0 for none. Called for every
   * token but quoted identifiers; a token may vote for one dialect only.
   */
  readonly syntax?: (tokens: readonly Token[], k: number, ddl: string) => number;
  /** What `` `name` `` says about this dialect. */
  readonly backticks?: QuoteClaim;
  /** What `[name]` says about this dialect. */
  readonly brackets?: QuoteClaim;
}

/** How a namespace of this `type` is read live. */
export interface LiveProfile {
  /**
   * For engines that are one file (DuckDB, SQLite): the extension the config hints use. The namespace then
   * needs a `uri` (a path or `<type>:///path`) and config loading resolves it to an absolute path.
   */
  readonly fileExtension?: string;
  /** Opens the database; loads the driver on first use, so commands that read no database never load it. */
  open(ns: LiveNamespace): Promise<LiveSource>;
}

/** Everything the tool knows about one dialect. Plain data and small functions; no driver is loaded by it. */
export interface DialectProfile {
  /** The canonical name: the `--dialect` value, the config `type`, `TableStructure.dialect`. */
  readonly name: string;
  /** Other names users write for it (`postgres`), in `--dialect` and the config's `type`. */
  readonly aliases: readonly string[];
  /** How the dialect writes strings, quoted identifiers and comments. */
  readonly lex: LexRules;
  /** How a qualified name splits. */
  readonly names: NameRules;
  /** node-sql-parser's grammar for it (its build file and `database` option). */
  readonly grammar: string;
  /** What suggests it in a DDL text of unknown dialect. */
  readonly sniff: SniffHints;
  /** How to read a live database of this dialect; absent: the tool only reads its DDL. */
  readonly live?: LiveProfile;
}

/** A profile with its literal name kept, so the registry can derive the `Dialect` union from it. */
export function defineDialect<const P extends DialectProfile>(profile: P): P {
  return profile;
}

/** MySQL's lexical rules, shared by the dialects of its family. */
export const MYSQL_LEX: LexRules = { backslashEscapes: true, hashComments: true, bracketIdentifiers: false, dollarQuotes: false };

/** `a.b` is `database.table`, `a.b.c` is `database.schema.table`. */
export const DATABASE_QUALIFIED: NameRules = { twoParts: "database", threeParts: "database.schema", splitQuotedDots: false };

/** `a.b` is `schema.table`, `a.b.c` is `database.schema.table`. */
export const SCHEMA_QUALIFIED: NameRules = { twoParts: "schema", threeParts: "database.schema", splitQuotedDots: false };

/** Is `t` the word `upper`? */
export function isWord(t: Token | undefined, upper: string): boolean {
  return t !== undefined && t.kind === "word" && t.upper === upper;
}

/** Is `t` the punctuation `ch`? */
export function isPunct(t: Token | undefined, ch: string): boolean {
  return t !== undefined && t.kind === "punct" && t.value === ch;
}

