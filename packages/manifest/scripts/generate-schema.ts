/** Writes w7s.schema.json from the manifest Schema; with `--check`, fails instead when the committed file is stale. */
import { readFileSync, writeFileSync } from "node:fs";
import { registerHooks } from "node:module";

// The sources import siblings as `./x.js` (what tsc and tsup expect); Node's type stripping needs `./x.ts`.
registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      if (specifier.startsWith(".") && specifier.endsWith(".js")) {
        return nextResolve(`${specifier.slice(0, -3)}.ts`, context);
      }
      throw error;
    }
  },
});

const { manifestJsonSchemaText } = await import("../src/jsonSchema.ts");
const target = new URL("../w7s.schema.json", import.meta.url);
const expected = manifestJsonSchemaText();

if (process.argv.includes("--check")) {
  let committed = "";
  try {
    committed = readFileSync(target, "utf8");
  } catch {
    // A missing file is stale too.
  }
  if (committed !== expected) {
    console.error(
      "packages/manifest/w7s.schema.json is stale: it does not match the manifest Schema. " +
        "Run `pnpm --filter @w7s/manifest generate` and commit the result.",
    );
    process.exit(1);
  }
  console.log("packages/manifest/w7s.schema.json is up to date.");
} else {
  writeFileSync(target, expected);
  console.log("Wrote packages/manifest/w7s.schema.json.");
}
