/** `node dist/prepare.js [--root DIR] [--out FILE] [--secrets-out FILE] [--main FILE]`: see ../prepare.ts. */
import { parseArgs } from "node:util";
import { runScript } from "../cli.js";
import { prepare } from "../prepare.js";

const { values } = parseArgs({
  options: {
    root: { type: "string" },
    out: { type: "string" },
    "secrets-out": { type: "string" },
    main: { type: "string" },
  },
});
await runScript(
  prepare(process.env, {
    root: values.root,
    configPath: values.out,
    secretsPath: values["secrets-out"],
    mainPath: values.main,
  }),
);
