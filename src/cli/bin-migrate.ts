#!/usr/bin/env node
/** The guide's name for `datus-schema migrate`. */
import { hideBin } from "yargs/helpers";
import { runCli } from "./run-cli.js";

await runCli(["migrate", ...hideBin(process.argv)]);
