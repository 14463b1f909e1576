import { Result } from "effect";
import { strToU8 } from "fflate";
import { describe, expect, it } from "vitest";
import { collectBackendModules, importSpecifiers } from "./moduleGraph.js";

const files = (entries: Record<string, string>) =>
  new Map(Object.entries(entries).map(([path, text]) => [path, strToU8(text)]));
const backend = { entrypoint: "backend/index.ts", root: "backend" } as const;
const collect = (
  entries: Record<string, string>,
  entry: { entrypoint: string; root: "backend" | "worker" | "dist/server" } = backend,
) => collectBackendModules(files(entries), entry);
const message = (result: ReturnType<typeof collect>) =>
  Result.isFailure(result) ? result.failure.message : "succeeded";

describe("B.8 backend module graph", () => {
  it("follows relative imports breadth-first, strips types, and names modules inside the root", () => {
    const result = Result.getOrThrow(
      collect({
        "backend/index.ts":
          'import { a } from "./lib/a";\nimport type { T } from "./types.ts";\nexport * from "./lib/b.js";\nconst x: number = a;\nexport default { fetch: () => new Response(String(x)) };',
        "backend/lib/a.ts":
          'import { node } from "node:buffer";\nimport { DurableObject } from "cloudflare:workers";\nexport const a: number = 1;',
        "backend/lib/b.js": "export const b = 2;",
        "backend/types.ts": "export interface T { readonly a: number }",
        "backend/unused.ts": "export {}",
      }),
    );
    expect(result.mainModule).toBe("index.ts");
    expect(result.modules.map((module) => module.name)).toEqual([
      "index.ts",
      "lib/a.ts",
      "types.ts",
      "lib/b.js",
    ]);
    const index = result.modules[0]!.content;
    expect(index).toContain('from "./lib/a.ts"');
    expect(index).not.toContain(": number");
    expect(result.modules[2]!.content).toBe("export {};\n");
  });

  it("refuses an entrypoint that strips to nothing", () => {
    expect(message(collect({ "backend/index.ts": "export interface Only { readonly types: true }" }))).toBe(
      "TypeScript transpilation produced empty output for backend/index.ts.",
    );
  });

  it.each([
    [{ "backend/index.ts": "   " }, "Worker module backend/index.ts was not found in the deploy archive."],
    [
      { "backend/index.ts": 'import x from "hono";\nexport default x;' },
      "Native deploy currently supports only relative imports inside backend/. Unsupported import: hono",
    ],
    [
      { "backend/index.ts": 'import x from "./data.json";\nexport default x;', "backend/data.json": "{}" },
      "Could not resolve ./data.json from backend/index.ts.",
    ],
    [
      {
        "backend/index.ts": 'import x from "../shared/x.js";\nexport default x;',
        "shared/x.js": "export default 1",
      },
      "Could not resolve ../shared/x.js from backend/index.ts.",
    ],
  ])("refuses %j", (entries, expected) => {
    expect(message(collect(entries))).toBe(expected);
  });

  it("resolves archive-absolute specifiers, index files, and uploads everything with no_bundle", () => {
    const result = Result.getOrThrow(
      collect(
        {
          "worker/index.js": 'import "/worker/lib";\nexport default {}',
          "worker/lib/index.mjs": "export {}",
          "worker/lazy.js": "export default 1",
          "worker/wrangler.json":
            '{"no_bundle": true, "compatibility_flags": ["nodejs_compat", ""], "compatibility_date": "2026-01-01"}',
        },
        { entrypoint: "worker/index.js", root: "worker" },
      ),
    );
    expect(result.modules.map((module) => module.name).sort()).toEqual([
      "index.js",
      "lazy.js",
      "lib/index.mjs",
    ]);
    expect(result.compatibilityFlags).toEqual(["nodejs_compat"]);
    expect(result.compatibilityDate).toBe("2026-01-01");
  });

  it("finds static imports and re-exports, not dynamic imports or namespace re-exports", () => {
    expect(
      importSpecifiers(
        'import a from "./a";\nimport "./b";\nexport { c } from "./c";\nexport * as d from "./d";\nconst e = import("./e");',
      ),
    ).toEqual(["./a", "./b", "./c"]);
  });
});
