#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --heap-growing-percent=50 --no-parallel-scavenge
/** The guide's name for `datus-schema bootstrap`. */
import "./native-memory.js";
import "./native-logging.js";
import { hideBin } from "yargs/helpers";
import { runCli } from "./run-cli.js";

await runCli(["bootstrap", ...hideBin(process.argv)]);
