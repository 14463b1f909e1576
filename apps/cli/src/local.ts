#!/usr/bin/env node
/** `w7s-local`: the same as `w7s dev`, so that the documented `npx w7s-local ...` commands keep working. */
import { runCli } from "./main.js";

void runCli(["dev", ...process.argv.slice(2)]);
