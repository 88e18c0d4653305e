/**
 * `datus-schema demo`: the embedded default. Builds a sample DuckDB shop/warehouse database and a v0 store
 * from it under ./data/demo (idempotently), migrates the store with live statistics, prints the report.
 * conf/agent.yml's `demo` namespace points at the same files, so every other command works on them too.
 */
import fs from "node:fs";
import path from "node:path";
import type { Argv, ArgumentsCamelCase } from "yargs";
import { buildDemoDatabase, demoV0Definitions } from "../../demo/demo-database.js";
import { openLiveSource } from "../../dialects/live-source.js";
import { migrate } from "../../engine/migrate.js";
import { defaultWorkers } from "../../engine/pipeline.js";
import { ConsoleProgress, type LogFormat } from "../../engine/progress.js";
import { lockStore, type StoreLock } from "../../store/store-lock.js";
import { writeV0Store } from "../../store/v0-store.js";
import { boolOption, flag, interruptSignal, logFormatOf, runCommand, workerCount, workersOption } from "../context.js";
import { hashingPlan } from "../embedding-setup.js";
import { printMigrateSummary, printStoreReport } from "../output.js";

interface DemoArgs {
  readonly dir?: string;
  readonly fresh?: string | boolean;
  readonly workers?: unknown;
  readonly logFormat?: string;
}

export const DEMO_DIR = "data/demo";
export const DEMO_DATABASE = "demo.duckdb";
export const DEMO_STORE = "datus_db_demo";

export const demoCommand = {
  command: "demo",
  describe: "build a sample DuckDB database and its v0 store under ./data/demo, migrate it, print the report",
  builder: (y: Argv) =>
    y
      .option("dir", { type: "string", default: DEMO_DIR, describe: "where the demo files live" })
      .option("fresh", boolOption("rebuild the v0 store (and its backups) even when it exists", false))
      .option("workers", workersOption())
      .option("log-format", { type: "string", choices: ["text", "json"], default: "text" })
      .example("$0 demo", "the whole pipeline on the embedded sample")
      .example("$0 demo --fresh && $0 report --namespace demo --details", "start over, then look at the gaps"),
  handler: (argv: ArgumentsCamelCase<DemoArgs>) =>
    runCommand(logFormatOf(argv), async () => {
      const format: LogFormat = argv.logFormat === "json" ? "json" : "text";
      const progress = new ConsoleProgress(format);
      const workers = argv.workers === undefined ? Math.min(2, defaultWorkers()) : workerCount(argv.workers, progress);
      const dir = path.resolve(argv.dir ?? DEMO_DIR);
      const dbFile = path.join(dir, DEMO_DATABASE);
      const storePath = path.join(dir, DEMO_STORE);
      fs.mkdirSync(dir, { recursive: true });
      await buildDemoDatabase(dbFile);
      if (flag("--fresh", argv.fresh, false)) {
        fs.rmSync(storePath, { recursive: true, force: true });
        for (const name of fs.readdirSync(dir)) if (name.startsWith(`${DEMO_STORE}.`)) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
      }
      if (!fs.existsSync(storePath)) {
        const written = await writeV0Store(storePath, await demoV0Definitions(dbFile));
        progress.log(`wrote a v0 store of ${written} tables: ${storePath}`);
      }
      const demoNamespace = { type: "duckdb", uri: dbFile };
      // opened once up front so that an unreadable file is a clear error before any work; the workers read it
      await (await openLiveSource(demoNamespace)).close();
      let lock: StoreLock | undefined;
      try {
        lock = lockStore(storePath, { command: "demo", create: true, progress });
        const outcome = await migrate({
          storePath,
          dialect: "duckdb",
          extractRelationships: true,
          statistics: { namespace: demoNamespace, maxConnections: 4 },
          force: false,
          dryRun: false,
          skipBackup: false,
          workers,
          // the demo runs anywhere: the offline hashing embedding, named as such in its config and datus_db.cfg
          embedding: hashingPlan(384),
          signal: interruptSignal(progress),
          progress,
        });
        printMigrateSummary(outcome, format);
        await printStoreReport(storePath, 10, format, false);
        if (format === "text") {
          process.stdout.write(`\nNext: datus-schema report --config conf/agent.yml --namespace demo --details\n      datus-schema rollback --db-path ${path.relative(process.cwd(), storePath) || storePath}\n`);
        }
        return outcome.status === "interrupted" ? 130 : 0;
      } finally {
        lock?.release();
      }
    }),
};
