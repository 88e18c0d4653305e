/** `datus-schema migrate` (alias `migrate-v0-to-v1`). */
import { directoryBytes } from "../../store/backup.js";
import fs from "node:fs";
import path from "node:path";
import type { Argv, ArgumentsCamelCase } from "yargs";
import { selectModel } from "../../config/load-config.js";
import { LlmDdlParser } from "../../llm/llm-ddl-parser.js";
import { stateDir } from "../../store/migration-state.js";
import { lockStore, type StoreLock } from "../../store/store-lock.js";
import { openLiveSource, type LiveSource } from "../../dialects/live-source.js";
import { usageError } from "../../errors.js";
import { importLive, type ImportOutcome } from "../../engine/import-live.js";
import { migrate, type MigrateOutcome } from "../../engine/migrate.js";
import { DEFAULT_KEEP_BACKUPS } from "../../engine/run-record.js";
import { DEFAULT_INDEX_MIN_ROWS } from "../../engine/search-indexes.js";
import { resolveEmbedding } from "../embedding-setup.js";
import { parseShard } from "../../engine/shard.js";
import {
  boolOption,
  type CommonArgs,
  flag,
  interruptSignal,
  logFormatOf,
  namespaceDialect,
  numberOption,
  parseDialect,
  resolveContext,
  runCommand,
  wholeNumber,
  withCommonOptions,
} from "../context.js";
import { printImportSummary, printMigrateSummary, printStoreReport, reportEmbeddingFailures } from "../output.js";
import { planStatistics, printNoPlan, printStatisticsPlans } from "../statistics-plan.js";
import type { SourceTable } from "../../model.js";

interface MigrateArgs extends CommonArgs {
  readonly dialect?: string;
  readonly extractStatistics?: string | boolean;
  readonly extractRelationships?: string | boolean;
  readonly importSchemas?: string | boolean;
  readonly importOnly?: string | boolean;
  readonly clear?: string | boolean;
  readonly force?: string | boolean;
  readonly llmFallback?: string | boolean;
  readonly llmModel?: string;
  readonly llmTimeout?: unknown;
  readonly skipBackup?: string | boolean;
  readonly dryRun?: string | boolean;
  readonly queryLog?: string;
  readonly shard?: string;
  readonly keepVectors?: string | boolean;
  readonly index?: string | boolean;
  readonly indexMinRows?: unknown;
  readonly keepBackups?: unknown;
}

export const migrateCommand = {
  command: "migrate",
  describe: "upgrade a namespace's LanceDB store from v0 to v1 (safe to re-run: resumes, never duplicates)",
  builder: (y: Argv) =>
    withCommonOptions(y, { workers: true, dbPath: true })
      .option("dialect", { type: "string", describe: "with --db-path: the DDL dialect of the store (default: sniffed per table)" })
      .option("extract-statistics", boolOption("row counts and column statistics from the live database", false))
      .option("extract-relationships", boolOption("foreign keys and join paths", true))
      .option("import-schemas", boolOption("after migrating, import every table of the namespace's live database", false))
      .option("import-only", boolOption("skip the migration; only import (needs --import-schemas)", false))
      .option("clear", boolOption("empty the table before importing (needs --import-schemas; never without a backup)", false))
      .option("force", boolOption("redo every table, even those already v1", false))
      .option("skip-backup", boolOption("do not copy the store directory first", false))
      .option("keep-backups", numberOption(`v1 backups to keep (<store>.backup_v1_*, default ${DEFAULT_KEEP_BACKUPS}; v0 backups are never removed)`))
      .option("dry-run", boolOption("do everything but write: print what would change (with --extract-statistics: the queries per table and the rows they would read, none run)", false))
      .option("llm-fallback", boolOption("ask an LLM for DDL no parser reads", false))
      .option("llm-model", { type: "string", describe: "key of agent.models for --llm-fallback (default agent.target); only with --llm-fallback" })
      .option("llm-timeout", numberOption(`seconds to wait for one LLM answer (default ${DEFAULT_LLM_TIMEOUT_S}); with --llm-fallback`))
      .option("query-log", { type: "string", describe: "SQL file, directory or JSONL to mine JOIN relationships from" })
      .option("shard", { type: "string", describe: "K/N: migrate only the tables whose identifier hashes to K of N (run N processes)" })
      .option("keep-vectors", boolOption("fill every v1 field but leave the stored vectors as they are (no model needed; `datus-schema embed` later)", false))
      .option("index", boolOption("after a large migration, build the vector and full-text indexes (--no-index to skip)", true))
      .option("index-min-rows", numberOption(`build the indexes only above this many rows (default ${DEFAULT_INDEX_MIN_ROWS})`))
      .example("$0 migrate --config conf/agent.yml --namespace demo", "upgrade the demo namespace's store")
      .example("$0 migrate --config conf/agent.yml --extract-statistics=true --import-schemas --force", "full migration: statistics, relationships, live import")
      .example("$0 migrate --db-path ~/.datus/data/datus_db_prod --dialect mysql --dry-run", "see what would change in an orphan store")
      .example("$0 migrate --config conf/agent.yml --namespace prod --extract-statistics=true --dry-run", "list the statistics queries per table with the rows they would read, running none")
      .example("$0 migrate --config conf/agent.yml --shard 2/4", "the second of four parallel processes")
      .example("$0 migrate --config conf/agent.yml --keep-vectors && $0 embed --config conf/agent.yml", "migrate now, embed later where the model is"),
  handler: (argv: ArgumentsCamelCase<MigrateArgs>) => runCommand(logFormatOf(argv), () => runMigrate(argv)),
};

/** Seconds to wait for one answer of the LLM fallback (`--llm-timeout`). */
const DEFAULT_LLM_TIMEOUT_S = 60;

async function runMigrate(argv: MigrateArgs): Promise<number> {
  // every flag is checked before anything is touched
  const extractStatistics = flag("--extract-statistics", argv.extractStatistics, false);
  const extractRelationships = flag("--extract-relationships", argv.extractRelationships, true);
  const importSchemas = flag("--import-schemas", argv.importSchemas, false);
  const importOnly = flag("--import-only", argv.importOnly, false);
  const clear = flag("--clear", argv.clear, false);
  const force = flag("--force", argv.force, false);
  const skipBackup = flag("--skip-backup", argv.skipBackup, false);
  const dryRun = flag("--dry-run", argv.dryRun, false);
  const llmFallback = flag("--llm-fallback", argv.llmFallback, false);
  const shard = argv.shard ? parseShard(argv.shard) : undefined;
  const keepVectors = flag("--keep-vectors", argv.keepVectors, false);
  const index = flag("--index", argv.index, true);
  const indexMinRows = wholeNumber("--index-min-rows", argv.indexMinRows, DEFAULT_INDEX_MIN_ROWS);
  const llmTimeoutS = wholeNumber("--llm-timeout", argv.llmTimeout, DEFAULT_LLM_TIMEOUT_S, 1);
  const keepBackups = wholeNumber("--keep-backups", argv.keepBackups, DEFAULT_KEEP_BACKUPS, 1);
  if (!llmFallback && (argv.llmModel !== undefined || argv.llmTimeout !== undefined)) {
    const given = argv.llmModel !== undefined ? "--llm-model" : "--llm-timeout";
    throw usageError(`${given} applies to --llm-fallback, which is not on`, `add --llm-fallback to ask the LLM for DDL no parser reads, or drop ${given}`);
  }
  if (importOnly && !importSchemas) throw usageError("--import-only needs --import-schemas", "add --import-schemas, or drop --import-only to migrate");
  if (clear && !importSchemas) {
    throw usageError("--clear empties the table before an import, so it needs --import-schemas", "without an import, --clear would delete the v0 rows the migration reads; use --force to redo the migration");
  }
  if (clear && skipBackup) throw usageError("--clear never runs without a backup, and --skip-backup was given", "drop --skip-backup");
  if (clear && !force) {
    throw usageError("--clear empties the table before the import: confirm it with --force", "the guide's schema-import flow is `migrate --import-schemas --import-only --clear --force` (one backup is taken first; `datus-schema rollback` undoes it)");
  }
  if (shard && (importSchemas || clear)) throw usageError("--shard splits the migration of stored rows; it does not combine with --import-schemas or --clear", "run the import once, without --shard");
  const ctx = resolveContext(argv, { live: extractStatistics || importSchemas, store: dryRun ? "read" : importOnly ? "write-or-missing" : "write" });
  const dialect = argv.dialect ? parseDialect(argv.dialect, "--dialect") : namespaceDialect(ctx.namespace);
  if (argv.dialect && ctx.namespace && dialect !== namespaceDialect(ctx.namespace)) {
    // --dialect names the dialect of a store given by --db-path alone; a namespace's type is its dialect
    throw usageError(
      `--dialect ${argv.dialect} does not match namespace ${ctx.namespace.name} (type ${ctx.namespace.type})`,
      "--dialect is for a store given by --db-path without a namespace: drop it (the namespace's type is used), or drop --namespace",
    );
  }
  if ((extractStatistics || importSchemas) && !ctx.namespace) {
    throw usageError(
      `${extractStatistics ? "--extract-statistics" : "--import-schemas"} reads the live database, which needs a namespace`,
      "pass --namespace (and --config) naming the database in agent.namespace",
    );
  }
  if (argv.queryLog && !fs.existsSync(argv.queryLog)) throw usageError(`--query-log ${argv.queryLog}: no such file or directory`, "give a .sql file, a directory of them, or a JSONL file with a `sql` field");
  if (argv.queryLog && !extractRelationships) throw usageError("--query-log mines relationships, and --extract-relationships is off", "drop --extract-relationships=false");
  let llm: LlmDdlParser | undefined;
  if (llmFallback) {
    if (!ctx.config) throw usageError("--llm-fallback needs a model from agent.models, and no config was read", "pass --config naming an agent.yml with agent.models and agent.target (or --llm-model)");
    const model = selectModel(ctx.config, argv.llmModel);
    const progress = ctx.progress;
    llm = new LlmDdlParser({
      model,
      concurrency: 4,
      retries: 3,
      timeoutMs: llmTimeoutS * 1000,
      cacheFile: path.join(stateDir(ctx.storePath), "llm-answers.jsonl"),
      onWarning: (message) => progress.warn(message),
    });
    ctx.progress.log(`LLM fallback: agent.models.${model.key} (${model.model}) for DDL no parser reads`);
  }

  const signal = interruptSignal(ctx.progress);
  const embedding = await resolveEmbedding(ctx.config, { keepVectors, signal });
  const indexes = index ? { minRows: indexMinRows } : undefined;
  let live: LiveSource | undefined;
  if ((extractStatistics || importSchemas) && ctx.namespace) live = await openLiveSource(ctx.namespace);
  // a Ctrl-C stops the source's running statements too: the run then commits what is done and exits
  signal.addEventListener("abort", () => live?.interrupt(), { once: true });
  // a dry run reads no table: each table the statistics would read is planned instead, from the catalog
  const planned = new Map<string, SourceTable>();
  const planOnly = dryRun && live?.planStatistics ? (table: SourceTable) => void planned.set(table.identifier, table) : undefined;
  const statistics =
    extractStatistics && live && (!dryRun || planOnly)
      ? { namespace: ctx.namespace!, maxConnections: ctx.namespace!.maxConnections, rule: ctx.namespace!.sampling, planOnly }
      : undefined;
  // a real run reads the live database in the worker pool, max_connections for all threads together: the
  // connection that checked the namespace is closed first, and the import opens its own for the catalog
  if (!dryRun && live) {
    await live.close();
    live = undefined;
  }
  const bytesBefore = dryRun ? 0 : directoryBytes(ctx.storePath);
  let migrated: MigrateOutcome | undefined;
  let imported: ImportOutcome | undefined;
  // one writer per store for the whole run (shards share it with each other); a dry run writes nothing
  const command = shard ? `migrate --shard ${shard.index}/${shard.count}` : importSchemas ? "migrate --import-schemas" : "migrate";
  let lock: StoreLock | undefined;
  try {
    if (!dryRun) lock = lockStore(ctx.storePath, { command, shard: shard !== undefined, create: importSchemas, progress: ctx.progress });
    if (!importOnly) {
      migrated = await migrate({
        storePath: ctx.storePath,
        dialect,
        extractRelationships,
        statistics,
        force,
        dryRun,
        skipBackup,
        keepBackups,
        workers: ctx.workers,
        shard,
        embedding,
        indexes,
        queryLog: argv.queryLog,
        tagTermsYaml: ctx.tagTermsYaml,
        llm,
        signal,
        progress: ctx.progress,
      });
      printMigrateSummary(migrated, ctx.logFormat, dryRun ? undefined : { before: bytesBefore, after: directoryBytes(ctx.storePath) });
    }
    if (importSchemas && ctx.namespace && !dryRun && !signal.aborted) {
      const importBytesBefore = directoryBytes(ctx.storePath);
      live = await openLiveSource(ctx.namespace);
      imported = await importLive({
        storePath: ctx.storePath,
        live,
        namespace: ctx.namespace,
        database: ctx.namespace?.database,
        schema: ctx.namespace?.schema,
        embedding,
        force,
        indexes,
        clear,
        incremental: false,
        extractRelationships,
        statistics,
        relationshipChecks: extractRelationships && ctx.namespace ? { maxConnections: ctx.namespace.maxConnections, rule: ctx.namespace.sampling } : undefined,
        skipBackup: skipBackup && !clear,
        keepBackups,
        backupTakenNow: migrated?.backupTakenNow ? migrated.backupPath : undefined,
        queryLog: argv.queryLog,
        tagTermsYaml: ctx.tagTermsYaml,
        workers: ctx.workers,
        signal,
        progress: ctx.progress,
      });
      printImportSummary(imported, ctx.storePath, ctx.logFormat, { before: importBytesBefore, after: directoryBytes(ctx.storePath) });
    } else if (importSchemas && dryRun) {
      const tables = await live!.listTables({ database: ctx.namespace?.database, schema: ctx.namespace?.schema });
      ctx.progress.log(`dry run: would import ${tables.length} tables from the live database${clear ? " after clearing the table" : ""}`);
      if (planOnly) for (const t of tables) planOnly(t.source);
    }
    if (extractStatistics && dryRun && live && !signal.aborted) {
      if (planOnly) {
        const tables = [...planned.values()].sort((a, b) => (a.identifier < b.identifier ? -1 : a.identifier > b.identifier ? 1 : 0));
        printStatisticsPlans(await planStatistics(live, tables, ctx.namespace!.sampling, ctx.namespace!.maxConnections, signal), ctx.logFormat);
      } else printNoPlan(live, ctx.logFormat);
    }
  } finally {
    lock?.release();
    await live?.close();
    await llm?.close();
  }
  if (!dryRun) await printStoreReport(ctx.storePath, 10, ctx.logFormat, false, ctx.workers);
  if (signal.aborted || migrated?.status === "interrupted" || imported?.counts.interrupted) return 130;
  return reportEmbeddingFailures((migrated?.counts?.embeddingFailureCount ?? 0) + (imported?.counts.embeddingFailureCount ?? 0), ctx.logFormat);
}
