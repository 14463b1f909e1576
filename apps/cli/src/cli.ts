#!/usr/bin/env node
/** `w7s`: deploy, logs, usage, dev. */
import { runCli } from "./main.js";

void runCli(process.argv.slice(2));
