/** `datus-schema`: one CLI, six commands. The bins call `runCli` (the alias bins with their command first). */
import yargs from "yargs";
import { bootstrapCommand } from "./commands/bootstrap.js";
import { demoCommand } from "./commands/demo.js";
import { embedCommand } from "./commands/embed.js";
import { migrateCommand } from "./commands/migrate.js";
import { reportCommand } from "./commands/report.js";
import { rollbackCommand } from "./commands/rollback.js";
import { usageError } from "../errors.js";
import { reportFailure } from "./failure.js";

/** `--log-format=json` / `--log-format json` among the raw arguments (for failures before a command reads them). */
function jsonRequested(args: readonly string[]): boolean {
  return args.some((a, i) => a === "--log-format=json" || (a === "--log-format" && args[i + 1] === "json") || a === "--json" || a === "--json=true");
}

/**
 * A reader that goes away (`report --details | head`) ends our output, not the command: later writes to that
 * stream are dropped, the command finishes and exits with its own status, as `git log | head` ends quietly.
 */
function toleratePipeClose(stream: NodeJS.WriteStream): void {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE" || err.code === "ERR_STREAM_DESTROYED") return;
    throw err;
  });
}

/** Whatever escapes a command (a rejected promise no one awaited, a throw in a callback) still ends as error + hint. */
function lastResort(format: "text" | "json"): void {
  const fail = (err: unknown): void => {
    process.exitCode = reportFailure(err, format);
    process.exit();
  };
  process.on("uncaughtException", fail);
  process.on("unhandledRejection", fail);
}

export async function runCli(args: string[]): Promise<void> {
  const format = jsonRequested(args) ? "json" : "text";
  toleratePipeClose(process.stdout);
  toleratePipeClose(process.stderr);
  lastResort(format);
  await yargs(args)
    .scriptName("datus-schema")
    .usage("$0 <command> [options]\n\nUpgrade Datus schema-metadata stores (LanceDB) from v0 to v1, and build them from live databases.")
    .command(migrateCommand)
    .command(reportCommand)
    .command(bootstrapCommand)
    .command(rollbackCommand)
    .command(embedCommand)
    .command(demoCommand)
    .demandCommand(1, "name a command: migrate, report, bootstrap, rollback, embed or demo")
    .strict()
    .recommendCommands()
    .epilogue("Exit codes: 0 done; 1 the work failed; 2 bad usage or config (nothing changed); 130 interrupted (committed work kept).")
    .fail((msg, err) => {
      // yargs's own complaints (unknown flag, missing value) come as YError: bad usage, exit 2
      const usage = !err || err.name === "YError";
      process.exitCode = reportFailure(usage ? usageError(msg ?? err.message, "run with --help for the options and examples") : err, format);
      process.exit();
    })
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .parseAsync();
}

