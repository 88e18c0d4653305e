/** `datus-schema`: one CLI, six commands. The bins call `runCli` (the alias bins with their command first). */
import yargs from "yargs";
import { bootstrapCommand } from "./commands/bootstrap.js";
import { demoCommand } from "./commands/demo.js";
import { embedCommand } from "./commands/embed.js";
import { migrateCommand } from "./commands/migrate.js";
import { reportCommand } from "./commands/report.js";
import { rollbackCommand } from "./commands/rollback.js";

export async function runCli(args: string[]): Promise<void> {
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
    .fail((msg, err, y) => {
      if (err) throw err;
      void y;
      process.stderr.write(`error: ${msg}\nhint: run with --help for the options and examples\n`);
      process.exit(2);
    })
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .parseAsync();
}

