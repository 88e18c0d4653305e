#!/usr/bin/env node
/** The guide's name for `datus-schema report`. */
import { hideBin } from "yargs/helpers";
import { runCli } from "./run-cli.js";

await runCli(["report", ...hideBin(process.argv)]);
