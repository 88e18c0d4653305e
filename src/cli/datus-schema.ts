#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --heap-growing-percent=50 --no-parallel-scavenge
/** The `datus-schema` bin. */
import "./native-memory.js";
import "./native-logging.js";
import { hideBin } from "yargs/helpers";
import { runCli } from "./run-cli.js";

await runCli(hideBin(process.argv));
