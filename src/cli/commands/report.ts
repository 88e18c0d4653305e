/** `datus-schema report` (alias `check-migration-report`): coverage of a store of any version. Read-only. */
import type { Argv, ArgumentsCamelCase } from "yargs";
import { usageError } from "../../errors.js";
import { boolOption, type CommonArgs, flag, resolveContext, runCommand, withCommonOptions } from "../context.js";
import { printStoreReport } from "../output.js";

interface ReportArgs extends CommonArgs {
  readonly topTags?: number;
  readonly json?: string | boolean;
  readonly details?: string | boolean;
}

export const reportCommand = {
  command: "report",
  describe: "coverage report of a store (v0, v1 or mixed); never writes",
  builder: (y: Argv) =>
    withCommonOptions(y, { workers: false, dbPath: true })
      .option("top-tags", { type: "number", default: 10, describe: "how many business tags to list" })
      .option("json", boolOption("print the figures as one JSON object", false))
      .option("details", boolOption("list, per field, the tables that lack it, and the DDL parse failures", false))
      .example("$0 report --config conf/agent.yml --namespace demo", "fill rates of the demo store")
      .example("$0 report --db-path /custom/path/to/lancedb --top-tags=20", "a store given by path")
      .example("$0 report --namespace demo --json", "the same figures for scripts"),
  handler: (argv: ArgumentsCamelCase<ReportArgs>) =>
    runCommand(async () => {
      const topTags = argv.topTags ?? 10;
      if (!Number.isInteger(topTags) || topTags < 0) throw usageError(`--top-tags ${argv.topTags}: expected a whole number >= 0`);
      const json = flag("--json", argv.json, false);
      const details = flag("--details", argv.details, false);
      const ctx = resolveContext(argv, { live: false });
      await printStoreReport(ctx.storePath, topTags, json ? "json" : ctx.logFormat, details);
      return 0;
    }),
};
