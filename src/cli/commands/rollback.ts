/** `datus-schema rollback`: put a store back as it was before datus-schema migrated it. */
import type { Argv, ArgumentsCamelCase } from "yargs";
import { rollback } from "../../engine/rollback.js";
import { lockStore } from "../../store/store-lock.js";
import { type CommonArgs, logFormatOf, resolveContext, runCommand, withCommonOptions } from "../context.js";
import { out } from "../output.js";
import { printable } from "../../printable.js";

export const rollbackCommand = {
  command: "rollback",
  describe: "restore a store to its state before the migration (recorded table version, else the newest backup directory)",
  builder: (y: Argv) =>
    withCommonOptions(y, { workers: false, dbPath: true })
      .example("$0 rollback --config conf/agent.yml --namespace demo", "undo the demo migration")
      .example("$0 rollback --db-path ~/.datus/data/datus_db_prod", "a store given by path"),
  handler: (argv: ArgumentsCamelCase<CommonArgs>) =>
    runCommand(logFormatOf(argv), async () => {
      const ctx = resolveContext(argv, { live: false, store: "write-or-missing" });
      // refused (exit 1, naming the holder) while another process writes the store
      const lock = lockStore(ctx.storePath, { command: "rollback", create: false, progress: ctx.progress });
      const outcome = await rollback(ctx.storePath, lock).finally(() => lock?.release());
      if (ctx.logFormat === "json") out(JSON.stringify({ event: "rollback", method: outcome.method, message: outcome.message }));
      else out(printable(outcome.message));
      return 0;
    }),
};
