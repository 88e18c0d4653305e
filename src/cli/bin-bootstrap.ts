#!/usr/bin/env node
/** The guide's name for `datus-schema bootstrap`. */
import { hideBin } from "yargs/helpers";
import { runCli } from "./run-cli.js";

await runCli(["bootstrap", ...hideBin(process.argv)]);
