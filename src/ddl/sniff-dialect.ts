/**
 * Guess the dialect of an orphan DDL text (a store whose dialect is not configured).
 * Token-based: `SERIAL_NO` or `money_amt` as column names say nothing; only keywords and syntax vote.
 * What votes for which dialect is each dialect's profile (`sniff` in `src/dialects/<name>/<name>-profile.ts`).
 */
import type { DialectProfile, QuoteClaim } from "../dialects/dialect-profile.js";
import { PROFILES } from "../dialects/registry.js";
import type { Dialect } from "../model.js";
import { tokenize, type Token } from "./tokenize.js";

type Votes = Map<Dialect, number>;

function vote(votes: Votes, dialect: Dialect, weight: number): void {
  votes.set(dialect, (votes.get(dialect) ?? 0) + weight);
}

/** Words that only mean something as a type or keyword of one dialect family, from the profiles. */
const WORD_VOTES: ReadonlyMap<string, readonly (readonly [Dialect, number])[]> = (() => {
  const words = new Map<string, (readonly [Dialect, number])[]>();
  for (const p of PROFILES) {
    for (const [word, weight] of Object.entries(p.sniff.words ?? {})) words.set(word, [...(words.get(word) ?? []), [p.name, weight]]);
  }
  return words;
})();

const SYNTAX = PROFILES.flatMap((p) => (p.sniff.syntax === undefined ? [] : [[p.name, p.sniff.syntax] as const]));

function isPunct(t: Token | undefined, ch: string): boolean {
  return t !== undefined && t.kind === "punct" && t.value === ch;
}

/**
 * The vote of `count` uses of a quoting style: for the first `if-voted` claimant that already has votes,
 * else its `owner`; nobody when a `silences` claimant has votes.
 */
function quoteVote(votes: Votes, claimOf: (p: DialectProfile) => QuoteClaim | undefined, weight: number): void {
  // loops over PROFILES, no array of claims: TurboFan deoptimized sniffDialect on `.some` over the array its
  // inlined `.map` made, again and again (45 recompiles per 100,000 tables)
  let ifVoted: Dialect | undefined;
  let owner: Dialect | undefined;
  for (const p of PROFILES) {
    const claim = claimOf(p);
    if (claim === "silences" && votes.has(p.name)) return;
    if (claim === "if-voted" && ifVoted === undefined && votes.has(p.name)) ifVoted = p.name;
    if (claim === "owner" && owner === undefined) owner = p.name;
  }
  const chosen = ifVoted ?? owner;
  if (chosen !== undefined) vote(votes, chosen, weight);
}

/** The most likely dialect of `ddl`, or `unknown` when nothing in it is specific. */
export function sniffDialect(ddl: string): Dialect {
  // Read with neutral rules: [ is punctuation so `[Name]` shows up as `[ word ]`.
  const tokens = tokenize(ddl, { backslashEscapes: true, hashComments: false, bracketIdentifiers: false, dollarQuotes: true });
  const votes: Votes = new Map();
  let backticks = 0;
  let brackets = 0;
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k];
    if (t.kind === "qident") {
      if (ddl.charCodeAt(t.start) === 96) backticks++;
      continue;
    }
    if (isPunct(t, "[") && tokens[k + 1]?.kind === "word" && isPunct(tokens[k + 2], "]")) brackets++;
    if (t.kind === "word") for (const [dialect, weight] of WORD_VOTES.get(t.upper) ?? []) vote(votes, dialect, weight);
    for (const [dialect, syntax] of SYNTAX) {
      const weight = syntax(tokens, k, ddl);
      if (weight > 0) vote(votes, dialect, weight);
    }
  }
  if (brackets > 0) quoteVote(votes, (p) => p.sniff.brackets, 2 + brackets);
  // backticks: the MySQL family's, unless BigQuery already spoke
  if (backticks > 0) quoteVote(votes, (p) => p.sniff.backticks, 2);
  let best: Dialect = "unknown";
  let bestScore = 0;
  for (const [dialect, score] of votes) {
    if (score > bestScore) {
      best = dialect;
      bestScore = score;
    }
  }
  return best;
}
