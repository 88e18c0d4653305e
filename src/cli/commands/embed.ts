/** `datus-schema embed`: re-embed the rows whose vector is stale (`--all`: every row), resumably. */
import type { Argv, ArgumentsCamelCase } from "yargs";
import { embedStore, type EmbedOutcome } from "../../engine/embed-store.js";
import type { LogFormat } from "../../engine/progress.js";
import { DEFAULT_INDEX_MIN_ROWS } from "../../engine/search-indexes.js";
import { boolOption, type CommonArgs, flag, interruptSignal, logFormatOf, numberOption, resolveContext, runCommand, wholeNumber, withCommonOptions } from "../context.js";
import { resolveEmbedding } from "../embedding-setup.js";
import { lockStore } from "../../store/store-lock.js";
import { cpuSeconds, out, printStoreReport } from "../output.js";
import { printable } from "../../printable.js";

interface EmbedArgs extends CommonArgs {
  readonly all?: string | boolean;
  readonly skipBackup?: string | boolean;
  readonly index?: string | boolean;
  readonly indexMinRows?: unknown;
}

export const embedCommand = {
  command: "embed",
  describe: "re-embed the rows whose vector is stale with the configured model (--all: every row); resumable",
  builder: (y: Argv) =>
    withCommonOptions(y, { workers: true, dbPath: true })
      .option("all", boolOption("re-embed every row (a store moved to another model)", false))
      .option("skip-backup", boolOption("do not copy the store directory first", false))
      .option("index", boolOption("afterwards, build the vector and full-text indexes on a large store (--no-index to skip)", true))
      .option("index-min-rows", numberOption(`build the indexes only above this many rows (default ${DEFAULT_INDEX_MIN_ROWS})`))
      .example("$0 embed --config conf/agent.yml --namespace prod", "embed the rows migrated with --keep-vectors")
      .example("$0 embed --config conf/agent.yml --all", "move the store to the model agent.storage.database names"),
  handler: (argv: ArgumentsCamelCase<EmbedArgs>) =>
    runCommand(logFormatOf(argv), async () => {
      const all = flag("--all", argv.all, false);
      const skipBackup = flag("--skip-backup", argv.skipBackup, false);
      const index = flag("--index", argv.index, true);
      const indexMinRows = wholeNumber("--index-min-rows", argv.indexMinRows, DEFAULT_INDEX_MIN_ROWS);
      const ctx = resolveContext(argv, { live: false, store: "write" });
      const signal = interruptSignal(ctx.progress);
      const embedding = await resolveEmbedding(ctx.config, { keepVectors: false, signal });
      const lock = lockStore(ctx.storePath, { command: "embed", create: false, progress: ctx.progress });
      const outcome = await embedStore({
        storePath: ctx.storePath,
        all,
        embedding,
        workers: ctx.workers,
        skipBackup,
        indexes: index ? { minRows: indexMinRows } : undefined,
        signal,
        progress: ctx.progress,
      }).finally(() => lock?.release());
      printEmbedSummary(outcome, ctx.logFormat);
      if (outcome.status !== "nothing-to-do") await printStoreReport(ctx.storePath, 10, ctx.logFormat, false, ctx.workers);
      return outcome.status === "interrupted" ? 130 : outcome.failedCount > 0 ? 1 : 0;
    }),
};

function printEmbedSummary(o: EmbedOutcome, format: LogFormat): void {
  if (format === "json") {
    out(
      JSON.stringify({
        event: "embed",
        status: o.status,
        store: o.storePath,
        todo: o.todo,
        embedded: o.embedded,
        failed: o.failedCount,
        failures: o.failed,
        not_migrated: o.notMigrated,
        indexes: o.indexesBuilt ?? [],
        peak_rss_kb: process.resourceUsage().maxRSS,
        cpu_seconds: cpuSeconds(),
      }),
    );
    return;
  }
  out("");
  out("EMBEDDING SUMMARY");
  out("=".repeat(80));
  out(`Store: ${printable(o.storePath)}`);
  if (o.status === "nothing-to-do") out("Status: nothing to do: every v1 row's vector is of its search_text with the configured model (use --all to redo them)");
  else if (o.status === "interrupted") out(`Status: INTERRUPTED after ${o.embedded} of ${o.todo} rows; what was written is committed. Re-run the same command to resume.`);
  else out(`Status: embedded ${o.embedded} of ${o.todo} rows`);
  if (o.failedCount > 0) {
    out(`Embedding failures: ${o.failedCount} rows kept their old vector and stay stale (re-run to retry):`);
    for (const f of o.failed.slice(0, 10)) out(`  ${printable(f.identifier)}: ${printable(f.error)}`);
  }
  if (o.notMigrated > 0) out(`Not migrated yet: ${o.notMigrated} rows (run \`datus-schema migrate\`)`);
  if (o.indexesBuilt?.length) out(`Indexes: ${o.indexesBuilt.join("; ")}`);
}
