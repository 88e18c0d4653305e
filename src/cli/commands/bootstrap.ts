/** `datus-schema bootstrap` (alias `live-bootstrap`): build or refresh v1 metadata straight from a live database. */
import { directoryBytes } from "../../store/backup.js";
import fs from "node:fs";
import type { Argv, ArgumentsCamelCase } from "yargs";
import { openLiveSource } from "../../dialects/live-source.js";
import { usageError } from "../../errors.js";
import { importLive } from "../../engine/import-live.js";
import { DEFAULT_KEEP_BACKUPS } from "../../engine/run-record.js";
import { DEFAULT_INDEX_MIN_ROWS } from "../../engine/search-indexes.js";
import { resolveEmbedding } from "../embedding-setup.js";
import { lockStore, type StoreLock } from "../../store/store-lock.js";
import {
  boolOption,
  type CommonArgs,
  flag,
  interruptSignal,
  logFormatOf,
  namespaceDialect,
  numberOption,
  parseDialect,
  type Context,
  resolveContext,
  runCommand,
  wholeNumber,
  withCommonOptions,
} from "../context.js";
import { out, printImportSummary, printStoreReport, reportEmbeddingFailures } from "../output.js";
import { planStatistics, printNoPlan, printStatisticsPlans } from "../statistics-plan.js";
import { printable } from "../../printable.js";

interface BootstrapArgs extends CommonArgs {
  readonly database?: string;
  readonly schema?: string;
  readonly dialect?: string;
  readonly extractStatistics?: string | boolean;
  readonly extractRelationships?: string | boolean;
  readonly incremental?: string | boolean;
  readonly skipBackup?: string | boolean;
  readonly queryLog?: string;
  readonly dryRun?: string | boolean;
  readonly keepBackups?: unknown;
}

export const bootstrapCommand = {
  command: "bootstrap",
  describe: "build or refresh a namespace's v1 store from its live database",
  builder: (y: Argv) =>
    withCommonOptions(y, { workers: true, dbPath: false })
      .option("database", { type: "string", describe: "database to read (default: the namespace's)" })
      .option("schema", { type: "string", describe: "schema to read (default: the namespace's, else all)" })
      .option("dialect", { type: "string", describe: "the namespace's engine, checked against its type" })
      .option("extract-statistics", boolOption("row counts and column statistics", true))
      .option("extract-relationships", boolOption("foreign keys and join paths", true))
      .option("incremental", boolOption("only tables whose DDL changed since the last run", false))
      .option("skip-backup", boolOption("do not copy an existing store directory first", false))
      .option("keep-backups", numberOption(`v1 backups to keep (<store>.backup_v1_*, default ${DEFAULT_KEEP_BACKUPS}; v0 backups are never removed)`))
      .option("query-log", { type: "string", describe: "SQL file, directory or JSONL to mine JOIN relationships from" })
      .option("dry-run", boolOption("list the tables and, with statistics, the queries each would get with the rows they would read (catalog estimates); run none, write nothing", false))
      .example("$0 bootstrap --config conf/agent.yml --namespace demo --extract-statistics=true", "build the demo store from the demo DuckDB file")
      .example("$0 bootstrap --config conf/agent.yml --database=my_db --schema=public --dialect=duckdb --incremental", "nightly refresh of changed tables")
      .example("$0 bootstrap --config conf/agent.yml --namespace prod --extract-statistics=true --dry-run", "see the statistics queries per table and the rows they would read, touching nothing"),
  handler: (argv: ArgumentsCamelCase<BootstrapArgs>) =>
    runCommand(logFormatOf(argv), async () => {
      const extractStatistics = flag("--extract-statistics", argv.extractStatistics, true);
      const extractRelationships = flag("--extract-relationships", argv.extractRelationships, true);
      const incremental = flag("--incremental", argv.incremental, false);
      const skipBackup = flag("--skip-backup", argv.skipBackup, false);
      const dryRun = flag("--dry-run", argv.dryRun, false);
      const keepBackups = wholeNumber("--keep-backups", argv.keepBackups, DEFAULT_KEEP_BACKUPS, 1);
      const ctx = resolveContext(argv, { live: true, store: dryRun ? "read-or-missing" : "write-or-missing" });
      if (!ctx.namespace) throw usageError("bootstrap reads a live database, which needs a namespace", "pass --config and --namespace naming it in agent.namespace");
      if (argv.dialect && parseDialect(argv.dialect, "--dialect") !== namespaceDialect(ctx.namespace)) {
        throw usageError(`--dialect ${argv.dialect} does not match namespace ${ctx.namespace.name} (type ${ctx.namespace.type})`, "drop --dialect, or choose the namespace of that engine");
      }
      if (argv.queryLog && !fs.existsSync(argv.queryLog)) throw usageError(`--query-log ${argv.queryLog}: no such file or directory`, "give a .sql file, a directory of them, or a JSONL file with a `sql` field");
      const signal = interruptSignal(ctx.progress);
      if (dryRun) return dryRunBootstrap(ctx, { database: argv.database ?? ctx.namespace.database, schema: argv.schema ?? ctx.namespace.schema, extractStatistics, signal });
      const embedding = await resolveEmbedding(ctx.config, { keepVectors: false, signal });
      const live = await openLiveSource(ctx.namespace);
      // a Ctrl-C stops the source's running statements too: the run then commits what is done and exits
      signal.addEventListener("abort", () => live.interrupt(), { once: true });
      let lock: StoreLock | undefined;
      try {
        lock = lockStore(ctx.storePath, { command: "bootstrap", create: true, progress: ctx.progress });
        const bytesBefore = directoryBytes(ctx.storePath);
        const outcome = await importLive({
          storePath: ctx.storePath,
          live,
          namespace: ctx.namespace,
          database: argv.database ?? ctx.namespace.database,
          schema: argv.schema ?? ctx.namespace.schema,
          embedding,
          indexes: { minRows: DEFAULT_INDEX_MIN_ROWS },
          clear: false,
          incremental,
          extractRelationships,
          statistics: extractStatistics ? { namespace: ctx.namespace, maxConnections: ctx.namespace.maxConnections, rule: ctx.namespace.sampling } : undefined,
          relationshipChecks: extractRelationships ? { maxConnections: ctx.namespace.maxConnections, rule: ctx.namespace.sampling } : undefined,
          skipBackup,
          keepBackups,
          queryLog: argv.queryLog,
          tagTermsYaml: ctx.tagTermsYaml,
          workers: ctx.workers,
          signal,
          progress: ctx.progress,
        });
        printImportSummary(outcome, ctx.storePath, ctx.logFormat, { before: bytesBefore, after: directoryBytes(ctx.storePath) });
        await printStoreReport(ctx.storePath, 10, ctx.logFormat, false, ctx.workers);
        return outcome.counts.interrupted ? 130 : reportEmbeddingFailures(outcome.counts.embeddingFailureCount, ctx.logFormat);
      } finally {
        lock?.release();
        await live.close();
      }
    }),
};

/**
 * `bootstrap --dry-run`: the tables (one catalog read) and, with statistics, the statements each would get
 * with the rows they would read, from the catalog's estimates. No store, lock, backup or bookkeeping; no
 * statement reads a table; the embedding model is not loaded.
 */
async function dryRunBootstrap(
  ctx: Context,
  options: { readonly database?: string; readonly schema?: string; readonly extractStatistics: boolean; readonly signal: AbortSignal },
): Promise<number> {
  const ns = ctx.namespace!;
  const live = await openLiveSource(ns);
  options.signal.addEventListener("abort", () => live.interrupt(), { once: true });
  try {
    const tables = await live.listTables({ database: options.database, schema: options.schema });
    ctx.progress.log(`dry run: ${tables.length} table(s) in the live database; no store, lock or backup is made, and no query reads a table`);
    if (options.extractStatistics && live.planStatistics) {
      printStatisticsPlans(await planStatistics(live, tables.map((t) => t.source), ns.sampling, ns.maxConnections, options.signal), ctx.logFormat);
    } else {
      for (const t of tables) {
        out(ctx.logFormat === "json" ? JSON.stringify({ event: "dry_run_table", table: t.source.identifier, table_type: t.source.tableType }) : `${printable(t.source.identifier)} (${t.source.tableType})`);
      }
      if (options.extractStatistics) printNoPlan(live, ctx.logFormat);
    }
    return options.signal.aborted ? 130 : 0;
  } finally {
    await live.close();
  }
}
