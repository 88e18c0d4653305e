/** `datus-schema report` (alias `check-migration-report`): coverage of a store of any version. Read-only. */
import type { Argv, ArgumentsCamelCase } from "yargs";
import { parseBoolFlag } from "../../config/load-config.js";
import { boolOption, type CommonArgs, flag, logFormatOf, numberOption, resolveContext, runCommand, wholeNumber, withCommonOptions } from "../context.js";
import { printStoreReport } from "../output.js";

interface ReportArgs extends CommonArgs {
  readonly topTags?: unknown;
  readonly json?: string | boolean;
  readonly details?: string | boolean;
}

export const reportCommand = {
  command: "report",
  describe: "coverage report of a store (v0, v1 or mixed); never writes",
  builder: (y: Argv) =>
    withCommonOptions(y, { workers: false, dbPath: true })
      .option("top-tags", numberOption("how many business tags to list (default 10)"))
      .option("json", boolOption("print the figures as one JSON object", false))
      .option("details", boolOption("list, per field, the tables that lack it, and the DDL parse failures", false))
      .example("$0 report --config conf/agent.yml --namespace demo", "fill rates of the demo store")
      .example("$0 report --db-path /custom/path/to/lancedb --top-tags=20", "a store given by path")
      .example("$0 report --namespace demo --json", "the same figures for scripts"),
  handler: (argv: ArgumentsCamelCase<ReportArgs>) =>
    runCommand(wantsJson(argv) ? "json" : logFormatOf(argv), async () => {
      const topTags = wholeNumber("--top-tags", argv.topTags, 10);
      const json = flag("--json", argv.json, false);
      const details = flag("--details", argv.details, false);
      const ctx = resolveContext(argv, { live: false, store: "read" });
      await printStoreReport(ctx.storePath, topTags, json ? "json" : ctx.logFormat, details);
      return 0;
    }),
};

/** `--json` asked for, read leniently: a failure of `report --json` is a JSON object too. */
function wantsJson(argv: ReportArgs): boolean {
  if (argv.json === undefined) return false;
  try {
    return argv.json === "" || parseBoolFlag("--json", argv.json);
  } catch {
    return false;
  }
}
