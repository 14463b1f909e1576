/** `node dist/reconcileRoutes.js [--dry-run]`: see ../reconcileRoutes.ts. */
import { parseArgs } from "node:util";
import { runScript } from "../cli.js";
import { reconcileRoutes } from "../reconcileRoutes.js";

const { values } = parseArgs({ options: { "dry-run": { type: "boolean" } } });
await runScript(reconcileRoutes(process.env, { dryRun: values["dry-run"] }));
