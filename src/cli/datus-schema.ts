#!/usr/bin/env node
/** The `datus-schema` bin. */
import { hideBin } from "yargs/helpers";
import { runCli } from "./run-cli.js";

await runCli(hideBin(process.argv));
