/**
 * Builds the action's one bundled file, `dist/index.js` (committed: GitHub runs it straight from the
 * repository). `--check` builds in memory and fails when the committed file is not the current build.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { build } from "esbuild";

const root = join(import.meta.dirname, "..");
const outfile = join(root, "dist/index.js");
const check = process.argv.includes("--check");

const result = await build({
  entryPoints: [join(root, "src/action/main.ts")],
  bundle: true,
  platform: "node",
  target: "node24",
  format: "esm",
  conditions: ["source"],
  mainFields: ["module", "main"],
  legalComments: "none",
  charset: "utf8",
  treeShaking: true,
  write: false,
  outfile,
  absWorkingDir: root,
  banner: {
    js: "// The W7S deploy action, bundled from packages/action/src by scripts/bundle.ts. Do not edit.",
  },
  logLevel: "warning",
});
const bundled = result.outputFiles[0]!.text;

if (check) {
  let committed = "";
  try {
    committed = readFileSync(outfile, "utf8");
  } catch {}
  if (committed !== bundled) {
    console.error(
      "packages/action/dist/index.js is not the current build: run `pnpm --filter @w7s/action bundle` and commit it.",
    );
    process.exit(1);
  }
  console.log(`packages/action/dist/index.js is current (${bundled.length} bytes).`);
} else {
  // Left alone when current, so a concurrent --check never reads a file being rewritten.
  let committed: string | undefined;
  try {
    committed = readFileSync(outfile, "utf8");
  } catch {}
  if (committed !== bundled) {
    mkdirSync(dirname(outfile), { recursive: true });
    writeFileSync(outfile, bundled);
  }
  console.log(
    `packages/action/dist/index.js ${committed === bundled ? "is current" : "written"} (${bundled.length} bytes)`,
  );
}
