/**
 * `--llm-fallback`: a pipeline stage that asks an LLM for the structure of the tables no parser could read,
 * and re-enriches those rows from its (validated) answer. A table the LLM cannot help keeps the row the
 * parsers gave it and stays counted as a parse failure, its failure record saying why the LLM did not help.
 */
import { enrichTable } from "../enrich/enrich-table.js";
import type { TagDictionary } from "../enrich/tag-dictionary.js";
import type { LlmDdlParser } from "../llm/llm-ddl-parser.js";
import type { Dialect, SourceTable } from "../model.js";
import { summarize } from "../relationships/catalog-index.js";
import type { EnrichResult } from "./enrich-batch.js";
import type { ResultStage } from "./pipeline.js";
import type { VectorSource } from "./vector-source.js";

export interface LlmRecoveryCounts {
  /** Tables whose DDL no parser read, and the LLM did. */
  recovered: number;
  /** Tables handed to the LLM that it could not help with. */
  unrecovered: number;
  /** Of those, the tables it gave no answer for (HTTP errors, timeouts, the breaker open), by why: printed once each. */
  failures: Record<string, number>;
  /** Of those, the tables whose answer was rejected (not the asked JSON, or naming what the DDL does not hold). */
  rejected: number;
}

/** Counts of a run that has not asked anything yet. */
export function noLlmRecovery(): LlmRecoveryCounts {
  return { recovered: 0, unrecovered: 0, failures: {}, rejected: 0 };
}

export interface LlmRecoveryOptions {
  /** Re-embeds the recovered rows' new search_text (when the batch's vectors are of search_text). */
  readonly vectors: VectorSource;
  readonly extractRelationships: boolean;
  /** The dictionary the workers tag with (business_terms.yml), so recovered rows are tagged alike. */
  readonly tagDictionary?: TagDictionary;
}

export function llmRecoveryStage(llm: LlmDdlParser, options: LlmRecoveryOptions, counts: LlmRecoveryCounts): ResultStage {
  return async (result: EnrichResult, sources: readonly SourceTable[]): Promise<EnrichResult> => {
    if (result.parseFailures.length === 0) return result;
    const failed = new Map(result.parseFailures.map((f) => [f.identifier, f]));
    const why = new Map<string, string>();
    const rows = [...result.rows];
    const vectors = result.vectors;
    const dim = options.vectors.dim;
    const recovered = new Set<string>();
    const parsers = { ...result.parsers };
    const summaries = [...result.summaries];
    // a recovered row is related again, from its new structure
    const related = result.related ? [...result.related] : undefined;
    await Promise.all(
      rows.map(async (row, i) => {
        const failure = failed.get(row.identifier);
        if (!failure) return;
        // enrichBatch keeps the order of its task: row i is the table of sources[i]
        const source = sources[i];
        const { structure, outcome, reason } = await llm.parseDetailed(source.definition, failure.dialect as Dialect);
        if (!structure) {
          counts.unrecovered++;
          if (outcome === "failed") counts.failures[reason ?? "no answer"] = (counts.failures[reason ?? "no answer"] ?? 0) + 1;
          else counts.rejected++;
          if (reason !== undefined) why.set(row.identifier, reason);
          return;
        }
        const enriched = enrichTable(source, {
          dialect: failure.dialect as Dialect,
          extractRelationships: options.extractRelationships,
          now: row.last_updated,
          catalog: structure,
          tagDictionary: options.tagDictionary,
        });
        rows[i] = enriched.row;
        summaries[i] = summarize(source, enriched.structure);
        if (related) related[i] = false;
        // counted on top of the parser that failed on it: `llm` = tables the LLM recovered
        parsers.llm = (parsers.llm ?? 0) + 1;
        recovered.add(row.identifier);
        counts.recovered++;
      }),
    );
    if (recovered.size > 0 && result.vectorsOf === "search_text") {
      const at = rows.map((r, i) => (recovered.has(r.identifier) ? i : -1)).filter((i) => i >= 0);
      const { vectors: fresh } = await options.vectors.embed(at.map((i) => rows[i].search_text));
      at.forEach((rowIndex, j) => vectors.set(fresh.subarray(j * dim, (j + 1) * dim), rowIndex * dim));
    }
    return {
      ...result,
      rows,
      vectors,
      parsers,
      summaries,
      ...(related ? { related } : {}),
      parsedOk: [...result.parsedOk, ...recovered],
      parseFailures: result.parseFailures.filter((f) => !recovered.has(f.identifier)).map((f) => (why.has(f.identifier) ? { ...f, llm: why.get(f.identifier) } : f)),
    };
  };
}
